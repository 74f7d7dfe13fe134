from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from sohosolo.correspondence.models import PLACEHOLDER_HELP, EmailTemplate
from sohosolo.correspondence.services import MAX_ATTACHMENTS_SIZE, template_choices


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["name"].help_text = gettext_lazy(
            "The same name in each language: the version in the household's language is chosen when writing."
        )

    def clean(self) -> dict:
        data = super().clean()
        name, language = data.get("name"), data.get("language")
        others = EmailTemplate.objects.filter(territory=self.territory, name=name, language=language)
        if name and language and others.exclude(pk=self.instance.pk).exists():
            self.add_error("name", _("This template already has a version in this language."))
        return data


class RecipientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person) -> str:
        return f"{person.full_name} <{person.email}>"


class DocumentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, document) -> str:
        return f"{document.original_name} ({filesizeformat(document.size)})"


class ComposeForm(forms.Form):
    """An email to one member of the household; its text keeps the placeholders until it is previewed or sent."""

    recipient = RecipientChoiceField(queryset=None, label=pgettext_lazy("an email's recipient", "To"), empty_label=None)
    language = forms.ChoiceField(label=gettext_lazy("Language of the email"), choices=settings.LANGUAGES)
    template = forms.ChoiceField(label=gettext_lazy("Start from a template"), required=False)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 16}), help_text=PLACEHOLDER_HELP
    )
    attachments = DocumentChoiceField(
        queryset=None,
        label=gettext_lazy("Documents of the file to attach"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, household, recipients, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields["recipient"].queryset = recipients
        language = self["language"].value() or household.language
        self.fields["template"].choices = [("", "—"), *template_choices(household.territory, language)]
        self.fields["attachments"].queryset = household.documents.order_by("-uploaded_at", "-pk")

    def clean_attachments(self):
        documents = self.cleaned_data["attachments"]
        if sum(d.size for d in documents) > MAX_ATTACHMENTS_SIZE:
            raise forms.ValidationError(
                _("Together the documents weigh more than %(size)s, too much for an email: choose fewer.")
                % {"size": filesizeformat(MAX_ATTACHMENTS_SIZE)}
            )
        return documents
