from django.contrib import admin

from sohosolo.results.models import AnnualReport


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ["territory", "year", "language", "format", "status", "requested_by", "created_at"]
    list_filter = ["territory", "status", "format"]
    readonly_fields = ["created_at", "finished_at"]
