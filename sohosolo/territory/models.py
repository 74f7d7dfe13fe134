"""Territories (one programme per département) and their partner villages.

This is the minimal part the foundation needs so that roles can point at a scope; the territory issue adds the
official communes data, goals, branding and the villages' pages.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

departement_validator = RegexValidator(
    r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$", _("Enter a French département code, for instance 32 or 2A.")
)


class Territory(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Short name used in addresses."))
    name = models.CharField(_("name"), max_length=120)
    departement = models.CharField(_("département"), max_length=3, validators=[departement_validator])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("territory:detail", args=[self.code])


class Village(models.Model):
    """A partner village (village d'accueil) of a territory's programme."""

    territory = models.ForeignKey(Territory, models.CASCADE, related_name="villages", verbose_name=_("territory"))
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140)

    class Meta:
        verbose_name = _("partner village")
        verbose_name_plural = _("partner villages")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["territory", "slug"], name="village_unique_slug_per_territory")]

    def __str__(self) -> str:
        return self.name
