from django.contrib import admin
from django.contrib.admin.utils import unquote

from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog

READ = "prospect.read"


class ReadLoggedAdmin(admin.ModelAdmin):
    """An admin page of a record holding a household's personal data puts each read in the access log, as the
    team's own pages do. `household_field` leads from the record to its household ("" for the household itself)."""

    household_field = "household"

    def log_read(self, request, object_id: str) -> None:
        obj = self.get_object(request, unquote(object_id))
        household = obj if obj is None or not self.household_field else getattr(obj, self.household_field)
        if household is not None:
            log_action(request.user, READ, household, {"admin": self.model._meta.label_lower})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            self.log_read(request, object_id)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            self.log_read(request, object_id)
        return response


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
