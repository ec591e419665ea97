from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class UnityConfig(AppConfig):
    name = "unity"
    verbose_name = _("民族团结进步创建")

    def ready(self):
        from .freshness import install_triggers

        post_migrate.connect(install_triggers, sender=self, dispatch_uid="unity.freshness.install_triggers")
