"""Routes for plans."""

urlpatterns = []
