"""How many validation rules each monthly return breaks, kept current by database triggers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from base.provinces import ProvinceCoded
from communities.models import Jurisdiction

from .monthly import MonthlyReturn


class ReturnCheck(ProvinceCoded):
    """The count of rules one monthly return breaks, errors and warnings apart; a row only while it breaks one.

    Written by the triggers of `activities.return_checks` in the transaction of every write that changes it (values,
    returns, rules), never by Python code: the dashboard sums these rows instead of evaluating every rule over every
    value. `rebuild_return_checks` recomputes them all from scratch.
    """

    # DO_NOTHING: the triggers delete the row with its return (the keys are checked at commit), and only they
    # write this table. The place: copied from the return (the triggers follow a move), so a subtree's months are
    # read without the returns; the return already protects its place.
    monthly_return = models.OneToOneField(
        MonthlyReturn, verbose_name=_("月报"), primary_key=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    month = models.DateField(_("月份"))
    errors = models.PositiveIntegerField(_("违反的错误规则数"), default=0)
    warnings = models.PositiveIntegerField(_("违反的提醒规则数"), default=0)

    class Meta:
        verbose_name = _("月报校验结果")
        verbose_name_plural = _("月报校验结果")
        # Covering: a subtree's sum reads the index alone, place by place.
        indexes = [
            models.Index(fields=["jurisdiction", "month", "errors", "warnings"], name="return_check_place_month_idx")
        ]

    def __str__(self):
        return f"{self.monthly_return_id}: {self.errors} + {self.warnings}"
