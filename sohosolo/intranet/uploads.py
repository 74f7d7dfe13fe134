"""Documents uploaded to the intranet are judged by their bytes, not by the name or type the browser claims."""

from __future__ import annotations

import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# MIME type read from the content → (extension on disk, what people call it).
ALLOWED_TYPES = {
    "application/pdf": (".pdf", "PDF"),
    "image/jpeg": (".jpg", "JPEG"),
    "image/png": (".png", "PNG"),
    "image/webp": (".webp", "WebP"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx", "Word"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx", "Excel"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx", "PowerPoint"),
    "application/vnd.oasis.opendocument.text": (".odt", "OpenDocument"),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods", "OpenDocument"),
    "text/plain": (".txt", "Text"),
}
OFFICE_MARKERS = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def max_bytes() -> int:
    return getattr(settings, "INTRANET_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)


def sniff(upload: UploadedFile) -> str | None:
    """The MIME type the content shows, or None when it is none of the accepted kinds."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime == "application/zip" or (mime is None and head.startswith(b"PK\x03\x04")):
        mime = office_type(upload)
    elif mime is None and is_plain_text(upload):
        mime = "text/plain"
    return mime if mime in ALLOWED_TYPES else None


def office_type(upload: UploadedFile) -> str | None:
    """Office Open XML and OpenDocument files are zip archives: look inside for what they hold."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in ALLOWED_TYPES else None
            if "[Content_Types].xml" in names:
                for prefix, mime in OFFICE_MARKERS.items():
                    if any(name.startswith(prefix) for name in names):
                        return mime
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    return None


def is_plain_text(upload: UploadedFile) -> bool:
    upload.seek(0)
    sample = upload.read(65536)
    upload.seek(0)
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the sample's end is still text.
        return error.start >= len(sample) - 3
    return True


def check_document(upload: UploadedFile) -> str:
    """The content's MIME type; ValidationError with a message for the person when the file is refused."""
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_bytes():
        raise ValidationError(
            _("The file weighs %(size)s; the largest accepted is %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes())},
            code="too_large",
        )
    mime = sniff(upload)
    if mime is None:
        raise ValidationError(
            _("This kind of file is not accepted. Send a PDF, an image (JPEG, PNG, WebP), an office document or text."),
            code="file_type",
        )
    if mime == "application/pdf" and not pdf_looks_whole(upload):
        raise ValidationError(_("This PDF seems damaged or incomplete: it cannot be opened."), code="damaged_pdf")
    return mime


def pdf_looks_whole(upload: UploadedFile) -> bool:
    """A PDF starts with %PDF- and ends with %%EOF (a truncated upload does not)."""
    upload.seek(0)
    start = upload.read(5)
    upload.seek(max(0, upload.size - 1024))
    tail = upload.read()
    upload.seek(0)
    return start == b"%PDF-" and b"%%EOF" in tail
