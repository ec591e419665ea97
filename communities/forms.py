"""Forms of the communities app."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .choices import Action, Role
from .models import Jurisdiction


class GrantForm(forms.Form):
    """Give an existing or a new user a role in a jurisdiction the administrator manages."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=150, required=False, help_text=_("新建用户时填写"))
    password = forms.CharField(
        label=_("初始密码"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("仅新建用户时需要；已有用户留空。"),
    )
    jurisdiction = forms.ModelChoiceField(label=_("辖区"), queryset=Jurisdiction.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.for_user(user, Action.MANAGE)
        self.fields["jurisdiction"].label_from_instance = lambda j: f"{'　' * j.depth}{j.name}"

    def clean(self):
        data = super().clean()
        username = data.get("username", "").strip()
        exists = get_user_model().objects.filter(username=username).exists()
        if not exists:
            if not data.get("password"):
                self.add_error("password", _("用户“%(u)s”不存在；新建用户请填写初始密码。") % {"u": username})
            else:
                try:
                    validate_password(data["password"])
                except forms.ValidationError as exc:
                    self.add_error("password", exc)
        data["create_user"] = not exists
        return data
