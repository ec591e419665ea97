import importlib

import pytest

# Rows that data migrations put in; a transactional test's flush empties their tables too.
REFERENCE_DATA_MIGRATIONS = (
    "communities.migrations.0002_ethnic_groups",
    "activities.migrations.0002_default_categories_and_figures",
    "activities.migrations.0008_report_figure_units",
    "activities.migrations.0011_monthly_default_rules",
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _is_transactional(item):
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase) and not issubclass(cls, TestCase):
        return True  # a unittest-style TransactionTestCase flushes the tables as it ends, with no pytest marker
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return (
        "transactional_db" in fixtures or "live_server" in fixtures or bool(marker and marker.kwargs.get("transaction"))
    )


def empty_summaries():
    """A flush deletes the records after or before the summary tables, in table order: the triggers then journal the
    deletions of records whose facts the flush already removed. Nothing is left: the next test starts from zero."""
    from summaries.models import Delta, Stale, Total

    for model in (Delta, Total, Stale):
        model.objects.all().delete()


def reload_reference_data():
    from django.apps import apps

    from communities.models import EthnicGroup

    empty_summaries()
    if EthnicGroup.objects.exists():
        return
    for module in REFERENCE_DATA_MIGRATIONS:
        migration = importlib.import_module(module)
        load = getattr(migration, "load_groups", None) or getattr(migration, "load", None) or migration.forwards
        load(apps, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put the reference data back after a transactional test flushed it.

    xdist hands each worker whole files in collection order, so a transactional (browser) test can run before a
    TestCase whose setUpTestData needs the 56 groups; restoring here, after the flush, keeps the order irrelevant.
    """
    yield
    # After a worker's last test the session's fixtures have already dropped the test database: nothing to restore.
    if not _is_transactional(item) or nextitem is None:
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        reload_reference_data()


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache():
    """Empty the dashboard cache before each test.

    A test's rollback takes the change log back with its data (reporting.freshness), so the next test can reach the
    same subtree versions with other data; in production nothing rolls committed writes back (a restore clears it).
    """
    from django.core.cache import caches

    caches["dashboard"].clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Leave the site's default language active after each test.

    A request in another language (the language cookie) activates it in the test's thread, where it stays: the next
    test in the same process would then read English messages where it expects Chinese ones.
    """
    yield
    from django.utils import translation

    translation.deactivate()
