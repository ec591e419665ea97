"""Routes for activities, their photos, activity categories and people's-livelihood projects."""

from django.urls import path

from ..views import activities as views

urlpatterns = [
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/again/", views.activity_again, name="activity_again"),
    path("activities/<int:pk>/edit/", views.activity_update, name="activity_update"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/photos/add/", views.activity_photo_add, name="activity_photo_add"),
    path("activities/photos/<int:pk>/", views.activity_photo_image, name="activity_photo_image"),
    path("activities/photos/<int:pk>/thumbnail/", views.activity_photo_thumbnail, name="activity_photo_thumbnail"),
    path("activities/photos/<int:pk>/delete/", views.activity_photo_delete, name="activity_photo_delete"),
    path("activities/categories/", views.category_list, name="category_list"),
    path("activities/categories/new/", views.category_create, name="category_create"),
    path("activities/categories/<int:pk>/edit/", views.category_update, name="category_update"),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_update, name="project_update"),
    path("projects/<int:pk>/delete/", views.project_delete, name="project_delete"),
]
