"""Routes for monthly."""

urlpatterns = []
