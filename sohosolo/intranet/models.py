"""The intranet of a territory: news from the team, discussions, a documents library and the members' notice board.

Who sees what (sohosolo/intranet/access.py): the team (managers, advisors, platform admins) sees everything of its
territories; volunteers see what is meant for volunteers and the team-with-villages discussions; club members what
is meant for members, the club's discussions and the notice board; partners only what is meant for everyone signed in.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.intranet.markdown import render_markdown
from sohosolo.intranet.uploads import ALLOWED_TYPES
from sohosolo.lib.storage import private_storage
from sohosolo.territory.models import Territory


class Audience(models.TextChoices):
    VOLUNTEERS = "volunteers", _("Village volunteers")
    MEMBERS = "members", _("Club members")
    EVERYONE = "everyone", _("Everyone signed in")


class Space(models.TextChoices):
    """Where a discussion takes place: the team with the villages' volunteers, or the club's members."""

    VILLAGES = "villages", _("Team and villages")
    CLUB = "club", _("Club")


class MarkdownBody(models.Model):
    body = models.TextField(
        _("text"), max_length=20000, help_text=_("Markdown: **bold**, *italic*, lists with -, links [text](https://…).")
    )
    body_html = models.TextField(editable=False, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        # Rendered and sanitised once, when written: pages and digests show the stored HTML.
        self.body_html = render_markdown(self.body)
        if kwargs.get("update_fields") and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)


class Post(MarkdownBody):
    territory = models.ForeignKey(Territory, models.CASCADE, related_name="intranet_posts", verbose_name=_("territory"))
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices, default=Audience.EVERYONE)
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    published_at = models.DateTimeField(_("published on"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)

    class Meta:
        verbose_name = _("news post")
        verbose_name_plural = _("news posts")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["territory", "audience", "-published_at"], name="intranet_post_audience_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("intranet:post_detail", args=[self.territory.code, self.pk])


class Thread(MarkdownBody):
    territory = models.ForeignKey(
        Territory, models.CASCADE, related_name="intranet_threads", verbose_name=_("territory")
    )
    space = models.CharField(_("space"), max_length=10, choices=Space.choices)
    title = models.CharField(_("subject"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("started on"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    reply_count = models.PositiveIntegerField(_("replies"), default=0)

    class Meta:
        verbose_name = _("discussion")
        verbose_name_plural = _("discussions")
        ordering = ["-last_activity_at", "-pk"]
        indexes = [models.Index(fields=["territory", "space", "-last_activity_at"], name="intranet_thread_space_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("intranet:thread_detail", args=[self.territory.code, self.space, self.pk])


class Reply(MarkdownBody):
    thread = models.ForeignKey(Thread, models.CASCADE, related_name="replies", verbose_name=_("discussion"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("written on"), default=timezone.now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "created_at"], name="intranet_reply_thread_idx")]

    def __str__(self) -> str:
        return f"{self.thread} — {self.author}"


def document_path(document: Document, filename: str) -> str:
    # A random name: the original one is kept in the database, never used on disk.
    return f"intranet/{document.territory_id}/{secrets.token_hex(16)}{document.extension}"


class Document(models.Model):
    territory = models.ForeignKey(
        Territory, models.CASCADE, related_name="intranet_documents", verbose_name=_("territory")
    )
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices, default=Audience.EVERYONE)
    title = models.CharField(_("title"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, storage=private_storage, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("added by")
    )
    uploaded_at = models.DateTimeField(_("added on"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["territory", "audience", "-uploaded_at"], name="intranet_doc_audience_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("intranet:document_download", args=[self.territory.code, self.pk])

    @property
    def extension(self) -> str:

        return ALLOWED_TYPES.get(self.content_type, ("", ""))[0]


class NoticeRequest(models.Model):
    """A request for collaboration between club members: a skill needed, or an offer of help."""

    class Kind(models.TextChoices):
        NEED = "need", _("Skill needed")
        OFFER = "offer", _("Offer of help")

    territory = models.ForeignKey(
        Territory, models.CASCADE, related_name="notice_requests", verbose_name=_("territory")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NEED)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    skills = models.CharField(
        _("skills"), max_length=200, blank=True, help_text=_("Comma-separated, for instance: accounting, website")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notice_requests", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("posted on"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice-board request")
        verbose_name_plural = _("notice-board requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["territory", "closed_at", "-created_at"], name="intranet_notice_open_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("intranet:notice_detail", args=[self.territory.code, self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def skill_list(self) -> list[str]:
        return [skill.strip() for skill in self.skills.split(",") if skill.strip()]


class NoticeMessage(models.Model):
    """A message about a request, between its author and one other member, sent by email without their addresses."""

    request = models.ForeignKey(NoticeRequest, models.CASCADE, related_name="messages", verbose_name=_("request"))
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("from"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("to"))
    body = models.TextField(_("message"), max_length=5000)
    sent_at = models.DateTimeField(_("sent on"), default=timezone.now)

    class Meta:
        verbose_name = _("notice-board message")
        verbose_name_plural = _("notice-board messages")
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["request", "sent_at"], name="intranet_notice_msg_idx")]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient}"


class DigestDelivery(models.Model):
    """One weekly digest sent to one person: the unique week makes the job safe to run again or twice at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user"))
    week = models.DateField(_("week starting on"))
    item_count = models.PositiveSmallIntegerField(_("items"), default=0)
    sent_at = models.DateTimeField(_("sent on"), default=timezone.now)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="intranet_digest_once_a_week")]

    def __str__(self) -> str:
        return f"{self.user} — {self.week}"
