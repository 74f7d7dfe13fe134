from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sohosolo.intranet.models import Document, NoticeMessage, NoticeRequest, Post, Reply, Thread
from sohosolo.intranet.uploads import check_document


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "audience", "body"]
        widgets = {"body": forms.Textarea({"rows": 12}), "audience": forms.RadioSelect}


class ThreadForm(forms.ModelForm):
    class Meta:
        model = Thread
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea({"rows": 8})}


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Reply
        fields = ["body"]
        labels = {"body": _("Your reply")}
        widgets = {"body": forms.Textarea({"rows": 5})}


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["title", "description", "audience", "file"]
        widgets = {"audience": forms.RadioSelect}
        help_texts = {"file": _("PDF, image, office document or text; 20 MB at most. Checked by its content.")}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = check_document(upload)
        return upload


class NoticeRequestForm(forms.ModelForm):
    class Meta:
        model = NoticeRequest
        fields = ["kind", "title", "description", "skills"]
        widgets = {"kind": forms.RadioSelect, "description": forms.Textarea({"rows": 6})}


class NoticeMessageForm(forms.ModelForm):
    class Meta:
        model = NoticeMessage
        fields = ["body"]
        labels = {"body": _("Your message")}
        help_texts = {"body": _("Sent by email through the platform: neither address is shown to the other.")}
        widgets = {"body": forms.Textarea({"rows": 5})}
