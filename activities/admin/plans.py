"""Admin for creation plans, indicators, responsibility lines and evidence; saves go through the services."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.access import user_can
from communities.admin import ScopedAdminMixin
from communities.choices import Action
from communities.models import Jurisdiction

from ..models import CreationPlan, EvidenceFile, Indicator, LeadingGroupMember, PlanBudget, PlanMeasure, Responsibility
from ..services import plans as services


class PlanScopedAdminMixin(ScopedAdminMixin):
    """Rows below a plan: scoped through the plan's jurisdiction, choices limited to what the user may change."""

    scope_field = "plan__jurisdiction__path"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = Jurisdiction.objects.for_user(user, Action.CHANGE)
        elif db_field.name == "plan":
            kwargs["queryset"] = CreationPlan.objects.for_user(user, Action.CHANGE)
        elif db_field.name in ("indicator", "parent"):
            kwargs["queryset"] = Indicator.objects.for_user(user, Action.CHANGE).select_related("plan")
        elif db_field.name == "responsibility":
            kwargs["queryset"] = Responsibility.objects.for_user(user, Action.CHANGE).select_related("indicator")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _plan_of(self, obj):
        return obj.plan if hasattr(obj, "plan") else obj.indicator.plan

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_can(request.user, Action.CHANGE, self._plan_of(obj).jurisdiction))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_can(request.user, Action.CHANGE, self._plan_of(obj).jurisdiction))

    def delete_queryset(self, request, queryset):
        # Each row goes through its service so every delete is checked and audited.
        for obj in queryset:
            self.delete_model(request, obj)


class MeasureInline(admin.TabularInline):
    model = PlanMeasure
    extra = 0


class LeadingGroupInline(admin.TabularInline):
    model = LeadingGroupMember
    extra = 0


class BudgetInline(admin.TabularInline):
    model = PlanBudget
    extra = 0


@admin.register(CreationPlan)
class CreationPlanAdmin(PlanScopedAdminMixin, admin.ModelAdmin):
    scope_field = "jurisdiction__path"
    list_display = ["title", "jurisdiction", "target_title", "target_level", "start_date", "end_date"]
    list_filter = ["target_level", "jurisdiction__level"]
    search_fields = ["title", "target_title", "jurisdiction__name", "jurisdiction__code"]
    list_select_related = ["jurisdiction"]
    date_hierarchy = "start_date"
    inlines = [MeasureInline, LeadingGroupInline, BudgetInline]

    def _plan_of(self, obj):
        return obj

    def save_model(self, request, obj, form, change):
        # Saved with its inline lists in save_related, so that one audit row says all that changed.
        pass

    def save_related(self, request, form, formsets, change):
        services.plan_save(plan=form.instance, actor=request.user, inlines=formsets)

    def delete_model(self, request, obj):
        services.plan_delete(plan=obj, actor=request.user)


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    extra = 0
    fields = ["lead_department", "responsible_person", "deadline", "progress", "status", "self_score"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # New lines go through the responsibility form, which checks the self-assessed score.
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Indicator)
class IndicatorAdmin(PlanScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "title", "plan", "parent", "points", "order"]
    list_filter = ["plan__target_level"]
    search_fields = ["code", "title", "content", "plan__title"]
    list_select_related = ["plan", "parent"]
    inlines = [ResponsibilityInline]

    def save_model(self, request, obj, form, change):
        services.indicator_save(indicator=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.indicator_delete(indicator=obj, actor=request.user)


@admin.register(Responsibility)
class ResponsibilityAdmin(PlanScopedAdminMixin, admin.ModelAdmin):
    fields = services.RESPONSIBILITY_FIELDS
    scope_field = "indicator__plan__jurisdiction__path"
    list_display = [
        "indicator",
        "lead_department",
        "responsible_person",
        "deadline",
        "progress",
        "status",
        "self_score",
        "is_overdue_now",
    ]
    list_filter = ["status", "indicator__plan"]
    search_fields = ["indicator__code", "indicator__title", "lead_department", "responsible_person"]
    list_select_related = ["indicator__plan"]
    date_hierarchy = "deadline"

    def _plan_of(self, obj):
        return obj.indicator.plan

    @admin.display(boolean=True, description=_("逾期"))
    def is_overdue_now(self, obj):
        return obj.is_overdue(timezone.localdate())

    def save_model(self, request, obj, form, change):
        services.responsibility_save(responsibility=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.responsibility_delete(responsibility=obj, actor=request.user)


@admin.register(EvidenceFile)
class EvidenceFileAdmin(PlanScopedAdminMixin, admin.ModelAdmin):
    scope_field = "indicator__plan__jurisdiction__path"
    list_display = ["title", "indicator", "responsibility", "uploaded_by", "uploaded_at"]
    list_filter = ["indicator__plan"]
    search_fields = ["title", "indicator__code", "indicator__title"]
    list_select_related = ["indicator__plan", "responsibility", "uploaded_by"]
    readonly_fields = ["indicator", "responsibility", "file", "uploaded_by", "uploaded_at"]

    def _plan_of(self, obj):
        return obj.indicator.plan

    def has_add_permission(self, request):
        # Uploads go through the evidence page, which checks the file's real type and size.
        return False

    def save_model(self, request, obj, form, change):
        services.evidence_update(evidence=obj, actor=request.user, title=obj.title, note=_("后台"))

    def delete_model(self, request, obj):
        services.evidence_delete(evidence=obj, actor=request.user)
