"""Photos of a village or of a housing offer: the picture and its thumbnail, resized for the web before anything is
saved, a description for people who cannot see it, and their order."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sohosolo.lib.images import process_photo


def photo_model(
    shows: str, upload_to: Callable[[models.Model, str], str], description_help_text: str, **image_options
) -> type[models.Model]:
    """An abstract model of photos stored by `upload_to`, ordered within what they show (the foreign key named
    `shows`, which the subclass declares).

    A function rather than one abstract model, so that each app keeps the `upload_to` and help text its migrations
    name, and the fields their order (the admin shows them in it).
    """

    class Photo(models.Model):
        image = models.ImageField(_("photo"), upload_to=upload_to, **image_options)
        thumbnail = models.ImageField(_("thumbnail"), upload_to=upload_to, blank=True)
        description = models.CharField(_("description"), max_length=200, help_text=description_help_text)
        position = models.PositiveSmallIntegerField(_("order"), default=0)
        uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

        class Meta:
            abstract = True
            verbose_name = _("photo")
            verbose_name_plural = _("photos")
            ordering = [shows, "position", "uploaded_at"]

        def __str__(self) -> str:
            return self.description

        def delete_with_files(self) -> None:
            """Delete the photo, and its picture and thumbnail from the storage."""
            self.image.delete(save=False)
            self.thumbnail.delete(save=False)
            self.delete()

    return Photo


class PhotoForm(forms.ModelForm):
    """Adds a photo: the upload is checked and resized (picture and thumbnail) before it is saved.

    A subclass names the model, in a `Meta` inheriting this one."""

    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, up to %(max)s MB. It is resized for the web.")
        % {"max": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput({"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        fields = ["image", "description"]

    def clean_image(self):
        self.processed = process_photo(self.cleaned_data["image"], max_bytes=settings.PHOTO_MAX_BYTES)
        return self.cleaned_data["image"]

    def save(self, commit: bool = True) -> models.Model:
        photo = super().save(commit=False)
        photo.image = self.processed.main
        photo.thumbnail = self.processed.thumbnail
        if commit:
            photo.save()
        return photo
