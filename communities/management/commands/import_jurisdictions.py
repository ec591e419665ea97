"""Import the jurisdiction tree: python manage.py import_jurisdictions FILE [--dry-run]."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base.spreadsheets import write_issues
from communities.importers.jurisdictions import jurisdiction_import_apply, jurisdiction_import_plan
from communities.services import import_plan_refused


class Command(BaseCommand):
    help = (
        "Import jurisdictions from an .xlsx or .csv division-code list (代码, 名称, 级别, 上级代码). "
        "An empty 上级代码 is implied by a 12-digit code. Writes nothing unless every row is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 或 .csv 文件（UTF-8、带BOM的UTF-8 或 GBK/GB18030）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": file})
        plan = jurisdiction_import_plan(file=path, filename=path.name)
        if plan.issues:
            import_plan_refused(plan=plan, filename=path.name, what=gettext_lazy("辖区代码表导入"))
            write_issues(self.stderr, plan.issues)
            raise CommandError(_("发现 %(n)s 处错误，未写入任何数据。") % {"n": len(plan.issues)})
        summary = _("新增 %(new)s 条 / 修改 %(changed)s 条 / 无变化 %(unchanged)s 条") % plan.counts
        if dry_run:
            self.stdout.write(_("试运行（未写入）：%(summary)s") % {"summary": summary})
            return
        jurisdiction_import_apply(plan=plan)
        self.stdout.write(self.style.SUCCESS(_("导入完成：%(summary)s") % {"summary": summary}))
