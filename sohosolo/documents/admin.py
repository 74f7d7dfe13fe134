from django.contrib import admin

from sohosolo.audit.admin import ReadLoggedAdmin
from sohosolo.documents.models import Document


@admin.register(Document)
class DocumentAdmin(ReadLoggedAdmin):
    """The rows only: the file is downloaded from the household's file, where the read is logged with its scope."""

    list_display = ["__str__", "household", "kind", "size", "uploaded_at", "uploaded_by", "shared_with_committee"]
    list_filter = ["kind", "shared_with_committee"]
    list_select_related = ["household", "uploaded_by"]
    raw_id_fields = ["household", "uploaded_by"]
    exclude = ["file"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_at"]
