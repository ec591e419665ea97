"""Pages of jurisdictions and their population."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .choices import PopulationKind
from .models import Jurisdiction
from .selectors import children_population, population_summary, recorded_years


def _year_from(request, years):
    raw = request.GET.get("year", "")
    if raw.isdigit() and 1949 <= int(raw) <= 2100:
        return int(raw)
    return years[0] if years else timezone.localdate().year


def _kind_from(request):
    kind = request.GET.get("kind", PopulationKind.RESIDENT)
    return kind if kind in PopulationKind.values else PopulationKind.RESIDENT


@login_required
def jurisdiction_tree(request):
    jurisdictions = Jurisdiction.objects.for_user(request.user).only("name", "code", "level", "path", "depth")
    roots_depth = min((j.depth for j in jurisdictions), default=0)
    return render(
        request,
        "communities/jurisdiction_tree.html",
        {"jurisdictions": jurisdictions, "roots_depth": roots_depth},
    )


def _render_detail(request, jurisdiction):
    years = recorded_years(jurisdiction=jurisdiction)
    year = _year_from(request, years)
    kind = _kind_from(request)
    summary = population_summary(jurisdiction=jurisdiction, year=year, kind=kind)
    return render(
        request,
        "communities/jurisdiction_detail.html",
        {
            "jurisdiction": jurisdiction,
            "ancestors": jurisdiction.ancestors().for_user(request.user),
            "summary": summary,
            "children": children_population(jurisdiction=jurisdiction, year=year, kind=kind),
            "years": years,
            "year": year,
            "kind": kind,
            "kinds": PopulationKind.choices,
        },
    )


@login_required
def jurisdiction_detail(request, code):
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), code=code)
    return _render_detail(request, jurisdiction)


@login_required
def jurisdiction_detail_by_id(request, pk):
    jurisdiction = get_object_or_404(Jurisdiction.objects.for_user(request.user), pk=pk)
    if jurisdiction.code:
        raise Http404
    return _render_detail(request, jurisdiction)
