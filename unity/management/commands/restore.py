"""Restore the database and the media files from a backup: python manage.py restore DIR [--yes]"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from unity.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Replace the database and the media files with a backup made by `backup`, after checking every file "
        "against its manifest; asks for confirmation unless --yes is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="backup 命令写出的备份目录")
        parser.add_argument("--yes", action="store_true", help="确认用备份替换当前的全部数据和媒体文件")

    def handle(self, *args, directory, yes, **options):
        try:
            manifest = backup_verify(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not yes and not self._confirmed(manifest):
            raise CommandError(_("未恢复：恢复会替换当前数据库中的全部数据和全部媒体文件，请加 --yes 确认。"))
        try:
            backup_restore(directory=directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("已从 %(dir)s 恢复 %(time)s 的备份：%(tables)d 张表的行数与清单一致，媒体文件 %(files)d 个。")
                % {
                    "dir": directory,
                    "time": manifest["created_at"],
                    "tables": len(manifest["tables"]),
                    "files": manifest["media_files"],
                }
            )
        )
        # A backup made before an upgrade restores the older schema: the code needs its newer migrations applied.
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(
                self.style.WARNING(_("备份的数据库早于当前程序版本：请接着运行 python manage.py migrate。"))
            )

    def _confirmed(self, manifest):
        if not sys.stdin.isatty():
            return False
        self.stdout.write(
            _("将用 %(time)s 的备份替换当前数据库中的全部数据和全部媒体文件。输入 yes 继续：")
            % {"time": manifest["created_at"]},
            ending="",
        )
        return input().strip().lower() == "yes"
