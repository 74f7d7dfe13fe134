from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sohosolo.campaigns.models import Audience, Campaign
from sohosolo.prospects.models import SavedView


class SavedViewChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, view: SavedView) -> str:
        return f"{view.name} ({view.user})"


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["audience", "saved_view", "subject_fr", "body_fr", "subject_en", "body_en"]
        field_classes = {"saved_view": SavedViewChoiceField}
        widgets = {
            "audience": forms.RadioSelect,
            "body_fr": forms.Textarea({"rows": 12}),
            "body_en": forms.Textarea({"rows": 12}),
        }

    def __init__(self, territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The saved views of everyone in the team: a campaign prepared by one advisor may be finished by another.
        self.fields["saved_view"].queryset = SavedView.objects.filter(territory=territory).select_related("user")
        self.fields["saved_view"].empty_label = _("Choose a saved view")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("audience") == Audience.SAVED_VIEW and not data.get("saved_view"):
            self.add_error("saved_view", _("Choose the saved view of the prospects list to send to."))
        if data.get("audience") != Audience.SAVED_VIEW:
            data["saved_view"] = None
        if bool((data.get("subject_en") or "").strip()) != bool((data.get("body_en") or "").strip()):
            self.add_error("body_en", _("Give the English version both a subject and a text, or leave both empty."))
        return data
