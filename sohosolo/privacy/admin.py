from django.contrib import admin

from sohosolo.audit.admin import ReadLoggedAdmin
from sohosolo.privacy.models import RightsRequest


@admin.register(RightsRequest)
class RightsRequestAdmin(ReadLoggedAdmin):
    """For the record; requests are answered from the managers' pages (/territoires/<code>/droits/)."""

    list_display = ["__str__", "territory", "household", "received_on", "due_on", "status"]
    list_filter = ["status", "kind", "territory"]
    raw_id_fields = ["household", "created_by", "handled_by"]
    readonly_fields = ["created_at", "reminded_on"]
    date_hierarchy = "received_on"
