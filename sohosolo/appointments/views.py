"""Appointments: planned from a household's file, the advisor's week, and the household's own page (no account)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.models import RoleKind, User
from sohosolo.accounts.scopes import staff_required
from sohosolo.accounts.security import safe_next
from sohosolo.appointments.forms import AppointmentForm
from sohosolo.appointments.models import Appointment
from sohosolo.appointments.services import cancel_appointment, schedule_appointment
from sohosolo.prospects.access import get_household_or_404
from sohosolo.prospects.models import FollowUp, Household, in_work, main_contact_prefetch

PARIS = ZoneInfo(settings.TIME_ZONE)


@staff_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Plan an appointment with the household, and see its appointments (with a button to cancel those to come)."""
    household = get_household_or_404(request, code, pk, Household.objects.with_main_contact())
    form = AppointmentForm(household.territory, request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        appointment, sent = schedule_appointment(
            household,
            title=data["title"].strip(),
            starts_at=data["starts_at"],
            duration=data["duration"],
            place=data["place"],
            video_url=data["video_url"],
            assignee=data["assignee"],
            actor=request.user,
            send_invitation=data["send_invitation"],
        )
        messages.success(request, _("Appointment planned on %(when)s.") % {"when": appointment.when_text()})
        if sent:
            messages.success(request, _("The invitation is on its way to the household."))
        elif data["send_invitation"]:
            messages.error(request, _("No invitation sent: the household's main contact has no email address."))
        return redirect("appointments:create", code=household.territory.code, pk=household.pk)
    appointments = (
        Appointment.objects.filter(follow_up__household=household)
        .select_related("follow_up__assignee")
        .order_by("-starts_at", "-pk")[:50]
    )
    context = {
        "household": household,
        "territory": household.territory,
        "form": form,
        "appointments": appointments,
        "contact": household.main_contact,
    }
    return render(request, "appointments/create.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def cancel(request: HttpRequest, code: str, pk: int, appointment_id: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    appointment = get_object_or_404(
        Appointment.objects.select_related("follow_up__household__territory", "follow_up__assignee"),
        pk=appointment_id,
        follow_up__household=household,
    )
    if not appointment.can_be_cancelled:
        messages.error(request, _("This appointment is already cancelled or past."))
    elif cancel_appointment(appointment, actor=request.user):
        messages.success(request, _("Appointment cancelled; the household is told."))
    default = reverse("appointments:create", args=[household.territory.code, household.pk])
    return redirect(safe_next(request, request.POST.get("next"), default))


# --- The advisor's week --------------------------------------------------------------------------------------------

WEEK = re.compile(r"([0-9]{4})-W([0-9]{1,2})")


def monday_of(value: str | None, today: date) -> date:
    """The Monday of ISO week "2026-W49"; this week's for anything else."""
    match = WEEK.fullmatch(value or "")
    if match:
        try:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            pass
    return today - timedelta(days=today.weekday())


def week_code(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def advisor_for(request: HttpRequest) -> tuple[User, list[User]]:
    """The advisor whose week is shown: the user, or (?conseiller=) one of the team of a territory they manage; and the
    advisors they may choose from (none for those who may only see their own week)."""
    user, scope = request.user, request.user.scope
    choices: list[User] = []
    if scope.is_admin or scope.managed_territory_ids:
        team = User.objects.filter(roles__kind__in=[RoleKind.ADVISOR, RoleKind.MANAGER], is_active=True)
        if not scope.is_admin:
            team = team.filter(roles__territory__in=scope.managed_territory_ids)
        choices = list(team.distinct().order_by("full_name"))
    wanted = request.GET.get("conseiller", "")
    if not wanted or wanted == str(user.pk):
        return user, choices
    chosen = next((advisor for advisor in choices if str(advisor.pk) == wanted), None)
    if chosen is None:
        raise Http404("No such advisor in your scope.")
    return chosen, choices


@staff_required
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    """Monday to Sunday: the advisor's appointments by day, then their open follow-ups due that week."""
    today = timezone.localdate()
    monday = monday_of(request.GET.get("semaine"), today)
    sunday = monday + timedelta(days=6)
    advisor, choices = advisor_for(request)
    scope = request.user.scope
    start = datetime.combine(monday, datetime.min.time(), tzinfo=PARIS)
    end = datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=PARIS)
    appointments = (
        Appointment.objects.current()
        .of_advisor(advisor)
        .between(start, end)
        .select_related("follow_up__household__territory")
        .prefetch_related(main_contact_prefetch("follow_up__household__"))
        .order_by("starts_at", "pk")
    )
    follow_ups = (
        FollowUp.objects.open()
        .filter(in_work("household__"), assignee=advisor, due_on__range=(monday, sunday), appointment__isnull=True)
        .select_related("household__territory")
        .prefetch_related(main_contact_prefetch("household__"))
        .order_by("due_on", "pk")
    )
    if not scope.is_admin:
        appointments = appointments.filter(follow_up__household__territory__in=scope.staff_territory_ids)
        follow_ups = follow_ups.filter(household__territory__in=scope.staff_territory_ids)
    by_day: dict[date, list] = {monday + timedelta(days=n): [] for n in range(7)}
    for appointment in appointments[:200]:
        by_day[timezone.localtime(appointment.starts_at).date()].append(appointment)
    days = [{"day": day, "is_today": day == today, "appointments": items} for day, items in by_day.items()]
    query = f"&conseiller={advisor.pk}" if advisor != request.user else ""
    context = {
        "advisor": advisor,
        "is_mine": advisor == request.user,
        "choices": choices,
        "days": days,
        "monday": monday,
        "sunday": sunday,
        "follow_ups": follow_ups[:100],
        "previous": f"?semaine={week_code(monday - timedelta(days=7))}{query}",
        "next": f"?semaine={week_code(monday + timedelta(days=7))}{query}",
        "this_week": f"?semaine={week_code(today - timedelta(days=today.weekday()))}{query}",
        "week_code": week_code(monday),
        "today": today,
    }
    return render(request, "appointments/week.html", context)


# --- The household's page ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def household_appointment(request: HttpRequest, token: str) -> HttpResponse:
    """Reached by the invitation's link (the token is the key, no account): the appointment, and a button to cancel it.
    Only a POST cancels: mail scanners follow links."""
    appointment = (
        Appointment.objects.current()
        .select_related("follow_up__household__territory", "follow_up__assignee")
        .filter(token=token[:60])
        .first()
    )
    if appointment is None or appointment.link_expired:
        raise Http404("Unknown or expired link.")
    if request.method == "POST":
        if appointment.can_be_cancelled:
            cancel_appointment(appointment, by_household=True)
            messages.success(request, _("Your appointment is cancelled and your advisor is told. Thank you."))
        return redirect("appointments:household", token=appointment.token)
    context = {"appointment": appointment, "advisor": appointment.advisor, "territory": appointment.household.territory}
    response = render(request, "appointments/household.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
