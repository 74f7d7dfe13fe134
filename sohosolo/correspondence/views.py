"""The territory's email templates, and writing to a household from its file.

Every page goes through the territory's scope (get_territory_or_404, get_household_or_404): outsiders get 404."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.audit.log import log_action
from sohosolo.correspondence.forms import ComposeForm, EmailTemplateForm
from sohosolo.correspondence.models import EmailTemplate, SentEmail
from sohosolo.correspondence.services import (
    BUILT_IN_TEMPLATES,
    add_built_in_templates,
    fill,
    placeholder_values,
    template_draft,
    unknown_placeholders,
)
from sohosolo.correspondence.tasks import queue
from sohosolo.prospects.access import get_household_or_404

RECENT_EMAILS = 10

# --- The territory's templates --------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def template_list(request: HttpRequest, code: str) -> HttpResponse:
    """The templates, and a form to add one; a territory with none is offered the built-in ones."""
    territory = get_territory_or_404(request, code)
    templates = EmailTemplate.objects.filter(territory=territory).select_related("created_by")
    form = EmailTemplateForm(territory, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST":
        if request.POST.get("action") == "built_in":
            with transaction.atomic():
                added = add_built_in(request, territory)
            messages.success(request, _("%(count)s templates added.") % {"count": added})
            return redirect("correspondence:templates", code=territory.code)
        form = EmailTemplateForm(territory, request.POST)
        if form.is_valid():
            template = form.save(commit=False)
            template.territory, template.created_by = territory, request.user
            template.save()
            log_action(request.user, "correspondence.template_created", template, {"name": template.name})
            messages.success(request, _("Template “%(name)s” saved.") % {"name": template.name})
            return redirect("correspondence:templates", code=territory.code)
    context = {"territory": territory, "templates": templates, "form": form, "built_in": BUILT_IN_TEMPLATES}
    return render(request, "correspondence/template_list.html", context, status=400 if form.errors else 200)


def add_built_in(request: HttpRequest, territory) -> int:
    added = add_built_in_templates(territory, request.user)
    log_action(request.user, "correspondence.templates_added", territory, {"count": added}, territory=territory)
    return added


@staff_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    template = get_object_or_404(EmailTemplate, pk=pk, territory=territory)
    form = EmailTemplateForm(territory, request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_action(request.user, "correspondence.template_changed", template, {"fields": form.changed_data})
        messages.success(request, _("Template “%(name)s” saved.") % {"name": template.name})
        return redirect("correspondence:templates", code=territory.code)
    context = {"territory": territory, "template": template, "form": form}
    return render(request, "correspondence/template_form.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def template_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    template = get_object_or_404(EmailTemplate, pk=pk, territory=territory)
    log_action(request.user, "correspondence.template_deleted", template, {"name": template.name})
    template.delete()
    messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
    return redirect("correspondence:templates", code=territory.code)


# --- Writing to a household -----------------------------------------------------------------------------------------


def fill_from_template(form_data, household) -> tuple[dict, str]:
    """The submitted data with the subject and text of the chosen template in the chosen language, and a note
    when the template has no version in that language."""
    data = form_data.copy()
    language = data.get("language") or household.language
    draft = template_draft(household.territory, data.get("template", ""), language)
    if draft is None:
        return data, ""
    data["subject"], data["body"] = draft.subject, draft.body
    note = ""
    if draft.language != language:
        note = _("This template has no version in this language: the other one was used.")
    return data, note


def preview_of(form: ComposeForm, household, writer) -> dict:
    data = form.cleaned_data
    values = placeholder_values(household, data["recipient"], writer, data["language"])
    subject, body = fill(data["subject"], values), fill(data["body"], values)
    text = data["subject"] + data["body"]
    return {
        "to": data["recipient"].email,
        "reply_to": writer.email,
        "subject": subject,
        "body": body,
        "attachments": data["attachments"],
        "unknown": unknown_placeholders(subject + body),
        "empty": [name for name, value in values.items() if not value and "{" + name + "}" in text],
    }


@transaction.atomic
def write_email(request: HttpRequest, form: ComposeForm, household) -> SentEmail:
    """Keep the email as it will be sent, and queue it for the worker (which reads the documents' bytes itself)."""
    preview = preview_of(form, household, request.user)
    template = form.cleaned_data["template"]
    draft = template_draft(household.territory, template, form.cleaned_data["language"]) if template else None
    sent = SentEmail.objects.create(
        household=household,
        sent_by=request.user,
        to=preview["to"],
        reply_to=preview["reply_to"],
        language=form.cleaned_data["language"],
        subject=preview["subject"],
        body=preview["body"],
        template=draft.template if draft else None,
        attachments=[{"id": d.pk, "name": d.original_name} for d in preview["attachments"]],
    )
    log_action(
        request.user,
        "correspondence.email_written",
        household,
        {"sent_email": sent.pk, "template": sent.template_id, "attachments": [a["id"] for a in sent.attachments]},
    )
    queue(sent)
    return sent


@staff_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Write to the household: a template fills the subject and text (htmx, or the "Use" button without script),
    Preview shows them with the placeholders filled and sends nothing, Send queues the email."""
    household = get_household_or_404(request, code, pk)
    recipients = household.members.exclude(email="")
    main = recipients.first()  # the main contact comes first (Person.Meta.ordering)
    context = {"territory": household.territory, "household": household, "has_recipients": main is not None}
    action = request.POST.get("action", "")
    note = ""
    if request.method == "POST" and action == "fill":
        data, note = fill_from_template(request.POST, household)
        form = ComposeForm(household, recipients, data)
        form.errors.clear()  # a template chosen is no mistake of the writer's: errors wait for Preview or Send
    elif request.method == "POST":
        form = ComposeForm(household, recipients, request.POST)
        if form.is_valid() and main is not None:
            if action == "send":
                write_email(request, form, household)
                messages.success(
                    request, _("Your email is on its way. It appears in the timeline as soon as it is sent.")
                )
                return redirect(household.get_absolute_url())
            context["preview"] = preview_of(form, household, request.user)
    else:
        form = ComposeForm(
            household,
            recipients,
            initial={"recipient": main.pk if main else None, "language": household.language},
        )
    context |= {"form": form, "template_note": note}
    if request.htmx and action == "fill":
        return render(request, "correspondence/compose.html#message-fields", context)
    context["recent"] = household.sent_emails.select_related("sent_by")[:RECENT_EMAILS]
    return render(request, "correspondence/compose.html", context, status=400 if form.errors else 200)
