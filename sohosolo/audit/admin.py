from django.contrib import admin

from sohosolo.audit.models import ActionLog


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
