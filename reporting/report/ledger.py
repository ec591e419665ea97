"""The evidence ledger (台账) of a creation plan as a zip: what inspectors check, indicator by indicator.

Layout:
    总目录.xlsx                      one row per indicator: counts of activities, photos, documents, missing files
    <编号> <指标>/索引.xlsx           sheet 活动与照片 (one row per photo, or per activity without one, with
                                     who recorded it), sheet 佐证材料 (with who uploaded it)
    <编号> <指标>/照片/…jpg           the activities' photos
    <编号> <指标>/材料/…              the evidence files

The zip is written to a temporary file, not memory, so a ledger of thousands of photos does not hold them all
at once. A file the database names but the disk has lost is listed as 文件缺失 in the index, not a crash.
"""

import os
import re
import shutil
import tempfile
import zipfile

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import Activity, ActivityPhoto, EvidenceFile, Indicator
from base.exports import Sheet, xlsx_bytes

from .numbers import date_cn

# Characters Windows, macOS or an unzip tool refuse or misread in a file name.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
NAME_LIMIT = 60

ACTIVITY_COLUMNS = [
    gettext_lazy("序号"),
    gettext_lazy("日期"),
    gettext_lazy("辖区"),
    gettext_lazy("地点"),
    gettext_lazy("活动名称"),
    gettext_lazy("类别"),
    gettext_lazy("组织单位"),
    gettext_lazy("参与人数"),
    gettext_lazy("其中少数民族（人）"),
    gettext_lazy("照片说明（时间、地点、人物、主题）"),
    gettext_lazy("照片文件"),
    gettext_lazy("状态"),
    gettext_lazy("录入人"),
]
EVIDENCE_COLUMNS = [
    gettext_lazy("序号"),
    gettext_lazy("材料标题"),
    gettext_lazy("上传时间"),
    gettext_lazy("上传人"),
    gettext_lazy("牵头部门"),
    gettext_lazy("文件"),
    gettext_lazy("状态"),
]
SUMMARY_COLUMNS = [
    gettext_lazy("编号"),
    gettext_lazy("一级指标"),
    gettext_lazy("指标"),
    gettext_lazy("分值"),
    gettext_lazy("活动（场）"),
    gettext_lazy("照片（张）"),
    gettext_lazy("佐证材料（份）"),
    gettext_lazy("缺失文件"),
    gettext_lazy("文件夹"),
]
FILED = gettext_lazy("已收入")
MISSING = gettext_lazy("文件缺失")
NO_PHOTO = gettext_lazy("无照片")


def safe_name(text, limit=NAME_LIMIT):
    """Return `text` usable as a file or folder name on every system (no / \\ : * ? " < > |, not too long)."""
    name = _UNSAFE.sub("_", str(text or "")).strip().strip(".")
    name = re.sub(r"\s+", " ", name)
    return name[:limit].rstrip() or "_"


def indicator_folder(indicator):
    return safe_name(f"{indicator.code} {indicator.title}")


def ledger_filename(plan):
    return _("%(title)s台账.zip") % {"title": safe_name(plan.title, 80)}


def photo_caption(photo, activity):
    """Return the photo's caption, or one written from the activity: 时间、地点、人物、主题."""
    if photo is not None and photo.caption.strip():
        return photo.caption.strip()
    people = _("%(who)s组织，%(n)d人参加") % {
        "who": activity.organiser or activity.jurisdiction.name,
        "n": activity.participants,
    }
    if activity.minority_participants:
        people += _("（其中少数民族%(n)d人）") % {"n": activity.minority_participants}
    return _("时间：%(date)s；地点：%(place)s；人物：%(people)s；主题：%(title)s") % {
        "date": date_cn(activity.date),
        "place": activity.place or activity.jurisdiction.name,
        "people": people,
        "title": activity.title,
    }


def ledger_indicators(*, plan, user):
    """Return the plan's indicators with the activities `user` may see, their photos and the evidence files.

    Five queries, whatever the size of the plan.
    """
    activities = (
        Activity.objects.for_user(user)
        .select_related("jurisdiction", "category", "created_by")
        .prefetch_related(Prefetch("photos", queryset=ActivityPhoto.objects.order_by("pk")))
        .order_by("date", "pk")
    )
    evidence = EvidenceFile.objects.select_related("uploaded_by", "responsibility").order_by("uploaded_at", "pk")
    return list(
        Indicator.objects.filter(plan=plan)
        .select_related("parent")
        .prefetch_related(Prefetch("activities", queryset=activities), Prefetch("evidence_files", queryset=evidence))
        .order_by("order", "code")
    )


def _copy(field_file, archive, name, compress):
    """Copy a stored file into the archive; return False when the storage no longer has it."""
    if not field_file or not field_file.name:
        return False
    try:
        source = field_file.storage.open(field_file.name, "rb")
    except (FileNotFoundError, OSError):
        return False
    info = zipfile.ZipInfo(name, _now_tuple())
    # Photos are JPEG already; deflating them again costs time and saves nothing.
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with source, archive.open(info, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    return True


def _person(user):
    """Who recorded a row: the name, or the login when no name is set; blank for imported rows."""
    return (user.get_full_name() or user.username) if user else ""


def _now_tuple():
    return timezone.localtime().timetuple()[:6]


def _xlsx(sheets):
    return xlsx_bytes([Sheet(title=title, headers=headers, rows=rows, wrap=True) for title, headers, rows in sheets])


def _write_indicator(archive, indicator):
    """Write one indicator's folder; return its summary counts."""
    folder = indicator_folder(indicator)
    activity_rows, evidence_rows = [], []
    photos = missing = 0
    n = 0
    for activity in indicator.activities.all():
        shots = list(activity.photos.all()) or [None]
        for photo in shots:
            n += 1
            file_name, status = "", str(NO_PHOTO)
            if photo is not None:
                photos += 1
                file_name = f"{_('照片')}/{activity.date:%Y%m%d}_{activity.pk}_{photo.pk}.jpg"
                if _copy(photo.image, archive, f"{folder}/{file_name}", compress=False):
                    status = str(FILED)
                else:
                    status, missing = str(MISSING), missing + 1
            activity_rows.append(
                [
                    n,
                    activity.date,
                    activity.jurisdiction.name,
                    activity.place,
                    activity.title,
                    activity.category.name,
                    activity.organiser,
                    activity.participants,
                    activity.minority_participants,
                    photo_caption(photo, activity),
                    file_name,
                    status,
                    _person(activity.created_by),
                ]
            )
    for i, evidence in enumerate(indicator.evidence_files.all(), start=1):
        extension = os.path.splitext(evidence.file.name or "")[1][:10]
        file_name = f"{_('材料')}/{i:02d}_{safe_name(evidence.title, 50)}{extension}"
        if _copy(evidence.file, archive, f"{folder}/{file_name}", compress=True):
            status = str(FILED)
        else:
            status, missing = str(MISSING), missing + 1
        evidence_rows.append(
            [
                i,
                evidence.title,
                timezone.localtime(evidence.uploaded_at).replace(tzinfo=None) if evidence.uploaded_at else None,
                _person(evidence.uploaded_by),
                evidence.responsibility.lead_department if evidence.responsibility else "",
                file_name,
                status,
            ]
        )
    index = _xlsx(
        [
            (_("活动与照片"), ACTIVITY_COLUMNS, activity_rows),
            (_("佐证材料"), EVIDENCE_COLUMNS, evidence_rows),
        ]
    )
    archive.writestr(zipfile.ZipInfo(f"{folder}/{_('索引')}.xlsx", _now_tuple()), index, zipfile.ZIP_DEFLATED)
    return {
        "activities": len(indicator.activities.all()),
        "photos": photos,
        "evidence": len(evidence_rows),
        "missing": missing,
        "folder": folder,
    }


def build_ledger(*, plan, user, into=None):
    """Write the plan's ledger zip into `into` (default: a new temporary file) and return it rewound."""
    target = into if into is not None else tempfile.TemporaryFile()  # noqa: SIM115 — the response closes it
    summary = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for indicator in ledger_indicators(plan=plan, user=user):
            counts = _write_indicator(archive, indicator)
            summary.append(
                [
                    indicator.code,
                    indicator.parent.title if indicator.parent else "",
                    indicator.title,
                    float(indicator.points),
                    counts["activities"],
                    counts["photos"],
                    counts["evidence"],
                    counts["missing"],
                    counts["folder"],
                ]
            )
        contents = _xlsx([(_("总目录"), SUMMARY_COLUMNS, summary)])
        archive.writestr(zipfile.ZipInfo(f"{_('总目录')}.xlsx", _now_tuple()), contents, zipfile.ZIP_DEFLATED)
    target.seek(0)
    return target
