"""The team's side of events: the list with fill rates, creating and editing events, registrations and their export,
a message to the attendees, attendance on a phone (walk-ins included: events.services.record_attendance and
add_walk_in), and the committee meetings of a village.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.scopes import get_territory_or_404, get_village_or_404, role_required, staff_required
from sohosolo.accounts.security import recent_authentication_required
from sohosolo.audit.log import log_action
from sohosolo.events.models import Audience, Event, Kind, Registration
from sohosolo.events.services import (
    RegistrationRefused,
    add_walk_in,
    promote_waiting,
    record_attendance,
    register_household,
)
from sohosolo.lib.emails import send_email
from sohosolo.lib.exports import csv_response, xlsx_response
from sohosolo.prospects.access import get_household_or_404
from sohosolo.prospects.models import Household
from sohosolo.territory.models import Commune, Territory

PAGE_SIZE = 25
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

CONFIRMED = Registration.Status.CONFIRMED
WAITING = Registration.Status.WAITING
CANCELLED = Registration.Status.CANCELLED
PRESENT = Registration.Attendance.PRESENT
ABSENT = Registration.Attendance.ABSENT


# --- Forms ----------------------------------------------------------------------------------------------------------


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput({"type": "datetime-local"}, format=DATETIME_LOCAL)


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "kind",
            "audience",
            "village",
            "title_fr",
            "title_en",
            "description_fr",
            "description_en",
            "starts_at",
            "ends_at",
            "commune",
            "address",
            "online_url",
            "capacity",
            "registration_deadline",
            "cancelled",
        ]
        widgets = {
            "description_fr": forms.Textarea({"rows": 4}),
            "description_en": forms.Textarea({"rows": 4}),
            "starts_at": datetime_input(),
            "ends_at": datetime_input(),
            "registration_deadline": datetime_input(),
        }

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["village"].queryset = territory.villages.order_by("name")
        self.fields["commune"].queryset = Commune.objects.filter(departement=territory.departement).order_by("name")

    def clean(self) -> dict:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        if data.get("kind") == Kind.COMMITTEE and not data.get("village"):
            self.add_error("village", _("Choose the village whose committee meets."))
        capacity = data.get("capacity")
        # Read here, not earlier: the view validates with the event locked, so no registration slips in between.
        taken = self.instance.seats_taken() if self.instance.pk else 0
        if capacity is not None and capacity < taken:
            self.add_error(
                "capacity",
                ngettext(
                    "%(taken)s seat is already taken: the capacity cannot be lower. Cancel registrations first.",
                    "%(taken)s seats are already taken: the capacity cannot be lower. Cancel registrations first.",
                    taken,
                )
                % {"taken": taken},
            )
        return data


class MessageForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=150)
    message = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=5000,
        widget=forms.Textarea({"rows": 8}),
        help_text=gettext_lazy(
            "Sent as you write it; the email adds the event's date and place, and the link to cancel."
        ),
    )


class WalkInForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("Email (optional)"),
        required=False,
        help_text=gettext_lazy("Links them to their prospect's file, if they have one."),
    )
    people = forms.IntegerField(label=gettext_lazy("Number of people"), min_value=1, max_value=10, initial=1)


class RegisterHouseholdForm(forms.Form):
    """The team registers a prospect household for an event of its territory (from the file or the event's page)."""

    event = forms.ModelChoiceField(label=gettext_lazy("Event"), queryset=Event.objects.none())
    people = forms.IntegerField(label=gettext_lazy("Number of people"), min_value=1, max_value=10, initial=1)
    join_waiting_list = forms.BooleanField(
        label=gettext_lazy("If the event is full, put them on the waiting list"), required=False, initial=True
    )

    def __init__(self, territory: Territory, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        events = Event.objects.upcoming().filter(territory=territory).order_by("starts_at", "pk")
        self.fields["event"].queryset = events
        self.fields["event"].label_from_instance = lambda e: (
            f"{e.title} — {timezone.localtime(e.starts_at):%d/%m/%Y %H:%M}"
        )


# --- Queries --------------------------------------------------------------------------------------------------------


def get_event_or_404(request: HttpRequest, code: str, pk: int) -> Event:
    """An event of a territory whose team the user belongs to; 404 for anyone else."""
    territory = get_territory_or_404(request, code)
    return get_object_or_404(
        Event.objects.select_related("territory", "commune", "village"), pk=pk, territory=territory
    )


def with_registration_counts(events: QuerySet) -> QuerySet:
    """Each event with its confirmed people and registrations, its waiting list and who came, in the same query."""
    confirmed = Q(registrations__status=CONFIRMED)
    return events.annotate(
        people_confirmed=Coalesce(Sum("registrations__people", filter=confirmed), 0),
        registrations_confirmed=Count("registrations", filter=confirmed),
        registrations_waiting=Count("registrations", filter=Q(registrations__status=WAITING)),
        registrations_present=Count(
            "registrations", filter=~Q(registrations__status=CANCELLED) & Q(registrations__attendance=PRESENT)
        ),
    )


def fill_rate(taken: int, capacity: int | None) -> int | None:
    """Seats taken, in percent of the capacity (None without a limit)."""
    return round(100 * taken / capacity) if capacity else None


def attendance_counts(event: Event) -> dict:
    active = ~Q(status=CANCELLED)
    missing = Q(attendance=ABSENT)
    if event.ends_at < timezone.now():
        missing |= Q(attendance="")
    return event.registrations.aggregate(
        present=Count("pk", filter=active & Q(attendance=PRESENT)),
        present_people=Coalesce(Sum("people", filter=active & Q(attendance=PRESENT)), 0),
        absent=Count("pk", filter=active & Q(attendance=ABSENT)),
        unmarked=Count("pk", filter=active & Q(attendance="")),
        no_shows=Count("pk", filter=Q(status=CONFIRMED, walk_in=False) & missing),
    )


# --- The list, creating and editing ---------------------------------------------------------------------------------


@staff_required
@require_GET
def staff_list(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    now = timezone.now()
    events = Event.objects.filter(territory=territory)
    counts = events.aggregate(
        upcoming=Count("pk", filter=Q(ends_at__gte=now)), past=Count("pk", filter=Q(ends_at__lt=now))
    )
    past = request.GET.get("when") == "past"
    if past:
        events = events.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        events = events.filter(ends_at__gte=now).order_by("starts_at", "pk")
    events = with_registration_counts(events.select_related("commune", "village"))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.fill_rate = fill_rate(event.people_confirmed, event.capacity)
    context = {"territory": territory, "page": page, "past": past, "counts": counts}
    return render(request, "events/staff_list.html", context)


@transaction.atomic
def save_event(form: EventForm, actor) -> Event | None:
    """Validate and save with the event locked; when seats were added, the waiting list gets them (and emails)."""
    before = None
    if form.instance.pk:
        before = Event.objects.select_for_update().get(pk=form.instance.pk).capacity
    if not form.is_valid():
        return None
    is_new = form.instance.pk is None
    event = form.save(commit=False)
    if not is_new and event.series_id and form.has_changed():
        event.detached = True  # edited on its own: later changes to the series leave it as it is
    event.save()
    if is_new:
        log_action(actor, "event.created", event, {"title": event.title_fr})
    elif form.changed_data:
        log_action(actor, "event.changed", event, {name: str(form.cleaned_data[name]) for name in form.changed_data})
    grew = not is_new and before is not None and (event.capacity is None or event.capacity > before)
    if grew and not event.cancelled:
        promoted = promote_waiting(event)
        if promoted:
            log_action(actor, "event.waiting_promoted", event, {"registrations": [r.pk for r in promoted]})
        form.promoted = promoted
    return event


@staff_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    form = EventForm(territory, request.POST or None, instance=Event(territory=territory))
    if request.method == "POST":
        event = save_event(form, request.user)
        if event is not None:
            messages.success(request, _("The event is created."))
            return redirect("events:staff_detail", code=territory.code, pk=event.pk)
    context = {"territory": territory, "form": form, "event": None}
    return render(request, "events/staff_event_form.html", context, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    event = get_event_or_404(request, code, pk)
    form = EventForm(event.territory, request.POST or None, instance=event)
    if request.method == "POST":
        saved = save_event(form, request.user)
        if saved is not None:
            promoted = getattr(form, "promoted", [])
            if promoted:
                messages.success(
                    request,
                    ngettext(
                        "The event is saved. %(count)s person on the waiting list got a seat and is told by email.",
                        "The event is saved. %(count)s people on the waiting list got a seat and are told by email.",
                        len(promoted),
                    )
                    % {"count": len(promoted)},
                )
            else:
                messages.success(request, _("The event is saved."))
            return redirect("events:staff_detail", code=event.territory.code, pk=event.pk)
    context = {"territory": event.territory, "form": form, "event": event}
    return render(request, "events/staff_event_form.html", context, status=400 if form.errors else 200)


# --- One event: its registrations, their export, a message to them --------------------------------------------------


@staff_required
@require_GET
def staff_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    event = get_event_or_404(request, code, pk)
    registrations = list(event.registrations.select_related("household__territory").order_by("created_at", "pk"))
    groups = []
    for status, label in Registration.Status.choices:
        rows = [r for r in registrations if r.status == status]
        groups.append({"status": status, "label": label, "rows": rows, "people": sum(r.people for r in rows)})
    taken = groups[0]["people"]
    context = {
        "event": event,
        "territory": event.territory,
        "groups": groups,
        "taken": taken,
        "fill_rate": fill_rate(taken, event.capacity),
        "is_public": event.audience == Audience.PUBLIC,
    }
    return render(request, "events/staff_event.html", context)


def export_header() -> list[str]:
    return [
        _("Name"),
        _("Email"),
        _("People"),
        _("Language"),
        _("Status"),
        _("Attendance"),
        _("Came without registering"),
        _("Prospect's file"),
        _("Registered on"),
    ]


def export_rows(event: Event):
    registrations = event.registrations.exclude(status=CANCELLED).order_by("status", Lower("name"), "pk")
    for registration in registrations:
        yield [
            registration.name,
            registration.email,
            registration.people,
            registration.get_language_display(),
            registration.get_status_display(),
            registration.get_attendance_display(),
            _("yes") if registration.walk_in else "",
            registration.household_id or "",
            timezone.localtime(registration.created_at).strftime("%d/%m/%Y %H:%M"),
        ]


@staff_required
@require_GET
@recent_authentication_required
def staff_export(request: HttpRequest, code: str, pk: int, fmt: str) -> HttpResponse:
    """The people registered (confirmed, then waiting), as CSV or XLSX. Exports hold personal data: each is logged."""
    event = get_event_or_404(request, code, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown format.")
    log_action(request.user, "event.exported", event, {"format": fmt})
    filename = f"event-{event.pk}-{timezone.localtime(event.starts_at):%Y-%m-%d}"
    if fmt == "xlsx":
        return xlsx_response(filename, export_header(), export_rows(event), title=str(_("Registrations")))
    return csv_response(filename, export_header(), export_rows(event))


@staff_required
@require_http_methods(["GET", "POST"])
def staff_message(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One email to each confirmed registration: the team's words, framed in the recipient's language."""
    event = get_event_or_404(request, code, pk)
    recipients = list(event.registrations.filter(status=CONFIRMED).exclude(email="").select_related("event__territory"))
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not recipients:
            form.add_error(None, _("Nobody registered for this event has an email address."))
        else:
            subject, message = form.cleaned_data["subject"], form.cleaned_data["message"]
            for registration in recipients:
                send_email(
                    registration.email,
                    "events-message",
                    {"registration": registration, "event": event, "subject": subject, "message": message},
                    language=registration.language,
                )
            log_action(request.user, "event.attendees_messaged", event, {"subject": subject, "count": len(recipients)})
            messages.success(
                request,
                ngettext(
                    "The message is on its way to %(count)s person.",
                    "The message is on its way to %(count)s people.",
                    len(recipients),
                )
                % {"count": len(recipients)},
            )
            return redirect("events:staff_detail", code=event.territory.code, pk=event.pk)
    context = {"event": event, "territory": event.territory, "form": form, "recipients": recipients}
    return render(request, "events/staff_message.html", context, status=400 if form.errors else 200)


# --- Attendance -----------------------------------------------------------------------------------------------------


def attendance_context(event: Event, walk_in_form: WalkInForm | None = None) -> dict:
    registrations = (
        event.registrations.exclude(status=CANCELLED)
        .select_related("household__territory")
        .order_by(Lower("name"), "pk")
    )
    return {
        "event": event,
        "territory": event.territory,
        "registrations": registrations,
        "counts": attendance_counts(event),
        "walk_in_form": walk_in_form or WalkInForm(),
    }


def attendance_url(event: Event, registration: Registration | None = None) -> str:
    url = reverse("events:attendance", args=[event.territory.code, event.pk])
    return f"{url}#registration-{registration.pk}" if registration else url


@staff_required
@require_GET
def attendance(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    event = get_event_or_404(request, code, pk)
    return render(request, "events/staff_attendance.html", attendance_context(event))


@staff_required
@require_POST
def mark_attendance(request: HttpRequest, code: str, pk: int, registration_id: int) -> HttpResponse:
    """Present or absent: with htmx, the row and the counts come back; without, the page again at that row."""
    event = get_event_or_404(request, code, pk)
    registration = get_object_or_404(event.registrations.exclude(status=CANCELLED), pk=registration_id)
    attendance = request.POST.get("attendance")
    if attendance not in (PRESENT, ABSENT):
        return HttpResponse(_("Choose present or absent."), status=400, content_type="text/plain; charset=utf-8")
    registration = record_attendance(registration, attendance, request.user)
    if request.htmx:
        context = {"event": event, "territory": event.territory, "registration": registration}
        context["counts"] = attendance_counts(event)
        return render(request, "events/staff_attendance.html#marked", context)
    return redirect(attendance_url(event, registration))


@staff_required
@require_POST
def walk_in(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    event = get_event_or_404(request, code, pk)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        return render(request, "events/staff_attendance.html", attendance_context(event, form), status=400)
    registration, created = add_walk_in(event, form.cleaned_data, request.user)
    if created:
        message = _("%(name)s is added, present.") % {"name": registration.name}
        if registration.household_id:
            message += " " + _("Their prospect's file shows it.")
    else:
        message = _("%(name)s was already registered: marked present.") % {"name": registration.name}
    messages.success(request, message)
    return redirect(attendance_url(event, registration))


# --- A village's committee ------------------------------------------------------------------------------------------


@role_required
@require_GET
def village_meetings(request: HttpRequest, code: str, slug: str) -> HttpResponse:
    """The committee meetings of a village, for its volunteers and the territory's team: upcoming first."""
    village = get_village_or_404(request, code, slug)
    now = timezone.now()
    meetings = Event.objects.filter(village=village, kind=Kind.COMMITTEE).select_related("commune", "territory")
    context = {
        "village": village,
        "territory": village.territory,
        "upcoming": meetings.filter(ends_at__gte=now).order_by("starts_at", "pk")[:50],
        "past": meetings.filter(ends_at__lt=now).order_by("-starts_at", "-pk")[:20],
        "is_staff": request.user.scope.can_see_territory(village.territory_id),
    }
    return render(request, "events/staff_village_meetings.html", context)


# --- Registering a prospect: from the file, or from the event's page ---------------------------------------------


def register_from_form(request: HttpRequest, form: RegisterHouseholdForm, household) -> bool:
    """Register `household` as the valid form says; a refusal (closed, already registered, full) is the form's error."""
    data = form.cleaned_data
    try:
        registered = register_household(
            data["event"], household, data["people"], data["join_waiting_list"], actor=request.user
        )
    except RegistrationRefused as refused:
        form.add_error(None, str(refused))
        return False
    message = (
        _("%(name)s is on the waiting list of %(event)s.")
        if registered.waiting
        else _("%(name)s is registered for %(event)s; the confirmation is on its way.")
    )
    messages.success(request, message % {"name": household.display_name, "event": data["event"].title})
    return True


@staff_required
@require_http_methods(["GET", "POST"])
def register_from_file(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The file's "register for an event": the territory's coming events, and the household's registrations."""
    household = get_household_or_404(request, code, pk)
    territory = household.territory
    initial = {"people": max(1, household.members.count())}
    form = RegisterHouseholdForm(territory, request.POST or None, initial=initial | {"event": request.GET.get("event")})
    if request.method == "POST" and form.is_valid() and register_from_form(request, form, household):
        return redirect(household.get_absolute_url())
    registrations = household.registrations.select_related("event").order_by("-event__starts_at")[:20]
    context = {"household": household, "territory": territory, "form": form, "registrations": registrations}
    return render(request, "events/register_household.html", context, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def register_prospect(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The event's "register a prospect": search the territory's files, register one."""
    event = get_event_or_404(request, code, pk)
    territory = event.territory
    query = request.GET.get("q", "").strip()[:100]
    form = RegisterHouseholdForm(territory, request.POST or None, initial={"event": event.pk})
    if request.method == "POST":
        household = get_household_or_404(request, code, request.POST.get("household", ""), log=False)
        if form.is_valid() and register_from_form(request, form, household):
            return redirect("events:staff_detail", code=territory.code, pk=event.pk)
        messages.error(request, " ".join(form.non_field_errors()) or _("Check the number of people."))
        return redirect(f"{reverse('events:register_prospect', args=[territory.code, event.pk])}?q={household.pk}")
    found = []
    if query:
        households = Household.objects.current().filter(territory=territory)
        households = households.filter(pk=query) if query.isdigit() else households.search(query, territory)
        registered = event.registrations.exclude(status=Registration.Status.CANCELLED).filter(household=OuterRef("pk"))
        found = (
            households.select_related("advisor")
            .with_main_contact()
            .annotate(people=Count("members", distinct=True), already=Exists(registered))
            .order_by("-last_contact_on", "-pk")[:20]
        )
    context = {"event": event, "territory": territory, "query": query, "found": found, "form": form}
    template = "events/register_prospect.html#results" if request.htmx and query else "events/register_prospect.html"
    return render(request, template, context)
