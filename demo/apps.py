from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and benchmark data: commands only; no production module imports this package."""

    name = "demo"
    verbose_name = _("演示数据")
