from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("jurisdictions/", views.jurisdiction_tree, name="jurisdiction_tree"),
    path("jurisdictions/<str:code>/", views.jurisdiction_detail, name="jurisdiction_detail"),
    path("units/<int:pk>/", views.jurisdiction_detail_by_id, name="jurisdiction_detail_by_id"),
    path("memberships/", views.membership_list, name="membership_list"),
    path("memberships/<int:pk>/revoke/", views.membership_revoke_view, name="membership_revoke"),
]
