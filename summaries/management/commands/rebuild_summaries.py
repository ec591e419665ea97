from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from summaries import services


class Command(BaseCommand):
    help = _("从原始记录重建汇总表；--check 只比较汇总表与原始记录，不一致时以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help=_("只检查，不重建"))
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help=_("只在需要时重建（迁移之后、辖区调整之后），否则只归并增量；部署时在 migrate 之后运行"),
        )

    def handle(self, *args, check=False, if_stale=False, **options):
        if if_stale:
            services.rebuild(if_stale=True)
            services.fold(wait=True)
            services.tidy()
            self.stdout.write(_("汇总表已是最新。"))
            return
        if check:
            found = services.differences()
            for node, measure, month, key, kept, expected in found:
                self.stdout.write(f"{node} {measure} {month} {key}: {kept} ≠ {expected}")
            if found:
                raise CommandError(_("汇总表与原始记录不一致（%(n)d 处，见上）。") % {"n": len(found)})
            self.stdout.write(_("汇总表与原始记录一致。"))
            return
        services.rebuild()
        services.tidy()
        self.stdout.write(_("汇总表已从原始记录重建。"))
