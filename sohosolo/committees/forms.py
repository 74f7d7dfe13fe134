from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from sohosolo.committees.models import Availability, CommitteeFollowUp, Interest, Visit, VisitOutcome, WelcomeAction
from sohosolo.committees.services import first_name, open_offers_of, volunteers_of
from sohosolo.housing.models import Status, Tenure
from sohosolo.lib import forms as choice_fields
from sohosolo.prospects.models import Household
from sohosolo.territory.models import Village


class VolunteerChoiceField(choice_fields.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return user.full_name or user.email


class ReferralForm(forms.Form):
    villages = choice_fields.ModelMultipleChoiceField(
        label=_("Partner villages"),
        queryset=Village.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one village.")},
    )
    note = forms.CharField(
        label=_("Note for the committee"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("What the committee should know to help: it sees only what the household agreed to share."),
    )

    def __init__(self, household: Household, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = Village.objects.filter(
            territory=household.territory, status=Village.Status.ACTIVE
        ).order_by("name")


def guide_label(user, availability: Availability | None) -> str:
    """A volunteer as the one planning a visit needs to see them: can they guide, and when."""
    name = user.full_name or user.email
    if availability is None:
        return name
    if availability.is_away:
        return _("%(name)s — away until %(date)s") % {
            "name": name,
            "date": date_format(availability.away_until, "d/m/Y"),
        }
    if not availability.can_guide:
        return _("%(name)s — does not guide visits") % {"name": name}
    if availability.when:
        return _("%(name)s — can guide: %(when)s") % {"name": name, "when": availability.when}
    return _("%(name)s — can guide") % {"name": name}


class OfferChoiceField(choice_fields.ModelMultipleChoiceField):
    """The village's open offers (available or reserved) as a checkbox list: title and price."""

    def __init__(self, queryset, **kwargs) -> None:
        super().__init__(
            queryset,
            label=_("Offers to see"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": _("This offer is not one of the village's open offers: choose again.")},
            **kwargs,
        )

    def label_from_instance(self, offer) -> str:
        return offer_label(offer)


def offer_label(offer) -> str:
    """An offer in a list of homes to see: its title, price and status when reserved."""
    price = intcomma(offer.price)
    label = (_("%(title)s — %(price)s € a month") if offer.tenure == Tenure.RENT else _("%(title)s — %(price)s €")) % {
        "title": offer.title,
        "price": price,
    }
    if offer.status == Status.RESERVED:
        label += f" · {offer.get_status_display()}"
    return label


def guides_field(queryset) -> VolunteerChoiceField:
    return VolunteerChoiceField(
        label=_("Guiding volunteers"), queryset=queryset, required=False, widget=forms.CheckboxSelectMultiple
    )


class VisitForm(forms.ModelForm):
    """A visit planned from a village's committee page: one of the households the village may see."""

    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )

    class Meta:
        model = Visit
        fields = ["household", "starts_at", "guides", "offers", "homes"]
        widgets = {"homes": forms.Textarea({"rows": 3})}

    def __init__(self, village: Village, households, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.village = village
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = first_name
        self.fields["household"].label = _("Household")
        self.fields["guides"] = guides_field(volunteers_of(village).order_by("full_name"))
        availability = {a.user_id: a for a in Availability.objects.filter(village=village)}
        self.fields["guides"].label_from_instance = lambda user: guide_label(user, availability.get(user.pk))
        self.fields["offers"] = OfferChoiceField(open_offers_of(village))
        self.fields["offers"].error_messages["invalid_choice"] = _(
            "This offer is not one of the open offers of %(village)s: choose among the list."
        ) % {"village": village.name}

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now() - timedelta(days=365):
            raise forms.ValidationError(_("This date is more than a year ago: check the year."))
        return starts_at


def household_villages(household: Household):
    """The villages a visit may be planned in from the prospect's file, and the household's own first.

    Returns the territory's villages (a queryset), the household's own (referred to or of interest) and the others,
    each list by name.
    """
    villages = Village.objects.filter(territory=household.territory).exclude(status=Village.Status.ENDED)
    own = set(household.referrals.values_list("village_id", flat=True))
    own |= set(household.villages_of_interest.values_list("pk", flat=True))
    listed = list(villages.order_by("name"))
    return villages, [v for v in listed if v.pk in own], [v for v in listed if v.pk not in own]


class VisitVillageForm(forms.Form):
    """Step one of the advisor's visit: the village (sent by GET, so that it works without JavaScript)."""

    village = choice_fields.ModelChoiceField(
        label=_("Partner village"),
        queryset=Village.objects.none(),
        to_field_name="slug",
        error_messages={
            "required": _("Choose the village of the visit."),
            "invalid_choice": _("This village is not one of the territory's: choose among the list."),
        },
    )

    def __init__(self, household: Household, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        villages, own, others = household_villages(household)
        field = self.fields["village"]
        field.queryset = villages
        groups = [(_("The household's villages"), own), (_("Other villages"), others)]
        field.choices = [("", "---------")] + [
            (label, [(v.slug, v.name) for v in group]) for label, group in groups if group
        ]
        if len(own) == 1:
            self.initial.setdefault("village", own[0].slug)


class HouseholdVisitForm(forms.Form):
    """A visit planned by the advisor from the prospect's file, once the village is chosen: its volunteers and offers.

    Guides and offers are only those of the chosen village: anything else posted is refused.
    """

    village = choice_fields.ModelChoiceField(
        queryset=Village.objects.none(), to_field_name="slug", widget=forms.HiddenInput
    )
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    homes = forms.CharField(
        label=_("Other homes to see"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Homes not listed in the offers: addresses, one per line."),
    )

    def __init__(self, household: Household, village: Village, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {})["village"] = village.slug
        super().__init__(*args, **kwargs)
        self.village = village
        self.fields["village"].queryset = Village.objects.filter(pk=village.pk)
        self.fields["guides"] = guides_field(volunteers_of(village).order_by("full_name"))
        self.fields["guides"].error_messages["invalid_choice"] = _(
            "This volunteer is not one of the volunteers of %(village)s: choose among the list."
        ) % {"village": village.name}
        availability = {a.user_id: a for a in Availability.objects.filter(village=village)}
        self.fields["guides"].label_from_instance = lambda user: guide_label(user, availability.get(user.pk))
        self.fields["offers"] = OfferChoiceField(open_offers_of(village))
        self.fields["offers"].error_messages["invalid_choice"] = _(
            "This offer is not one of the open offers of %(village)s: choose among the list."
        ) % {"village": village.name}
        self.order_fields(["village", "starts_at", "guides", "offers", "homes"])

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now() - timedelta(days=365):
            raise forms.ValidationError(_("This date is more than a year ago: check the year."))
        return starts_at


class VisitOutcomeForm(forms.ModelForm):
    """After the visit, in a few taps."""

    class Meta:
        model = Visit
        fields = ["outcome", "interest", "report"]
        widgets = {
            "outcome": forms.RadioSelect,
            "interest": forms.RadioSelect,
            "report": forms.Textarea({"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].required = True
        self.fields["outcome"].choices = VisitOutcome.choices
        self.fields["interest"].choices = Interest.choices
        self.fields["outcome"].error_messages["required"] = _("Say how the visit went.")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("outcome") and data["outcome"] != VisitOutcome.CANCELLED and not data.get("interest"):
            self.add_error("interest", _("Say how interested the household was."))
        return data


class WelcomeActionForm(forms.ModelForm):
    class Meta:
        model = WelcomeAction
        fields = ["assignee", "due_on"]
        widgets = {"due_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, village: Village, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = volunteers_of(village).order_by("full_name")
        self.fields["assignee"].label_from_instance = lambda u: u.full_name or u.email
        self.fields["assignee"].empty_label = _("Nobody yet")


class FollowUpReportForm(forms.ModelForm):
    class Meta:
        model = CommitteeFollowUp
        fields = ["report"]
        widgets = {"report": forms.Textarea({"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["report"].required = True
        self.fields["report"].error_messages["required"] = _("Write a few words on how the family is doing.")


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Availability
        fields = ["can_guide", "when", "away_until"]
        widgets = {"away_until": forms.DateInput({"type": "date"}, format="%Y-%m-%d")}


class ActivityPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes after the start."))
        return data
