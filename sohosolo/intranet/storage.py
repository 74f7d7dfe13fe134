"""Where the intranet's documents live: a private place, never under MEDIA_URL. Only a view that checks who asks
serves them (sohosolo/intranet/views.py, document_download)."""

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


def document_storage() -> Storage:
    """On disk: the private folder. With S3-compatible storage (S3_BUCKET): the same private bucket as the media,
    whose files are reachable only through signed links, which the intranet never hands out."""
    if settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        return PrivateFileSystemStorage()
    return storages["default"]
