"""Who a campaign reaches, freezing them when sending starts, the email each gets, and unsubscribing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.safestring import mark_safe

from sohosolo.accounts.models import Role, RoleKind
from sohosolo.audit.log import log_action
from sohosolo.campaigns.models import Audience, Campaign, CampaignRecipient, Unsubscribe, unsubscribe_url
from sohosolo.intranet.markdown import render_markdown
from sohosolo.lib.emails import render_email
from sohosolo.network.models import MemberProfile
from sohosolo.privacy.models import Consent
from sohosolo.privacy.services import withdraw_consent
from sohosolo.prospects.forms import ProspectFilterForm
from sohosolo.prospects.models import Household, Person

# The token of the links in a test email: the unsubscribe page says it unsubscribes nobody.
TEST_TOKEN = "essai"


class AudienceError(Exception):
    """The audience cannot be worked out (no saved view, or its filters are no longer valid)."""


@dataclass(frozen=True)
class Reader:
    email: str
    language: str
    household_id: int | None = None
    user_id: int | None = None


def news_consented(households):
    """The households whose latest answer about news is a yes that was not withdrawn (as has_consent reads it)."""
    latest = Consent.objects.filter(household=OuterRef("pk"), purpose=Consent.Purpose.NEWS).order_by(
        "-recorded_at", "-pk"
    )
    return households.annotate(latest_news=Subquery(latest.values("pk")[:1])).filter(
        consents__pk=F("latest_news"), consents__given=True, consents__withdrawn_at__isnull=True
    )


def saved_view_households(campaign: Campaign):
    """The current households of the territory that the saved view's filters select, with the prospects list's own
    filter form. A filter that is no longer valid is refused: the list would then show everyone, a campaign must not
    reach everyone instead of a few."""
    if campaign.saved_view is None:
        raise AudienceError("no saved view")
    query = campaign.saved_view.query if campaign.is_draft else campaign.audience_query
    data = QueryDict(query)
    form = ProspectFilterForm(campaign.territory, data or None)
    if form.is_bound and not form.is_valid():
        raise AudienceError("invalid filters")
    return form.filter(Household.objects.current().filter(territory=campaign.territory))


def role_readers(campaign: Campaign) -> list[Reader]:
    territory = campaign.territory
    if campaign.audience == Audience.MEMBERS:
        rows = (
            MemberProfile.objects.active()
            .filter(territory=territory)
            .values_list("user_id", "user__email", "user__language")
        )
    else:
        kind = RoleKind.VOLUNTEER if campaign.audience == Audience.VOLUNTEERS else RoleKind.PARTNER
        rows = Role.objects.filter(kind=kind, territory=territory, user__is_active=True).values_list(
            "user_id", "user__email", "user__language"
        )
    return [Reader(email, language, user_id=user_id) for user_id, email, language in rows.order_by("user_id")]


def household_readers(campaign: Campaign) -> list[Reader]:
    households = news_consented(saved_view_households(campaign))
    rows = (
        Person.objects.filter(household__in=households.values("pk"), is_main_contact=True)
        .exclude(email="")
        .order_by("household_id")
        .values_list("household_id", "email", "household__language")
    )
    return [Reader(email, language, household_id=household_id) for household_id, email, language in rows]


def audience_of(campaign: Campaign) -> list[Reader]:
    """Each reader once (by address, case ignored), without those who unsubscribed; a bounded number of queries."""
    if campaign.audience == Audience.SAVED_VIEW:
        readers = household_readers(campaign)
        opted_out: set[str] = set()
    else:
        readers = role_readers(campaign)
        opted_out = set(
            Unsubscribe.objects.filter(territory=campaign.territory, audience=campaign.audience).values_list(
                "email", flat=True
            )
        )
    seen: dict[str, Reader] = {}
    for reader in readers:
        email = reader.email.strip().lower()
        if email and email not in seen and email not in opted_out:
            language = reader.language if reader.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
            seen[email] = Reader(email, language, reader.household_id, reader.user_id)
    return list(seen.values())


def start_sending(campaign: Campaign, actor) -> bool:
    """Draft → sending, with its recipients frozen; False if it was no longer a draft (a second click, another
    person), in which case nothing changes. The caller enqueues the first batch once this is committed."""
    with transaction.atomic():
        if campaign.audience == Audience.SAVED_VIEW:
            query = campaign.saved_view.query if campaign.saved_view else ""
        else:
            query = ""
        readers = audience_of(campaign)  # raises AudienceError before anything changes
        claimed = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).update(
            status=Campaign.Status.SENDING, started_at=timezone.now(), audience_query=query
        )
        if not claimed:
            return False
        campaign.refresh_from_db()
        CampaignRecipient.objects.bulk_create(
            [
                CampaignRecipient(
                    campaign=campaign,
                    email=reader.email,
                    language=reader.language,
                    household_id=reader.household_id,
                    user_id=reader.user_id,
                )
                for reader in readers
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
        campaign.refresh_counts()
        log_action(actor, "campaign.sending_started", campaign, {"recipients": campaign.recipient_count})
    return True


def build_message(campaign: Campaign, email: str, language: str, token: str, test: bool = False):
    """The email of `campaign` for one reader, in their language, with its unsubscribe link and the one-click
    unsubscribe headers (RFC 8058)."""
    url = unsubscribe_url(token, language)  # its page in the reader's language, whatever the version
    language, subject, text = campaign.version(language)
    context = {
        "campaign": campaign,
        "territory": campaign.territory,
        "subject": subject,
        "text": text,
        "html": mark_safe(render_markdown(text)),  # noqa: S308 - cleaned by nh3
        "unsubscribe_url": url,
        "test": test,
    }
    subject, body, html = render_email("campaign", context, language)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[email],
        headers={
            "Content-Language": language,
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def still_consenting(household_ids: list[int]) -> set[int]:
    """Of these households, those whose news consent is still in force (one query)."""
    return set(news_consented(Household.objects.current().filter(pk__in=household_ids)).values_list("pk", flat=True))


def unsubscribe(recipient: CampaignRecipient) -> bool:
    """The reader of `recipient` wants no more news: their consent is withdrawn in the ledger (a household) or their
    opt-out recorded (members, volunteers, partners); the next campaigns skip them. True the first time."""
    campaign = recipient.campaign
    now = timezone.now()
    with transaction.atomic():
        first = bool(
            CampaignRecipient.objects.filter(pk=recipient.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=now)
        )
        if recipient.household_id:
            household = Household.objects.get(pk=recipient.household_id)
            if withdraw_consent(household, Consent.Purpose.NEWS, actor=None, where="unsubscribe"):
                log_action(None, "campaign.unsubscribed", household, {"campaign": campaign.pk, "link": True})
        elif recipient.email:
            _unsub, created = Unsubscribe.objects.get_or_create(
                territory_id=campaign.territory_id, audience=campaign.audience, email=recipient.email.lower()
            )
            if created:
                log_action(None, "campaign.unsubscribed", campaign, {"audience": campaign.audience, "link": True})
        if first:
            campaign.refresh_counts()
    recipient.unsubscribed_at = recipient.unsubscribed_at or now
    return first
