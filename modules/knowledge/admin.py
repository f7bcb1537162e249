"""Back office for the knowledge base: the district office edits the guide, articles, banks and campaigns.

Every save and delete is audited; results are read on the staff pages (scoped), not here.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.audit import audit
from modules.knowledge.models import Article, Campaign, GuideItem, Question, QuestionBank


class KnowledgeAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.has_perm("knowledge.manage")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("knowledge.manage")

    def has_add_permission(self, request):
        return request.user.has_perm("knowledge.manage")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("knowledge.manage")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("knowledge.manage")

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        changes = {name: str(form.cleaned_data.get(name)) for name in form.changed_data if name != "image"}
        audit(actor=request.user, action=f"knowledge.{obj._meta.model_name}_{'update' if change else 'create'}", obj=obj, changes=changes)

    def delete_model(self, request, obj):
        audit(actor=request.user, action=f"knowledge.{obj._meta.model_name}_delete", obj=obj)
        super().delete_model(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The engine's foreign keys reach every programme's banks; offer only this programme's.
        if db_field.name == "bank":
            kwargs["queryset"] = QuestionBank.objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit(actor=request.user, action=f"knowledge.{obj._meta.model_name}_delete", obj=obj)
        super().delete_queryset(request, queryset)


@admin.register(GuideItem)
class GuideItemAdmin(KnowledgeAdmin):
    list_display = ["name", "category", "aliases", "tip", "is_active", "updated_at"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "aliases", "pinyin", "initials"]
    list_per_page = 50


@admin.register(Article)
class ArticleAdmin(KnowledgeAdmin):
    list_display = ["title", "category", "is_published", "pinned", "created_at"]
    list_filter = ["is_published", "category"]
    search_fields = ["title", "summary", "body"]


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["kind", "text", "options", "correct", "explanation", "is_active"]
    show_change_link = True


@admin.register(QuestionBank)
class QuestionBankAdmin(KnowledgeAdmin):
    list_display = ["name", "description", "created_at"]
    search_fields = ["name"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(KnowledgeAdmin):
    list_display = ["text", "kind", "bank", "is_active"]
    list_filter = [("bank", admin.RelatedOnlyFieldListFilter), "kind", "is_active"]
    search_fields = ["text", "explanation"]


@admin.register(Campaign)
class CampaignAdmin(KnowledgeAdmin):
    list_display = [
        "name",
        "kind",
        "bank",
        "starts_at",
        "ends_at",
        "questions_per_attempt",
        "points_per_correct",
        "time_limit_seconds",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "bank", "is_active"]}),
        (_("规则"), {"fields": ["questions_per_attempt", "points_per_correct", "time_limit_seconds"]}),
        (_("时间"), {"fields": ["starts_at", "ends_at"]}),
    ]
