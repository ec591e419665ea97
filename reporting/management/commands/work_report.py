"""Write the work report of a jurisdiction as a .docx:
python manage.py work_report --jurisdiction CODE --year YYYY [--from YYYY-MM --to YYYY-MM] --output FILE.docx
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from base.periods import PeriodError, period_from_params
from communities.models import Jurisdiction
from reporting.report import work_report
from reporting.report.docx import docx_bytes


class Command(BaseCommand):
    help = (
        "Write the work report (工作情况汇报) of a jurisdiction and its subtree for a year or a range of months "
        "as a Word document laid out per GB/T 9704, with the dashboard's figures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", metavar="CODE", required=True, help="辖区的统计用区划代码")
        parser.add_argument("--year", metavar="YYYY", help="年度，例如 2026（默认今年）")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM", help="开始月份，例如 2026-01")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM", help="结束月份，例如 2026-06")
        parser.add_argument("--output", metavar="FILE.docx", required=True, help="输出的 .docx 文件")

    def handle(self, *args, jurisdiction, year, start, end, output, **options):
        place = Jurisdiction.objects.filter(code=jurisdiction).first()
        if place is None:
            raise CommandError(_("找不到区划代码为 %(code)s 的辖区，请检查 --jurisdiction。") % {"code": jurisdiction})
        params = {key: value for key, value in (("year", year), ("from", start), ("to", end)) if value}
        try:
            period = period_from_params(params)
        except PeriodError as exc:
            raise CommandError(_("统计期间有误：%(error)s") % {"error": exc}) from exc
        target = Path(output)
        if target.suffix.lower() != ".docx":
            raise CommandError(_("输出文件应以 .docx 结尾：%(path)s") % {"path": output})
        if not target.parent.is_dir():
            raise CommandError(_("输出目录不存在：%(dir)s") % {"dir": target.parent})
        content = work_report(jurisdiction=place, period=period)
        data = docx_bytes(content)
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise CommandError(
                _("无法写入输出文件 %(path)s：%(reason)s") % {"path": output, "reason": exc.strerror or exc}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("已生成《%(title)s》（%(period)s），%(size)d KB：%(path)s")
                % {"title": content.title, "period": period.label, "size": max(1, len(data) // 1024), "path": target}
            )
        )
