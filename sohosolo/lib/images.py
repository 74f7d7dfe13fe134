"""Uploaded images: checked to be real pictures of a sensible size, then resized, before anything is saved."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # refuses "decompression bombs" long before memory runs out


@dataclass
class ProcessedImage:
    main: ContentFile
    thumbnail: ContentFile


def _resized(image: Image.Image, longest_side: int, stem: str) -> ContentFile:
    """`image` no larger than `longest_side`: PNG when it has transparency (logos), JPEG otherwise (photos)."""
    copy = image.copy()
    copy.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if copy.mode == "RGBA":
        copy.save(buffer, "PNG", optimize=True)
        return ContentFile(buffer.getvalue(), name=f"{stem}.png")
    copy.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=f"{stem}.jpg")


def process_photo(
    upload, max_bytes: int, longest_side: int = 1600, thumbnail_side: int = 480, keep_transparency: bool = False
) -> ProcessedImage:
    """Check `upload` is a JPEG, PNG or WebP picture of at most `max_bytes`; return it resized (and a thumbnail).

    Photos become JPEG; with `keep_transparency` (logos) a transparent picture stays a PNG.
    Raises ValidationError with a message for the person who uploaded it."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("This file weighs %(size)s; a photo may weigh at most %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    not_a_photo = ValidationError(_("This file is not a photo: send a JPEG, PNG or WebP picture."), code="not_image")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise not_a_photo
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("This picture has too many pixels; send a smaller one."), code="too_big")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            transparent = keep_transparency and (image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info)
            image = ImageOps.exif_transpose(image).convert("RGBA" if transparent else "RGB")
            stem = (getattr(upload, "name", "") or "photo").rsplit("/", 1)[-1].rsplit(".", 1)[0][:60] or "photo"
            return ProcessedImage(
                main=_resized(image, longest_side, stem), thumbnail=_resized(image, thumbnail_side, f"{stem}-small")
            )
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise not_a_photo from error
