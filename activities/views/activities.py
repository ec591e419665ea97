"""Pages of activities (with photos), activity categories and people's-livelihood projects."""

from itertools import chain
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from base import access
from base.access import user_can
from base.exports import Column, Sheet
from base.files import protected_file_response
from base.forms import save_valid
from base.listing import ScopedListView
from communities.choices import Action
from communities.models import AuditEntry

from ..choices import FundingSource
from ..filtersets import ActivityFilterSet, ProjectFilterSet
from ..forms.activities import (
    ActivityForm,
    CategoryForm,
    FundingFormSet,
    PhotoAddForm,
    ProjectForm,
    change_scope,
)
from ..forms.entry import NewActivityForm
from ..models import Activity, ActivityCategory, ActivityPhoto, Indicator, Project
from ..selectors.activities import activity_list_queryset, project_list_queryset
from ..selectors.projects import UNSPECIFIED, UNSPECIFIED_LABEL, project_figures
from ..services import activities as services
from ..services import entry as entry_services
from ..services.common import month_is_locked


def _error_messages(error):
    return [str(error)] if isinstance(error, PermissionDenied) else error.messages


def _person(user):
    return (user.get_full_name() or user.username) if user else ""


def _number(amount):
    # Money is a Decimal; a float is what people add up in Excel, and None stays an empty cell.
    return float(amount) if amount is not None else None


def _local(value):
    return timezone.localtime(value) if value else None


# Activities


class ActivityListView(ScopedListView):
    model = Activity
    template_name = "activities/activities/activity_list.html"
    filterset_class = ActivityFilterSet
    export_filename = "activities"
    export_columns = [
        Column(gettext_lazy("辖区"), lambda a: a.jurisdiction.name, 16),
        Column(gettext_lazy("区划代码"), lambda a: a.jurisdiction.code or "", 14),
        Column(gettext_lazy("日期"), lambda a: a.date, 12),
        Column(gettext_lazy("类别"), lambda a: a.category.name, 12),
        Column(gettext_lazy("活动名称"), lambda a: a.title, 30),
        Column(gettext_lazy("地点"), lambda a: a.place, 20),
        Column(gettext_lazy("组织单位"), lambda a: a.organiser, 20),
        Column(gettext_lazy("参与人数"), lambda a: a.participants),
        Column(gettext_lazy("其中少数民族（人）"), lambda a: a.minority_participants),
        Column(gettext_lazy("海报（份）"), lambda a: a.posters),
        Column(gettext_lazy("手册（份）"), lambda a: a.handbooks),
        Column(gettext_lazy("宣传品（份）"), lambda a: a.promo_items),
        Column(gettext_lazy("灯箱（个）"), lambda a: a.light_boxes),
        Column(gettext_lazy("推送（条）"), lambda a: a.online_posts),
        Column(gettext_lazy("覆盖人数"), lambda a: a.people_reached),
        Column(gettext_lazy("活动简介"), lambda a: a.summary, 40),
        Column(gettext_lazy("佐证指标"), lambda a: "；".join(str(i) for i in a.indicators.all()), 30),
        Column(gettext_lazy("照片（张）"), lambda a: a.photo_count),
        Column(gettext_lazy("录入人"), lambda a: _person(a.created_by)),
        Column(gettext_lazy("录入时间"), lambda a: _local(a.created_at), 18),
    ]

    def get_queryset(self):
        return activity_list_queryset(super().get_queryset())

    def get_export_queryset(self):
        return super().get_export_queryset().select_related("created_by").prefetch_related("indicators")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = change_scope(self.request.user).exists()
        context["manages_categories"] = access.is_administrator(self.request.user)
        return context


def _activity_for(request, pk, action=Action.VIEW):
    return get_object_or_404(
        Activity.objects.for_user(request.user, action).select_related("jurisdiction", "category", "created_by"),
        pk=pk,
    )


@login_required
def activity_detail(request, pk):
    activity = get_object_or_404(
        Activity.objects.for_user(request.user)
        .select_related("jurisdiction", "category", "created_by")
        .prefetch_related(
            "photos", Prefetch("indicators", queryset=Indicator.objects.select_related("plan").order_by("code"))
        ),
        pk=pk,
    )
    return render(
        request,
        "activities/activities/activity_detail.html",
        {
            "activity": activity,
            "can_change": user_can(request.user, Action.CHANGE, activity.jurisdiction),
            "locked": month_is_locked(jurisdiction=activity.jurisdiction, day=activity.date),
            "photo_form": PhotoAddForm(),
            "audit_entries": AuditEntry.objects.for_object(activity).select_related("user"),
        },
    )


def _photos_lost_hint(form):
    if form.cleaned_data.get("photos") if hasattr(form, "cleaned_data") else False:
        return _("照片尚未保存：改正上面的错误后，请重新选择照片。")
    return None


def _activity_form(request, activity, source=None):
    """Create (`activity` unsaved, perhaps copied from `source`) or change an activity: one page, one body."""
    creating = activity.pk is None
    # Read before the form binds: the month the activity is in now, not the one typed into the form.
    locked = not creating and month_is_locked(jurisdiction=activity.jurisdiction, day=activity.date)
    if creating:
        form = NewActivityForm(request.POST or None, request.FILES or None, user=request.user, source=source)
    else:
        form = ActivityForm(request.POST or None, request.FILES or None, instance=activity, user=request.user)

    def save():
        data = {
            "actor": request.user,
            "indicators": form.cleaned_data["indicators"],
            "photos": form.photos_with_captions(),
            **form.activity_fields(),
        }
        if creating:
            return entry_services.activity_create_many(**{**data, "dates": form.dates()})
        return [services.activity_update(activity=activity, **data)]

    saved = request.method == "POST" and save_valid(form, save)
    if saved and len(saved) > 1:
        messages.success(
            request,
            _("已保存活动“%(title)s”，共 %(count)s 次：%(first)s 至 %(last)s。")
            % {"title": saved[0].title, "count": len(saved), "first": saved[0].date, "last": saved[-1].date},
        )
        return redirect(reverse("activities:activity_list") + f"?q={quote(saved[0].title)}")
    if saved:
        done = _("已保存活动“%(title)s”。") if creating else _("已保存对活动“%(title)s”的修改。")
        messages.success(request, done % {"title": saved[0].title})
        return redirect("activities:activity_detail", pk=saved[0].pk)
    return render(
        request,
        "activities/activities/activity_form.html",
        {
            "form": form,
            "activity": None if creating else activity,
            "source": source,
            "locked": locked,
            "photos_hint": _photos_lost_hint(form) if form.is_bound else None,
        },
    )


@login_required
def activity_create(request):
    access.ensure_may_anywhere(request.user, Action.CHANGE)
    return _activity_form(request, Activity())


@login_required
def activity_again(request, pk):
    """再记一次: a new activity prefilled from one the user may record, dated today; saved only when submitted."""
    return _activity_form(request, Activity(), source=_activity_for(request, pk, Action.CHANGE))


@login_required
def activity_update(request, pk):
    return _activity_form(request, _activity_for(request, pk, Action.CHANGE))


@login_required
def activity_delete(request, pk):
    activity = _activity_for(request, pk, Action.CHANGE)
    errors = []
    if request.method == "POST":
        try:
            services.activity_delete(activity=activity, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            errors = _error_messages(error)
        else:
            messages.success(request, _("已删除活动“%(title)s”。") % {"title": activity.title})
            return redirect("activities:activity_list")
    return render(
        request,
        "activities/activities/activity_confirm_delete.html",
        {
            "activity": activity,
            "errors": errors,
            "locked": month_is_locked(jurisdiction=activity.jurisdiction, day=activity.date),
            "photo_count": activity.photos.count(),
        },
    )


@login_required
@require_POST
def activity_photo_add(request, pk):
    activity = _activity_for(request, pk, Action.CHANGE)
    form = PhotoAddForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.activity_photo_add(
                activity=activity, photos=form.photos_with_captions(), actor=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("已添加 %(count)s 张照片。") % {"count": len(added)})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(reverse("activities:activity_detail", args=[activity.pk]) + "#photos")


@login_required
def activity_photo_delete(request, pk):
    photo = get_object_or_404(
        ActivityPhoto.objects.for_user(request.user, Action.CHANGE).select_related("activity__jurisdiction"), pk=pk
    )
    activity = photo.activity
    errors = []
    if request.method == "POST":
        try:
            services.activity_photo_delete(photo=photo, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            errors = _error_messages(error)
        else:
            messages.success(request, _("已删除照片。"))
            return redirect(reverse("activities:activity_detail", args=[activity.pk]) + "#photos")
    return render(
        request,
        "activities/activities/photo_confirm_delete.html",
        {
            "photo": photo,
            "activity": activity,
            "errors": errors,
            "locked": month_is_locked(jurisdiction=activity.jurisdiction, day=activity.date),
        },
    )


def _photo_response(request, pk, attribute):
    # Photos are served through this view, not from /media/, so another jurisdiction's photo answers 404 too.
    photo = get_object_or_404(ActivityPhoto.objects.for_user(request.user), pk=pk)
    field_file = getattr(photo, attribute) or photo.image
    response = protected_file_response(field_file, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
def activity_photo_image(request, pk):
    return _photo_response(request, pk, "image")


@login_required
def activity_photo_thumbnail(request, pk):
    return _photo_response(request, pk, "thumbnail")


# Activity categories


def _ensure_manages_categories(request):
    if not access.is_administrator(request.user):
        raise PermissionDenied(_("只有管理员可以维护活动类别。"))


@login_required
def category_list(request):
    _ensure_manages_categories(request)
    categories = ActivityCategory.objects.annotate(activity_count=Count("activities"))
    return render(request, "activities/activities/category_list.html", {"categories": categories})


def _category_form(request, category):
    _ensure_manages_categories(request)
    form = CategoryForm(request.POST or None, instance=category)

    def save():
        if category.pk:
            return services.category_update(category=category, actor=request.user, **form.cleaned_data)
        return services.category_create(actor=request.user, **form.cleaned_data)

    saved = request.method == "POST" and save_valid(form, save)
    if saved:
        messages.success(request, _("已保存活动类别“%(name)s”。") % {"name": saved.name})
        return redirect("activities:category_list")
    return render(request, "activities/activities/category_form.html", {"form": form, "category": category})


@login_required
def category_create(request):
    return _category_form(request, ActivityCategory())


@login_required
def category_update(request, pk):
    _ensure_manages_categories(request)
    return _category_form(request, get_object_or_404(ActivityCategory, pk=pk))


# People's-livelihood projects


_funding_header = lazy(lambda label: _("%(source)s（万元）") % {"source": label}, str)


def _cash(source):
    def value(project):
        amounts = [f.amount for f in project.cash_fundings() if f.source == source]
        return _number(sum(amounts)) if amounts else None

    return value


def _funders(project):
    # Names only: the amounts are in the columns of their source kinds.
    return "、".join(f.funder for f in project.cash_fundings() if f.funder)


def _in_kind(project):
    return "；".join(str(f) for f in project.fundings.all() if f.in_kind)


class ProjectListView(ScopedListView):
    """The projects the filters select, with a totals row and the totals by status and source kind.

    The totals come from `project_figures` over the same filtered rows, on the page and in the export alike.
    """

    model = Project
    template_name = "activities/activities/project_list.html"
    filterset_class = ProjectFilterSet
    export_filename = "projects"
    export_columns = [
        Column(gettext_lazy("辖区"), lambda p: p.jurisdiction.name, 16),
        Column(gettext_lazy("区划代码"), lambda p: p.jurisdiction.code or "", 14),
        Column(gettext_lazy("年度"), lambda p: p.year),
        Column(gettext_lazy("项目名称"), lambda p: p.name, 30),
        Column(gettext_lazy("类型"), lambda p: p.get_kind_display()),
        Column(gettext_lazy("状态"), lambda p: p.get_status_display()),
        Column(gettext_lazy("总投资（万元）"), lambda p: _number(p.total_investment)),
        Column(gettext_lazy("已完成投资（万元）"), lambda p: _number(p.amount_spent)),
        *[Column(_funding_header(source.label), _cash(source.value)) for source in FundingSource],
        Column(_funding_header(UNSPECIFIED_LABEL), lambda p: _number(p.unspecified_amount) or None),
        Column(gettext_lazy("出资方"), _funders, 30),
        Column(gettext_lazy("实物或投劳"), _in_kind, 24),
        Column(gettext_lazy("受益户数"), lambda p: p.households_served),
        Column(gettext_lazy("受益人数"), lambda p: p.persons_served),
        Column(gettext_lazy("开工日期"), lambda p: p.start_date, 12),
        Column(gettext_lazy("完工日期"), lambda p: p.end_date, 12),
        Column(gettext_lazy("项目简介"), lambda p: p.summary, 40),
    ]

    def get_queryset(self):
        return project_list_queryset(super().get_queryset())

    def figures(self):
        if not hasattr(self, "_figures"):
            self._figures = project_figures(queryset=self.get_queryset())
        return self._figures

    def totals_row(self, figures):
        """Return the export's last row: each summed column's total, found by header (persons, households as 人次)."""
        by_source = {row.key: _number(row.amount) for row in figures.by_source}
        totals = {
            _("辖区"): _("合计（%(n)d个项目；受益户数、人数为各项目相加的户次、人次）") % {"n": figures.count},
            _("总投资（万元）"): _number(figures.total_investment),
            _("已完成投资（万元）"): _number(figures.amount_spent),
            **{_funding_header(source.label): by_source.get(source.value) for source in FundingSource},
            _funding_header(UNSPECIFIED_LABEL): by_source.get(UNSPECIFIED),
            _("实物或投劳"): _("%(n)d项") % {"n": figures.in_kind_rows} if figures.in_kind_rows else None,
            _("受益户数"): figures.household_times,
            _("受益人数"): figures.person_times,
        }
        totals = {str(header): value for header, value in totals.items()}
        return [totals.get(str(column.header)) for column in self.export_columns]

    def get_export_sheets(self, rows):
        figures = self.figures()
        (sheet,) = super().get_export_sheets(rows)
        sheet.rows = chain(sheet.rows, [self.totals_row(figures)])
        summary = [
            *[
                [_("按状态"), label, group.count, _number(group.total_investment), _number(group.amount_spent)]
                for _key, label, group in figures.status_rows
            ],
            *[[_("按资金来源"), row.label, None, _number(row.amount), None] for row in figures.by_source],
            [_("合计"), "", figures.count, _number(figures.total_investment), _number(figures.amount_spent)],
        ]
        headers = [_("分类"), _("项目"), _("项目数"), _("投资（万元）"), _("已完成投资（万元）")]
        return [sheet, Sheet(title=_("汇总"), headers=headers, rows=summary)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = change_scope(self.request.user).exists()
        context["figures"] = self.figures()
        return context


def _project_for(request, pk, action=Action.VIEW):
    return get_object_or_404(
        Project.objects.for_user(request.user, action).select_related("jurisdiction").prefetch_related("fundings"),
        pk=pk,
    )


@login_required
def project_detail(request, pk):
    project = _project_for(request, pk)
    return render(
        request,
        "activities/activities/project_detail.html",
        {
            "project": project,
            "can_change": user_can(request.user, Action.CHANGE, project.jurisdiction),
            "audit_entries": AuditEntry.objects.for_object(project).select_related("user"),
        },
    )


def _project_form(request, project):
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    formset = FundingFormSet(request.POST or None, instance=project, prefix="fundings")
    if request.method == "POST":
        form_ok = form.is_valid()
        # The sources are checked against the total just entered, and only when that total is valid.
        formset.investment = form.cleaned_data.get("total_investment") if form_ok else None

        def save():
            data = {"actor": request.user, "fundings": formset.funding_rows(), **form.project_fields()}
            if project.pk:
                return services.project_update(project=project, **data)
            return services.project_create(**data)

        saved = formset.is_valid() and form_ok and save_valid(form, save)
        if saved:
            messages.success(request, _("已保存民生项目“%(name)s”。") % {"name": saved.name})
            return redirect("activities:project_detail", pk=saved.pk)
    return render(
        request,
        "activities/activities/project_form.html",
        {"form": form, "formset": formset, "project": project if project.pk else None},
    )


@login_required
def project_create(request):
    access.ensure_may_anywhere(request.user, Action.CHANGE)
    return _project_form(request, Project())


@login_required
def project_update(request, pk):
    return _project_form(request, _project_for(request, pk, Action.CHANGE))


@login_required
def project_delete(request, pk):
    project = _project_for(request, pk, Action.CHANGE)
    errors = []
    if request.method == "POST":
        try:
            services.project_delete(project=project, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            errors = _error_messages(error)
        else:
            messages.success(request, _("已删除民生项目“%(name)s”。") % {"name": project.name})
            return redirect("activities:project_list")
    return render(request, "activities/activities/project_confirm_delete.html", {"project": project, "errors": errors})
