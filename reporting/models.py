from django.db import models
from django.utils.translation import gettext_lazy as _


class DataChange(models.Model):
    """A committed change to the recorded data under one jurisdiction's path (see reporting.freshness).

    Written only by database triggers, insert-only on PostgreSQL: writers never update a shared row, so they never
    wait on one another. `weight` counts the changes a row stands for once `compact_data_changes` folded several.
    """

    path = models.CharField(_("辖区路径"), max_length=255, blank=True)
    weight = models.PositiveBigIntegerField(_("变更次数"), default=1)

    class Meta:
        verbose_name = _("数据变更")
        verbose_name_plural = _("数据变更")
        indexes = [
            # A subtree's changes are one `LIKE 'prefix%'` (PostgreSQL) or `GLOB 'prefix*'` (SQLite) range scan.
            models.Index(
                fields=["path"], name="datachange_path_idx", opclasses=["varchar_pattern_ops"], include=["weight"]
            )
        ]

    def __str__(self):
        return f"{self.path or '*'} ×{self.weight}"
