from __future__ import annotations

import re
import time
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.lib import forms as choice_fields
from sohosolo.privacy.consents import WORDINGS
from sohosolo.privacy.models import Consent
from sohosolo.prospects.models import (
    PROJECT_FIELDS,
    Activity,
    FollowUp,
    Household,
    Interaction,
    Person,
    Source,
    Stage,
    Tag,
)
from sohosolo.prospects.services import likely_duplicates, team_of
from sohosolo.territory.models import Commune, Territory, Village

FORM_TIMESTAMP_SALT = "sohosolo.prospects.application-started"
MIN_FILL_SECONDS = 4  # people take longer than this; robots do not
MAX_FORM_AGE = 24 * 3600

HOUSEHOLD_FIELDS = PROJECT_FIELDS
NEED_FIELDS = [f for f in HOUSEHOLD_FIELDS if f.startswith("needs_")]


def parse_ages(text: str) -> list[int]:
    """ "3, 7 et 12" → [3, 7, 12]; raises ValueError when a number is not a plausible child's age."""
    ages = [int(n) for n in re.findall(r"\d+", text or "")]
    if any(age > 25 for age in ages):
        raise ValueError
    return ages


class ApplicationForm(forms.ModelForm):
    """ "My settling project": the public form, in French or English, with consent asked per purpose."""

    first_name = forms.CharField(
        label=_("First name"), max_length=80, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=80, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput({"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput({"autocomplete": "tel", "type": "tel"})
    )
    partner_first_name = forms.CharField(label=_("Partner's first name"), max_length=80, required=False)
    partner_last_name = forms.CharField(label=_("Partner's last name"), max_length=80, required=False)
    other_adults = forms.IntegerField(
        label=_("Other adults in the household"), min_value=0, max_value=10, required=False, initial=0
    )
    children_ages = forms.CharField(
        label=_("Children's ages"), max_length=80, required=False, help_text=_("For instance: 3, 7, 12.")
    )
    villages = choice_fields.ModelMultipleChoiceField(
        label=_("Partner villages you are interested in"),
        queryset=Village.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Language for our emails"), choices=settings.LANGUAGES)
    consent_follow_up = forms.BooleanField(label=WORDINGS[Consent.Purpose.FOLLOW_UP][1], required=True)
    consent_sharing = forms.BooleanField(label=WORDINGS[Consent.Purpose.SHARING][1], required=False)
    consent_news = forms.BooleanField(label=WORDINGS[Consent.Purpose.NEWS][1], required=False)
    # Spam protection without any third-party service: a field people never see, and a minimum time to fill in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput({"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS
        widgets = {
            "project": forms.Textarea({"rows": 5}),
            "source": forms.Select,
        }
        # The model's labels speak of the household to the team; here the form speaks to the applicant.
        labels = {
            "activity": _("Your activity"),
            "sector": _("Your sector or trade"),
            "current_country": _("Country where you live now"),
            "current_town": _("Town where you live now"),
            "timeline": _("When would you like to move?"),
            "tenure": _("Would you rather rent or buy?"),
            "housing_type": _("Type of home"),
            "rooms": _("Number of rooms"),
            "budget": _("Budget (€)"),
            "max_distance_km": _("Largest distance to a town, station or airport (km)"),
            "village_size": _("Size of the village"),
            "source": _("How did you hear of the programme?"),
            "project": _("Your project in a few words"),
        }

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.territory = territory
        for field in self.fields.values():
            if field.required and not isinstance(field.widget, forms.HiddenInput):
                field.label = f"{field.label} *"
        self.fields["villages"].queryset = territory.villages.public().order_by("name")
        self.fields["consent_follow_up"].error_messages["required"] = _(
            "We can follow your project only with this agreement."
        )
        self.fields["source"].choices = [("", _("Choose…")), *Source.choices]
        if not self.is_bound:
            self.fields["started"].initial = signing.dumps(time.time(), salt=FORM_TIMESTAMP_SALT)

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This field must stay empty."), code="spam")
        return ""

    def clean_started(self) -> float:
        try:
            started = signing.loads(self.cleaned_data["started"], salt=FORM_TIMESTAMP_SALT, max_age=MAX_FORM_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("This form is too old: reload the page and send it again."), code="expired"
            ) from None
        if time.time() - float(started) < MIN_FILL_SECONDS:
            raise forms.ValidationError(_("Please take a moment to check your answers, then send."), code="too_fast")
        return started

    def clean_children_ages(self) -> list[int]:
        try:
            return parse_ages(self.cleaned_data.get("children_ages", ""))
        except ValueError:
            raise forms.ValidationError(_("Give the children's ages in years, separated by commas.")) from None

    def consents(self) -> dict[str, bool]:
        return {
            Consent.Purpose.FOLLOW_UP: self.cleaned_data["consent_follow_up"],
            Consent.Purpose.SHARING: self.cleaned_data["consent_sharing"],
            Consent.Purpose.NEWS: self.cleaned_data["consent_news"],
        }


class NewProspectForm(forms.Form):
    """A file the team opens for someone who phoned, came to a fair or to the desk: the few facts one asks first, and
    the consents the person gave orally, on the wording the advisor read out."""

    CHANNELS = [
        ("phone call", _("A phone call")),
        ("fair", _("A fair or show")),
        ("walk-in", _("A visit to the desk")),
    ]

    channel = forms.ChoiceField(label=_("How we met them"), choices=CHANNELS, initial="phone call")
    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    email = forms.EmailField(label=_("Email address"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput({"type": "tel", "autocomplete": "off"})
    )
    current_town = forms.CharField(label=_("Town where they live now"), max_length=120, required=False)
    source = forms.ChoiceField(label=_("How they heard of the programme"), choices=Source.choices, required=False)
    activity = forms.ChoiceField(label=_("Activity"), choices=Activity.choices, required=False)
    language = forms.ChoiceField(label=_("Language for our emails"), choices=settings.LANGUAGES)
    advisor = choice_fields.ModelChoiceField(label=_("Advisor"), queryset=None, required=False)
    note = forms.CharField(
        label=_("First note"), widget=forms.Textarea({"rows": 3}), max_length=5000, required=False,
        help_text=_("What they said, what they are looking for."),
    )  # fmt: skip
    consent_follow_up = forms.BooleanField(label=WORDINGS[Consent.Purpose.FOLLOW_UP][1])
    consent_sharing = forms.BooleanField(label=WORDINGS[Consent.Purpose.SHARING][1], required=False)
    consent_news = forms.BooleanField(label=WORDINGS[Consent.Purpose.NEWS][1], required=False)
    send_acknowledgment = forms.BooleanField(
        label=_("Send them the acknowledgment email"), required=False,
        help_text=_("The email a person gets after applying on the website: only if they asked for it."),
    )  # fmt: skip
    create_anyway = forms.BooleanField(label=_("This is another person: open a new file anyway"), required=False)

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.duplicates: list[Household] = []
        self.fields["advisor"].queryset = team_of(territory).order_by("full_name")
        self.fields["source"].choices = [("", _("Choose…")), *Source.choices]
        self.fields["activity"].choices = [("", _("Choose…")), *Activity.choices]
        for name, purpose in (
            ("consent_follow_up", Consent.Purpose.FOLLOW_UP),
            ("consent_sharing", Consent.Purpose.SHARING),
            ("consent_news", Consent.Purpose.NEWS),
        ):
            self.fields[name].label = _("They agreed, orally, to this wording: “%(wording)s”") % {
                "wording": WORDINGS[purpose][1]
            }
        self.fields["consent_follow_up"].error_messages["required"] = _(
            "A file can be opened only if the person agreed to be followed: read them the wording."
        )
        for field in self.fields.values():
            if field.required:
                field.label = f"{field.label} *"

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("email") and not data.get("phone", "").strip():
            self.add_error("email", _("Give an email address or a phone number, so that the team can reach them."))
        if not self.errors:
            self.duplicates = likely_duplicates(
                self.territory, data.get("email", ""), data.get("phone", ""), data.get("first_name", ""),
                data.get("last_name", ""), data.get("current_town", ""),
            )  # fmt: skip
            if self.duplicates and not data.get("create_anyway"):
                raise forms.ValidationError(
                    _("This person may already have a file: open it, or tick “open a new file anyway”."),
                    code="duplicate",
                )
        return data

    def consents(self) -> dict[str, bool]:
        return {
            Consent.Purpose.FOLLOW_UP: self.cleaned_data["consent_follow_up"],
            Consent.Purpose.SHARING: self.cleaned_data["consent_sharing"],
            Consent.Purpose.NEWS: self.cleaned_data["consent_news"],
        }


class ProspectFilterForm(forms.Form):
    """The list's filters and search; bad values are ignored rather than refused."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=200, help_text=_("Names, emails, phones, towns, notes.")
    )
    stage = forms.MultipleChoiceField(label=_("Stage"), choices=Stage.choices, required=False)
    advisor = choice_fields.ModelChoiceField(
        label=_("Advisor"), queryset=None, required=False, empty_label=_("Any advisor")
    )
    activity = forms.ChoiceField(label=_("Activity"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    village = choice_fields.ModelChoiceField(
        label=_("Village of interest"), queryset=None, required=False, empty_label=_("Any village")
    )
    tag = choice_fields.ModelChoiceField(label=_("Tag"), queryset=None, required=False, empty_label=_("Any tag"))
    first_contact_from = forms.DateField(
        label=_("First contact from"), required=False, widget=forms.DateInput({"type": "date"})
    )
    first_contact_to = forms.DateField(
        label=_("First contact until"), required=False, widget=forms.DateInput({"type": "date"})
    )
    last_contact_from = forms.DateField(
        label=_("Last contact from"), required=False, widget=forms.DateInput({"type": "date"})
    )
    last_contact_to = forms.DateField(
        label=_("Last contact until"), required=False, widget=forms.DateInput({"type": "date"})
    )
    duplicates = forms.BooleanField(label=_("Possible duplicates only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-last_contact_on", _("Last contact, most recent first")),
            ("last_contact_on", _("Last contact, oldest first")),
            ("-first_contact_on", _("First contact, most recent first")),
            ("first_contact_on", _("First contact, oldest first")),
        ],
    )

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["advisor"].queryset = team_of(territory)
        self.fields["village"].queryset = territory.villages.order_by("name")
        self.fields["tag"].queryset = territory.tags.all()
        self.fields["activity"].choices = [("", _("Any activity")), *Activity.choices]
        self.fields["source"].choices = [("", _("Any source")), *Source.choices]

    def filter(self, households):
        if not self.is_valid():
            return households.order_by(*self.order())
        data = self.cleaned_data
        if data["q"]:
            households = households.search(data["q"], territory=self.territory)
        if data["stage"]:
            households = households.filter(stage__in=data["stage"])
        for field in ("advisor", "activity", "source"):
            if data[field]:
                households = households.filter(**{field: data[field]})
        if data["village"]:
            households = households.filter(villages_of_interest=data["village"])
        if data["tag"]:
            households = households.filter(tags=data["tag"])
        for field, lookup in (
            ("first_contact_from", "first_contact_on__gte"),
            ("first_contact_to", "first_contact_on__lte"),
            ("last_contact_from", "last_contact_on__gte"),
            ("last_contact_to", "last_contact_on__lte"),
        ):
            if data[field]:
                households = households.filter(**{lookup: data[field]})
        if data["duplicates"]:
            households = households.filter(possible_duplicate=True)
        return households.order_by(*self.order())

    def sort_key(self) -> str:
        """The list's order: a date field ("-" first when most recent first), the files' numbers in the same way."""
        return (self.is_valid() and self.cleaned_data["sort"]) or "-last_contact_on"

    def order(self) -> list[str]:
        key = self.sort_key()
        return [key, "-pk" if key.startswith("-") else "pk"]

    def stages_only(self) -> list[str] | None:
        """The stages shown when no other filter narrows the list (all of them when none is chosen), else None: the
        list's total is then the sum of the counts per stage, read from the tallies rather than counted."""
        if not self.is_valid():
            return [stage.value for stage in Stage]
        if any(value for name, value in self.cleaned_data.items() if name not in ("stage", "sort")):
            return None
        return self.cleaned_data["stage"] or [stage.value for stage in Stage]


class InteractionForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = ["kind", "summary", "occurred_at"]
        widgets = {
            "summary": forms.Textarea({"rows": 2}),
            "occurred_at": forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (k, label)
            for k, label in Interaction.Kind.choices
            if k not in (Interaction.Kind.APPLICATION, Interaction.Kind.STAGE)
        ]
        self.fields["occurred_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["title", "due_on", "assignee"]
        widgets = {"due_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team_of(territory)
        self.fields["assignee"].required = True


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=[c for c in Stage.choices if c[0] != Stage.SETTLED])
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False, help_text=_("Needed for on hold and dropped.")
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("stage") in (Stage.ON_HOLD, Stage.DROPPED) and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why, so that the team knows when to get back in touch."))
        return data


class AssignForm(forms.Form):
    advisor = choice_fields.ModelChoiceField(label=_("Advisor"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = team_of(territory)


class SettleForm(forms.Form):
    commune = choice_fields.ModelChoiceField(label=_("Commune"), queryset=None)
    settled_on = forms.DateField(label=_("Settled on"), widget=forms.DateInput({"type": "date"}))
    people = forms.IntegerField(label=_("Number of people"), min_value=1, max_value=30)

    def __init__(self, territory: Territory, household: Household, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = Commune.objects.in_departement(territory.departement).only(
            "insee_code", "name", "departement"
        )
        self.fields["settled_on"].initial = timezone.localdate()
        self.fields["people"].initial = household.members.count() or None

    def clean_settled_on(self):
        value = self.cleaned_data["settled_on"]
        if value > timezone.localdate() + timedelta(days=365):
            raise forms.ValidationError(_("Give a date within the next year."))
        return value


class HouseholdEditForm(forms.ModelForm):
    """What the team edits on the file itself. `version` is the file's version the form was opened on."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = Household
        fields = [*HOUSEHOLD_FIELDS, "villages_of_interest", "tags", "language", "notes", "notes_for_committee"]
        widgets = {
            "project": forms.Textarea({"rows": 4}),
            "notes": forms.Textarea({"rows": 4}),
            "notes_for_committee": forms.Textarea({"rows": 3}),
            "villages_of_interest": forms.CheckboxSelectMultiple,
            "tags": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        territory = self.instance.territory
        self.fields["villages_of_interest"].queryset = territory.villages.order_by("name")
        self.fields["tags"].queryset = Tag.objects.filter(territory=territory)


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["is_main_contact", "kind", "first_name", "last_name", "email", "phone", "birth_year"]


class BaseMembersFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if sum(1 for f in kept if f.cleaned_data.get("is_main_contact")) != 1:
            raise forms.ValidationError(_("Tick exactly one main contact."))


MembersFormSet = forms.inlineformset_factory(
    Household, Person, form=PersonForm, formset=BaseMembersFormSet, extra=1, can_delete=True
)
