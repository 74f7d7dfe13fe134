from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sohosolo.accounts.models import User
from sohosolo.lib import forms as choice_fields
from sohosolo.lib.images import process_photo
from sohosolo.lib.text import fold
from sohosolo.network.models import (
    SPOKEN_LANGUAGES,
    Introduction,
    MemberProfile,
    Partner,
    PartnerContact,
    Skill,
)
from sohosolo.prospects.models import Activity
from sohosolo.territory.models import Commune, Territory


class SkillsField(forms.CharField):
    """Skills typed as a comma-separated list; the form gives back Skill objects."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Skills"))
        kwargs.setdefault("help_text", _("Separated by commas, for instance: web design, translation, carpentry."))
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        names = [name for name in (part.strip() for part in value.split(",")) if name]
        if len(names) > 15:
            raise forms.ValidationError(_("At most 15 skills."))
        if any(len(name) > 60 for name in names):
            raise forms.ValidationError(_("A skill is a few words (60 characters at most)."))
        return names


def communes_of(territory: Territory):
    return Commune.objects.in_departement(territory.departement).order_by("name")


PROFILE_FIELDS = ["headline", "activity", "commune", "website", "bio", "languages", "is_mentor", "mentor_topics"]


class MemberProfileForm(forms.ModelForm):
    """What a member tells of themselves, and who may see it."""

    skills_text = SkillsField()
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), choices=SPOKEN_LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )
    photo_upload = forms.ImageField(
        label=_("Photo"), required=False, help_text=_("JPEG, PNG or WebP. It appears in the directory.")
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    class Meta:
        model = MemberProfile
        fields = ["visibility", *PROFILE_FIELDS]
        widgets = {
            "visibility": forms.RadioSelect,
            "bio": forms.Textarea({"rows": 5}),
            "website": forms.URLInput({"placeholder": "https://"}),
        }

    field_order = ["visibility", "headline", "activity", "skills_text", "commune", "website", "bio", "languages"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes_of(self.instance.territory)
        self.fields["commune"].empty_label = _("Choose the commune you live in")
        if self.instance.pk:
            self.fields["skills_text"].initial = ", ".join(s.name for s in self.instance.skills.all())

    def clean_photo_upload(self):
        upload = self.cleaned_data.get("photo_upload")
        self.processed = None
        if upload:
            self.processed = process_photo(upload, max_bytes=settings.PHOTO_MAX_BYTES, longest_side=800)
        return upload

    def save(self, commit: bool = True) -> MemberProfile:
        profile = super().save(commit=False)
        if self.cleaned_data.get("remove_photo"):
            profile.photo = profile.thumbnail = ""
        if self.processed is not None:
            profile.photo = self.processed.main
            profile.thumbnail = self.processed.thumbnail
        profile.save()
        profile.skills.set(Skill.from_names(self.cleaned_data["skills_text"]))
        profile.refresh_search_text()
        return profile


class StaffMemberForm(MemberProfileForm):
    """The team also keeps the membership itself."""

    class Meta(MemberProfileForm.Meta):
        fields = ["status", "member_since", "renewal_on", *MemberProfileForm.Meta.fields]
        widgets = MemberProfileForm.Meta.widgets | {
            "member_since": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "renewal_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        }


class MemberApplicationForm(forms.ModelForm):
    """A Solo already living in the territory asks to join the club."""

    full_name = forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput({"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput({"autocomplete": "email"})
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    skills_text = SkillsField()

    class Meta:
        model = MemberProfile
        fields = ["headline", "activity", "commune", "website", "bio", "application_message"]
        widgets = {"bio": forms.Textarea({"rows": 4}), "application_message": forms.Textarea({"rows": 3})}
        labels = {"application_message": _("Anything you want the team to know (optional)")}

    field_order = ["full_name", "email", "language", "headline", "activity", "skills_text", "commune"]

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["commune"].queryset = communes_of(territory)
        self.fields["commune"].required = True
        self.fields["commune"].help_text = _("The club is for people living in the département.")
        self.fields["activity"].required = True

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if MemberProfile.objects.filter(user__email__iexact=email).exists():
            raise forms.ValidationError(
                _("This address already has a membership or an application. Write to the team if you need help.")
            )
        return email

    def profile_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self._meta.fields}
        fields["skills"] = Skill.from_names(data["skills_text"])
        return fields


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, help_text=_("A name, a word, a skill."))
    skill = forms.CharField(label=_("Skill"), required=False, max_length=60)
    activity = forms.ChoiceField(
        label=_("Activity"), choices=[("", _("Any activity")), *Activity.choices], required=False
    )
    commune = choice_fields.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.none(), required=False, empty_label=_("Any commune")
    )
    mentors = forms.BooleanField(label=_("Mentors only"), required=False)

    def __init__(self, communes, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes

    def filter(self, profiles):
        if not self.is_valid():
            return profiles
        data = self.cleaned_data
        if data["q"]:
            profiles = profiles.search(data["q"])
        if data["skill"]:
            profiles = profiles.filter(skills__key__contains=fold(data["skill"])).distinct()
        if data["activity"]:
            profiles = profiles.filter(activity=data["activity"])
        if data["commune"]:
            profiles = profiles.filter(commune=data["commune"])
        if data["mentors"]:
            profiles = profiles.filter(is_mentor=True)
        return profiles


class ContactMemberForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=120)
    message = forms.CharField(label=_("Message"), max_length=3000, widget=forms.Textarea({"rows": 6}))


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = [
            "name",
            "kind",
            "services",
            "description",
            "website",
            "email",
            "phone",
            "address",
            "commune",
            "is_public",
        ]
        widgets = {"services": forms.Textarea({"rows": 4}), "description": forms.Textarea({"rows": 3})}

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes_of(territory)


PartnerContactFormSet = forms.inlineformset_factory(
    Partner,
    PartnerContact,
    fields=["full_name", "function", "email", "phone", "language"],
    extra=1,
    can_delete=True,
)


class IntroductionForm(forms.ModelForm):
    """The advisor introduces a prospect to a club member or a partner, with a purpose."""

    class Meta:
        model = Introduction
        fields = ["kind", "member", "partner", "purpose", "months"]
        widgets = {"purpose": forms.Textarea({"rows": 3}), "kind": forms.RadioSelect}
        labels = {"purpose": _("Purpose")}
        help_texts = {
            "purpose": _("What the prospect and the person introduced should talk about. Both will read it."),
            "months": _("Only for mentoring: how long the mentor follows the newcomer (6 months if empty)."),
        }

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            MemberProfile.objects.active()
            .filter(territory=territory)
            .select_related("user")
            .order_by("user__full_name")
        )
        self.fields["member"].label_from_instance = lambda p: (
            f"{p.user.full_name} — {p.headline or p.get_activity_display()}" + (" ★" if p.is_mentor else "")
        )
        self.fields["member"].help_text = _("★: volunteers as a mentor.")
        self.fields["partner"].queryset = Partner.objects.filter(territory=territory)
        self.fields["kind"].initial = Introduction.Kind.INTRODUCTION

    def clean(self) -> dict:
        data = super().clean()
        member, partner = data.get("member"), data.get("partner")
        if bool(member) == bool(partner):
            self.add_error("member", _("Choose either a club member or a partner."))
        if data.get("kind") == Introduction.Kind.MENTORING:
            if partner:
                self.add_error("partner", _("Mentoring is offered by club members only."))
            elif member and not member.is_mentor:
                self.add_error("member", _("This member does not volunteer as a mentor."))
        return data


class ProspectAnswerForm(forms.Form):
    share_email = forms.BooleanField(label=_("Give them my email address"), required=False, initial=True)
    share_phone = forms.BooleanField(label=_("Give them my phone number"), required=False)


class MetForm(forms.Form):
    met_on = forms.DateField(label=_("Met on"), widget=forms.DateInput({"type": "date"}))


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=1000, widget=forms.Textarea({"rows": 3}))


class CheckInForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput({"type": "date"}))
    note = forms.CharField(label=_("How it goes"), max_length=2000, widget=forms.Textarea({"rows": 3}))


class PartnerInviteForm(forms.Form):
    """Give a partner's contact an account to see the introductions addressed to the partner."""

    contact = choice_fields.ModelChoiceField(label=_("Contact"), queryset=PartnerContact.objects.none())

    def __init__(self, partner: Partner, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = partner.contacts.exclude(email="").filter(user__isnull=True)
