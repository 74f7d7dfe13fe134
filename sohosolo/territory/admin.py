from django.contrib import admin

from sohosolo.territory.models import Commune, Goal, Hub, Territory, Village, VillagePhoto


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    """Official data, loaded by `load_communes`: read-only here."""

    list_display = ["insee_code", "name", "departement", "population", "epci_name"]
    list_filter = ["region_name"]
    search_fields = ["insee_code", "name", "postcodes"]
    readonly_fields = [field.name for field in Commune._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


class HubInline(admin.TabularInline):
    model = Hub
    extra = 0


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "departement", "main_town"]
    search_fields = ["name", "code", "departement"]
    autocomplete_fields = ["main_town"]
    inlines = [GoalInline, HubInline]


class VillagePhotoInline(admin.TabularInline):
    model = VillagePhoto
    extra = 0
    fields = ["image", "description", "position"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "territory", "status", "partner_since"]
    list_filter = ["territory", "status"]
    list_select_related = ["territory"]
    search_fields = ["name"]
    autocomplete_fields = ["commune"]
    readonly_fields = ["distance_main_town_km"]
    inlines = [VillagePhotoInline]
