from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sohosolo.accounts.models import CommitteeFunction, User
from sohosolo.lib import forms as choice_fields
from sohosolo.lib import photos
from sohosolo.lib.images import process_photo
from sohosolo.territory.models import SERVICES, Commune, Goal, Hub, Territory, Village, VillagePhoto

SIZES = [
    ("", _("Any size")),
    ("small", _("Fewer than 500 inhabitants")),
    ("medium", _("500 to 2,000 inhabitants")),
    ("large", _("More than 2,000 inhabitants")),
]
SIZE_RANGES = {"small": (0, 499), "medium": (500, 2000), "large": (2001, None)}
DISTANCES = [("", _("Any distance")), ("15", _("15 km")), ("30", _("30 km")), ("50", _("50 km"))]


class VillageFilterForm(forms.Form):
    """The public list's filters; every field is optional and bad values are simply ignored."""

    territory = choice_fields.ModelChoiceField(
        label=_("Programme"),
        queryset=Territory.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All programmes"),
    )
    service = forms.MultipleChoiceField(
        label=_("Services"), choices=SERVICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    size = forms.ChoiceField(label=_("Size"), choices=SIZES, required=False)
    distance = forms.TypedChoiceField(
        label=_("Distance to the main town"),
        choices=DISTANCES,
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("As the crow flies."),
    )

    def filter(self, villages):
        if not self.is_valid():
            return villages
        data = self.cleaned_data
        if data["territory"]:
            villages = villages.filter(territory=data["territory"])
        for field in data["service"]:
            villages = villages.filter(**{field: True})
        if data["size"]:
            low, high = SIZE_RANGES[data["size"]]
            villages = villages.filter(commune__population__gte=low)
            if high is not None:
                villages = villages.filter(commune__population__lte=high)
        if data["distance"]:
            villages = villages.filter(distance_main_town_km__lte=data["distance"])
        return villages


SERVICE_FIELDS = [field for field, _label in SERVICES]
VOLUNTEER_FIELDS = [
    "presentation_fr",
    "presentation_en",
    *SERVICE_FIELDS,
    "market_day",
    "broadband",
    "associations",
    "committee_email",
    "committee_phone",
]


class VillageForm(forms.ModelForm):
    """What a village's own volunteers keep up to date."""

    def service_fields(self) -> list:
        return [self[name] for name in SERVICE_FIELDS]

    def other_fields(self) -> list:
        return [field for field in self if field.name not in SERVICE_FIELDS]

    class Meta:
        model = Village
        fields = VOLUNTEER_FIELDS
        widgets = {
            "presentation_fr": forms.Textarea({"rows": 6, "lang": "fr"}),
            "presentation_en": forms.Textarea({"rows": 6, "lang": "en"}),
            "associations": forms.Textarea({"rows": 4}),
        }

    def clean(self) -> dict:
        data = super().clean()
        if data.get("has_market") is False and data.get("market_day"):
            data["market_day"] = ""
        return data


class VillageStaffForm(VillageForm):
    """The programme team also keeps the partnership itself: status and dates."""

    class Meta(VillageForm.Meta):
        fields = ["status", "partner_since", "council_decision_date", *VOLUNTEER_FIELDS]
        widgets = VillageForm.Meta.widgets | {
            "partner_since": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "council_decision_date": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        }


class VillageCreateForm(forms.ModelForm):
    class Meta:
        model = Village
        fields = ["commune", "status", "partner_since", "council_decision_date"]
        widgets = VillageStaffForm.Meta.widgets

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.territory = territory
        self.fields["commune"].queryset = (
            Commune.objects.in_departement(territory.departement)
            .exclude(villages__territory=territory)
            .only("insee_code", "name", "departement")
        )
        self.fields["commune"].help_text = _("Communes of département %(dep)s not yet partners.") % {
            "dep": territory.departement
        }


class PhotoForm(photos.PhotoForm):
    class Meta(photos.PhotoForm.Meta):
        model = VillagePhoto


class CommitteeInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    def __init__(self, village: Village, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.village = village

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if self.village.roles.filter(user__email__iexact=email, user__is_active=True).exists():
            raise forms.ValidationError(_("This person is already on the committee."))
        return email


class CommitteeFunctionForm(forms.Form):
    committee_function = forms.ChoiceField(label=_("Function"), choices=CommitteeFunction.choices)


class TerritorySettingsForm(forms.ModelForm):
    """What a programme manager sets for their territory."""

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG (transparent background welcome), JPEG or WebP, up to 2 MB."),
        widget=forms.ClearableFileInput({"accept": "image/png,image/jpeg,image/webp"}),
    )

    class Meta:
        model = Territory
        fields = [
            "name",
            "brand_name",
            "logo",
            "main_town",
            "info_meeting_interval_days",
            "email",
            "phone",
            "address",
            "website",
            "retention_years",
            "applications_per_hour",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["main_town"].queryset = Commune.objects.in_departement(self.instance.departement).only(
            "insee_code", "name", "departement"
        )
        # Left empty, the period stays as it is (3 years unless changed).
        self.fields["retention_years"].required = False

    def clean_retention_years(self) -> int:
        value = self.cleaned_data.get("retention_years")
        return self.instance.retention_years if value is None else value

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload is False or not upload or not hasattr(upload, "content_type"):
            return upload  # cleared, or unchanged
        self.processed_logo = process_photo(upload, max_bytes=2 * 1024 * 1024, longest_side=400, keep_transparency=True)
        return upload

    def save(self, commit: bool = True) -> Territory:
        territory = super().save(commit=False)
        if getattr(self, "processed_logo", None):
            territory.logo = self.processed_logo.main
        if commit:
            territory.save()
        return territory


GoalFormSet = forms.inlineformset_factory(
    Territory, Goal, fields=["year", "contacts", "families_settled"], extra=1, can_delete=True
)
HubFormSet = forms.inlineformset_factory(
    Territory, Hub, fields=["name", "kind", "latitude", "longitude", "position"], extra=1, can_delete=True
)
