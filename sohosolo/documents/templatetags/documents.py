"""Template pieces other pages include: the documents of a household's file, for the team and for a committee."""

from __future__ import annotations

from django import template

from sohosolo.documents.forms import DocumentForm
from sohosolo.documents.models import Document, documents_of

register = template.Library()


@register.simple_tag
def new_document_form() -> DocumentForm:
    """A blank upload form, for a page that includes documents/_file_panel.html without one."""
    return DocumentForm()


@register.inclusion_tag("documents/_file_panel.html")
def documents_panel(household) -> dict:
    """For the team, on the prospect's file: its documents with who added them (one query) and the upload form."""
    return {
        "household": household,
        "documents": documents_of(household),
        "document_form": DocumentForm(),
        "return_to_file": True,
    }


@register.inclusion_tag("documents/_committee_list.html")
def committee_documents(household, village) -> dict:
    """For a village committee, on a household's page that village_prospect shows only to those it is shared with
    (consent to sharing in force): the documents the team shared with the committees (one query)."""
    return {
        "household": household,
        "village": village,
        "documents": Document.objects.for_committee().filter(household=household),
    }
