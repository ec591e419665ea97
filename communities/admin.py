from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from base import access, audit
from base.access import scope_q

from .choices import Action
from .models import AuditEntry, EthnicGroup, GroupCount, Jurisdiction, Membership, PopulationRecord
from .resources import JurisdictionResource, SafeXLSX
from .services import (
    audit_delete,
    audit_save,
    jurisdiction_delete,
    jurisdiction_save,
    membership_grant,
    membership_revoke,
    password_change_require,
)


class ScopedAdminMixin:
    """Admin changelists start from the same scoping as the pages: a user sees only their subtree."""

    scope_field = "jurisdiction__path"
    scope_action = Action.VIEW

    def get_queryset(self, request):
        return super().get_queryset(request).filter(scope_q(request.user, self.scope_action, field=self.scope_field))


def report_refusal(model_admin, request, error):
    """Show a service's refusal (PermissionDenied or ValidationError) as error messages on the admin page."""
    for message in [str(error)] if isinstance(error, PermissionDenied) else error.messages:
        model_admin.message_user(request, message, messages.ERROR)


class ManagedThroughServicesMixin(ScopedAdminMixin):
    """Rows an administrator keeps in their subtree; each save and delete goes through a service."""

    scope_action = Action.MANAGE

    def _manages(self, request, obj):
        return obj is None or access.user_can(request.user, Action.MANAGE, self.managed_jurisdiction(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def delete_queryset(self, request, queryset):
        # One by one through the service, so each row is checked and has its own audit row.
        for obj in queryset:
            try:
                self.delete_model(request, obj)
            except (PermissionDenied, ValidationError) as error:
                report_refusal(self, request, error)


class AuditedAdminMixin:
    """Write the audit trail for saves and deletes made in the admin."""

    def save_model(self, request, obj, form, change):
        model_fields = {field.name for field in obj._meta.concrete_fields}
        fields = [name for name in form.changed_data if name in model_fields]
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk), fields) if change else None
        super().save_model(request, obj, form, change)
        audit_save(
            actor=request.user,
            obj=obj,
            before=before,
            fields=fields,
            jurisdiction=_jurisdiction_of(obj),
            note=_("后台"),
        )

    def delete_model(self, request, obj):
        self._audit_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The changelist's "delete selected" action: one audit row per object, as a single delete writes.
        with transaction.atomic():
            for obj in queryset:
                self._audit_delete(request, obj)
            super().delete_queryset(request, queryset)

    def _audit_delete(self, request, obj):
        audit_delete(actor=request.user, obj=obj, jurisdiction=_jurisdiction_of(obj), note=_("后台"))


def _jurisdiction_of(obj):
    if isinstance(obj, Jurisdiction):
        return obj
    if isinstance(obj, GroupCount):
        return obj.record.jurisdiction
    return getattr(obj, "jurisdiction", None)


@admin.register(EthnicGroup)
class EthnicGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "alpha", "romanization", "is_minority"]
    list_filter = ["is_minority"]
    search_fields = ["code", "name", "alpha", "romanization"]


@admin.register(Jurisdiction)
class JurisdictionAdmin(ExportMixin, ManagedThroughServicesMixin, admin.ModelAdmin):
    """The tree of the administrator's subtree; saved by `jurisdiction_save`, deleted by `jurisdiction_delete`."""

    resource_classes = [JurisdictionResource]
    export_formats = [SafeXLSX]
    # The export button plus a link to the import page (the tree is imported there, with a preview).
    change_list_template = "admin/communities/jurisdiction/change_list.html"
    scope_field = "path"
    # Everyone in the admin may look a jurisdiction up (the autocomplete of other admins' forms).
    scope_action = Action.VIEW
    list_display = ["name", "level", "code", "parent", "area_km2", "depth"]
    list_filter = ["level", "depth"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    def managed_jurisdiction(self, obj):
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Jurisdiction.objects.for_user(request.user, Action.MANAGE)
            # Only the superuser adds a top-level jurisdiction (jurisdiction_save refuses anyone else).
            kwargs["required"] = not request.user.is_superuser
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        jurisdiction_save(jurisdiction=obj, actor=request.user)

    def delete_model(self, request, obj):
        jurisdiction_delete(jurisdiction=obj, actor=request.user)


class GroupCountInlineFormSet(BaseInlineFormSet):
    """Check the group counts as edited against the record's residents as edited, in one place."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The record's own clean() would compare its new residents with the saved counts this save replaces.
        self.instance.group_counts_in_form = True

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form.cleaned_data for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        self.instance.check_group_total(sum(data.get("count") or 0 for data in kept))
        self.instance.check_minority_total(
            sum(
                data.get("count") or 0
                for data in kept
                if data.get("ethnic_group") is not None and data["ethnic_group"].is_minority
            )
        )


class GroupCountInline(admin.TabularInline):
    model = GroupCount
    formset = GroupCountInlineFormSet
    extra = 0
    autocomplete_fields = ["ethnic_group"]


@admin.register(PopulationRecord)
class PopulationRecordAdmin(AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "jurisdiction",
        "year",
        "kind",
        "section",
        "residents",
        "male",
        "female",
        "minority_total",
        "households",
        "floating_minority",
        "updated_at",
    ]
    list_filter = ["year", "kind", "jurisdiction__level"]
    search_fields = ["jurisdiction__name", "jurisdiction__code"]
    autocomplete_fields = ["jurisdiction"]
    inlines = [GroupCountInline]
    list_select_related = ["jurisdiction"]


class MembershipAdminForm(forms.ModelForm):
    """A role for a user named by their username: administrators do not browse the site's whole user list."""

    username = forms.CharField(label=_("用户名"), max_length=150)

    class Meta:
        model = Membership
        fields = ["jurisdiction", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An existing role keeps its user; only the role itself changes.
            del self.fields["username"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not get_user_model().objects.filter(username=username).exists():
            raise ValidationError(_("用户“%(username)s”不存在，请先创建该用户。") % {"username": username})
        return username


@admin.register(Membership)
class MembershipAdmin(ManagedThroughServicesMixin, admin.ModelAdmin):
    """Roles in the administrator's subtree; granted and revoked by the services, as `grant` and the pages do,
    so the admin role keeps `is_staff` and the 管理员 group in step."""

    form = MembershipAdminForm
    list_display = ["user", "jurisdiction", "role", "created_at"]
    list_filter = ["role", "jurisdiction__level"]
    search_fields = ["user__username", "user__first_name", "jurisdiction__name", "jurisdiction__code"]
    autocomplete_fields = ["jurisdiction"]
    list_select_related = ["user", "jurisdiction"]

    def managed_jurisdiction(self, obj):
        return obj.jurisdiction

    def get_fields(self, request, obj=None):
        # A role changes in place; moving it to another person or place is a revoke and a new grant.
        return ["user", "jurisdiction", "role"] if obj else ["username", "jurisdiction", "role"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "jurisdiction"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = Jurisdiction.objects.for_user(request.user, Action.MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        username = obj.user.username if change else form.cleaned_data["username"]
        saved = membership_grant(username=username, jurisdiction=obj.jurisdiction, role=obj.role, actor=request.user)
        obj.pk, obj.user, obj.created_at = saved.pk, saved.user, saved.created_at

    def delete_model(self, request, obj):
        membership_revoke(membership=obj, actor=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read only for everyone, the superuser too: the audit trail is never added to, changed or deleted here."""

    scope_action = Action.AUDIT
    list_display = ["created_at", "actor_name", "action", "content_type", "object_repr", "jurisdiction"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor_name", "note"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "actor_name",
        "user",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "jurisdiction",
        "changes_shown",
        "note",
    ]
    readonly_fields = fields

    @admin.display(description=_("变更内容"))
    def changes_shown(self, obj):
        # The same words as the history on the record's page, not the stored field names and codes.
        rows = [
            (label, "—" if old is None else old, "—" if new is None else new)
            for label, old, new in obj.readable_changes()
        ]
        return format_html_join(mark_safe("<br>"), "{}：{} → {}", rows) or "—"

    def get_actions(self, request):
        # Not even "delete selected": the trail is kept whole (purge_audit removes rows past retention).
        return {}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GroupCount)
class GroupCountAdmin(AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Single group counts, for finding one figure across records; records are edited with their counts inline."""

    scope_field = "record__jurisdiction__path"
    list_display = ["record", "ethnic_group", "count", "male", "female"]
    list_filter = ["ethnic_group__is_minority", "record__year", "record__kind"]
    search_fields = ["record__jurisdiction__name", "record__jurisdiction__code", "ethnic_group__name"]
    autocomplete_fields = ["ethnic_group"]
    raw_id_fields = ["record"]
    list_select_related = ["record__jurisdiction", "ethnic_group"]


class AdminSetPasswordForm(AdminPasswordChangeForm):
    """A password an administrator sets for someone else is an initial one: its owner must replace it."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            password_change_require(user=user)
        return user


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, except that accounts created or given a password here must change it at first login."""

    change_password_form = AdminSetPasswordForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            password_change_require(user=obj)
