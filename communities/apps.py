from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("辖区与人口")

    def ready(self):
        # Imports are refused in base.staging, which may not import this app: the audit row is written here.
        from base import bulk, provinces

        from . import checksums, count_keys, receivers  # noqa: F401

        # The province codes of the records follow their jurisdiction's path (base.provinces).
        post_migrate.connect(provinces.install_triggers, sender=self, dispatch_uid="base.provinces.install_triggers")
        pre_migrate.connect(
            provinces.drop_sqlite_triggers, sender=self, dispatch_uid="base.provinces.drop_sqlite_triggers"
        )
        # The census checksums are blanked by trigger whenever group counts change (communities.checksums).
        post_migrate.connect(checksums.install_triggers, sender=self, dispatch_uid="communities.checksums.install")
        pre_migrate.connect(checksums.drop_sqlite_triggers, sender=self, dispatch_uid="communities.checksums.drop")
        # The group counts' record and group keys, checked a statement at a time (communities.count_keys).
        post_migrate.connect(count_keys.install_triggers, sender=self, dispatch_uid="communities.count_keys.install")
        pre_migrate.connect(count_keys.drop_sqlite_triggers, sender=self, dispatch_uid="communities.count_keys.drop")
        # A bulk insert of counts checks their keys in one statement after its block (SQLite; base.bulk).
        bulk.register(count_keys.checked_bulk_insert)
