from django.contrib import admin

from modules.bags.models import Bag, BagBatch, Collection, CollectionPoint, LabelExport


@admin.register(BagBatch)
class BagBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "organisation", "size", "status", "created_at", "first_bag_id", "last_bag_id")
    list_filter = ("status",)
    search_fields = ("organisation__name", "note")
    raw_id_fields = ("organisation", "created_by")
    readonly_fields = ("created", "first_bag_id", "last_bag_id")


@admin.register(Bag)
class BagAdmin(admin.ModelAdmin):
    list_display = ("id", "batch", "organisation", "owner", "bound_at", "collected_at")
    raw_id_fields = ("batch", "organisation", "owner")
    show_full_result_count = False


@admin.register(CollectionPoint)
class CollectionPointAdmin(admin.ModelAdmin):
    list_display = ("name", "street", "address", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    filter_horizontal = ("collectors",)
    raw_id_fields = ("street", "served_organisations")


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("id", "bag_id", "point", "category", "grade", "weight_grams", "points_awarded", "collected_at")
    list_filter = ("category", "grade")
    raw_id_fields = ("bag", "point", "collector", "owner", "organisation", "street")
    date_hierarchy = "collected_at"
    show_full_result_count = False


@admin.register(LabelExport)
class LabelExportAdmin(admin.ModelAdmin):
    list_display = ("id", "batch", "layout", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("status", "layout")
    raw_id_fields = ("batch", "created_by")
