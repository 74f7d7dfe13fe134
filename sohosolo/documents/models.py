"""Documents on a household's file: a CV, a business plan, a proof of funding, photos of a visit.

The files are private (sohosolo.lib.storage): no URL of their own, served only by the views that check who asks.
A file on disk goes with its row, once the transaction that deleted the row commits (receivers.remove_file)."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.intranet.uploads import ALLOWED_TYPES
from sohosolo.lib.storage import private_storage

NAME_MAX = 200


def document_path(document: Document, filename: str) -> str:
    """documents/<territory code>/<random name><extension of the type read from the content>: nothing the uploader
    typed reaches the disk."""
    return f"documents/{document.household.territory.code}/{uuid.uuid4().hex}{document.extension}"


def clean_name(name: str | None) -> str:
    """The name the uploader's file had, without any folder, cut to fit (its extension kept)."""
    name = PurePath((name or "").replace("\\", "/")).name.strip() or "document"
    if len(name) <= NAME_MAX:
        return name
    suffix = PurePath(name).suffix[:20]
    return name[: NAME_MAX - len(suffix)] + suffix


class DocumentQuerySet(models.QuerySet):
    def for_committee(self) -> DocumentQuerySet:
        """The documents the team chose to share with the village committees (whose consent is checked apart)."""
        return self.filter(shared_with_committee=True)


class Document(models.Model):
    class Kind(models.TextChoices):
        CV = "cv", _("CV")
        BUSINESS_PLAN = "business_plan", _("Business plan")
        FUNDING = "funding", _("Proof of funding")
        VISIT_PHOTO = "visit_photo", _("Photo of a visit")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        "prospects.Household", models.CASCADE, related_name="documents", verbose_name=_("household")
    )
    kind = models.CharField(_("kind of document"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(_("description"), max_length=300, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=NAME_MAX)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    shared_with_committee = models.BooleanField(
        _("shared with the village committees"),
        default=False,
        help_text=_("Only if the household agreed to share their project with the committees."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("added by")
    )
    added_by_household = models.BooleanField(_("added by the household"), default=False)
    uploaded_at = models.DateTimeField(_("added on"), default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["household", "-uploaded_at"], name="documents_household_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("documents:download", args=[self.household.territory.code, self.household_id, self.pk])

    @property
    def extension(self) -> str:
        return ALLOWED_TYPES.get(self.content_type, ("", ""))[0]

    @property
    def type_label(self) -> str:
        return ALLOWED_TYPES.get(self.content_type, ("", self.content_type))[1]


def documents_of(household) -> DocumentQuerySet:
    """The documents of a household's file, newest first, with who added them: one query."""
    return household.documents.select_related("uploaded_by")
