from django.contrib import admin

from sohosolo.audit.admin import ReadLoggedAdmin
from sohosolo.network.models import CheckIn, Introduction, MemberProfile, Partner, PartnerContact, Skill


@admin.register(MemberProfile)
class MemberProfileAdmin(ReadLoggedAdmin):
    list_display = ["user", "territory", "status", "visibility", "commune", "member_since", "renewal_on", "is_mentor"]
    list_filter = ["territory", "status", "visibility", "is_mentor"]
    list_select_related = ["user", "territory", "commune"]
    search_fields = ["user__full_name", "user__email", "headline"]
    raw_id_fields = ["user", "household", "commune"]
    filter_horizontal = ["skills"]


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "territory", "is_public"]
    list_filter = ["territory", "kind", "is_public"]
    search_fields = ["name"]
    raw_id_fields = ["commune"]
    inlines = [PartnerContactInline]


class CheckInInline(admin.TabularInline):
    model = CheckIn
    raw_id_fields = ["recorded_by"]
    extra = 0


@admin.register(Introduction)
class IntroductionAdmin(ReadLoggedAdmin):
    list_display = ["created_at", "territory", "kind", "status", "member", "partner"]
    list_filter = ["territory", "kind", "status"]
    list_select_related = ["territory", "member__user", "partner"]
    raw_id_fields = ["household", "member", "partner", "created_by", "party_answered_by"]
    inlines = [CheckInInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
