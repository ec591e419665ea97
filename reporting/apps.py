from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("统计与汇报")

    def ready(self):
        from .freshness import install_triggers

        post_migrate.connect(install_triggers, sender=self, dispatch_uid="reporting.freshness.install_triggers")
