from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("辖区与人口")

    def ready(self):
        # Imports are refused in base.staging, which may not import this app: the audit row is written here.
        from . import receivers  # noqa: F401
