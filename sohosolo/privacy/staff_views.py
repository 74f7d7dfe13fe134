"""The managers' side: rights requests to answer within a month, and the access log of prospects' files."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.models import User
from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.accounts.security import recent_authentication_required
from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog
from sohosolo.privacy.forms import AccessLogFilterForm, AnswerForm, RightsRequestForm
from sohosolo.privacy.models import RightsRequest
from sohosolo.privacy.services import anonymise_household, close_request, create_rights_request, export_household
from sohosolo.prospects.models import Household

PAGE_SIZE = 25
LOG_PAGE_SIZE = 50

# Offered in the access log's action filter (any other action can be typed).
KNOWN_ACTIONS = [
    "prospect.",
    "prospect.read",
    "prospect.read_by_committee",
    "prospect.changed",
    "prospect.data_exported",
    "prospect.anonymised",
    "prospect.consent_withdrawn",
    "prospect.stage_changed",
    "prospect.assigned",
    "prospect.merged",
    "prospect.space_opened",
    "prospects.exported",
    "privacy.",
    "event.",
    "user.",
]


def get_request_or_404(request: HttpRequest, code: str, pk: int) -> RightsRequest:
    territory = get_territory_or_404(request, code, manage=True)
    return get_object_or_404(
        RightsRequest.objects.select_related("territory", "household", "handled_by", "created_by"),
        pk=pk,
        territory=territory,
    )


@staff_required
@require_GET
def requests(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code, manage=True)
    status = request.GET.get("status", RightsRequest.Status.OPEN)
    rights_requests = RightsRequest.objects.filter(territory=territory).select_related("household")
    if status in RightsRequest.Status.values:
        rights_requests = rights_requests.filter(status=status)
    page = Paginator(rights_requests.order_by("due_on", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/requests.html",
        {
            "territory": territory,
            "page": page,
            "status": status,
            "statuses": RightsRequest.Status.choices,
            "today": timezone.localdate(),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code, manage=True)
    initial = {"household_number": request.GET.get("foyer")} if request.GET.get("foyer", "").isdigit() else {}
    form = RightsRequestForm(territory, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rights_request = create_rights_request(
            form.household, data["kind"], data["details"], RightsRequest.Source.STAFF, request.user, data["received_on"]
        )
        messages.success(
            request,
            _("The request is recorded; the answer is due by %(date)s.")
            % {"date": rights_request.due_on.strftime("%d/%m/%Y")},
        )
        return redirect("privacy:request_detail", code=territory.code, pk=rights_request.pk)
    return render(
        request,
        "privacy/request_form.html",
        {"territory": territory, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    rights_request = get_request_or_404(request, code, pk)
    household = rights_request.household
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and rights_request.status == RightsRequest.Status.OPEN and form.is_valid():
        close_request(rights_request, form.cleaned_data["status"], form.cleaned_data["outcome"], request.user)
        messages.success(request, _("The request is closed."))
        return redirect("privacy:request_detail", code=code, pk=pk)
    if request.method == "GET":
        log_action(request.user, "prospect.read", household, {"rights_request": rights_request.pk})
    context = {
        "territory": rights_request.territory,
        "rights_request": rights_request,
        "household": household,
        "main": household.members.filter(is_main_contact=True).first(),
        "form": form,
    }
    return render(request, "privacy/request_detail.html", context, status=400 if form.errors else 200)


@staff_required
@require_GET
@recent_authentication_required
def request_export(request: HttpRequest, code: str, pk: int, fmt: str = "html") -> HttpResponse:
    """Everything held about the household, to send to the person who asked for access."""
    rights_request = get_request_or_404(request, code, pk)
    household = rights_request.household
    log_action(request.user, "prospect.data_exported", household, {"rights_request": pk, "format": fmt})
    data = export_household(household)
    if fmt == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="soho-solo-{household.pk}.json"'
        return response
    return render(request, "privacy/data.html", {"data": data, "household": household, "staff": True})


def records_to_review(to_review: list[dict]) -> str:
    """The records that still name the erased person without their email or phone, worded for the manager."""
    records = []
    for item in to_review[:20]:
        model = apps.get_model(item["record"])
        label = f"{capfirst(model._meta.verbose_name)} {item['id']}"
        if item.get("file") and model is not Household:
            label += " " + _("(file %(number)s)") % {"number": item["file"]}
        records.append(label)
    more = len(to_review) - len(records)
    return _("These records still name the person, with no email or phone to be sure it is them: check them: %s.") % (
        ", ".join(records)
        + (" " + ngettext("and %(count)s more", "and %(count)s more", more) % {"count": more} if more > 0 else "")
    )


@staff_required
@require_POST
@recent_authentication_required
def request_anonymise(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    rights_request = get_request_or_404(request, code, pk)
    if rights_request.kind != RightsRequest.Kind.ERASURE or rights_request.status != RightsRequest.Status.OPEN:
        messages.error(request, _("Only an open erasure request anonymises a file."))
    elif request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm: the erasure cannot be undone."))
    else:
        with transaction.atomic():
            to_review = anonymise_household(
                rights_request.household, request.user, reason=f"rights request {rights_request.pk}"
            )
            rights_request.refresh_from_db()
            close_request(rights_request, RightsRequest.Status.DONE, _("Personal data erased."), request.user)
        messages.success(request, _("The household's personal data are erased."))
        if to_review:
            messages.warning(request, records_to_review(to_review))
    return redirect("privacy:request_detail", code=code, pk=pk)


@staff_required
@require_GET
def access_log(request: HttpRequest, code: str) -> HttpResponse:
    """Who read or changed what, searchable by person, user, action and dates; for the territory's managers."""
    territory = get_territory_or_404(request, code, manage=True)
    users = User.objects.filter(roles__territory=territory).distinct().order_by("full_name")
    form = AccessLogFilterForm(users, request.GET or None)
    entries = ActionLog.objects.filter(territory=territory)
    if form.is_bound and not form.is_valid():
        entries = entries.none()
    elif form.is_bound:
        entries = filter_log(entries, form.cleaned_data)
    page = Paginator(entries.select_related("actor", "content_type").order_by("-created_at", "-pk"), LOG_PAGE_SIZE)
    return render(
        request,
        "privacy/access_log.html",
        {
            "territory": territory,
            "form": form,
            "page": page.get_page(request.GET.get("page")),
            "known_actions": KNOWN_ACTIONS,
            "household_type": ContentType.objects.get_for_model(Household).pk,
            "keep_days": settings.ACCESS_LOG_KEEP_DAYS,
        },
    )


def filter_log(entries, data: dict):
    person = data["person"].strip()
    if person.isdigit():
        entries = entries.filter(content_type=ContentType.objects.get_for_model(Household), object_id=person)
    elif person:
        entries = entries.filter(object_repr__icontains=person)
    if data["user"]:
        entries = entries.filter(actor=data["user"])
    action = data["action"].strip()
    if action.endswith("."):
        entries = entries.filter(action__startswith=action)
    elif action:
        entries = entries.filter(action=action)
    # Whole days in Paris time, as datetime bounds so that the index on created_at serves.
    if data["start"]:
        entries = entries.filter(created_at__gte=day_start(data["start"]))
    if data["end"]:
        entries = entries.filter(created_at__lt=day_start(data["end"] + timedelta(days=1)))
    return entries


def day_start(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
