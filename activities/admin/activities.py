"""Admin for activities, their photos, activity categories and projects; saves go through the services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from base import access
from base.access import user_can
from base.forms import add_service_error
from communities.admin import ScopedAdminMixin
from communities.choices import Action
from communities.models import Jurisdiction

from ..forms.activities import BaseFundingFormSet, FundingForm
from ..models import Activity, ActivityCategory, ActivityPhoto, Indicator, Project, ProjectFunding
from ..services import activities as services
from ..services.activities import ACTIVITY_FIELDS, CATEGORY_FIELDS, FUNDING_FIELDS, PROJECT_FIELDS
from ..services.common import ensure_month_open
from .common import report_refusal


class ScopedWriteMixin(ScopedAdminMixin):
    """Offer only jurisdictions (and indicators) the user may write to, and check the month lock in the form."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = Jurisdiction.objects.for_user(request.user, Action.CHANGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "indicators":
            kwargs["queryset"] = Indicator.objects.for_user(request.user).select_related("plan")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.admin_user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_can(request.user, Action.CHANGE, obj.jurisdiction))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_can(request.user, Action.CHANGE, obj.jurisdiction))

    @staticmethod
    def _mark_inlines_handled(formsets):
        # The service saved the related rows; the admin's change message still reads these lists.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def _report(self, request, error):
        report_refusal(self, request, error)


class ActivityAdminForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = [*ACTIVITY_FIELDS, "indicators"]

    def clean(self):
        cleaned = super().clean()
        jurisdiction, day = cleaned.get("jurisdiction"), cleaned.get("date")
        places = [(jurisdiction, day)]
        if self.instance.pk:
            places.append((self.instance.jurisdiction, self.instance.date))
        for place, when in places:
            try:
                ensure_month_open(jurisdiction=place, day=when)
            except ValidationError as error:
                add_service_error(self, error)
                break
        return cleaned


class ActivityPhotoInline(admin.TabularInline):
    """Photos are shown here; they are added on the activity page, where each upload is verified and re-encoded."""

    model = ActivityPhoto
    extra = 0
    can_delete = False
    fields = ["preview", "caption", "width", "height", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("缩略图"))
    def preview(self, photo):
        return format_html(
            '<img src="{}" alt="" style="height:48px">', reverse("activities:activity_photo_thumbnail", args=[photo.pk])
        )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ScopedWriteMixin, admin.ModelAdmin):
    form = ActivityAdminForm
    list_display = ["date", "title", "jurisdiction", "category", "participants", "minority_participants", "photo_count"]
    list_filter = ["category", "date", "jurisdiction__level"]
    search_fields = ["title", "place", "organiser", "summary", "jurisdiction__name", "jurisdiction__code"]
    date_hierarchy = "date"
    list_select_related = ["jurisdiction", "category"]
    autocomplete_fields = ["jurisdiction"]
    filter_horizontal = ["indicators"]
    inlines = [ActivityPhotoInline]
    fieldsets = [
        (None, {"fields": ["jurisdiction", "date", "category", "title", "place", "organiser", "summary"]}),
        (_("参与人数"), {"fields": ["participants", "minority_participants"]}),
        (
            _("宣传情况"),
            {"fields": ["posters", "handbooks", "promo_items", "light_boxes", "online_posts", "people_reached"]},
        ),
        (_("佐证指标"), {"fields": ["indicators"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_total=Count("photos"))

    @admin.display(description=_("照片（张）"), ordering="photo_total")
    def photo_count(self, activity):
        return activity.photo_total

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ACTIVITY_FIELDS}
        indicators = form.cleaned_data.get("indicators", [])
        if change:
            services.activity_update(activity=obj, actor=request.user, indicators=indicators, **fields)
        else:
            created = services.activity_create(actor=request.user, indicators=indicators, **fields)
            obj.pk = created.pk
            obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # The service already set the indicators (keeping those this user cannot see); the photo inline is
        # read-only, so there is nothing else to save.
        self._mark_inlines_handled(formsets)

    def delete_model(self, request, obj):
        services.activity_delete(activity=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for activity in queryset.select_related("jurisdiction"):
            try:
                services.activity_delete(activity=activity, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                self._report(request, error)


@admin.register(ActivityCategory)
class ActivityCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "report_section", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["report_section", "is_active"]
    search_fields = ["name"]

    def has_module_permission(self, request):
        return super().has_module_permission(request) and access.is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and access.is_administrator(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and access.is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and access.is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        # Activities keep their category (PROTECT); a category is deactivated instead.
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in CATEGORY_FIELDS if name in form.cleaned_data}
        if change:
            services.category_update(category=obj, actor=request.user, **fields)
        else:
            created = services.category_create(actor=request.user, **fields)
            obj.pk = created.pk
            obj._state.adding = False


class FundingInline(admin.TabularInline):
    model = ProjectFunding
    form = FundingForm
    formset = BaseFundingFormSet
    fields = list(FUNDING_FIELDS)
    extra = 1


@admin.register(Project)
class ProjectAdmin(ScopedWriteMixin, admin.ModelAdmin):
    list_display = ["name", "jurisdiction", "year", "kind", "status", "total_investment", "persons_served"]
    list_filter = ["year", "kind", "status", "jurisdiction__level"]
    search_fields = ["name", "summary", "jurisdiction__name", "jurisdiction__code"]
    list_select_related = ["jurisdiction"]
    autocomplete_fields = ["jurisdiction"]
    fields = list(PROJECT_FIELDS)
    inlines = [FundingInline]

    def save_model(self, request, obj, form, change):
        # Saved together with its funding rows in save_related, so the cash never exceeds the total.
        pass

    def save_related(self, request, form, formsets, change):
        funding_formset = next(fs for fs in formsets if isinstance(fs, BaseFundingFormSet))
        fields = {name: form.cleaned_data[name] for name in PROJECT_FIELDS}
        fundings = funding_formset.funding_rows()
        project = form.instance
        if change:
            services.project_update(project=project, actor=request.user, fundings=fundings, **fields)
        else:
            created = services.project_create(actor=request.user, fundings=fundings, **fields)
            project.pk = created.pk
            project._state.adding = False
        self._mark_inlines_handled(formsets)

    def delete_model(self, request, obj):
        services.project_delete(project=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for project in queryset.select_related("jurisdiction"):
            try:
                services.project_delete(project=project, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                self._report(request, error)
