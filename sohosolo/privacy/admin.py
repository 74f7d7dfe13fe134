from django.contrib import admin

from sohosolo.privacy.models import ActionLog, RightsRequest


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never edited by hand."""

    list_display = ["created_at", "actor", "action", "object_repr", "territory"]
    list_filter = ["action", "territory"]
    list_select_related = ["actor", "territory"]
    search_fields = ["object_repr", "actor__email", "action"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RightsRequest)
class RightsRequestAdmin(admin.ModelAdmin):
    """For the record; requests are answered from the managers' pages (/territoires/<code>/droits/)."""

    list_display = ["__str__", "territory", "household", "received_on", "due_on", "status"]
    list_filter = ["status", "kind", "territory"]
    raw_id_fields = ["household", "created_by", "handled_by"]
    readonly_fields = ["created_at", "reminded_on"]
    date_hierarchy = "received_on"
