"""Petitions (信访) and disputes (矛盾纠纷) with the statutory time limits of the 2022 信访工作条例."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.encryption import lookup_hashes
from base.fields import EncryptedTextField, LookupHashField
from base.models import TrackedModel
from base.provinces import ProvinceCoded
from communities.models import Jurisdiction, ScopedQuerySet

from ..choices import (
    OPEN_PETITION_STATUSES,
    PetitionCategory,
    PetitionChannel,
    PetitionKind,
    PetitionOutcome,
    PetitionStatus,
)
from ..identity import mask_name, mask_phone, mask_resident_id, validate_resident_id

# 信访工作条例 (2022): 第二十二条 15 days to decide on acceptance; 第三十四条 60 days to handle, one extension
# of at most 30; 第三十五、三十六条 30 days to answer a review or a recheck.
ACCEPTANCE_DAYS = 15
HANDLING_DAYS = 60
MAX_EXTENSION_DAYS = 30
REVIEW_DAYS = 30


class PetitionQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_PETITION_STATUSES)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(due_on__lt=today)

    def by_urgency(self):
        """Open cases first, the soonest due first; closed ones after, newest first."""
        return self.order_by(F("due_on").asc(nulls_last=True), "-received_on", "-pk")

    def with_id_number(self, number):
        """Cases of exactly this ID number, found by its keyed hash (the column itself holds only ciphertext)."""
        return self.filter(petitioner_id_number_hash__in=lookup_hashes((number or "").strip().upper()))


class Petition(ProvinceCoded, TrackedModel):
    """A petition or dispute case received by a jurisdiction, followed through to its close."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="petitions"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=PetitionKind.choices, default=PetitionKind.PETITION)
    received_on = models.DateField(_("登记日期"), db_index=True)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=PetitionChannel.choices)
    is_group = models.BooleanField(_("群体性"), default=False)
    persons = models.PositiveIntegerField(_("人数"), default=1, validators=[MinValueValidator(1)])
    ethnic_factor = models.BooleanField(_("涉及民族因素"), default=False)
    category = models.CharField(_("问题类别"), max_length=20, choices=PetitionCategory.choices)
    summary = models.TextField(_("主要诉求"))
    petitioner_name = models.CharField(_("信访人姓名"), max_length=50)
    # Encrypted at rest under DJANGO_FIELD_KEY (base.fields); the ID number is found through its keyed hash only.
    petitioner_phone = EncryptedTextField(_("联系电话"), max_length=20, blank=True)
    petitioner_id_number = EncryptedTextField(
        _("身份证号码"), max_length=18, blank=True, validators=[validate_resident_id]
    )
    petitioner_id_number_hash = LookupHashField(_("身份证号码查询散列"), source="petitioner_id_number")
    status = models.CharField(
        _("状态"), max_length=12, choices=PetitionStatus.choices, default=PetitionStatus.REGISTERED, db_index=True
    )
    assigned_department = models.CharField(_("承办部门"), max_length=100, blank=True)
    decided_on = models.DateField(_("受理（不予受理）日期"), null=True, blank=True)
    rejection_reason = models.TextField(_("不予受理理由"), blank=True)
    extension_days = models.PositiveSmallIntegerField(
        _("延期天数"), default=0, validators=[MaxValueValidator(MAX_EXTENSION_DAYS)]
    )
    extension_reason = models.TextField(_("延期理由"), blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    outcome = models.CharField(_("办结方式"), max_length=10, choices=PetitionOutcome.choices, blank=True)
    outcome_text = models.TextField(_("办理结果"), blank=True)
    review_requested_on = models.DateField(_("申请复查日期"), null=True, blank=True)
    review_replied_on = models.DateField(
        _("复查意见答复日期"),
        null=True,
        blank=True,
        help_text=_("对复查意见不服的，自收到复查意见书面答复之日起30日内可申请复核（第三十六条）。"),
    )
    recheck_requested_on = models.DateField(_("申请复核日期"), null=True, blank=True)
    mediator = models.CharField(_("调解员"), max_length=50, blank=True)
    mediated_on = models.DateField(_("调解日期"), null=True, blank=True)
    agreement_reached = models.BooleanField(_("达成调解协议"), null=True, blank=True)
    agreement_summary = models.TextField(_("调解协议内容"), blank=True)
    due_on = models.DateField(_("办理时限"), null=True, blank=True, editable=False, db_index=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("信访与矛盾纠纷")
        verbose_name_plural = _("信访与矛盾纠纷")
        constraints = [
            models.CheckConstraint(
                condition=Q(extension_days__lte=MAX_EXTENSION_DAYS),
                name="petition_extension_at_most_30_days",
                violation_error_message=_("延期不得超过30日（信访工作条例第三十四条）。"),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("received_on")),
                name="petition_closed_after_received",
                violation_error_message=_("办结日期不能早于登记日期。"),
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("received_on")),
                name="petition_decided_after_received",
                violation_error_message=_("受理日期不能早于登记日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "received_on"], name="petition_jurisdiction_date_idx"),
            # The cases closed before they were received (none, unless written around the models): the rule check
            # on every dashboard finds them without reading the period's cases.
            models.Index(
                fields=["jurisdiction", "received_on"],
                condition=Q(closed_on__lt=F("received_on")),
                name="petition_closed_early_idx",
            ),
        ]

    def __str__(self):
        return f"{self.received_on:%Y-%m-%d} {self.get_kind_display()} {self.get_category_display()}"

    def save(self, *args, **kwargs):
        # The due date is derived from the status and the dates; kept in a column so lists sort by it in SQL.
        self.due_on = self.compute_due_on()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {"due_on", "petitioner_id_number_hash"} if "petitioner_id_number" in update_fields else {"due_on"}
            kwargs["update_fields"] = set(update_fields) | extra
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("activities:petition_detail", args=[self.pk])

    def compute_due_on(self):
        """Return the statutory date by which the current step must be done, or None when nothing is pending."""
        status = self.status
        if status == PetitionStatus.REGISTERED and self.received_on:
            return self.received_on + timedelta(days=ACCEPTANCE_DAYS)
        if status in (PetitionStatus.ACCEPTED, PetitionStatus.HANDLING, PetitionStatus.EXTENDED) and self.decided_on:
            extra = self.extension_days if status == PetitionStatus.EXTENDED else 0
            return self.decided_on + timedelta(days=HANDLING_DAYS + extra)
        if status == PetitionStatus.REVIEW and self.review_requested_on:
            return self.review_requested_on + timedelta(days=REVIEW_DAYS)
        if status == PetitionStatus.RECHECK and self.recheck_requested_on:
            return self.recheck_requested_on + timedelta(days=REVIEW_DAYS)
        return None

    # Masked forms of the personal data: what lists, exports, the admin and the audit trail show.
    @property
    def petitioner_name_masked(self):
        return mask_name(self.petitioner_name)

    @property
    def petitioner_phone_masked(self):
        return mask_phone(self.petitioner_phone)

    @property
    def petitioner_id_number_masked(self):
        return mask_resident_id(self.petitioner_id_number)

    @property
    def is_open(self):
        return self.status in OPEN_PETITION_STATUSES

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return bool(self.is_open and self.due_on and self.due_on < today)

    def days_left(self, today=None):
        today = today or timezone.localdate()
        return (self.due_on - today).days if self.due_on and self.is_open else None

    def days_overdue(self, today=None):
        """Return how many days past due an open case is, or None when it is not overdue."""
        left = self.days_left(today)
        return -left if left is not None and left < 0 else None


class PetitionStatusChange(ProvinceCoded):
    """One step in a petition's history: who moved it from which status to which, and why."""

    province_source = "petition"

    petition = models.ForeignKey(
        Petition, verbose_name=_("信访事项"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("原状态"), max_length=12, choices=PetitionStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=PetitionStatus.choices)
    changed_on = models.DateField(_("日期"))
    changed_at = models.DateTimeField(_("操作时间"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["petition", "changed_at", "pk"]
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
