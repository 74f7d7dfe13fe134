"""Calendar feeds (RFC 5545) that calendar programs subscribe to: a public one per territory, a private one per user.

The private feed's address carries a token (CalendarFeed) instead of a session: calendar programs send no cookie.
The token is the whole secret, so a user can revoke it, which gives a new address and makes the old one 404.
Both feeds cover a bounded window around today, in a fixed number of queries, however old the programme is.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sohosolo.accounts.services import link_for
from sohosolo.appointments.calendar import appointment_vevents
from sohosolo.audit.log import log_action
from sohosolo.events.calendar import _calendar, _vevent, feed
from sohosolo.events.models import Audience, CalendarFeed, Event, Kind, Registration, new_token
from sohosolo.territory.models import Territory, Village

# The public feed is what is coming, plus the last month so that a meeting just held does not vanish at once.
PUBLIC_PAST = timedelta(days=30)
# The private feed keeps a little more history: what one registered for and attended lately.
PRIVATE_PAST = timedelta(days=90)
AHEAD = timedelta(days=365)
CONTENT_TYPE = "text/calendar; charset=utf-8"


def _window(events, past: timedelta):
    now = timezone.now()
    return events.filter(starts_at__gte=now - past, starts_at__lte=now + AHEAD)


def _response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def public_events(territory: Territory):
    """The territory's public events in the public feed's window (cancelled ones too: calendars then drop them)."""
    events = Event.objects.public().filter(territory=territory).select_related("territory", "commune")
    return _window(events, PUBLIC_PAST).order_by("starts_at", "pk")


@require_GET
def public_feed(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_object_or_404(Territory, code=code)
    name = f"{territory.public_name} — {_('Meetings and workshops')}"
    return _response(feed(public_events(territory), name), f"{territory.code}.ics")


def audience_filter(user) -> Q:
    """The events a user's roles bring to their private feed (registrations aside).

    Platform admins: every event; managers and advisors: all the events of their territories; volunteers: the
    meetings of their village's committee, the volunteers' events of their territory and its public events; club
    members and partners: the public events of their territory, and for members the club's events too."""
    scope = user.scope
    if scope.is_admin:
        return Q(pk__isnull=False)
    wanted = Q(territory__in=scope.staff_territory_ids)
    if scope.volunteer_village_ids:
        village_territories = Village.objects.filter(pk__in=scope.volunteer_village_ids).values("territory_id")
        wanted |= Q(village__in=scope.volunteer_village_ids, kind=Kind.COMMITTEE)
        wanted |= Q(territory__in=village_territories, audience=Audience.VOLUNTEERS, village__isnull=True)
        wanted |= Q(territory__in=village_territories, audience=Audience.PUBLIC)
    if scope.member_territory_ids:
        wanted |= Q(territory__in=scope.member_territory_ids, audience__in=[Audience.MEMBERS, Audience.PUBLIC])
    if scope.partner_territory_ids:
        wanted |= Q(territory__in=scope.partner_territory_ids, audience=Audience.PUBLIC)
    return wanted


def private_events(user) -> tuple[list[Event], set[int]]:
    """The events of a user's private feed, and which of them they wait for a seat at."""
    registrations = dict(
        Registration.objects.filter(Q(user=user) | Q(email=user.email.lower()))
        .exclude(status=Registration.Status.CANCELLED)
        .filter(event__starts_at__gte=timezone.now() - PRIVATE_PAST, event__starts_at__lte=timezone.now() + AHEAD)
        .values_list("event_id", "status")
    )
    events = _window(Event.objects.filter(Q(pk__in=list(registrations)) | audience_filter(user)), PRIVATE_PAST)
    events = events.select_related("territory", "commune").order_by("starts_at", "pk")
    # A place on the waiting list is not a seat yet: the feed says TENTATIVE for those.
    waiting = {pk for pk, status in registrations.items() if status == Registration.Status.WAITING}
    return list(events), waiting


@require_GET
def private_feed(request: HttpRequest, token: str) -> HttpResponse:
    subscription = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if subscription is None:
        raise Http404("No such calendar.")
    user = subscription.user
    events, waiting = private_events(user)
    calendar = _calendar(name=_("Soho Solo — my calendar"))
    for event in events:
        calendar.add_component(_vevent(event, "TENTATIVE" if event.pk in waiting else "CONFIRMED"))
    for item in appointment_vevents(user):  # their appointments with households (sohosolo/appointments)
        calendar.add_component(item)
    response = _response(calendar.to_ical(), "soho-solo.ics")
    # The address is a secret: keep it out of shared caches and search engines.
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


def webcal(url: str) -> str:
    """The same address for "subscribe" links: calendar programs open webcal:// addresses."""
    return "webcal://" + url.split("://", 1)[-1]


@login_required
@require_http_methods(["GET", "POST"])
def my_calendar(request: HttpRequest) -> HttpResponse:
    """The user's private calendar address, with a button to revoke it, and the public calendars."""
    user = request.user
    subscription, _created = CalendarFeed.objects.get_or_create(user=user)
    if request.method == "POST":
        with transaction.atomic():
            subscription.token = new_token()
            subscription.save(update_fields=["token", "created_at"])
            log_action(user, "calendar_feed.revoked", subscription)
        messages.success(
            request,
            _("Your private calendar has a new address. The old one no longer works: subscribe again with this one."),
        )
        return redirect("events:my_calendar")
    private_url = link_for(user, "events:private_feed", subscription.token)
    public = [
        (territory, url, webcal(url))
        for territory in Territory.objects.order_by("name")
        for url in [settings.SITE_URL + reverse("events:public_feed", args=[territory.code])]
    ]
    context = {"private_url": private_url, "private_webcal": webcal(private_url), "public": public}
    return render(request, "events/feeds.html", context)
