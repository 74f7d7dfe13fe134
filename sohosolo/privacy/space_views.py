"""The prospects' personal space, reached by a one-time link sent by email (no account, no password), the link that
keeps a household in touch after a retention warning, and the pages the law asks for."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.throttle import Throttle
from sohosolo.audit.log import log_action
from sohosolo.documents.forms import HouseholdDocumentForm
from sohosolo.lib.addresses import client_address
from sohosolo.privacy import tasks as privacy_tasks
from sohosolo.privacy.consents import WORDINGS
from sohosolo.privacy.forms import LinkRequestForm, ProjectForm, SpaceRequestForm
from sohosolo.privacy.models import Consent, PersonalSpaceLink, RightsRequest
from sohosolo.privacy.notifications import send_space_link
from sohosolo.privacy.personal_data import personal_space_items
from sohosolo.privacy.services import (
    create_rights_request,
    export_household,
    update_project_from_space,
    withdraw_consent,
)
from sohosolo.prospects.models import FileNews, Household, Person, in_work
from sohosolo.prospects.services import tell_advisor
from sohosolo.territory.models import Territory

SESSION_KEY = "personal_space"
LINKS_PER_ADDRESS_PER_HOUR = 5
LINKS_PER_PERSON_PER_HOUR = 3


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def space_household(request: HttpRequest) -> Household | None:
    """The household whose personal space this browser opened, while the space is open."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    if data.get("until", 0) < time.time():
        del request.session[SESSION_KEY]
        return None
    return Household.objects.current().select_related("territory", "advisor").filter(pk=data.get("household")).first()


def space_required(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        household = space_household(request)
        if household is None:
            # No space open in this browser (never, or expired): the way to open one, with a 403 for what was asked.
            context = {"form": LinkRequestForm(), "closed": True}
            return render(request, "privacy/space_ask.html", context, status=403)
        return view(request, household, *args, **kwargs)

    return wrapped


def too_many_links(request: HttpRequest) -> bool:
    """At most a few links asked for an hour from one address."""
    return Throttle("space-links", LINKS_PER_ADDRESS_PER_HOUR, 3600).over(client_address(request))


def send_links(email: str) -> int:
    """A one-time link to each followed household where `email` is an adult's address. Returns how many (never shown:
    the page says the same thing whether the address is known or not)."""
    people = Person.objects.filter(
        in_work("household__"), email=email.strip().lower(), kind=Person.Kind.ADULT
    ).select_related("household__territory")
    sent = 0
    hour_ago = timezone.now() - timedelta(hours=1)
    for person in people[:5]:
        if (
            PersonalSpaceLink.objects.filter(person=person, created_at__gte=hour_ago).count()
            >= LINKS_PER_PERSON_PER_HOUR
        ):
            continue  # nobody fills someone's mailbox with links, from however many connections
        token = secrets.token_urlsafe(32)
        PersonalSpaceLink.objects.create(
            household=person.household,
            person=person,
            token_hash=token_hash(token),
            expires_at=timezone.now() + timedelta(minutes=settings.PERSONAL_SPACE_LINK_MINUTES),
        )
        send_space_link(person, person.household, token)
        sent += 1
    return sent


@require_http_methods(["GET", "POST"])
def space(request: HttpRequest) -> HttpResponse:
    """The personal space when it is open; else the form that sends a link."""
    household = space_household(request)
    if household is not None and request.method == "GET":
        return render(request, "privacy/space.html", space_context(household))
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if too_many_links(request):
            form.add_error(None, _("Several links were just asked from your connection. Try again in an hour."))
        else:
            send_links(form.cleaned_data["email"])
            return render(
                request,
                "privacy/space_link_sent.html",
                {"email": form.cleaned_data["email"], "minutes": settings.PERSONAL_SPACE_LINK_MINUTES},
            )
    return render(request, "privacy/space_ask.html", {"form": form}, status=400 if form.errors else 200)


def space_context(household: Household) -> dict:
    latest: dict[str, Consent] = {}
    for consent in household.consents.order_by("recorded_at", "pk"):
        latest[consent.purpose] = consent
    consents = [(purpose, Consent.Purpose(purpose).label, latest.get(purpose)) for purpose in WORDINGS]
    items = []
    for _receiver, answer in personal_space_items.send(sender=Household, household=household):
        items.extend(answer or [])
    registrations = household.registrations.select_related("event__territory").order_by("-event__starts_at")[:20]
    return {
        "household": household,
        "territory": household.territory,
        "main": household.members.filter(is_main_contact=True).first(),
        "members": household.members.all(),
        "consents": consents,
        "registrations": registrations,
        "now": timezone.now(),
        "items": items,
        "requests": household.rights_requests.order_by("-received_on")[:10],
        "erasure_pending": household.rights_requests.open().filter(kind=RightsRequest.Kind.ERASURE).exists(),
        "request_form": SpaceRequestForm(),
    }


@require_http_methods(["GET", "POST"])
def space_open(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links: they must not use the link up); POST opens the space."""
    link = (
        PersonalSpaceLink.objects.select_related("household")
        .filter(
            in_work("household__"), token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )
    if link is None:
        return render(request, "privacy/space_link_invalid.html", status=404)
    if request.method == "GET":
        return render(request, "privacy/space_open.html", {"link": link})
    with transaction.atomic():
        if not PersonalSpaceLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now()):
            return render(request, "privacy/space_link_invalid.html", status=404)
        Household.objects.filter(pk=link.household_id).update(last_contact_on=timezone.localdate())
        log_action(None, "prospect.space_opened", link.household)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "household": link.household_id,
        "person": link.person_id,
        "until": time.time() + settings.PERSONAL_SPACE_SESSION_MINUTES * 60,
    }
    return redirect("privacy:space")


@require_POST
def space_close(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.success(request, _("Your personal space is closed."))
    return redirect("privacy:space")


@space_required
@require_http_methods(["GET", "POST"])
def space_project(request: HttpRequest, household: Household) -> HttpResponse:
    form = ProjectForm(request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        update_project_from_space(form)
        messages.success(request, _("Your project is saved. Your advisor will see it."))
        return redirect("privacy:space")
    return render(
        request,
        "privacy/space_project.html",
        {"form": form, "household": household},
        status=400 if form.errors else 200,
    )


DOCUMENTS_PER_HOUSEHOLD_PER_DAY = 20


@space_required
@require_http_methods(["GET", "POST"])
def space_documents(request: HttpRequest, household: Household) -> HttpResponse:
    """The household sends its advisor a document (a CV, a business plan…): checked like the team's uploads, kept
    on the file, and the advisor is told in "My day"."""
    form = HouseholdDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if Throttle("space-documents", DOCUMENTS_PER_HOUSEHOLD_PER_DAY, 86400).over(str(household.pk)):
            form.add_error(None, _("You sent many documents today: send the next ones tomorrow."))
        else:
            with transaction.atomic():
                document = form.save(commit=False)
                document.household, document.added_by_household = household, True
                document.save()
                log_action(None, "document.added_by_household", household, {"document": document.pk})
                tell_advisor(household, FileNews.Kind.DOCUMENT_ADDED, detail=document.original_name)
            messages.success(request, _("Your document is on your file: your advisor will see it."))
            return redirect("privacy:space_documents")
    sent = household.documents.filter(added_by_household=True).order_by("-uploaded_at")[:50]
    context = {"form": form, "household": household, "sent": sent}
    return render(request, "privacy/space_documents.html", context, status=400 if form.errors else 200)


@space_required
@require_GET
def space_data(request: HttpRequest, household: Household, fmt: str = "html") -> HttpResponse:
    """All the data held about the household: JSON to download, or a page to read and print."""
    log_action(None, "prospect.data_exported", household, {"by": "household", "format": fmt})
    data = export_household(household)
    if fmt == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="soho-solo-{household.pk}.json"'
        return response
    return render(request, "privacy/data.html", {"data": data, "household": household})


@require_POST
@space_required
def space_consent(request: HttpRequest, household: Household) -> HttpResponse:
    purpose = request.POST.get("purpose", "")
    if purpose not in WORDINGS:
        messages.error(request, _("Choose which consent to withdraw."))
    elif withdraw_consent(household, purpose):
        messages.success(
            request, _("Your consent is withdrawn: %(purpose)s.") % {"purpose": Consent.Purpose(purpose).label}
        )
    else:
        messages.info(request, _("This consent was not in force."))
    return redirect("privacy:space")


@space_required
@require_http_methods(["GET", "POST"])
def space_erase(request: HttpRequest, household: Household) -> HttpResponse:
    pending = household.rights_requests.open().filter(kind=RightsRequest.Kind.ERASURE).first()
    if request.method == "POST":
        if pending is None:
            create_rights_request(
                household,
                RightsRequest.Kind.ERASURE,
                details=request.POST.get("details", "")[:2000],
                source=RightsRequest.Source.PERSONAL_SPACE,
            )
        messages.success(request, _("Your request is recorded. The programme team answers within one month, by email."))
        return redirect("privacy:space")
    return render(request, "privacy/space_erase.html", {"household": household, "pending": pending})


@require_POST
@space_required
def space_request(request: HttpRequest, household: Household) -> HttpResponse:
    """A correction of what the household cannot change itself (names, contacts…), or an objection."""
    form = SpaceRequestForm(request.POST)
    if form.is_valid():
        create_rights_request(
            household,
            form.cleaned_data["kind"],
            details=form.cleaned_data["details"],
            source=RightsRequest.Source.PERSONAL_SPACE,
        )
        messages.success(request, _("Your request is recorded. The programme team answers within one month, by email."))
    else:
        messages.error(request, _("Say what to correct, or what you object to."))
    return redirect("privacy:space")


@require_http_methods(["GET", "POST"])
def keep_in_touch(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the retention warning (signed, no sign-in) opens a page whose button keeps the file: opening the
    link changes nothing, so a mail scanner that follows every link cannot answer in the household's place."""
    notice = privacy_tasks.notice_from_token(token)
    if notice is None:
        raise Http404("Unknown or expired link.")
    context = {"territory": notice.household.territory}
    if request.method == "POST":
        context["kept"] = privacy_tasks.keep_in_touch(notice)
    elif notice.household.anonymised_at is not None:
        context["kept"] = False
    else:
        context["ask"] = notice.kept_at is None
        context["kept"] = not context["ask"]
    return render(request, "privacy/kept.html", context)


def legal_context() -> dict:

    years = sorted(set(Territory.objects.values_list("retention_years", flat=True))) or [3]
    return {
        "dpo_name": settings.DPO_NAME,
        "dpo_email": settings.DPO_EMAIL,
        "dpo_address": settings.DPO_ADDRESS,
        "publisher_name": settings.PUBLISHER_NAME,
        "publisher_address": settings.PUBLISHER_ADDRESS,
        "publication_director": settings.PUBLICATION_DIRECTOR,
        "hosting_provider": settings.HOSTING_PROVIDER,
        "map_tiles_host": settings.MAP_TILE_URL.split("/")[2] if settings.MAP_TILE_URL.startswith("http") else "",
        "retention_years": years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}",
        "access_log_days": settings.ACCESS_LOG_KEEP_DAYS,
        "account_months": settings.ACCOUNT_INACTIVE_DAYS // 30,
        "task_days": settings.TASK_RESULTS_KEEP_DAYS,
        "space_url": reverse("privacy:space"),
        "notice_url": reverse("privacy:notice"),
    }


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/notice.html", legal_context())


@require_GET
def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/legal.html", legal_context())


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/accessibility.html", legal_context())
