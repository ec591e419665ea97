from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = _("汇总表")

    def ready(self):
        from base import bulk

        from .services import catch_up_bulk_insert, fold_after_import
        from .triggers import drop_sqlite_triggers, install_triggers

        bulk.register(catch_up_bulk_insert)
        bulk.register_after_commit(fold_after_import)

        post_migrate.connect(install_triggers, sender=self, dispatch_uid="summaries.triggers.install_triggers")
        pre_migrate.connect(drop_sqlite_triggers, sender=self, dispatch_uid="summaries.triggers.drop_sqlite_triggers")
