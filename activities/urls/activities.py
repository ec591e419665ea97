"""Routes for activities."""

urlpatterns = []
