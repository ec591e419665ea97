"""Pages of petitions and disputes: list, detail with the lifecycle steps, register, edit, delete, reveal, lookup.

Personal data: lists and exports mask the petitioner's name, phone and ID number; the detail page shows the
name (whoever handles the case must know whom they deal with) and masks the phone and ID number, which a
leader or administrator of the record's jurisdiction may reveal with a POST that is written to the audit trail.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from base import access
from base.access import user_can
from base.exports import Column
from base.forms import save_valid
from base.listing import ScopedListView
from communities.choices import Action
from communities.models import AuditEntry, Jurisdiction

from ..filtersets import PetitionFilterSet
from ..forms.petitions import TRANSITION_FORMS, IdLookupForm, PetitionForm, transition_form
from ..models import Petition
from ..selectors.petitions import petition_list_queryset, petition_timeline
from ..services import petitions as services


def _days_text(petition):
    left = petition.days_left()
    if left is None:
        return ""
    if left < 0:
        return _("超期%(n)d天") % {"n": petition.days_overdue()}
    return _("剩余%(n)d天") % {"n": left}


class PetitionListView(ScopedListView):
    """The cases of the user's subtree, the most urgent first, with filters and an Excel export (masked)."""

    model = Petition
    template_name = "activities/petitions/petition_list.html"
    context_object_name = "petitions"
    export_filename = "petitions"
    filterset_class = PetitionFilterSet
    export_columns = [
        Column(gettext_lazy("登记日期"), lambda p: p.received_on, 12),
        Column(gettext_lazy("辖区"), lambda p: p.jurisdiction.name, 16),
        Column(gettext_lazy("类型"), lambda p: p.get_kind_display()),
        Column(gettext_lazy("来源渠道"), lambda p: p.get_channel_display()),
        Column(gettext_lazy("群体性"), lambda p: _("是") if p.is_group else _("否")),
        Column(gettext_lazy("人数"), lambda p: p.persons),
        Column(gettext_lazy("涉及民族因素"), lambda p: _("是") if p.ethnic_factor else _("否")),
        Column(gettext_lazy("问题类别"), lambda p: p.get_category_display()),
        Column(gettext_lazy("主要诉求"), lambda p: p.summary, 40),
        Column(gettext_lazy("信访人"), lambda p: p.petitioner_name_masked),
        Column(gettext_lazy("联系电话"), lambda p: p.petitioner_phone_masked, 14),
        Column(gettext_lazy("身份证号码"), lambda p: p.petitioner_id_number_masked, 20),
        Column(gettext_lazy("状态"), lambda p: p.get_status_display()),
        Column(gettext_lazy("承办部门"), lambda p: p.assigned_department, 16),
        Column(gettext_lazy("办理时限"), lambda p: p.due_on, 12),
        Column(gettext_lazy("剩余/超期"), _days_text),
        Column(gettext_lazy("办结日期"), lambda p: p.closed_on, 12),
        Column(gettext_lazy("办结方式"), lambda p: p.get_outcome_display()),
        Column(gettext_lazy("办理结果"), lambda p: p.outcome_text, 40),
    ]

    def get_queryset(self):
        return petition_list_queryset(base=super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            overdue_count=Petition.objects.for_user(user).overdue().count(),
            can_change=Jurisdiction.objects.for_user(user, Action.CHANGE).exists(),
            can_lookup=Jurisdiction.objects.for_user(user, Action.APPROVE).exists(),
            today=timezone.localdate(),
        )
        return context


petition_list = PetitionListView.as_view()


def _load(request, pk, action=Action.VIEW):
    qs = Petition.objects.for_user(request.user, action).select_related("jurisdiction", "created_by")
    return get_object_or_404(qs, pk=pk)


def _render_detail(request, petition, *, bound_form=None, revealed=None):
    can_change = user_can(request.user, Action.CHANGE, petition.jurisdiction)
    allowed = services.allowed_transitions(petition)
    forms = []
    if can_change:
        for status in allowed:
            if bound_form is not None and bound_form.to_status == status:
                forms.append(bound_form)
            else:
                forms.append(transition_form(status, petition))
    if bound_form is not None and bound_form.to_status not in allowed:
        for error in bound_form.non_field_errors():
            messages.error(request, error)
    context = {
        "petition": petition,
        "timeline": petition_timeline(petition=petition),
        "transition_forms": forms,
        "open_status": bound_form.to_status if bound_form is not None else None,
        "can_change": can_change,
        "can_reveal": user_can(request.user, Action.APPROVE, petition.jurisdiction),
        "revealed": revealed,
        "audit_entries": AuditEntry.objects.for_object(petition).select_related("user"),
    }
    return render(request, "activities/petitions/petition_detail.html", context)


@login_required
def petition_detail(request, pk):
    return _render_detail(request, _load(request, pk))


@login_required
@require_POST
def petition_transition(request, pk):
    petition = _load(request, pk, Action.CHANGE)
    to_status = request.POST.get("to_status", "")
    if to_status not in TRANSITION_FORMS:
        messages.error(request, _("未知的办理环节“%(status)s”。") % {"status": to_status})
        return redirect(reverse("activities:petition_detail", args=[petition.pk]))
    form = transition_form(to_status, petition, request.POST)
    if save_valid(
        form,
        lambda: services.petition_transition(
            petition=petition, to_status=to_status, actor=request.user, **form.service_kwargs()
        ),
    ):
        messages.success(request, _("已办理：%(step)s。") % {"step": form.title})
        return redirect(reverse("activities:petition_detail", args=[petition.pk]))
    return _render_detail(request, petition, bound_form=form)


@login_required
@require_POST
@never_cache
def petition_reveal(request, pk):
    petition = _load(request, pk)
    revealed = services.petition_reveal(petition=petition, actor=request.user)
    return _render_detail(request, petition, revealed=revealed)


@login_required
def petition_create(request):
    access.ensure_may_anywhere(request.user, Action.CHANGE)
    return _petition_form(request, None)


@login_required
def petition_update(request, pk):
    return _petition_form(request, _load(request, pk, Action.CHANGE))


def _petition_form(request, petition):
    """Register a case (`petition` None) or edit its details: one page, one body."""
    form = PetitionForm(request.POST or None, instance=petition, user=request.user)

    def save(data):
        if petition is None:
            return services.petition_register(data=data, actor=request.user)
        return services.petition_update(petition=petition, data=data, actor=request.user)

    saved = request.method == "POST" and form.save_through(save)
    if saved:
        messages.success(request, _("已登记。请在15日内决定是否受理。") if petition is None else _("已保存修改。"))
        return redirect(reverse("activities:petition_detail", args=[saved.pk]))
    return render(request, "activities/petitions/petition_form.html", {"form": form, "petition": petition})


@login_required
def petition_delete(request, pk):
    petition = _load(request, pk, Action.CHANGE)
    error = None
    if request.method == "POST":
        try:
            services.petition_delete(petition=petition, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("已删除该事项及其办理记录。"))
            return redirect(reverse("activities:petition_list"))
    return render(request, "activities/petitions/petition_confirm_delete.html", {"petition": petition, "error": error})


@login_required
@never_cache
def petition_lookup(request):
    """Find cases by ID number (leaders and administrators only); the number goes in a POST, never in a URL."""
    if not access.may_anywhere(request.user, Action.APPROVE):
        raise PermissionDenied(_("只有领导或管理员可以按身份证号码查询。"))
    form = IdLookupForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = services.petition_lookup_by_id_number(id_number=form.cleaned_data["id_number"], actor=request.user)
    return render(request, "activities/petitions/petition_lookup.html", {"form": form, "results": results})
