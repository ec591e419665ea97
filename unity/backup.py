"""Back up and restore the database and the media files: `manage.py backup --output DIR`, `manage.py restore DIR`.

A backup is a directory:
- the database: `database.sqlite3` (SQLite's online backup API, a consistent copy while the site runs),
  `database.pgdump` (pg_dump's custom format, restored by pg_restore) or `database.jsonl` (Django's portable
  dump, when pg_dump is missing or `--portable` is asked for; it restores only into the same migration state);
- `media.tar`: every uploaded file (photos, evidence);
- `manifest.json`, written last: when, which engine and format, the applied migrations, the row count of
  every table and the size and SHA-256 of every file. A directory without it is an unfinished backup.

Restore checks every file against the manifest before it touches anything, replaces the database and the
media, then counts the rows again and compares them with the manifest. The database's contents are kept as
they are stored: personal numbers stay encrypted, so a backup needs the DJANGO_FIELD_KEY of its time.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.cache import caches
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.models import DataChange, DataChangeTotal
from summaries.models import Delta, Stale, Total

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar"
DATABASE_FILES = {"sqlite": "database.sqlite3", "pg_dump": "database.pgdump", "json": "database.jsonl"}
JSON_BATCH = 2000
PG_TIMEOUT = 6 * 3600  # a dump or restore that runs longer than this has hung


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why in words an operator can act on."""


# Reading the database -----------------------------------------------------------------------------------------


def engine():
    return {"sqlite": "sqlite", "postgresql": "postgresql"}.get(connection.vendor, connection.vendor)


def _tables():
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(name for name in names if not name.startswith("sqlite_") and name not in _not_data())


# Derived from the records and rewritten by triggers while a restore loads them: neither counted nor dumped as JSON.
DERIVED = (DataChange, DataChangeTotal, Delta, Total, Stale)


def _not_data():
    """Return the tables not counted: a database cache's (readers write to it at any moment; a restore empties the
    cache), the change log behind it and the summary tables (summaries), to which the triggers add rows while a
    restore loads the data; the summaries are rebuilt from the restored records."""
    skipped = {c["LOCATION"] for c in settings.CACHES.values() if c["BACKEND"].endswith("DatabaseCache")}
    return skipped | {model._meta.db_table for model in DERIVED}


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def table_counts():
    """Return {table: row count} for every table of the current database."""
    counts = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (a quoted table name)
            counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_file_counts(path):
    with closing(sqlite3.connect(path)) as db:
        names = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        names = sorted(set(names) - _not_data())
        return {name: db.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0] for name in names}  # noqa: S608


def migration_state():
    """Return the applied migrations as sorted "app.name" strings."""
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# PostgreSQL tools ---------------------------------------------------------------------------------------------


def pg_tool(name):
    """Return the path of pg_dump or pg_restore matching the server's major version if there is one, else None.

    A pg_dump older than the server refuses to dump it, so Debian's versioned directory of the server's major
    version is tried first, then PATH, then the newest installed version.
    """
    candidates = []
    major = getattr(connection, "pg_version", 0) // 10000 if connection.vendor == "postgresql" else 0
    if major:
        candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{name}"))
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    candidates.extend(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


def _pg_env():
    params = connection.settings_dict
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", params.get("HOST")),
        ("PGPORT", params.get("PORT")),
        ("PGUSER", params.get("USER")),
        ("PGPASSWORD", params.get("PASSWORD")),
        ("PGDATABASE", params.get("NAME")),
        ("PGSSLMODE", (params.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(command):
    try:
        result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, timeout=PG_TIMEOUT)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(_("无法运行 %(tool)s：%(reason)s") % {"tool": command[0], "reason": exc}) from exc
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s 失败（退出码 %(code)d）：%(reason)s")
            % {"tool": Path(command[0]).name, "code": result.returncode, "reason": result.stderr.strip()[-2000:]}
        )


# Backup -------------------------------------------------------------------------------------------------------


def _prepare_output(output):
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(_("输出目录 %(dir)s 已存在且不为空：请指定一个新目录。") % {"dir": output})
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(_("无法创建输出目录 %(dir)s：%(reason)s") % {"dir": output, "reason": exc}) from exc
    return output


def _dump_sqlite(target):
    connection.ensure_connection()
    try:
        with closing(sqlite3.connect(target)) as copy:
            connection.connection.backup(copy)
    except sqlite3.Error as exc:
        raise BackupError(_("无法备份 SQLite 数据库：%(reason)s") % {"reason": exc}) from exc
    # Counted in the copy itself: exactly what will be restored, whatever was written meanwhile.
    return _sqlite_file_counts(target)


def _dump_postgresql(target, tool):
    # One snapshot for the counts and for pg_dump, so the manifest describes exactly the dump.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = table_counts()
        _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "--file", target])
    return counts


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (it cuts them to milliseconds), so rows come back equal."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _dump_json(target):
    """Write what `dumpdata --all --format jsonl` would, a batch of rows at a time: one object a line, which
    loaddata reads a line at a time too, so neither side holds the whole dump in memory."""
    serializer = serializers.get_serializer("python")()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        counts = table_counts()
        with open(target, "w", encoding="utf-8") as out:
            # Many-to-many links are written as rows of their own table, keys included, so that a restore brings
            # back the same rows (serialised on the parent, loaddata would number the links anew).
            for model in apps.get_models(include_auto_created=True):
                if model._meta.proxy or not model._meta.managed or model in DERIVED:
                    continue  # the change log and the summaries: written anew from the restored rows
                fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
                rows, last = model._base_manager.order_by("pk"), None
                while True:
                    batch = list((rows if last is None else rows.filter(pk__gt=last))[:JSON_BATCH])
                    if not batch:
                        break
                    for item in serializer.serialize(batch, fields=fields):
                        out.write(json.dumps(item, cls=_ExactEncoder, ensure_ascii=False) + "\n")
                    last = batch[-1].pk
    return counts


def _archive_media(target):
    root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w") as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
                    count += 1
    return count


def backup_create(*, output, portable=False):
    """Write a backup of the database and the media into the new directory `output`; return its manifest."""
    output = _prepare_output(output)
    kind = engine()
    if kind == "sqlite" and not portable:
        fmt = "sqlite"
        counts = _dump_sqlite(output / DATABASE_FILES[fmt])
    elif kind == "postgresql" and not portable and (tool := pg_tool("pg_dump")):
        fmt = "pg_dump"
        counts = _dump_postgresql(output / DATABASE_FILES[fmt], tool)
    else:
        fmt = "json"
        counts = _dump_json(output / DATABASE_FILES[fmt])
    media_files = _archive_media(output / MEDIA_ARCHIVE)
    files = {
        name: {"bytes": (output / name).stat().st_size, "sha256": _sha256(output / name)}
        for name in (DATABASE_FILES[fmt], MEDIA_ARCHIVE)
    }
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": kind,
        "database_format": fmt,
        "database_file": DATABASE_FILES[fmt],
        "django": django.get_version(),
        "migrations": migration_state(),
        "tables": counts,
        "media_files": media_files,
        "files": files,
    }
    # Written last and renamed into place: a directory with a manifest holds a finished backup.
    partial = output / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(output / MANIFEST)
    return manifest


# Restore ------------------------------------------------------------------------------------------------------


def backup_verify(directory):
    """Return the manifest of the backup in `directory` once every file in it matches; BackupError otherwise."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BackupError(_("备份目录 %(dir)s 不存在。") % {"dir": directory})
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(_("%(dir)s 中没有 manifest.json：不是一个完整的备份。") % {"dir": directory})
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files, fmt = manifest["files"], manifest["database_format"]
        tables, migrations = manifest["tables"], manifest["migrations"]
        valid = (
            manifest["format"] == FORMAT
            and fmt in DATABASE_FILES
            and manifest["database_file"] == DATABASE_FILES[fmt]
            and {DATABASE_FILES[fmt], MEDIA_ARCHIVE} <= set(files)
            and isinstance(tables, dict)
            and isinstance(migrations, list)
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(_("备份清单 manifest.json 已损坏，无法读取：%(reason)s") % {"reason": exc}) from exc
    if not valid:
        raise BackupError(_("备份清单 manifest.json 的格式不符合本系统的备份格式。"))
    for name, expected in files.items():
        file = directory / name
        if Path(name).name != name or not file.is_file():
            raise BackupError(_("备份缺少文件 %(name)s。") % {"name": name})
        if file.stat().st_size != expected.get("bytes") or _sha256(file) != expected.get("sha256"):
            raise BackupError(_("备份文件 %(name)s 已损坏：大小或 SHA-256 校验和与清单不符。") % {"name": name})
    return manifest


def _restore_check(manifest):
    """Refuse, before anything is changed, a backup this database cannot take."""
    fmt, kind = manifest["database_format"], engine()
    if fmt == "sqlite" and kind != "sqlite":
        raise BackupError(_("这是 SQLite 数据库的备份，当前数据库是 %(engine)s，无法恢复。") % {"engine": kind})
    if fmt == "pg_dump":
        if kind != "postgresql":
            raise BackupError(_("这是 PostgreSQL 数据库的备份，当前数据库是 %(engine)s，无法恢复。") % {"engine": kind})
        if not pg_tool("pg_restore"):
            raise BackupError(_("找不到 pg_restore：请安装与数据库版本一致的 PostgreSQL 客户端。"))
    if fmt == "json" and manifest["migrations"] != migration_state():
        raise BackupError(
            _("这份可移植备份与当前数据库的迁移状态不同：请先用相同版本的程序执行 migrate，使迁移状态一致后再恢复。")
        )


def _restore_sqlite(source, manifest):
    connection.close()
    connection.ensure_connection()
    # The online backup API writes into the live database file (or in-memory database) page by page, in one
    # transaction: other connections see the old data or the new, never a mix.
    try:
        with closing(sqlite3.connect(source)) as backup:
            backup.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(_("无法从备份恢复 SQLite 数据库：%(reason)s") % {"reason": exc}) from exc
    finally:
        connection.close()


def _restore_postgresql(source, manifest):
    connection.close()
    _run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            connection.settings_dict["NAME"],
            str(source),
        ]
    )
    # pg_restore --clean drops only what the dump holds: tables a newer migration made would stay behind, and
    # the next migrate would fail on them. The backup's own tables are listed in the manifest.
    with connection.cursor() as cursor:
        for table in sorted(set(_tables()) - set(manifest["tables"])):
            cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)} CASCADE")
    connection.close()


def _restore_json(source, manifest):
    with transaction.atomic():
        # post_migrate would recreate content types and permissions that the dump brings with their own keys.
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        call_command("loaddata", str(source), verbosity=0)


def _stage_media(archive):
    """Unpack the media archive beside MEDIA_ROOT; return the directory (swapped in once the database is back)."""
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=root.parent))
    try:
        with tarfile.open(archive) as tar:
            # The "data" filter refuses absolute paths, "..", links out of the tree and device files.
            tar.extractall(staged, filter="data")  # noqa: S202
    except (tarfile.TarError, OSError) as exc:
        shutil.rmtree(staged, ignore_errors=True)
        raise BackupError(_("无法解开媒体文件归档：%(reason)s") % {"reason": exc}) from exc
    return staged


def _swap_media(staged):
    root = Path(settings.MEDIA_ROOT)
    old = root.parent / staged.name.replace(".media-restore-", ".media-old-")
    # mkdtemp made the staging directory private; the web server may need to read the media as before.
    staged.chmod(root.stat().st_mode & 0o7777 if root.exists() else 0o755)
    if root.exists():
        root.rename(old)
    staged.rename(root)
    shutil.rmtree(old, ignore_errors=True)


def backup_restore(*, directory):
    """Replace the database and the media with the backup in `directory`; return its manifest."""
    manifest = backup_verify(directory)
    _restore_check(manifest)
    directory = Path(directory)
    staged = _stage_media(directory / MEDIA_ARCHIVE)
    restore = {"sqlite": _restore_sqlite, "pg_dump": _restore_postgresql, "json": _restore_json}
    try:
        restore[manifest["database_format"]](directory / manifest["database_file"], manifest)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    _swap_media(staged)
    # Versions of the restored data (reporting.freshness) may equal versions figures of the replaced data were cached
    # under: those figures go.
    caches["dashboard"].clear()
    # The summaries of the restored records are rebuilt from them at the next fold (a raw restore copies the old
    # summaries along with a journal the triggers added to while loading; a JSON restore has none).
    Stale.objects.create(reason="restored")
    counts = table_counts()
    differing = sorted(
        table for table in set(manifest["tables"]) | set(counts) if manifest["tables"].get(table) != counts.get(table)
    )
    if differing:
        raise BackupError(_("恢复后的行数与备份清单不符：%(tables)s") % {"tables": "、".join(differing[:20])})
    return manifest
