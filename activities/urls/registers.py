"""Routes for the register imports (活动台账, 信访台账): upload and preview, confirm, the blank template."""

from django.urls import path

from ..views import registers as views

urlpatterns = [
    path("activities/import/", views.register_import, {"kind": "activity"}, name="activity_register_import"),
    path(
        "activities/import/confirm/",
        views.register_import_confirm,
        {"kind": "activity"},
        name="activity_register_confirm",
    ),
    path(
        "activities/import/template.xlsx",
        views.register_template,
        {"kind": "activity"},
        name="activity_register_template",
    ),
    path("petitions/import/", views.register_import, {"kind": "petition"}, name="petition_register_import"),
    path(
        "petitions/import/confirm/",
        views.register_import_confirm,
        {"kind": "petition"},
        name="petition_register_confirm",
    ),
    path(
        "petitions/import/template.xlsx",
        views.register_template,
        {"kind": "petition"},
        name="petition_register_template",
    ),
]
