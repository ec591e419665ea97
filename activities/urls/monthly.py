"""Routes for monthly."""

from datetime import date

from django.urls import path, register_converter

from ..views import monthly as views


class ReturnMonthConverter:
    """A month in a URL as YYYY-MM; the view receives the first day of that month."""

    regex = r"\d{4}-(?:0[1-9]|1[0-2])"

    def to_python(self, value):
        return date(int(value[:4]), int(value[5:7]), 1)

    def to_url(self, value):
        return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)


register_converter(ReturnMonthConverter, "return_month")

urlpatterns = [
    path("this-month/", views.this_month, name="this_month"),
    path("monthly/", views.monthly_list, name="monthly_list"),
    path("monthly/validation/", views.validation_report, name="validation_report"),
    path("monthly/figures/", views.figure_list, name="figure_list"),
    path("monthly/figures/new/", views.figure_create, name="figure_create"),
    path("monthly/figures/<int:pk>/edit/", views.figure_update, name="figure_update"),
    path("monthly/<str:key>/year/<int:year>/", views.yearly_edit, name="yearly_edit"),
    path("monthly/<str:key>/<return_month:month>/", views.monthly_edit, name="monthly_edit"),
    path("monthly/<str:key>/<return_month:month>/grid/", views.monthly_grid, name="monthly_grid"),
    path("monthly/<str:key>/<return_month:month>/submit/", views.monthly_submit, name="monthly_submit"),
    path("monthly/<str:key>/<return_month:month>/approve/", views.monthly_approve, name="monthly_approve"),
    path("monthly/<str:key>/<return_month:month>/return/", views.monthly_return, name="monthly_return"),
    path("monthly/<str:key>/<return_month:month>/reopen/", views.monthly_reopen, name="monthly_reopen"),
]
