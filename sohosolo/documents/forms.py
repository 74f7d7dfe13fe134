"""The upload form: a file is judged by its bytes (sohosolo.intranet.uploads), not by its name or the type the
browser claims."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from sohosolo.documents.models import Document, clean_name
from sohosolo.intranet.uploads import check_document, max_bytes


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
        return upload

    def save(self, commit: bool = True) -> Document:
        document = super().save(commit=False)
        upload = self.cleaned_data["file"]
        document.content_type, document.size = self.content_type, upload.size
        document.original_name = clean_name(upload.name)
        if commit:
            document.save()
        return document
