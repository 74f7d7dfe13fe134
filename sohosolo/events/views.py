from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sohosolo.events.calendar import invitation
from sohosolo.events.models import Audience, Event, Kind, Registration
from sohosolo.events.services import RegistrationRefused, cancel, register_visitor
from sohosolo.privacy.consents import WORDINGS
from sohosolo.privacy.models import Consent
from sohosolo.territory.models import Village

PAGE_SIZE = 20


class RegistrationForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=80)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=80)
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    people = forms.IntegerField(label=gettext_lazy("Number of people"), min_value=1, max_value=10, initial=1)
    language = forms.ChoiceField(label=gettext_lazy("Language for our emails"), choices=settings.LANGUAGES)
    consent_follow_up = forms.BooleanField(label=WORDINGS[Consent.Purpose.FOLLOW_UP][1], required=False)
    join_waiting_list = forms.BooleanField(
        label=gettext_lazy("If the event is full, put me on the waiting list"), required=False, initial=True
    )


def visible_events(user):
    """The events `user` may see: public ones; club events for members and the team; committee meetings for the
    village's volunteers and the team; invitation-only events for the team."""
    visible = Q(audience=Audience.PUBLIC)
    if user.is_authenticated:
        scope = user.scope
        if scope.is_admin:
            return Event.objects.all()
        team = scope.staff_territory_ids
        visible |= Q(territory__in=team)
        visible |= Q(audience=Audience.MEMBERS, territory__in=scope.member_territory_ids)
        visible |= Q(audience=Audience.VOLUNTEERS, village__in=scope.volunteer_village_ids)
        visible |= Q(
            audience=Audience.VOLUNTEERS,
            village__isnull=True,
            territory__in=Village.objects.filter(pk__in=scope.volunteer_village_ids).values("territory"),
        )
    return Event.objects.filter(visible)


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """The calendar: information meetings, open workshops and other events to come that this visitor may see."""
    events = (
        visible_events(request.user)
        .upcoming()
        .select_related("territory", "commune")
        .with_seats()
        .order_by("starts_at")
    )
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        events = events.filter(kind=kind)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/calendar.html", {"page": page, "kind": kind, "kinds": Kind.choices})


def visible_event_or_404(request: HttpRequest, code: str, pk: int) -> Event:
    """An event this visitor may see; 404 for anyone else (a members' workshop stays unknown to outsiders)."""
    return get_object_or_404(
        visible_events(request.user).select_related("territory", "commune"), pk=pk, territory__code=code
    )


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    event = visible_event_or_404(request, code, pk)
    user = request.user if request.user.is_authenticated else None
    initial = {"language": request.LANGUAGE_CODE}
    if user is not None:  # members and volunteers register from their account: their details are known
        first, _space, last = user.full_name.partition(" ")
        initial |= {"first_name": first, "last_name": last, "email": user.email, "language": user.language}
    form = RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            registered = register_visitor(event, form.cleaned_data, user=user)
        except RegistrationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if registered.waiting:
                message = _("You are on the waiting list. We will tell you by email when a seat frees up.")
            else:
                message = _("You are registered. A confirmation is on its way by email.")
            messages.success(request, message)
            return redirect(event.get_absolute_url())
    context = {"event": event, "form": form, "seats_left": event.seats_left()}
    return render(request, "events/detail.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def cancel_registration(request: HttpRequest, token: str) -> HttpResponse:
    """One click from the email: the link itself is the secret; the page asks to confirm, then frees the seat."""
    registration = get_object_or_404(Registration.objects.select_related("event__territory"), token=token)
    if request.method == "POST" and registration.status != Registration.Status.CANCELLED:
        cancel(registration)
        messages.success(request, _("Your registration is cancelled. Thank you for telling us."))
        return redirect("events:cancel", token=token)
    return render(request, "events/cancel.html", {"registration": registration, "event": registration.event})


@require_GET
def ics(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    event = visible_event_or_404(request, code, pk)
    response = HttpResponse(invitation(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response
