from django.contrib import admin

from sohosolo.audit.admin import ReadLoggedAdmin
from sohosolo.events.models import CalendarFeed, Event, Registration, Series


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "territory", "kind", "frequency", "starts_on", "ends_on"]
    list_filter = ["territory", "kind"]
    autocomplete_fields = ["commune"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["name", "email", "people", "status", "attendance", "walk_in"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "territory", "kind", "audience", "starts_at", "capacity", "cancelled"]
    list_filter = ["territory", "kind", "audience", "cancelled"]
    list_select_related = ["territory"]
    search_fields = ["title_fr", "title_en"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["commune", "village"]
    raw_id_fields = ["series"]
    inlines = [RegistrationInline]


@admin.register(Registration)
class RegistrationAdmin(ReadLoggedAdmin):
    list_display = ["name", "email", "event", "status", "attendance", "created_at"]
    list_filter = ["status", "attendance"]
    list_select_related = ["event"]
    search_fields = ["name", "email"]
    raw_id_fields = ["event", "household", "user"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]
    exclude = ["token"]
