from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from sohosolo.accounts.models import Invitation, Role, User
from sohosolo.accounts.security import recent_authentication_required
from sohosolo.audit.log import log_action


class RoleInline(admin.TabularInline):
    model = Role
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["territory", "village"]
    readonly_fields = ["granted_at", "granted_by"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_active", "is_superuser", "date_joined"]
    list_filter = ["is_active", "is_superuser", "language", "roles__kind"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [RoleInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    filter_horizontal = []

    # A user's page changes their roles and powers: the password (or a code) must have been given recently.
    @method_decorator(recent_authentication_required)
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    # Changes made here go to the audit log like those made in the app (passwords masked by `log_action`).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = {name: form.cleaned_data.get(name) for name in form.changed_data}
        log_action(request.user, "user.changed_in_admin" if change else "user.created_in_admin", obj, changed)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not Role:
            return
        user = form.instance
        for role in formset.new_objects:
            log_action(request.user, "role.granted", user, role_data(role), territory=role_territory(role))
        for role, fields in formset.changed_objects:
            data = role_data(role) | {"changed": fields}
            log_action(request.user, "role.changed", user, data, territory=role_territory(role))
        for role in formset.deleted_objects:
            log_action(request.user, "role.removed", user, role_data(role), territory=role_territory(role))

    def delete_model(self, request, obj):
        log_deletion(request.user, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            log_deletion(request.user, user)
        super().delete_queryset(request, queryset)


def log_deletion(actor, user: User) -> None:
    log_action(actor, "user.deleted_in_admin", None, {"user": user.pk, "email": user.email, "name": user.full_name})


def role_data(role: Role) -> dict:
    return {"role": role.kind, "territory": str(role.territory or ""), "village": str(role.village or "")}


def role_territory(role: Role):
    return role.territory or (role.village.territory if role.village_id else None)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "invited_by", "created_at", "accepted_at"]
    list_select_related = ["user", "role__territory", "role__village", "invited_by"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "role", "invited_by"]
