from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sohosolo.lib import forms as choice_fields
from sohosolo.privacy.models import RightsRequest
from sohosolo.prospects.forms import ApplicationForm
from sohosolo.prospects.models import PROJECT_FIELDS, Household

# What the household may change itself: its project and wishes (not the team's fields, not the stage).
SPACE_PROJECT_FIELDS = [name for name in PROJECT_FIELDS if name != "source"] + ["language"]


class LinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"), max_length=254, widget=forms.EmailInput({"autocomplete": "email"})
    )


class SpaceRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Your request"),
        choices=[
            (RightsRequest.Kind.RECTIFICATION, _("Correct my names or contact details")),
            (RightsRequest.Kind.OBJECTION, _("Object to a use of my data")),
        ],
    )
    details = forms.CharField(label=_("What should change?"), max_length=2000, widget=forms.Textarea({"rows": 3}))


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = SPACE_PROJECT_FIELDS
        widgets = {"project": forms.Textarea({"rows": 5})}
        labels = {**ApplicationForm.Meta.labels, "language": _("Language for our emails")}


class RightsRequestForm(forms.ModelForm):
    household_number = forms.IntegerField(
        label=_("Prospect's file number"), min_value=1, help_text=_("The number shown on the prospect's file.")
    )

    class Meta:
        model = RightsRequest
        fields = ["kind", "received_on", "details"]
        widgets = {"received_on": forms.DateInput({"type": "date"}), "details": forms.Textarea({"rows": 4})}

    def __init__(self, territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["received_on"].help_text = _("The answer is due one month later.")

    def clean_household_number(self):
        number = self.cleaned_data["household_number"]
        household = Household.objects.current().filter(territory=self.territory, pk=number).first()
        if household is None:
            raise forms.ValidationError(_("No file of this territory has this number."))
        self.household = household
        return number


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(RightsRequest.Status.DONE, _("Answered")), (RightsRequest.Status.REFUSED, _("Refused"))],
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(
        label=_("What was done or answered"),
        widget=forms.Textarea({"rows": 4}),
        max_length=4000,
        help_text=_("A refusal must give its reason (and mention the right to complain to the CNIL)."),
    )


class AccessLogFilterForm(forms.Form):
    person = forms.CharField(
        label=_("Person"), required=False, max_length=100, help_text=_("A file number, or a name.")
    )
    user = choice_fields.ModelChoiceField(label=_("User"), required=False, queryset=None, empty_label=_("Anyone"))
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=80,
        help_text=_("For instance prospect.read, or prospect. for every action on files."),
        widget=forms.TextInput({"list": "known-actions"}),
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput({"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, users, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data
