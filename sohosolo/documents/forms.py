"""The upload form: a file is judged by its bytes (sohosolo.intranet.uploads), not by its name or the type the
browser claims."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sohosolo.documents.models import Document, clean_name
from sohosolo.intranet.uploads import check_document, max_bytes

# Text that a browser would run as a page or an image with scripts: never kept on a file, whatever its name.
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|svg|object|embed|meta|\?xml)\b", re.IGNORECASE)


def is_markup(upload) -> bool:
    upload.seek(0)
    head = upload.read(65536)
    upload.seek(0)
    return bool(MARKUP.search(head))


class DocumentForm(forms.ModelForm):
    # No max_length: the name on disk is made by the platform; the uploader's name is cut to fit (clean_name).
    file = forms.FileField(label=_("File"))

    class Meta:
        model = Document
        fields = ["file", "kind", "description", "shared_with_committee"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, image (JPEG, PNG, WebP), office document or text; %(max)s at most. Checked by its content."
        ) % {"max": filesizeformat(max_bytes())}
        self.content_type = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = check_document(upload)
        if self.content_type == "text/plain" and is_markup(upload):
            raise ValidationError(
                gettext("A web page or a script is not accepted. Send a PDF, an image, an office document or text."),
                code="file_type",
            )
        return upload

    def save(self, commit: bool = True) -> Document:
        document = super().save(commit=False)
        upload = self.cleaned_data["file"]
        document.content_type, document.size = self.content_type, upload.size
        document.original_name = clean_name(upload.name)
        if commit:
            document.save()
        return document


class HouseholdDocumentForm(DocumentForm):
    """A document the household sends its advisor from its personal space (never shared by itself)."""

    class Meta(DocumentForm.Meta):
        fields = ["file", "kind", "description"]
        labels = {"kind": _("What it is"), "description": _("A word for your advisor (optional)")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A visit's photos are the team's (taken on a visit); the household sends its own papers.
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != Document.Kind.VISIT_PHOTO]
