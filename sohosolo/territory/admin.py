from django.contrib import admin

from sohosolo.territory.models import Territory, Village


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "departement"]
    search_fields = ["name", "code", "departement"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "territory"]
    list_filter = ["territory"]
    list_select_related = ["territory"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
