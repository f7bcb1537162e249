"""The Django admin for staff, every queryset scoped to what the staff member may see."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core import scoping
from core.models import AuditLog, CoverageUnit, Member, Organisation, PersonalDataAccess, RoleAssignment, User


class ScopedAdmin(admin.ModelAdmin):
    """Limits the changelist to the staff member's subtree (``scope_field`` leads to an Organisation)."""

    scope_field = ""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(scoping.organisation_scope_q(request.user, self.scope_field))

    def has_module_permission(self, request):
        return scoping.is_staff_member(request.user)

    def has_view_permission(self, request, obj=None):
        return scoping.is_staff_member(request.user)

    def has_change_permission(self, request, obj=None):
        return scoping.is_staff_member(request.user)

    def has_add_permission(self, request):
        return scoping.is_staff_member(request.user)

    def has_delete_permission(self, request, obj=None):
        return scoping.is_district_staff(request.user)


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ["name", "level", "kind", "ownership", "street", "member_count", "founded_on", "is_active"]
    list_filter = ["level", "kind", "ownership", "is_active", "street"]
    search_fields = ["name", "credit_code", "address"]
    raw_id_fields = ["parent", "street"]
    readonly_fields = ["path", "depth"]


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    scope_field = "organisation"
    list_display = ["name", "organisation", "employee_no", "gender", "status", "joined_on"]
    list_filter = ["status", "gender"]
    search_fields = ["name", "employee_no", "phone"]
    raw_id_fields = ["organisation", "user"]
    list_select_related = ["organisation"]


@admin.register(CoverageUnit)
class CoverageUnitAdmin(ScopedAdmin):
    scope_field = "street"
    list_display = ["name", "kind", "street", "union"]
    list_filter = ["kind", "street"]
    search_fields = ["name"]
    raw_id_fields = ["street", "union"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    scope_field = "organisation"
    list_display = ["user", "role", "organisation"]
    list_filter = ["role"]
    raw_id_fields = ["user", "organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "phone", "is_active", "last_login"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + (("UnionHub", {"fields": ("phone", "display_name")}),)

    def has_module_permission(self, request):
        return scoping.is_district_staff(request.user)

    has_view_permission = has_change_permission = has_add_permission = lambda self, request, obj=None: scoping.is_district_staff(request.user)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor__username"]

    def has_module_permission(self, request):
        return scoping.is_district_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return scoping.is_district_staff(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(AuditLogAdmin):
    list_display = ["at", "viewer", "member", "field", "context"]
    list_filter = ["field"]
    search_fields = ["viewer__username", "member__name"]


admin.site.site_header = "UnionHub 后台管理"
admin.site.site_title = "UnionHub"
admin.site.index_title = "区总工会后台"
