"""What the activity form remembers for each person, so the next entry starts where the last one left off."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .activities import ActivityCategory


class ActivityEntryPreference(models.Model):
    """The category and place a person last recorded an activity with; offered on their next new activity."""

    # Stored on the server, not in a cookie: the person sees it in the form, the admin can clear it, and it
    # follows them from the office PC to the phone.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="activity_entry_preference",
    )
    category = models.ForeignKey(
        ActivityCategory,
        verbose_name=_("上次的类别"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField(_("上次的地点"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("活动录入偏好")
        verbose_name_plural = _("活动录入偏好")

    def __str__(self):
        return str(self.user)
