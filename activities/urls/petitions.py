"""Routes for petitions."""

urlpatterns = []
