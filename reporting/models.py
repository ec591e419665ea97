from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """A token the database itself changes on every write to the recorded data (see reporting.freshness)."""

    token = models.CharField(_("数据版本"), max_length=64)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")
        # The table keeps the name it had when the token lived in `unity`; the triggers write to it.
        db_table = "unity_dataversion"

    def __str__(self):
        return self.token
