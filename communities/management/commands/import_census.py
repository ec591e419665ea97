"""Import a census spreadsheet: python manage.py import_census FILE [--year YYYY] [--jurisdiction CODE] [--dry-run]."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base.spreadsheets import write_issues
from communities.choices import PopulationKind
from communities.importers.census import CensusLayout, census_import
from communities.models import Jurisdiction
from communities.services import import_plan_refused


class Command(BaseCommand):
    help = (
        "Import population by ethnic group from an .xlsx or .csv file (long, wide or single layout). "
        "Writes nothing unless every row is valid; prints every error with its row and column."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 或 .csv 文件（UTF-8、带BOM的UTF-8 或 GBK/GB18030）")
        parser.add_argument("--year", type=int, help="表中没有“年份”列时的年份")
        parser.add_argument("--jurisdiction", metavar="CODE", help="单一辖区格式的辖区代码")
        parser.add_argument("--kind", choices=PopulationKind.values, default=PopulationKind.RESIDENT)
        parser.add_argument("--layout", choices=CensusLayout.values, help="默认根据表头自动识别")
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示将要导入的内容，不写入")

    def handle(self, *args, file, year, jurisdiction, kind, layout, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": file})
        # One reading of the file checks, compares and writes (a dry run only checks and compares).
        plan, _result = census_import(
            file=path,
            filename=path.name,
            year=year,
            jurisdiction=jurisdiction,
            kind=kind,
            layout=layout,
            dry_run=dry_run,
        )
        if plan.issues:
            # Audited like a refusal on the web page; the command has no user, so no place but the one it names.
            place = Jurisdiction.objects.filter(code=jurisdiction).first() if jurisdiction else None
            import_plan_refused(plan=plan, filename=path.name, what=gettext_lazy("人口导入"), jurisdiction=place)
            write_issues(self.stderr, plan.issues)
            raise CommandError(_("发现 %(n)s 处错误，未写入任何数据。") % {"n": len(plan.issues)})
        summary = _("新增 %(new)s 条 / 修改 %(changed)s 条 / 无变化 %(unchanged)s 条") % plan.counts
        if dry_run:
            self.stdout.write(_("试运行（未写入）：%(summary)s") % {"summary": summary})
            return
        self.stdout.write(self.style.SUCCESS(_("导入完成：%(summary)s") % {"summary": summary}))
