from django.contrib import admin

from sohosolo.audit.admin import ReadLoggedAdmin
from sohosolo.committees.models import Availability, Referral, Visit, WelcomeAction, WelcomeChecklist


@admin.register(Referral)
class ReferralAdmin(ReadLoggedAdmin):
    list_display = ["household", "village", "created_at"]
    list_filter = ["village__territory"]
    raw_id_fields = ["household", "village", "referred_by"]


@admin.register(Visit)
class VisitAdmin(ReadLoggedAdmin):
    list_display = ["household", "village", "starts_at", "outcome", "interest"]
    list_filter = ["outcome", "village__territory"]
    raw_id_fields = ["household", "village", "planned_by", "recorded_by", "guides"]


class WelcomeActionInline(admin.TabularInline):
    model = WelcomeAction
    raw_id_fields = ["assignee", "done_by"]
    extra = 0


@admin.register(WelcomeChecklist)
class WelcomeChecklistAdmin(ReadLoggedAdmin):
    list_display = ["household", "village", "settled_on"]
    raw_id_fields = ["household", "village"]
    inlines = [WelcomeActionInline]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["user", "village", "can_guide", "away_until"]
    raw_id_fields = ["user", "village"]
