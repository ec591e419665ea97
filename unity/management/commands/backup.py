"""Back up the database and the media files: python manage.py backup --output DIR [--portable]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from unity.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write the database (SQLite online backup, pg_dump custom format, or a portable Django dump) and the media "
        "files into a new directory, with a manifest of row counts and SHA-256 checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="DIR", required=True, help="新的备份目录（不存在或为空）")
        parser.add_argument(
            "--portable", action="store_true", help="写成可移植的 Django 数据转储（JSON），而非数据库自身的格式"
        )

    def handle(self, *args, output, portable, **options):
        try:
            manifest = backup_create(output=output, portable=portable)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                _("已备份到 %(dir)s：数据库（%(format)s）%(tables)d 张表、%(rows)d 行，媒体文件 %(files)d 个。")
                % {
                    "dir": output,
                    "format": manifest["database_format"],
                    "tables": len(manifest["tables"]),
                    "rows": rows,
                    "files": manifest["media_files"],
                }
            )
        )
