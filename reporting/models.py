from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Jurisdiction, ScopedQuerySet


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


class DisplayLinkQuerySet(ScopedQuerySet):
    def usable(self, now=None):
        """Links that open their screen now: neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class DisplayLink(models.Model):
    """A login-free address that opens one jurisdiction's big screen (数据大屏) and its aggregate figures only."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="display_links"
    )
    label = models.CharField(_("名称"), max_length=100, help_text=_("例如：一楼大厅展示屏"))
    # Only a hash of the token is kept: a copy of the database opens no screen. The token itself is shown once.
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="display_links",
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    use_count = models.PositiveIntegerField(_("使用次数"), default=0)

    objects = DisplayLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("大屏展示链接")
        verbose_name_plural = _("大屏展示链接")

    def __str__(self):
        return f"{self.jurisdiction.name} · {self.label}"

    def is_usable(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class BoundaryMap(models.Model):
    """The boundaries of a jurisdiction's children (GeoJSON keyed by their codes), for the cockpit's map."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="boundary_map"
    )
    geojson = models.JSONField(_("边界（GeoJSON）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="boundary_maps",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("下级辖区边界")
        verbose_name_plural = _("下级辖区边界")

    def __str__(self):
        return f"{self.jurisdiction.name} · {self._meta.verbose_name}"
