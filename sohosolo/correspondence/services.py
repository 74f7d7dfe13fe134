"""Filling a template for one household, and sending what was written (called by the worker's task).

Placeholders are `{name}` from a fixed list, replaced by a plain search-and-replace: nothing in a template can reach
an attribute or run code (str.format would allow `{first_name.__class__}`), and a placeholder not in the list, or a
stray brace, is left as written.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from sohosolo.audit.log import log_action
from sohosolo.correspondence.models import EmailTemplate, SentEmail
from sohosolo.events.models import Event
from sohosolo.prospects.models import Household, Interaction, Person

logger = logging.getLogger(__name__)

PLACEHOLDERS = ("first_name", "advisor", "next_meeting", "personal_space", "territory")
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
UNKNOWN_RE = re.compile(r"\{[^{}\s]*\}")

# The most a message may carry: mail servers commonly refuse beyond 20 MB once encoded (+33 %).
MAX_ATTACHMENTS_SIZE = 12 * 1024 * 1024

# How the next meeting's date reads in each language ("jeudi 18 juin 2026 à 18h30", "Thursday 18 June 2026, 6:30 PM").
MEETING_DATE_FORMATS = {"fr": r"l j F Y \à H\hi", "en": r"l j F Y, g:i A"}


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known `{placeholder}` replaced; anything else stays as it is."""
    return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), text)


def unknown_placeholders(text: str) -> list[str]:
    """The `{…}` left in a filled text: a typo the writer should see in the preview."""
    return sorted(set(UNKNOWN_RE.findall(text)))


def next_meeting(household: Household) -> Event | None:
    """The territory's nearest upcoming public event."""
    return Event.objects.filter(territory_id=household.territory_id).public().upcoming().order_by("starts_at").first()


def meeting_text(event: Event | None, language: str) -> str:
    if event is None:
        return ""
    with translation.override(language):
        when = date_format(timezone.localtime(event.starts_at), MEETING_DATE_FORMATS.get(language, "DATETIME_FORMAT"))
        return f"{event.title}, {when}"


def personal_space_url(language: str) -> str:
    """The page where a prospect asks for the one-time link to their personal space (no token made here)."""
    with translation.override(language):
        return settings.SITE_URL + reverse("privacy:space")


def placeholder_values(household: Household, recipient: Person | None, writer, language: str) -> dict[str, str]:
    return {
        "first_name": recipient.first_name if recipient else "",
        "advisor": writer.full_name if writer else "",
        "next_meeting": meeting_text(next_meeting(household), language),
        "personal_space": personal_space_url(language),
        "territory": household.territory.name,
    }


# --- Templates ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltIn:
    """A template offered to a territory that has none of its own yet (text in each language, not translated)."""

    key: str
    names: dict[str, str]
    subjects: dict[str, str]
    bodies: dict[str, str]


BUILT_IN_TEMPLATES = [
    BuiltIn(
        key="welcome",
        names={"fr": "Suite à notre appel", "en": "After our call"},
        subjects={"fr": "Suite à notre échange — {territory}", "en": "Following our call — {territory}"},
        bodies={
            "fr": "Bonjour {first_name},\n\n"
            "Merci pour notre échange. Comme promis, voici quelques éléments pour avancer dans votre projet.\n\n"
            "Notre prochaine réunion d'information : {next_meeting}.\n\n"
            "Vous pouvez à tout moment retrouver votre projet dans votre espace personnel : {personal_space}\n\n"
            "Bien à vous,\n{advisor}\n{territory}",
            "en": "Hello {first_name},\n\n"
            "Thank you for our call. As promised, here is what will help you move your project forward.\n\n"
            "Our next information meeting: {next_meeting}.\n\n"
            "You can see your project at any time in your personal space: {personal_space}\n\n"
            "Best regards,\n{advisor}\n{territory}",
        },
    ),
    BuiltIn(
        key="invitation",
        names={"fr": "Invitation à la prochaine réunion", "en": "Invitation to the next meeting"},
        subjects={"fr": "Invitation : {next_meeting}", "en": "Invitation: {next_meeting}"},
        bodies={
            "fr": "Bonjour {first_name},\n\n"
            "Nous serions heureux de vous accueillir à notre prochaine réunion : {next_meeting}.\n"
            "Vous y rencontrerez l'équipe et des personnes qui se sont installées chez nous.\n\n"
            "Bien à vous,\n{advisor}\n{territory}",
            "en": "Hello {first_name},\n\n"
            "We would be glad to welcome you at our next meeting: {next_meeting}.\n"
            "You will meet the team and people who have settled here.\n\n"
            "Best regards,\n{advisor}\n{territory}",
        },
    ),
]
BUILT_IN_PREFIX = "builtin:"
TEMPLATE_PREFIX = "template:"


def template_choices(territory, language: str) -> list[tuple[str, str]]:
    """The templates one may start from: the territory's own (one per name), or the built-in ones if it has none."""
    names = list(
        EmailTemplate.objects.filter(territory=territory).order_by("name").values_list("name", flat=True).distinct()
    )
    if names:
        return [(TEMPLATE_PREFIX + name, name) for name in names]
    return [(BUILT_IN_PREFIX + b.key, b.names.get(language, b.names["fr"])) for b in BUILT_IN_TEMPLATES]


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    template: EmailTemplate | None = None
    language: str = "fr"  # the language of the text found, which may not be the one asked for


def template_draft(territory, choice: str, language: str) -> Draft | None:
    """The subject and text of template `choice` (a value of template_choices) in `language`, or in the other
    language when the template has no version in it; None for an unknown choice."""
    if choice.startswith(TEMPLATE_PREFIX):
        versions = {
            t.language: t
            for t in EmailTemplate.objects.filter(territory=territory, name=choice[len(TEMPLATE_PREFIX) :])
        }
        found = versions.get(language) or next(iter(versions.values()), None)
        if found is None:
            return None
        return Draft(found.subject, found.body, found, found.language)
    if choice.startswith(BUILT_IN_PREFIX):
        built_in = next((b for b in BUILT_IN_TEMPLATES if b.key == choice[len(BUILT_IN_PREFIX) :]), None)
        if built_in is None:
            return None
        lang = language if language in built_in.bodies else "fr"
        return Draft(built_in.subjects[lang], built_in.bodies[lang], None, lang)
    return None


def add_built_in_templates(territory, actor) -> int:
    """Copy the built-in templates, in each language, into the territory's own (those it has are kept)."""
    added = 0
    for built_in in BUILT_IN_TEMPLATES:
        for language, body in built_in.bodies.items():
            _template, created = EmailTemplate.objects.get_or_create(
                territory=territory,
                name=built_in.names["fr"],
                language=language,
                defaults={"subject": built_in.subjects[language], "body": body, "created_by": actor},
            )
            added += created
    return added


# --- Sending --------------------------------------------------------------------------------------------------------


def sender_address(writer, territory) -> str:
    """From our own address (so that the mail is not taken for a forgery), with the writer's name on it."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = f"{writer.full_name} · {territory.name}" if writer else territory.name
    return str(Address(display_name=name, addr_spec=address))


def attachment_files(sent: SentEmail) -> list[tuple[str, bytes, str]]:
    """The documents' bytes, read now from the private storage; a document gone since makes the send fail."""
    ids = [item["id"] for item in sent.attachments]
    documents = {d.pk: d for d in sent.household.documents.filter(pk__in=ids)}
    files = []
    for item in sent.attachments:
        document = documents.get(item["id"])
        if document is None:
            raise LookupError(f"document {item['id']} is no longer in the file")
        with document.file.open("rb") as handle:
            content = handle.read()
        mimetype = document.content_type or mimetypes.guess_type(document.original_name)[0]
        files.append((document.original_name, content, mimetype or "application/octet-stream"))
    return files


def build_message(sent: SentEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=sent.subject,
        body=sent.body,
        from_email=sender_address(sent.sent_by, sent.household.territory),
        to=[sent.to],
        reply_to=[sent.reply_to] if sent.reply_to else None,
        headers={"Content-Language": sent.language},
    )
    for name, content, mimetype in attachment_files(sent):
        message.attach(name, content, mimetype)
    return message


def timeline_text(sent: SentEmail) -> str:
    text = f"{sent.subject}\n\n{sent.body}"
    if sent.attachments:
        text += "\n\n📎 " + ", ".join(sent.attachment_names)
    return text


def deliver(sent_email_id: int) -> bool:
    """Send SentEmail `sent_email_id` once: the worker claims it with a conditional update, so a second run (a
    task enqueued twice, two workers) finds it taken and sends nothing. On success the email goes to the file's
    timeline with its text. Returns whether it was sent now."""
    claimed = SentEmail.objects.filter(pk=sent_email_id, status=SentEmail.Status.QUEUED, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return False
    sent = SentEmail.objects.select_related("household__territory", "sent_by").get(pk=sent_email_id)
    household = sent.household
    try:
        build_message(sent).send()
    except (OSError, LookupError, ValueError) as error:  # the mail server, the storage, a document gone
        logger.warning("Email %s to household %s not sent: %s", sent.pk, household.pk, error)
        SentEmail.objects.filter(pk=sent.pk).update(
            status=SentEmail.Status.FAILED, sent_at=None, error=str(error)[:300]
        )
        log_action(sent.sent_by, "correspondence.email_failed", household, {"sent_email": sent.pk})
        return False
    SentEmail.objects.filter(pk=sent.pk).update(status=SentEmail.Status.SENT)
    household.record(
        Interaction.Kind.EMAIL,
        timeline_text(sent),
        author=sent.sent_by,
        data={"sent_email": sent.pk, "to": sent.to, "attachments": sent.attachments},
        contact_on=timezone.localdate(),
        search=True,
    )
    log_action(
        sent.sent_by,
        "correspondence.email_sent",
        household,
        {"sent_email": sent.pk, "template": sent.template_id, "attachments": [a["id"] for a in sent.attachments]},
    )
    return True
