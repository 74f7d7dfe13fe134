"""The documents of a household's file: the team lists, adds, downloads and deletes them; a village committee
downloads those the team shared with it, while the household's consent to sharing is in force.

The team reaches a file through get_household_or_404 (staff of its territory; everybody else 404); a committee
through its village and the files shared with that village, as committees.views.village_prospect does."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.scopes import get_village_or_404, role_required, staff_required
from sohosolo.audit.log import log_action
from sohosolo.committees.models import shared_with_village
from sohosolo.documents.forms import DocumentForm
from sohosolo.documents.models import Document, documents_of
from sohosolo.privacy.models import Consent
from sohosolo.prospects.access import get_household_or_404, log_read
from sohosolo.prospects.models import Household


def back_to(request: HttpRequest, household: Household) -> HttpResponse:
    """After a change: the file's page when the form was sent from there, else the documents' page."""
    if request.POST.get("return_to") == "file":
        return redirect(household.get_absolute_url() + "#documents")
    return redirect("documents:list", household.territory.code, household.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def document_list(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            document = form.save(commit=False)
            document.household, document.uploaded_by = household, request.user
            document.save()
            log_action(
                request.user,
                "document.added",
                household,
                {"document": document.pk, "kind": document.kind, "name": document.original_name},
            )
        messages.success(request, _("The document is added to the file."))
        return back_to(request, household)
    context = {
        "household": household,
        "territory": household.territory,
        "documents": documents_of(household),
        "document_form": form,
    }
    return render(request, "documents/list.html", context, status=400 if form.errors else 200)


def file_response(document: Document, filename: str = "") -> FileResponse:
    """The file as a download, never shown in the page nor kept by a shared cache."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is missing.") from missing
    response = FileResponse(
        handle, as_attachment=True, filename=filename or document.original_name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@staff_required
@require_GET
def download(request: HttpRequest, code: str, pk: int, doc_id: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk, log=False)
    document = get_object_or_404(household.documents, pk=doc_id)
    response = file_response(document)
    log_read(request, household, {"document": document.pk})
    return response


@staff_required
@require_POST
def delete(request: HttpRequest, code: str, pk: int, doc_id: int) -> HttpResponse:
    household = get_household_or_404(request, code, pk)
    document = get_object_or_404(household.documents, pk=doc_id)
    with transaction.atomic():
        log_action(
            request.user,
            "document.deleted",
            household,
            {"document": document.pk, "kind": document.kind, "name": document.original_name},
        )
        document.delete()  # its file leaves the disk once this commits (receivers.remove_file)
    messages.success(request, _("The document is deleted."))
    return back_to(request, household)


@role_required
@require_GET
def committee_download(request: HttpRequest, code: str, slug: str, pk: int, doc_id: int) -> HttpResponse:
    """For the committee of a village the household is shared with: a document the team shared with the committees,
    while the household's consent to sharing is in force; 404 for anything else."""
    village = get_village_or_404(request, code, slug)
    household = shared_with_village(village).filter(pk=pk, territory=village.territory).first()
    if household is None or not household.consents.in_force().filter(purpose=Consent.Purpose.SHARING).exists():
        raise Http404("Not shared with this village.")
    document = get_object_or_404(Document.objects.for_committee(), household=household, pk=doc_id)
    # The uploader's file name may hold the family name, which a committee is not told.
    response = file_response(document, filename=f"{document.kind}-{document.pk}{document.extension}")
    log_action(
        request.user, "prospect.read_by_committee", household, {"village": village.name, "document": document.pk}
    )
    return response
