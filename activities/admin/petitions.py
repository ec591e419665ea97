"""Admin for petitions and disputes: scoped like the pages, personal data masked, writes through the services.

The admin never renders the phone or the ID number: the change form shows their masked forms read-only and
offers separate, empty inputs for a new value. The status moves only through the lifecycle on the pages.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from base.access import user_can
from base.forms import add_service_error
from communities.admin import ScopedAdminMixin
from communities.choices import Action
from communities.models import Jurisdiction

from ..identity import validate_resident_id
from ..models import Petition, PetitionStatusChange
from ..services.common import month_is_locked
from ..services.petitions import DETAIL_FIELDS, petition_check, petition_delete, petition_register, petition_update

_LIFECYCLE_FIELDS = (
    "status",
    "due_on",
    "decided_on",
    "rejection_reason",
    "extension_days",
    "extension_reason",
    "closed_on",
    "outcome",
    "outcome_text",
    "review_requested_on",
    "review_replied_on",
    "recheck_requested_on",
    "created_by",
    "created_at",
    "updated_at",
)


class PetitionAdminForm(forms.ModelForm):
    actor = None  # set per request by PetitionAdmin.get_form
    new_phone = forms.CharField(
        label=_("新联系电话"), max_length=20, required=False, help_text=_("留空则不变；现有号码不在此显示。")
    )
    new_id_number = forms.CharField(
        label=_("新身份证号码"),
        max_length=18,
        required=False,
        help_text=_("留空则不变；现有号码不在此显示。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Petition
        fields = [name for name in DETAIL_FIELDS if name not in ("petitioner_phone", "petitioner_id_number")]

    def clean_new_id_number(self):
        value = self.cleaned_data["new_id_number"].strip().upper()
        validate_resident_id(value)
        return value

    def clean_new_phone(self):
        return self.cleaned_data["new_phone"].strip()

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        errors = petition_check(petition=self.instance, actor=self.actor)
        if errors:
            add_service_error(self, ValidationError(errors))

    def service_data(self):
        data = {name: self.cleaned_data[name] for name in DETAIL_FIELDS if name in self.cleaned_data}
        if self.cleaned_data.get("new_phone") or not self.instance.pk:
            data["petitioner_phone"] = self.cleaned_data.get("new_phone", "")
        if self.cleaned_data.get("new_id_number") or not self.instance.pk:
            data["petitioner_id_number"] = self.cleaned_data.get("new_id_number", "")
        return data


class PetitionStatusChangeInline(admin.TabularInline):
    model = PetitionStatusChange
    extra = 0
    fields = ["changed_on", "from_status", "to_status", "changed_by", "note", "changed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Petition)
class PetitionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = PetitionAdminForm
    list_display = [
        "received_on",
        "jurisdiction",
        "kind",
        "category",
        "masked_name",
        "masked_phone",
        "masked_id_number",
        "status",
        "due_on",
        "closed_on",
    ]
    list_filter = ["kind", "status", "channel", "category", "is_group", "ethnic_factor", "outcome"]
    # Only fields without personal data: a search term travels in the changelist's URL.
    search_fields = ["summary", "assigned_department", "outcome_text"]
    date_hierarchy = "received_on"
    list_select_related = ["jurisdiction"]
    autocomplete_fields = ["jurisdiction"]
    readonly_fields = ["masked_phone", "masked_id_number", *_LIFECYCLE_FIELDS]
    inlines = [PetitionStatusChangeInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "jurisdiction",
                    "kind",
                    "received_on",
                    "channel",
                    ("is_group", "persons", "ethnic_factor"),
                    "category",
                    "summary",
                    "assigned_department",
                ]
            },
        ),
        (
            _("信访人（联系电话、身份证号码只显示遮挡后的形式）"),
            {"fields": ["petitioner_name", ("masked_phone", "new_phone"), ("masked_id_number", "new_id_number")]},
        ),
        (_("人民调解"), {"fields": ["mediator", "mediated_on", "agreement_reached", "agreement_summary"]}),
        (_("办理（请在业务页面按环节办理）"), {"fields": list(_LIFECYCLE_FIELDS), "classes": ["collapse"]}),
    ]

    @admin.display(description=_("信访人"), ordering="petitioner_name")
    def masked_name(self, obj):
        return obj.petitioner_name_masked

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return obj.petitioner_phone_masked or "—"

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj):
        return obj.petitioner_id_number_masked or "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = Jurisdiction.objects.for_user(request.user, Action.CHANGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        # The form already ran the services' checks (petition_check); the services save, lock-check and audit.
        if change:
            petition_update(petition=obj, data=form.service_data(), actor=request.user)
        else:
            obj.pk = petition_register(data=form.service_data(), actor=request.user).pk

    def save_related(self, request, form, formsets, change):
        # The only inline is read-only history; nothing else to save.
        pass

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        # No delete button where the service would refuse: another subtree or a locked month.
        return (
            super().has_delete_permission(request, obj)
            and user_can(request.user, Action.CHANGE, obj.jurisdiction)
            and not month_is_locked(jurisdiction=obj.jurisdiction, day=obj.received_on)
        )

    def delete_model(self, request, obj):
        petition_delete(petition=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        refused = []
        for petition in queryset.select_related("jurisdiction"):
            try:
                petition_delete(petition=petition, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                reason = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                refused.append(f"{petition}：{reason}")
        for line in refused:
            messages.warning(request, _("未删除 %(line)s") % {"line": line})
