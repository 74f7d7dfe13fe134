from django.contrib import admin

from sohosolo.intranet.models import DigestDelivery, Document, NoticeRequest, Post, Thread


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "territory", "audience", "author", "published_at"]
    list_filter = ["territory", "audience"]
    list_select_related = ["territory", "author"]
    search_fields = ["title"]
    raw_id_fields = ["author"]
    date_hierarchy = "published_at"


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "territory", "space", "author", "reply_count", "last_activity_at"]
    list_filter = ["territory", "space"]
    list_select_related = ["territory", "author"]
    search_fields = ["title"]
    raw_id_fields = ["author"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    # No file field: a document is added through the intranet's form, which checks its content.
    list_display = ["title", "territory", "audience", "content_type", "size", "uploaded_at"]
    list_filter = ["territory", "audience", "content_type"]
    list_select_related = ["territory"]
    search_fields = ["title", "filename"]
    fields = ["territory", "audience", "title", "description"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(NoticeRequest)
class NoticeRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "territory", "kind", "author", "created_at", "closed_at"]
    list_filter = ["territory", "kind"]
    list_select_related = ["territory", "author"]
    search_fields = ["title", "skills"]
    raw_id_fields = ["author"]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["user", "week", "item_count", "sent_at"]
    list_filter = ["week"]
    raw_id_fields = ["user"]
