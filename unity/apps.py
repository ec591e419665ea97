from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnityConfig(AppConfig):
    name = "unity"
    verbose_name = _("民族团结进步创建")
