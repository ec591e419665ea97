from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("创建工作记录")

    def ready(self):
        from .return_checks import drop_sqlite_triggers, install_triggers

        post_migrate.connect(install_triggers, sender=self, dispatch_uid="activities.return_checks.install_triggers")
        pre_migrate.connect(
            drop_sqlite_triggers, sender=self, dispatch_uid="activities.return_checks.drop_sqlite_triggers"
        )
