from django.contrib import admin

from modules.prizes.models import PickupPlace, Prize, Redemption


@admin.register(PickupPlace)
class PickupPlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]
    raw_id_fields = ["organisation"]
    filter_horizontal = ["operators"]


@admin.register(Prize)
class PrizeAdmin(admin.ModelAdmin):
    # Stock moves only through the services (conditional UPDATEs); the admin shows it read-only.
    list_display = ["name", "organisation", "points_price", "stock", "stock_listed", "valid_until", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    raw_id_fields = ["organisation"]
    readonly_fields = ["stock", "stock_listed"]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ["code", "prize", "place", "status", "points", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
