from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.appointments.models import DURATIONS
from sohosolo.prospects.services import team_of


class AppointmentForm(forms.Form):
    title = forms.CharField(label=_("What it is about"), max_length=200, initial=_("Appointment"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=_("Time (Paris)"), widget=forms.TimeInput({"type": "time"}, format="%H:%M"))
    duration = forms.TypedChoiceField(label=_("Duration"), choices=DURATIONS, coerce=int, initial=60)
    place = forms.CharField(label=_("Place"), max_length=300, required=False, help_text=_("An address, or “by phone”."))
    video_url = forms.URLField(
        label=_("Video link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Or a place, or both."),
    )
    assignee = forms.ModelChoiceField(label=_("Advisor"), queryset=None, empty_label=None)
    send_invitation = forms.BooleanField(
        label=_("Email the invitation to the household (with a file for their calendar)"), required=False, initial=True
    )

    def __init__(self, territory, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team_of(territory)
        if user is not None and not self.is_bound:
            self.fields["assignee"].initial = user.pk

    def clean(self) -> dict:
        data = super().clean()
        data["place"] = data.get("place", "").strip()
        if not data["place"] and not data.get("video_url") and not self.has_error("video_url"):
            self.add_error("place", _("Give a place or a video link."))
        day, time = data.get("date"), data.get("time")
        if day and time:
            starts_at = datetime.combine(day, time, tzinfo=ZoneInfo(settings.TIME_ZONE))
            if starts_at <= timezone.now():
                self.add_error("date", _("This moment is past: an appointment is planned ahead."))
            data["starts_at"] = starts_at
        return data
