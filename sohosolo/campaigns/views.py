"""The team's campaigns (archive, writing, test, sending) and the readers' unsubscribe page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.audit.log import log_action
from sohosolo.campaigns.forms import CampaignForm
from sohosolo.campaigns.models import Campaign, CampaignRecipient
from sohosolo.campaigns.services import TEST_TOKEN, AudienceError, audience_of, start_sending, unsubscribe
from sohosolo.campaigns.tasks import send_campaign_batch, send_campaign_test
from sohosolo.intranet.markdown import render_markdown

PAGE_SIZE = 25


def get_campaign_or_404(request: HttpRequest, code: str, pk: int) -> Campaign:
    territory = get_territory_or_404(request, code)
    return get_object_or_404(
        Campaign.objects.select_related("territory", "saved_view", "created_by"), pk=pk, territory=territory
    )


@staff_required
@require_GET
def campaign_list(request: HttpRequest, code: str) -> HttpResponse:
    """The archive: every campaign of the territory with its counts (kept on the campaign: no counting here)."""
    territory = get_territory_or_404(request, code)
    campaigns = Campaign.objects.filter(territory=territory).select_related("saved_view", "created_by")
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/campaign_list.html", {"territory": territory, "page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    form = CampaignForm(territory, request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = form.save(commit=False)
        campaign.territory = territory
        campaign.created_by = request.user
        campaign.save()
        log_action(request.user, "campaign.created", campaign, {"audience": campaign.audience})
        messages.success(request, _("Draft saved. Check it, send yourself a test, then send it."))
        return redirect("campaigns:detail", code=territory.code, pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"territory": territory, "form": form, "campaign": None})


@staff_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = get_campaign_or_404(request, code, pk)
    if not campaign.is_draft:
        messages.error(request, _("This campaign was sent: it can no longer be changed."))
        return redirect("campaigns:detail", code=code, pk=campaign.pk)
    form = CampaignForm(campaign.territory, request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_action(request.user, "campaign.changed", campaign, {"fields": form.changed_data})
        messages.success(request, _("Draft saved."))
        return redirect("campaigns:detail", code=code, pk=campaign.pk)
    context = {"territory": campaign.territory, "form": form, "campaign": campaign}
    return render(request, "campaigns/campaign_form.html", context)


def preview(campaign: Campaign, language: str) -> dict:
    version, subject, text = campaign.version(language)
    return {"language": language, "version": version, "subject": subject, "html": mark_safe(render_markdown(text))}  # noqa: S308


@staff_required
@require_GET
def campaign_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Both versions as readers will see them; before sending, how many readers it would reach; after, the counts."""
    campaign = get_campaign_or_404(request, code, pk)
    audience_size = audience_problem = None
    if campaign.is_draft:
        try:
            audience_size = len(audience_of(campaign))
        except AudienceError:
            audience_problem = True
    context = {
        "territory": campaign.territory,
        "campaign": campaign,
        "previews": [preview(campaign, "fr"), preview(campaign, "en")],
        "audience_size": audience_size,
        "audience_problem": audience_problem,
        "queued": campaign.recipients.filter(
            status__in=[CampaignRecipient.Status.QUEUED, CampaignRecipient.Status.SENDING]
        ).count(),
    }
    return render(request, "campaigns/campaign_detail.html", context)


@staff_required
@require_POST
def campaign_test(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The campaign to the signed-in person only, marked as a test."""
    campaign = get_campaign_or_404(request, code, pk)
    Campaign.objects.filter(pk=campaign.pk).update(last_test_at=timezone.now())
    user_id = request.user.pk
    transaction.on_commit(lambda: send_campaign_test.enqueue(campaign.pk, user_id))
    messages.success(request, _("A test is on its way to %(email)s.") % {"email": request.user.email})
    return redirect("campaigns:detail", code=code, pk=campaign.pk)


@staff_required
@require_POST
def campaign_send(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Freeze the recipients and start sending; a second click (or a sent campaign) changes nothing."""
    campaign = get_campaign_or_404(request, code, pk)
    if not campaign.is_draft:
        messages.info(request, _("This campaign is already being sent."))
        return redirect("campaigns:detail", code=code, pk=campaign.pk)
    try:
        started = start_sending(campaign, request.user)
    except AudienceError:
        messages.error(request, _("The audience cannot be worked out: check the saved view and its filters."))
        return redirect("campaigns:detail", code=code, pk=campaign.pk)
    if started:
        transaction.on_commit(lambda: send_campaign_batch.enqueue(campaign.pk))
        messages.success(request, _("Sending started: the emails leave in batches."))
    else:
        messages.info(request, _("This campaign is already being sent."))
    return redirect("campaigns:detail", code=code, pk=campaign.pk)


@csrf_exempt  # The one-click unsubscribe of mail clients (RFC 8058) posts without a CSRF token: the token is the key.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (a mail scanner following links must not unsubscribe anyone); POST, from that button or
    from the mail client's one-click request, unsubscribes."""
    if token == TEST_TOKEN:
        return render(request, "campaigns/unsubscribe.html", {"test": True})
    recipient = get_object_or_404(CampaignRecipient.objects.select_related("campaign__territory"), token=token)
    done = False
    if request.method == "POST":
        unsubscribe(recipient)
        done = True
    context = {
        "recipient": recipient,
        "campaign": recipient.campaign,
        "territory": recipient.campaign.territory,
        "done": done or recipient.unsubscribed_at is not None,
    }
    return render(request, "campaigns/unsubscribe.html", context)
