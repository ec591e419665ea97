from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("jurisdictions/", views.jurisdiction_tree, name="jurisdiction_tree"),
    path("jurisdictions/<str:code>/", views.jurisdiction_detail, name="jurisdiction_detail"),
    path("units/<int:pk>/", views.jurisdiction_detail_by_id, name="jurisdiction_detail_by_id"),
]
