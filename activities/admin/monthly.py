"""Admin for monthly figures and returns: figures are edited here; returns move only through the services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from base import access
from communities.admin import ScopedAdminMixin

from ..models import MonthlyFigure, MonthlyReturn, MonthlyValue, ValidationRule
from ..services import monthly as services
from .common import report_refusal


@admin.register(MonthlyFigure)
class MonthlyFigureAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "code", "unit", "aggregation", "frequency", "is_optional", "is_active"]
    list_display_links = ["name"]
    list_filter = ["is_active", "aggregation", "frequency"]
    search_fields = ["name", "code", "help_text"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and access.is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and access.is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        # A figure with values is kept (PROTECT); switch it off instead.
        return super().has_delete_permission(request, obj) and access.is_administrator(request.user)

    def save_model(self, request, obj, form, change):
        services.figure_save(figure=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.figure_delete(figure=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # One by one through the service, so each deleted figure has its own audit row.
        for figure in queryset:
            try:
                services.figure_delete(figure=figure, actor=request.user)
            except (PermissionDenied, ValidationError) as error:
                report_refusal(self, request, error)


class MonthlyValueInline(admin.TabularInline):
    model = MonthlyValue
    extra = 0
    fields = ["figure", "value"]
    readonly_fields = ["figure", "value"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthlyReturn)
class MonthlyReturnAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: filling and each review step happen on the pages, where they are checked and audited."""

    list_display = ["jurisdiction", "month", "status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at"]
    list_filter = ["status", "month", "jurisdiction__level"]
    search_fields = ["jurisdiction__name", "jurisdiction__code", "return_reason", "reopen_reason"]
    list_select_related = ["jurisdiction", "submitted_by", "reviewed_by"]
    date_hierarchy = "month"
    readonly_fields = [
        "jurisdiction",
        "month",
        "status",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
        "return_reason",
        "reopen_reason",
        "updated_at",
    ]
    inlines = [MonthlyValueInline]
    actions = ["approve_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting an approved return would silently unlock its month.
        return False

    @admin.action(description=_("审核通过所选的已上报月报"))
    def approve_selected(self, request, queryset):
        done = 0
        for monthly_return in queryset.select_related("jurisdiction__parent"):
            try:
                services.monthly_approve(monthly_return=monthly_return, actor=request.user)
            except (PermissionDenied, ValidationError) as exc:
                text = str(exc) if isinstance(exc, PermissionDenied) else " ".join(exc.messages)
                self.message_user(request, f"{monthly_return}：{text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("已审核通过%(n)s份月报。") % {"n": done}, messages.SUCCESS)


@admin.register(ValidationRule)
class ValidationRuleAdmin(admin.ModelAdmin):
    """Rules over a return's figures; saving one re-checks the stored returns and lists those now in violation."""

    list_display = ["name", "rule_text", "importance", "is_active"]
    list_filter = ["importance", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["left_figures", "right_figures"]
    fields = [
        "name",
        "left_figures",
        "left_constant",
        "operator",
        "right_figures",
        "right_constant",
        "importance",
        "is_active",
    ]

    @admin.display(description=_("规则"))
    def rule_text(self, obj):
        return obj.text

    def has_add_permission(self, request):
        return super().has_add_permission(request) and access.is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and access.is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and access.is_administrator(request.user)

    def save_model(self, request, obj, form, change):
        services.rule_save(rule=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        violators = services.rule_violators(form.instance) if form.instance.is_active else []
        if not violators:
            self.message_user(request, _("已有月报均符合该规则。"), messages.SUCCESS)
            return
        shown = "；".join(
            f"{r.jurisdiction.name} {r.month:%Y-%m}（{_whole(left)} / {_whole(right)}）"
            for r, left, right in violators[:20]
        )
        self.message_user(
            request,
            _("已有%(n)d份月报不符合该规则（历史数据未作改动，请核实）：%(list)s")
            % {"n": len(violators), "list": shown + ("……" if len(violators) > 20 else "")},
            messages.WARNING,
        )


def _whole(value):
    return int(value) if value == int(value) else value
