"""Where files with personal or staff-only data live: a private place, never under MEDIA_URL (the intranet's
documents, the annual reports, the uploaded import files). Only a view that checks who asks serves them
(intranet.views.document_download, results.views.report_download); the public media hold only what is public (the
villages' and offers' photos, the territories' logos, the club members' photos they publish)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on disk under PRIVATE_MEDIA_ROOT (default: DATA_DIR/private), with no URL at all.

    Read from the settings each time, so that tests pointing DATA_DIR elsewhere write there."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        root = getattr(settings, "PRIVATE_MEDIA_ROOT", None) or Path(settings.DATA_DIR) / "private"
        return str(root)

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    def url(self, name: str) -> str:
        raise ValueError("Private documents have no public URL: serve them through a view that checks access.")


def private_storage() -> Storage:
    """On disk: the private folder. With S3-compatible storage (S3_BUCKET): the same private bucket as the media,
    whose files are reachable only through signed links, which the platform never hands out."""
    if settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        return PrivateFileSystemStorage()
    return storages["default"]


def move_to_private(model_label: str):
    """A migration step: the files of `model_label`'s `file` field written before to the public media move to the
    private storage, under the same name (S3: one private bucket already, nothing to move)."""

    def move(apps, schema_editor):
        public, private = storages["default"], private_storage()
        if public is private:
            return
        model = apps.get_model(model_label)
        for row in model.objects.exclude(file="").only("pk", "file"):
            name = row.file.name
            if not public.exists(name):
                continue
            with public.open(name, "rb") as content:
                saved = private.save(name, content)
            public.delete(name)
            if saved != name:
                model.objects.filter(pk=row.pk).update(file=saved)

    return move
