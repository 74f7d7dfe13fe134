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
from sohosolo.prospects.models import Household
from sohosolo.territory.models import Village


class VolunteerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return user.full_name or user.email


class ReferralForm(forms.Form):
    villages = forms.ModelMultipleChoiceField(
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


class OfferChoiceField(forms.ModelMultipleChoiceField):
    """The village's open offers (available or reserved) as a checkbox list: title, price, and village if asked."""

    def __init__(self, queryset, with_village: bool = False, **kwargs) -> None:
        self.with_village = with_village
        super().__init__(
            queryset,
            label=_("Offers to see"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": _("This offer is not one of the village's open offers: choose again.")},
            **kwargs,
        )

    def label_from_instance(self, offer) -> str:
        label = offer_label(offer)
        return f"{label} ({offer.village.name})" if self.with_village else label


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


class HouseholdVisitForm(forms.Form):
    """A visit planned by the advisor from the prospect's file: village first, then its volunteers."""

    village = forms.ModelChoiceField(label=_("Partner village"), queryset=Village.objects.none())
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    guides = VolunteerChoiceField(
        label=_("Guiding volunteers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only volunteers of the chosen village."),
    )
    offers = OfferChoiceField(queryset=None, with_village=True, help_text=_("Only offers of the chosen village."))
    homes = forms.CharField(
        label=_("Other homes to see"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Homes not listed in the offers: addresses, one per line."),
    )

    def __init__(self, household: Household, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from sohosolo.accounts.models import Role, RoleKind, User

        villages = Village.objects.filter(territory=household.territory).exclude(status=Village.Status.ENDED)
        self.fields["village"].queryset = villages.order_by("name")
        self.fields["guides"].queryset = (
            User.objects.filter(roles__kind=RoleKind.VOLUNTEER, roles__village__in=villages, is_active=True)
            .distinct()
            .order_by("full_name")
        )
        self.fields["offers"].queryset = open_offers_of(villages)
        # Each volunteer with their village, so that the advisor picks the chosen village's.
        where: dict[int, list[str]] = {}
        for user_id, name in Role.objects.filter(kind=RoleKind.VOLUNTEER, village__in=villages).values_list(
            "user_id", "village__name"
        ):
            where.setdefault(user_id, []).append(name)
        self.fields["guides"].label_from_instance = lambda user: (
            f"{user.full_name or user.email} ({', '.join(sorted(where.get(user.pk, [])))})"
        )

    def clean(self) -> dict:
        data = super().clean()
        village, guides = data.get("village"), data.get("guides")
        if village is not None and guides:
            members = set(volunteers_of(village).values_list("pk", flat=True))
            strangers = [g.full_name for g in guides if g.pk not in members]
            if strangers:
                self.add_error(
                    "guides",
                    _("Not volunteers of %(village)s: %(names)s.")
                    % {"village": village.name, "names": ", ".join(strangers)},
                )
        offers = data.get("offers")
        if village is not None and offers:
            elsewhere = [offer.title for offer in offers if offer.village_id != village.pk]
            if elsewhere:
                self.add_error(
                    "offers",
                    _("Not offers of %(village)s: %(titles)s.")
                    % {"village": village.name, "titles": ", ".join(elsewhere)},
                )
        return data


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
