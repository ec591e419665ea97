"""Summary rows of the figures the dashboard, the JSON and the report show, kept by database triggers.

`Delta` is the journal: every write to a recorded table adds, in its own transaction, signed rows (path of the
jurisdiction, measure, month, key, value). It is insert-only, so writers never wait on one another for it.
`Total` holds the deltas folded per node of the tree (a jurisdiction and each of its ancestors): a subtree's
figure is its node's totals plus the deltas under its path not folded yet, read in one statement. Folding
(summaries.services.fold) moves deltas into totals in one transaction and never holds a lock a writer needs.
`Stale` marks the totals for a rebuild from the records (a jurisdiction moved in the tree).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from base.provinces import PROVINCE_CODE_LENGTH, province_code_expression


def province_code_of(field):
    """The province code of the path in `field`, computed by the database (the column a Citus cluster would
    distribute these tables by, co-located with the records: docs/scale.md section 4); writers name no new column."""
    return models.GeneratedField(
        expression=province_code_expression(field),
        output_field=models.CharField(max_length=PROVINCE_CODE_LENGTH),
        db_persist=True,
        verbose_name=_("省级代码"),
    )


class Delta(models.Model):
    id = models.BigAutoField(primary_key=True)
    path = models.CharField(_("辖区路径"), max_length=255)
    measure = models.CharField(_("指标"), max_length=32)
    month = models.DateField(_("月份"))
    key = models.CharField(_("分项"), max_length=64, blank=True, default="")
    value = models.DecimalField(_("数值"), max_digits=24, decimal_places=4)
    province_code = province_code_of("path")

    class Meta:
        verbose_name = _("汇总增量")
        verbose_name_plural = _("汇总增量")
        indexes = [models.Index(fields=["path"], name="summaries_delta_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return f"{self.path} {self.measure} {self.month:%Y-%m} {self.key} {self.value:+}"


class Total(models.Model):
    id = models.BigAutoField(primary_key=True)
    node = models.CharField(_("辖区路径"), max_length=255)
    depth = models.PositiveSmallIntegerField(_("层级深度"))
    measure = models.CharField(_("指标"), max_length=32)
    month = models.DateField(_("月份"))
    key = models.CharField(_("分项"), max_length=64, blank=True, default="")
    value = models.DecimalField(_("数值"), max_digits=24, decimal_places=4)
    province_code = province_code_of("node")

    class Meta:
        verbose_name = _("汇总")
        verbose_name_plural = _("汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["node", "measure", "month", "key"],
                name="summaries_total_uniq",
                # PostgreSQL reads a place's totals from the index alone (a city's ranking of its ten districts visited
                # 3,908 table pages for 3,932 rows: 12-18 ms, 4.3 ms from the index). SQLite reads the row.
                include=["value"],
            ),
        ]

    def __str__(self):
        return f"{self.node} {self.measure} {self.month:%Y-%m} {self.key} {self.value}"


class Stale(models.Model):
    id = models.BigAutoField(primary_key=True)
    reason = models.CharField(_("原因"), max_length=64)

    class Meta:
        verbose_name = _("待重建汇总")
        verbose_name_plural = _("待重建汇总")

    def __str__(self):
        return self.reason
