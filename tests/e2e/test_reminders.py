"""The bell in a browser: its count, a notification opened, the record reached, the count one less."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.choices import JurisdictionLevel, Role
from reminders.models import Notification
from reminders.services import reminders_send
from tests.activities.factories_petitions import make_petition
from tests.e2e.conftest import login, screenshot
from tests.factories import make_jurisdiction, make_member


@pytest.mark.django_db(transaction=True)
def test_the_bell_counts_opens_the_record_and_counts_one_less(page):
    district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, district, code="520115001001")
    staff = make_member(community, Role.STAFF, "e2e-bell")
    staff.set_password("E2e-pass-2024")
    staff.save()
    today = timezone.localdate()
    # Registered 12 days ago and not yet accepted: its 15-day limit is 3 days away.
    petition = make_petition(community, received_on=today - timedelta(days=12), created_by=staff)
    reminders_send(today=today)
    count = Notification.objects.filter(recipient=staff, read_at__isnull=True).count()
    assert count >= 1

    login(page, "e2e-bell", "E2e-pass-2024")
    assert page.locator(".bell-count").inner_text() == str(count)
    page.click(".bell")
    page.wait_for_load_state("networkidle")
    screenshot(page, "notifications")
    page.click(f".notification-title:has-text('第{petition.pk}号')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/petitions/{petition.pk}/")
    if count == 1:
        assert page.locator(".bell-count").count() == 0
    else:
        assert page.locator(".bell-count").inner_text() == str(count - 1)
    assert page.outside_requests == []
