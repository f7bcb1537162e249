"""The Django admin for staff, every queryset scoped to what the staff member may see."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core import scoping
from core.audit import audit
from core.models import ApiToken, AuditLog, CoverageUnit, Member, MemberTransfer, Organisation, PersonalDataAccess, RoleAssignment, User
from core.privacy import mask_phone
from core.services import recount_members


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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A staff member can only point at organisations in their own scope (raw-id inputs included).
        if db_field.related_model is Organisation and not scoping.is_district_staff(request.user):
            kwargs["queryset"] = scoping.organisations_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        before = form.initial.get("organisation") if isinstance(obj, Member) else None
        super().save_model(request, obj, form, change)
        changes = {name: str(form.cleaned_data.get(name)) for name in form.changed_data if name != "phone"}
        audit(
            actor=request.user,
            action=f"admin.{'change' if change else 'add'}",
            obj=obj,
            changes=changes,
            organisation=obj if isinstance(obj, Organisation) else getattr(obj, "organisation", None),
        )
        if isinstance(obj, Member):
            recount_members([obj.organisation_id, *([before] if before else [])])

    def delete_model(self, request, obj):
        audit(actor=request.user, action="admin.delete", obj=obj)
        super().delete_model(request, obj)


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ["name", "level", "kind", "ownership", "street", "member_count", "founded_on", "is_active"]
    list_filter = ["level", "kind", "ownership", "is_active", "founded_on"]
    search_fields = ["name", "=credit_code", "address", "contact_name"]
    list_select_related = ["street"]
    list_per_page = 50
    raw_id_fields = ["parent", "street"]
    readonly_fields = ["path", "depth"]


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    scope_field = "organisation"
    list_display = ["name", "masked_phone", "organisation", "employee_no", "gender", "status", "joined_on", "ranking_consent"]
    list_filter = ["status", "gender", "ranking_consent", "joined_on"]
    # Exact phone only: a partial match on phone numbers would be a way to harvest them.
    search_fields = ["name", "employee_no", "=phone", "organisation__name"]
    raw_id_fields = ["organisation", "user"]
    list_select_related = ["organisation"]
    list_per_page = 50
    show_full_result_count = False  # COUNT(*) over a million rows on every page is not worth it

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(MemberTransfer)
class MemberTransferAdmin(ScopedAdmin):
    scope_field = "to_organisation"
    list_display = ["member", "from_organisation", "to_organisation", "moved_at", "moved_by", "note"]
    list_select_related = ["member", "from_organisation", "to_organisation", "moved_by"]
    search_fields = ["member__name", "note"]
    date_hierarchy = "moved_at"
    raw_id_fields = ["member", "from_organisation", "to_organisation", "moved_by"]

    def has_add_permission(self, request):
        return False  # transfers are made by the member_transfer service, which keeps counts right

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CoverageUnit)
class CoverageUnitAdmin(ScopedAdmin):
    scope_field = "street"
    list_display = ["name", "kind", "street", "union", "has_union"]
    list_filter = ["kind", ("union", admin.EmptyFieldListFilter)]
    search_fields = ["name", "street__name", "union__name"]
    list_select_related = ["street", "union"]

    @admin.display(description=_("已建会"), boolean=True)
    def has_union(self, obj):
        return obj.union_id is not None

    raw_id_fields = ["street", "union"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    scope_field = "organisation"
    list_display = ["user", "role", "organisation"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "organisation__name"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user", "organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "phone", "is_active", "last_login"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + (("UnionHub", {"fields": ("phone", "display_name")}),)

    def has_module_permission(self, request):
        return scoping.is_district_staff(request.user)

    has_view_permission = has_change_permission = has_add_permission = lambda self, request, obj=None: scoping.is_district_staff(
        request.user
    )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

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
    list_select_related = ["viewer", "member"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the staff page (the key is shown once); here district staff review and revoke."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

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

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        from core.services import api_token_revoke

        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(actor=request.user, token=token)


admin.site.site_header = _("UnionHub 后台管理")
admin.site.site_title = "UnionHub"
admin.site.index_title = _("区总工会后台")
