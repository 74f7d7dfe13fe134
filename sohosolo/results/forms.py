from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.results.models import AnnualReport
from sohosolo.results.stats import Period
from sohosolo.territory.models import Goal

FIRST_YEAR = 2000
LONGEST_DAYS = 10 * 366


class PeriodForm(forms.Form):
    """A calendar year, or a custom period from one day to another (both included)."""

    annee = forms.IntegerField(
        label=_("Year"), required=False, validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)]
    )
    du = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("du"), data.get("au")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both the first and the last day of the period."))
        if start and end:
            if end < start:
                self.add_error("au", _("The last day must come after the first."))
            elif (end - start).days > LONGEST_DAYS:
                self.add_error("au", _("A period can be ten years at most."))
        return data

    def period(self) -> Period:
        """The period asked for; the current year when nothing (valid) was asked."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            if data.get("du") and data.get("au"):
                return Period(data["du"], data["au"])
            if data.get("annee"):
                return Period.year(data["annee"])
        return Period.year(timezone.localdate().year)


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["year", "contacts", "families_settled"]

    def __init__(self, *args, territory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["year"].initial = timezone.localdate().year + 1

    def validate_unique(self) -> None:
        # The territory is not a field of the form: the unique year is checked by save() through update_or_create.
        pass

    def save(self, commit: bool = True) -> Goal:
        goal, _created = Goal.objects.update_or_create(
            territory=self.territory,
            year=self.cleaned_data["year"],
            defaults={
                "contacts": self.cleaned_data["contacts"],
                "families_settled": self.cleaned_data["families_settled"],
            },
        )
        return goal


class ReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["year", "format", "language"]
        widgets = {"format": forms.RadioSelect, "language": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].validators += [MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)]
        self.fields["year"].widget.attrs.update(min=FIRST_YEAR, max=2100)
        # Radio buttons: no empty choice.
        self.fields["format"].choices = AnnualReport.Format.choices
        self.fields["language"].choices = settings.LANGUAGES
