from __future__ import annotations

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sohosolo.housing.models import HousingOffer, MatchingWeights, OfferPhoto, Status, Tenure
from sohosolo.lib import forms as choice_fields
from sohosolo.lib.photos import PhotoForm
from sohosolo.territory.models import Village


class OfferForm(forms.ModelForm):
    """An offer, by its village's volunteers or the territory's team; `villages` are those the user may use."""

    class Meta:
        model = HousingOffer
        fields = [
            "village",
            "title",
            "tenure",
            "kind",
            "rooms",
            "bedrooms",
            "living_area_m2",
            "land_m2",
            "price",
            "charges",
            "energy_class",
            "available_from",
            "furnished",
            "description_fr",
            "description_en",
            "is_public",
            "owner_name",
            "owner_phone",
            "owner_email",
            "owner_notes",
        ]
        widgets = {
            "available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description_fr": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
            "owner_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, villages: QuerySet[Village], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        if len(villages) == 1:
            self.fields["village"].initial = villages[0].pk

    def clean(self):
        data = super().clean()
        rooms, bedrooms = data.get("rooms"), data.get("bedrooms")
        if rooms is not None and bedrooms is not None and bedrooms > rooms:
            self.add_error("bedrooms", _("A home cannot have more bedrooms than rooms."))
        if not data.get("description_fr") and not data.get("description_en"):
            self.add_error("description_fr", _("Describe the home, in French or in English (or both)."))
        if not data.get("owner_phone") and not data.get("owner_email"):
            self.add_error("owner_phone", _("Give a phone number or an email address to reach the owner."))
        if data.get("tenure") == Tenure.RENT and data.get("energy_class") == "G":
            self.add_error("energy_class", _("Since 2025, a home of energy class G may no longer be let in France."))
        if data.get("tenure") == Tenure.SALE and data.get("charges"):
            self.add_error("charges", _("Monthly charges are for rentals: leave 0 for a sale."))
        return data


class OfferStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)


class OfferPhotoForm(PhotoForm):
    class Meta(PhotoForm.Meta):
        model = OfferPhoto


class PublicFilterForm(forms.Form):
    """Filters of the public listing; every field optional, wrong values ignored with a message."""

    tenure = forms.ChoiceField(label=_("Rent or buy"), choices=[("", _("Both")), *Tenure.choices], required=False)
    budget = forms.IntegerField(
        label=_("Largest budget (€)"),
        min_value=1,
        required=False,
        help_text=_("Monthly rent with charges, or sale price."),
    )
    rooms = forms.IntegerField(label=_("At least this many rooms"), min_value=1, max_value=30, required=False)
    village = choice_fields.ModelChoiceField(
        label=_("Village"), queryset=Village.objects.none(), required=False, empty_label=_("All villages")
    )
    distance = forms.IntegerField(
        label=_("Largest distance to the main town (km)"),
        min_value=1,
        max_value=500,
        required=False,
        help_text=_("As the crow flies."),
    )

    def __init__(self, villages: QuerySet[Village], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages

    def filter(self, offers: QuerySet[HousingOffer]) -> QuerySet[HousingOffer]:
        if not self.is_bound or not self.is_valid():
            return offers
        data = self.cleaned_data
        if data["tenure"]:
            offers = offers.filter(tenure=data["tenure"])
        if data["budget"]:
            # A rent counts with its charges, as a tenant pays it.
            offers = offers.alias(monthly_cost=F("price") + F("charges")).filter(
                Q(tenure=Tenure.SALE, price__lte=data["budget"])
                | Q(tenure=Tenure.RENT, monthly_cost__lte=data["budget"])
            )
        if data["rooms"]:
            offers = offers.filter(rooms__gte=data["rooms"])
        if data["village"]:
            offers = offers.filter(village=data["village"])
        if data["distance"]:
            offers = offers.filter(village__distance_main_town_km__lte=data["distance"])
        return offers


class StaffFilterForm(PublicFilterForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("On the market")), ("all", _("All")), *Status.choices], required=False
    )
    public = forms.ChoiceField(
        label=_("Shown"),
        choices=[("", _("Public or not")), ("yes", _("On the public site")), ("no", _("Intranet only"))],
        required=False,
    )
    stale = forms.BooleanField(label=_("Not updated for 60 days"), required=False)

    def filter(self, offers: QuerySet[HousingOffer]) -> QuerySet[HousingOffer]:
        offers = super().filter(offers)
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        status = data.get("status", "")
        if status == "":
            offers = offers.open()
        elif status != "all":
            offers = offers.filter(status=status)
        if data.get("public") == "yes":
            offers = offers.filter(is_public=True)
        elif data.get("public") == "no":
            offers = offers.filter(is_public=False)
        if data.get("stale"):
            offers = offers.stale()
        return offers


class WeightsForm(forms.ModelForm):
    class Meta:
        model = MatchingWeights
        fields = [*MatchingWeights.WEIGHT_FIELDS, "budget_tolerance_percent"]
        widgets = {name: forms.NumberInput(attrs={"min": 0, "max": 10}) for name in MatchingWeights.WEIGHT_FIELDS}


class ProposalForm(forms.Form):
    villages = choice_fields.ModelMultipleChoiceField(
        label=_("Villages"), queryset=Village.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    offers = choice_fields.ModelMultipleChoiceField(
        label=_("Offers"), queryset=HousingOffer.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    message = forms.CharField(
        label=_("A word for the prospect"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent with the selection, as written."),
    )

    def __init__(self, territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = Village.objects.public().filter(territory=territory)
        self.fields["offers"].queryset = HousingOffer.objects.filter(
            territory=territory, status=Status.AVAILABLE
        ).select_related("village__territory")

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("villages") and not data.get("offers"):
            raise forms.ValidationError(_("Tick at least one village or one offer to propose."))
        return data
