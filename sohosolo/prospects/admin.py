from django.contrib import admin

from sohosolo.audit.admin import ReadLoggedAdmin
from sohosolo.prospects.models import FollowUp, Household, ImportJob, Interaction, Person, SavedView, Tag


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ["is_main_contact", "kind", "first_name", "last_name", "email", "phone", "birth_year"]


@admin.register(Household)
class HouseholdAdmin(ReadLoggedAdmin):
    list_display = ["__str__", "territory", "stage", "advisor", "first_contact_on", "last_contact_on"]
    list_filter = ["territory", "stage"]
    household_field = ""
    list_select_related = ["territory", "advisor"]
    search_fields = ["search_text"]
    raw_id_fields = ["advisor", "settled_commune"]
    filter_horizontal = ["villages_of_interest", "tags"]
    inlines = [PersonInline]


admin.site.register(Tag)
admin.site.register(SavedView)


@admin.register(Interaction)
class InteractionAdmin(ReadLoggedAdmin):
    list_display = ["household", "kind", "occurred_at", "author"]
    list_filter = ["kind"]
    raw_id_fields = ["household", "author"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadLoggedAdmin):
    list_display = ["title", "household", "due_on", "assignee", "done_at"]
    raw_id_fields = ["household", "assignee", "done_by", "created_by"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "territory", "status", "created_at", "finished_at"]
    list_filter = ["status"]
    exclude = ["file"]
