"""Routes for plans."""

from django.urls import path

from ..views import plans as views

urlpatterns = [
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/indicator-template.xlsx", views.indicator_template, name="indicator_template"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_update, name="plan_update"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
    path("plans/<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("plans/<int:pk>/indicators/import/", views.indicator_import, name="indicator_import"),
    path("plans/<int:pk>/responsibilities/", views.ResponsibilityListView.as_view(), name="responsibility_list"),
    path("plans/<int:pk>/responsibilities/new/", views.responsibility_create, name="responsibility_create"),
    path("plans/indicators/<int:pk>/edit/", views.indicator_update, name="indicator_update"),
    path("plans/indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
    path("plans/indicators/<int:pk>/evidence/new/", views.evidence_upload, name="evidence_upload"),
    path("plans/responsibilities/<int:pk>/edit/", views.responsibility_update, name="responsibility_update"),
    path("plans/responsibilities/<int:pk>/delete/", views.responsibility_delete, name="responsibility_delete"),
    path("plans/evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("plans/evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
