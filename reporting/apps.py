from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("统计与汇报")

    def ready(self):
        from base import bulk

        from .freshness import catch_up_bulk_insert, drop_sqlite_triggers, install_triggers

        bulk.register(catch_up_bulk_insert)

        post_migrate.connect(install_triggers, sender=self, dispatch_uid="reporting.freshness.install_triggers")
        pre_migrate.connect(drop_sqlite_triggers, sender=self, dispatch_uid="reporting.freshness.drop_sqlite_triggers")
