"""Import a plan's evaluation indicators from a spreadsheet: all of it, or nothing and every error."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import CreationPlan
from activities.services.plans import indicators_import
from base.spreadsheets import write_issues
from communities.services import import_plan_refused


class Command(BaseCommand):
    help = _("从表格（.xlsx 或 .csv）导入创建方案的测评指标；有任何错误时列出全部错误，不写入任何数据。")

    def add_arguments(self, parser):
        parser.add_argument("plan_id", type=int, help=_("创建方案编号"))
        parser.add_argument("file", help=_("指标表格文件路径"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查并显示将要导入的内容，不写入"))

    def handle(self, *args, plan_id, file, dry_run, **options):
        plan = CreationPlan.objects.filter(pk=plan_id).select_related("jurisdiction").first()
        if plan is None:
            raise CommandError(_("创建方案 %(id)s 不存在。") % {"id": plan_id})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": file})
        result = indicators_import(plan=plan, file=path, filename=path.name, actor=None, dry_run=dry_run)
        if not result.is_valid:
            import_plan_refused(
                plan=result, filename=path.name, what=gettext_lazy("测评指标导入"), jurisdiction=plan.jurisdiction
            )
            write_issues(self.stderr, result.issues)
            raise CommandError(_("文件有 %(n)s 处错误，未导入任何数据。") % {"n": len(result.issues)}, returncode=1)
        counts = result.counts
        summary = _("新增%(new)s项，更新%(changed)s项，未变%(unchanged)s项，新增责任分解%(resp)s条。") % {
            "new": counts["new"],
            "changed": counts["changed"],
            "unchanged": counts["unchanged"],
            "resp": counts["responsibilities"],
        }
        if dry_run:
            self.stdout.write(_("检查通过（未写入）：%(summary)s") % {"summary": summary})
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("已导入“%(plan)s”的测评指标：%(summary)s") % {"plan": plan.title, "summary": summary}
                )
            )
