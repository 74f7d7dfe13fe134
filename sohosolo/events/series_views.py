"""The team's pages for series of events: create one, change the whole series (future dates follow)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.audit.log import log_action
from sohosolo.events.models import Series
from sohosolo.events.series import generate, update_series
from sohosolo.territory.models import Commune, Weekday

SERIES_FIELDS = [
    "kind", "audience", "title_fr", "title_en", "description_fr", "description_en", "frequency", "interval",
    "weekday", "week_of_month", "start_time", "duration_minutes", "starts_on", "ends_on", "commune", "address",
    "online_url", "capacity",
]  # fmt: skip


WEEKDAYS = [(i, name) for i, name in enumerate(Weekday.labels)]
WEEKS_OF_MONTH = [
    (1, gettext_lazy("first")),
    (2, gettext_lazy("second")),
    (3, gettext_lazy("third")),
    (4, gettext_lazy("fourth")),
    (-1, gettext_lazy("last")),
]


class SeriesForm(forms.ModelForm):
    class Meta:
        model = Series
        fields = SERIES_FIELDS
        widgets = {
            "weekday": forms.Select(choices=WEEKDAYS),
            "week_of_month": forms.Select(choices=WEEKS_OF_MONTH),
            "start_time": forms.TimeInput({"type": "time"}, format="%H:%M"),
            "starts_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "description_fr": forms.Textarea({"rows": 3}),
            "description_en": forms.Textarea({"rows": 3}),
        }

    def __init__(self, territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.territory = territory
        self.fields["commune"].queryset = Commune.objects.in_departement(territory.departement).only(
            "insee_code", "name", "departement"
        )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The last date comes after the first one."))
        return data


@staff_required
@require_http_methods(["GET", "POST"])
def series_list(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    form = SeriesForm(territory, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            series = form.save()
            created = generate(series)
        log_action(request.user, "event.series_created", series, {"occurrences": len(created)}, territory=territory)
        messages.success(request, _("Series created: %(count)s dates planned.") % {"count": len(created)})
        return redirect("events:series_list", code=territory.code)
    context = {"territory": territory, "form": form, "series": territory.event_series.order_by("title_fr")}
    return render(request, "events/series_list.html", context, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Changes apply to the future dates of the series that were not edited on their own."""
    territory = get_territory_or_404(request, code)
    series = get_object_or_404(Series, pk=pk, territory=territory)
    form = SeriesForm(territory, request.POST or None, instance=series)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        series.refresh_from_db()
        update_series(series, actor=request.user, **changes)
        messages.success(request, _("The series is saved; its future dates follow."))
        return redirect("events:series_list", code=territory.code)
    upcoming = series.events.filter(starts_at__gte=timezone.now()).order_by("starts_at")[:12]
    context = {"territory": territory, "form": form, "series": series, "upcoming": upcoming}
    return render(request, "events/series_edit.html", context, status=400 if form.errors else 200)
