"""Export the audit trail to Excel: python manage.py export_audit --output FILE.xlsx [--since YYYY-MM-DD]."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from communities.models import AuditEntry, Jurisdiction

HEADERS = ("时间", "用户", "操作", "对象类型", "对象编号", "对象", "辖区代码", "辖区", "变更内容", "说明")


class Command(BaseCommand):
    help = "Export the audit trail (every create, change, delete, import and reveal) to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--since", help="YYYY-MM-DD: only rows written on or after this day")
        parser.add_argument("--jurisdiction", help="a division code: only rows of that subtree")

    def handle(self, *args, output, since=None, jurisdiction=None, **options):
        rows = AuditEntry.objects.select_related("user", "content_type", "jurisdiction").order_by("created_at", "pk")
        if since:
            try:
                rows = rows.filter(created_at__date__gte=date.fromisoformat(since))
            except ValueError:
                raise CommandError(_("日期“%(value)s”无效，应为 YYYY-MM-DD。") % {"value": since}) from None
        if jurisdiction:
            root = Jurisdiction.objects.filter(code=jurisdiction).first()
            if root is None:
                raise CommandError(_("找不到区划代码为 %(code)s 的辖区。") % {"code": jurisdiction})
            rows = rows.filter(jurisdiction__path__startswith=root.path)
        # Write-only: rows stream to the file, so memory stays flat however long the trail is.
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("操作记录"))
        sheet.append(HEADERS)
        count = 0
        for entry in rows.iterator(chunk_size=2000):
            sheet.append([_cell(sheet, value) for value in _row(entry)])
            count += 1
        book.save(output)
        self.stdout.write(
            self.style.SUCCESS(_("已导出 %(count)s 条操作记录到 %(path)s") % {"count": count, "path": output})
        )


def _row(entry):
    return (
        timezone.localtime(entry.created_at).replace(tzinfo=None),
        entry.user.username if entry.user else "",
        entry.get_action_display(),
        entry.content_type.name,
        entry.object_id,
        entry.object_repr,
        entry.jurisdiction.code or "" if entry.jurisdiction else "",
        entry.jurisdiction.name if entry.jurisdiction else "",
        json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
        entry.note,
    )


def _cell(sheet, value):
    # Text is always a string cell: an object name like "=HYPERLINK(...)" must never become a live formula.
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
