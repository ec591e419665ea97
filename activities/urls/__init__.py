"""Routes of the activities app; each area keeps its own module."""

from . import activities, monthly, petitions, plans, registers

app_name = "activities"

urlpatterns = [
    *activities.urlpatterns,
    *petitions.urlpatterns,
    *plans.urlpatterns,
    *monthly.urlpatterns,
    *registers.urlpatterns,
]
