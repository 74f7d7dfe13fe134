"""The background tasks in the Django admin: failed ones are found by their status, and administrators retry them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sohosolo.audit.log import log_action

RETRIED = "task.retried"


def retry_failed_tasks(actor, queryset) -> int:
    """Put the FAILED tasks of `queryset` back in the queue, with the same arguments; return how many.

    The task is reset where it is (same id, same arguments, same message key for an email, so a retried email
    that had in fact gone out is not sent twice). What failed goes into the audit log: the error's class, not its
    message, which may hold personal data. A task that is no longer FAILED (retried by someone else meanwhile) is
    left alone."""
    retried = 0
    for result in queryset.filter(status=TaskResultStatus.FAILED):
        if DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY,
            started_at=None,
            finished_at=None,
            worker_ids=[],
            return_value=None,
            exception_class_path="",
            traceback="",
        ):
            retried += 1
            log_action(
                actor,
                RETRIED,
                result,
                {
                    "task": result.task_path,
                    "error": result.exception_class_path,
                    "failed_at": result.finished_at.isoformat() if result.finished_at else "",
                    "runs": len(result.worker_ids),
                },
            )
    return retried


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = ("task_name", "status", "runs", "error", "enqueued_at", "started_at", "finished_at", "queue_name")
    list_filter = ("status", "queue_name", "task_path")
    actions = ["retry"]
    change_form_template = "admin/django_tasks_database/dbtaskresult/change_form.html"

    @admin.display(description=_("runs"))
    def runs(self, obj: DBTaskResult) -> int:
        return len(obj.worker_ids)

    @admin.display(description=_("error"))
    def error(self, obj: DBTaskResult) -> str:
        return obj.exception_class_path.rsplit(".", 1)[-1]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("django_tasks_database.change_dbtaskresult")

    @admin.action(description=_("Retry the selected failed tasks"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset) -> None:
        retried = retry_failed_tasks(request.user, queryset)
        if retried:
            self.message_user(
                request,
                ngettext("%(count)d task queued again.", "%(count)d tasks queued again.", retried) % {"count": retried},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("None of the selected tasks had failed: nothing queued."), messages.WARNING)

    def get_urls(self):
        retry_view = require_POST(self.admin_site.admin_view(self.retry_view))
        return [
            path("<path:object_id>/retry/", retry_view, name="django_tasks_database_dbtaskresult_retry"),
            *super().get_urls(),
        ]

    def retry_view(self, request: HttpRequest, object_id: str):
        if not self.has_retry_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        self.retry(request, DBTaskResult.objects.filter(pk=obj.pk))
        return HttpResponseRedirect(reverse("admin:django_tasks_database_dbtaskresult_change", args=[obj.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_retry"] = (
            obj is not None and obj.status == TaskResultStatus.FAILED and self.has_retry_permission(request)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)
