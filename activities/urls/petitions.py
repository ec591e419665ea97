"""Routes for petitions and disputes (信访与矛盾纠纷); no route carries personal data."""

from django.urls import path

from ..views import petitions as views

urlpatterns = [
    path("petitions/", views.petition_list, name="petition_list"),
    path("petitions/new/", views.petition_create, name="petition_create"),
    path("petitions/lookup/", views.petition_lookup, name="petition_lookup"),
    path("petitions/<int:pk>/", views.petition_detail, name="petition_detail"),
    path("petitions/<int:pk>/edit/", views.petition_update, name="petition_update"),
    path("petitions/<int:pk>/transition/", views.petition_transition, name="petition_transition"),
    path("petitions/<int:pk>/reveal/", views.petition_reveal, name="petition_reveal"),
    path("petitions/<int:pk>/delete/", views.petition_delete, name="petition_delete"),
]
