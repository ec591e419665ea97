"""Group robots in the Django admin: an administrator keeps the robots of their subtree, through the services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from base import access
from base.access import Action
from communities.admin import ScopedAdminMixin, report_refusal
from communities.models import Jurisdiction

from . import services
from .models import GroupRobot


class GroupRobotForm(forms.ModelForm):
    """The address and the secret are typed, never shown back: a blank field on a change keeps the stored value."""

    url = forms.CharField(
        label=_("Webhook 地址"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"size": 80, "autocomplete": "off"}),
        help_text=_(
            "企业微信：https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…；"
            "钉钉：https://oapi.dingtalk.com/robot/send?access_token=…。修改时留空则保持不变。"
        ),
    )
    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("钉钉机器人“加签”的密钥（SEC 开头）；企业微信不需要。修改时留空则保持不变。"),
    )

    class Meta:
        model = GroupRobot
        fields = ["jurisdiction", "name", "platform", "url", "secret", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if not url and self.instance.pk:
            return self.instance.url
        if not url:
            raise ValidationError(_("请填写 Webhook 地址。"))
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"].strip()
        return secret or (self.instance.secret if self.instance.pk else "")

    @property
    def changed_data(self):
        # The two credentials count as changed only when something was typed into them.
        changed = [name for name in super().changed_data if name not in ("url", "secret")]
        return changed + [name for name in ("url", "secret") if (self.data.get(name) or "").strip()]


@admin.register(GroupRobot)
class GroupRobotAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = GroupRobotForm
    scope_action = Action.MANAGE
    list_display = ["name", "platform", "jurisdiction", "is_active", "created_at"]
    list_filter = ["platform", "is_active"]
    search_fields = ["name", "jurisdiction__name"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = Jurisdiction.objects.for_user(request.user, Action.MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _manages(self, request, obj):
        return obj is None or access.user_can(request.user, Action.MANAGE, obj.jurisdiction)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            services.robot_save(robot=obj, fields=form.changed_data, actor=request.user)
        except (PermissionDenied, ValidationError) as error:
            report_refusal(self, request, error)

    def delete_model(self, request, obj):
        try:
            services.robot_delete(robot=obj, actor=request.user)
        except PermissionDenied as error:
            report_refusal(self, request, error)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
