from django.contrib import admin

from sohosolo.audit.admin import ReadLoggedAdmin
from sohosolo.housing.models import HousingOffer, MatchingWeights, OfferPhoto, Proposal, ProposalItem


class OfferPhotoInline(admin.TabularInline):
    model = OfferPhoto
    extra = 0


@admin.register(HousingOffer)
class HousingOfferAdmin(admin.ModelAdmin):
    list_display = ["title", "village", "tenure", "kind", "rooms", "price", "status", "is_public", "updated_at"]
    list_filter = ["territory", "status", "tenure", "kind", "is_public"]
    search_fields = ["title", "village__name"]
    list_select_related = ["village"]
    raw_id_fields = ["village", "created_by"]
    inlines = [OfferPhotoInline]


class ProposalItemInline(admin.TabularInline):
    model = ProposalItem
    extra = 0
    raw_id_fields = ["village", "offer"]


@admin.register(Proposal)
class ProposalAdmin(ReadLoggedAdmin):
    list_display = ["household", "territory", "sent_at", "sent_by", "revoked"]
    list_filter = ["territory"]
    raw_id_fields = ["household", "sent_by"]
    inlines = [ProposalItemInline]


admin.site.register(MatchingWeights)
