from django.urls import path

from . import views
from .import_views import (
    census_import,
    census_import_confirm,
    census_template,
    jurisdiction_import,
    jurisdiction_import_confirm,
)

app_name = "communities"

urlpatterns = [
    path("jurisdictions/", views.jurisdiction_tree, name="jurisdiction_tree"),
    path("jurisdictions/<str:code>/", views.jurisdiction_detail, name="jurisdiction_detail"),
    path("units/<int:pk>/", views.jurisdiction_detail_by_id, name="jurisdiction_detail_by_id"),
    path("memberships/", views.membership_list, name="membership_list"),
    path("memberships/<int:pk>/revoke/", views.membership_revoke_view, name="membership_revoke"),
    path("audit/", views.audit_list, name="audit_list"),
]

urlpatterns += [
    path("imports/census/", census_import, name="census_import"),
    path("imports/census/confirm/", census_import_confirm, name="census_import_confirm"),
    path("imports/census/template/<str:layout>.xlsx", census_template, name="census_template"),
    path("imports/jurisdictions/", jurisdiction_import, name="jurisdiction_import"),
    path("imports/jurisdictions/confirm/", jurisdiction_import_confirm, name="jurisdiction_import_confirm"),
]
