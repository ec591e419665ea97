"""The census upload pages: upload, preview, confirm, and the blank templates to fill in.

Between preview and confirm the uploaded file waits under MEDIA_ROOT/import_staging/<uuid>.<ext>; the uuid
lives in the session, never in a URL, and confirming re-reads and re-checks that file before writing, so what
is written is what the database holds at that moment.
"""

import contextlib
import time
import uuid
from functools import wraps
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from base.exports import Sheet, xlsx_response

from .choices import Action, PopulationKind
from .importers.census import CensusLayout, census_import_apply, census_import_plan
from .importers.reading import SUPPORTED_EXTENSIONS, extension_of
from .models import EthnicGroup, Jurisdiction, user_can

STAGING_DIR = "import_staging"
SESSION_KEY = "census_import"
# A preview left open longer than this is abandoned; its file is swept at the next upload.
STAGING_MAX_AGE_SECONDS = 24 * 3600
# A census of a whole city is a few megabytes; anything much larger is the wrong file.
MAX_UPLOAD_MB = 20
# The preview lists new and changed records first; beyond this many rows it only counts the rest.
PREVIEW_ROWS = 500
STATUS_ORDER = {"new": 0, "changed": 1, "unchanged": 2}


class CensusUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("统计表文件"), help_text=gettext_lazy(".xlsx 或 .csv（UTF-8 或 GBK 编码）")
    )
    year = forms.IntegerField(
        label=gettext_lazy("年份"),
        required=False,
        min_value=1949,
        max_value=2100,
        help_text=gettext_lazy("表中没有“年份”列时必填"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("人口类别"), choices=PopulationKind.choices, initial=PopulationKind.RESIDENT
    )
    layout = forms.ChoiceField(
        label=gettext_lazy("表格格式"),
        choices=[("", gettext_lazy("自动识别")), *CensusLayout.choices],
        required=False,
    )
    jurisdiction = forms.CharField(
        label=gettext_lazy("辖区代码"),
        required=False,
        max_length=12,
        help_text=gettext_lazy("仅“单一辖区”格式需要：这张表是哪个辖区的"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if extension_of(upload.name) not in SUPPORTED_EXTENSIONS:
            raise forms.ValidationError(_("只能上传 .xlsx 或 .csv 文件。"))
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("文件超过 %(mb)s MB，请确认是否选错了文件。") % {"mb": MAX_UPLOAD_MB})
        return upload


def can_import(user):
    """Tell whether `user` administers some jurisdiction (or the whole system)."""
    return user.is_superuser or Jurisdiction.objects.for_user(user, Action.MANAGE).exists()


def manager_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _staging_dir():
    return Path(settings.MEDIA_ROOT) / STAGING_DIR


def _staged_path(staged):
    """Return the staged file's path, rebuilt from checked parts so no session value can point elsewhere."""
    token = uuid.UUID(hex=staged["token"]).hex
    ext = staged["ext"] if staged["ext"] in SUPPORTED_EXTENSIONS else ""
    return _staging_dir() / f"{token}{ext}"


def _stage(upload):
    directory = _staging_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep(directory)
    token, ext = uuid.uuid4().hex, extension_of(upload.name)
    with (directory / f"{token}{ext}").open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return token, ext


def _sweep(directory):
    cutoff = time.time() - STAGING_MAX_AGE_SECONDS
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _discard(request):
    staged = request.session.pop(SESSION_KEY, None)
    if staged:
        # A session from an older version of this page may hold something else; there is nothing to delete then.
        with contextlib.suppress(KeyError, ValueError):
            _staged_path(staged).unlink(missing_ok=True)


def _plan_from(staged, path, user):
    return census_import_plan(
        file=path.read_bytes(),
        filename=staged["filename"],
        year=staged["year"],
        jurisdiction=staged["jurisdiction"] or None,
        kind=staged["kind"],
        layout=staged["layout"] or None,
        actor=user,
    )


def _render_preview(request, plan, token=None):
    records = sorted(plan.records, key=lambda r: STATUS_ORDER.get(r.status, 3))
    return render(
        request,
        "communities/import_preview.html",
        {
            "plan": plan,
            "token": token,
            "records": records[:PREVIEW_ROWS],
            "hidden_records": max(0, len(records) - PREVIEW_ROWS),
            "will_write": plan.is_valid and (plan.counts["new"] or plan.counts["changed"]),
        },
    )


@manager_required
def census_import(request):
    """Show the upload form; on upload, check the file and show what importing it would do."""
    form = CensusUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _discard(request)
        data = form.cleaned_data
        token, ext = _stage(data["file"])
        staged = {
            "token": token,
            "ext": ext,
            "filename": Path(data["file"].name).name,
            "year": data["year"],
            "kind": data["kind"],
            "layout": data["layout"],
            "jurisdiction": data["jurisdiction"].strip(),
        }
        plan = _plan_from(staged, _staged_path(staged), request.user)
        if not plan.is_valid or not (plan.counts["new"] or plan.counts["changed"]):
            _staged_path(staged).unlink(missing_ok=True)
            return _render_preview(request, plan)
        request.session[SESSION_KEY] = staged
        return _render_preview(request, plan, token=token)
    return render(request, "communities/import_census.html", {"form": form, "layouts": CensusLayout.choices})


@require_POST
@manager_required
def census_import_confirm(request):
    """Import the file previewed in this session, after checking it again."""
    staged = request.session.get(SESSION_KEY)
    path = None
    if staged and request.POST.get("token") == staged.get("token"):
        try:
            path = _staged_path(staged)
        except (KeyError, ValueError):
            path = None
    if path is None or not path.is_file():
        _discard(request)
        messages.error(request, _("预览已过期或上传的文件已失效，请重新上传。"))
        return redirect("communities:census_import")
    plan = _plan_from(staged, path, request.user)
    if not plan.is_valid:
        _discard(request)
        return _render_preview(request, plan)
    result = census_import_apply(plan=plan, actor=request.user)
    _discard(request)
    messages.success(request, result.message)
    if result.anchor is not None and user_can(request.user, Action.VIEW, result.anchor):
        return redirect(result.anchor)
    return redirect("communities:census_import")


TEMPLATE_FILENAMES = {
    CensusLayout.LONG: gettext_lazy("人口统计表模板-长表.xlsx"),
    CensusLayout.WIDE: gettext_lazy("人口统计表模板-宽表.xlsx"),
    CensusLayout.SINGLE: gettext_lazy("人口统计表模板-单一辖区.xlsx"),
}


@manager_required
def census_template(request, layout):
    """Return a blank .xlsx of `layout` with its header and example rows."""
    if layout not in CensusLayout.values:
        raise Http404
    header, rows = _template_rows(layout)
    return xlsx_response(
        filename=str(TEMPLATE_FILENAMES[layout]), sheets=[Sheet(title=_("人口统计"), headers=header, rows=rows)]
    )


def _template_rows(layout):
    # The header words, group names and 合计 are the file format the importer reads (census_parsing's header
    # words), not text for the reader: translated, an English user's template would be refused by the importer.
    if layout == CensusLayout.LONG:
        header = ["区划代码", "地区名称", "年份", "民族", "人数", "常住人口", "户数"]
        rows = [
            ["520115001001", _("示例社区"), 2024, "汉族", 4800, 5000, 1600],
            ["520115001001", _("示例社区"), 2024, "苗族", 150, None, None],
            ["520115001001", _("示例社区"), 2024, "布依族", 50, None, None],
        ]
    elif layout == CensusLayout.WIDE:
        groups = list(EthnicGroup.objects.values_list("name", flat=True))
        header = [
            "区划代码",
            "地区名称",
            "年份",
            "常住人口",
            "户数",
            "流动少数民族",
            "少数民族困难户（户）",
            "困难户人数",
            *groups,
        ]
        example = {"汉族": 4800, "苗族": 150, "布依族": 50}
        rows = [
            ["520115001001", _("示例社区"), 2024, 5000, 1600, 20, 3, 11, *[example.get(g) for g in groups]],
        ]
    else:
        header = ["民族", "人数", "男", "女"]
        rows = [
            ["汉族", 4800, 2400, 2400],
            ["苗族", 150, 70, 80],
            ["布依族", 50, 26, 24],
            ["合计", 5000, 2496, 2504],
        ]
    return header, rows
