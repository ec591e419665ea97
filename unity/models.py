from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """A token the database itself changes on every write to the recorded data (see unity.freshness)."""

    token = models.CharField(_("数据版本"), max_length=64)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self):
        return self.token
