"""The province code: the column a Citus cluster would distribute the large tables by (docs/scale.md, section 4).

**Definition.** A row's province code is the first segment of its jurisdiction's path, without the slash: the
zero-padded id of the root of its tree (`"00000001"` for every place under the root `00000001/`). The division
code's first two digits are not used: units (schools, enterprises) have no division code, and a deployment's tree may
be rooted at a city or a district. The root is the highest place a deployment has (a province when the tree holds
provinces; the level list has nothing above 省), and it is what the summary tables and the change log are already
keyed by, so a province's records, summaries and log rows share one code. `province_code()` and
`province_code_sql()` are that definition, in Python and in SQL; nothing else computes it.

**How the column stays right, whatever writes the row** (services, the admin, imports, bulk statements, raw SQL):

- Every table but the group counts: a database trigger sets it from the row's parent. PostgreSQL: a `BEFORE INSERT
  OR UPDATE OF <parent key>, province_code` row trigger assigns `NEW.province_code`. SQLite cannot assign `NEW` in a
  trigger: an `AFTER` row trigger corrects the stored row, and writes only when the value is wrong (the ORM has set
  it already), so an ORM write costs one indexed look-up.
- The group counts (1.16 M rows per province census, 35 M in the country): no per-row trigger; the writers set it
  (`save()`, `bulk_create`, `update()` of the record, and the census import's own INSERT/COPY column lists).
  A check constraint refuses an empty code, so a writer that forgets fails instead of writing a wrong row.
- A place moved into another tree: `AFTER UPDATE` row triggers (guarded by a `WHEN` on the code, so other updates
  cost nothing) carry the new code from the jurisdiction to its records, and from a record or a return to its
  group counts or values.

Models opt in by inheriting `ProvinceCoded` and naming the foreign key their province comes from; the triggers are
generated for every such model (`install_triggers`, run after each migrate), so this module imports no app.
"""

# ruff: noqa: S608 — SQL here is formatted from the models' table and column names only, never from input.

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from . import triggers

# A path is made of 9-character segments "00000001/": the province code is the first one's 8 digits.
PROVINCE_CODE_LENGTH = 8
TRIGGER_PREFIX = "province_"
JURISDICTION_TABLE = "communities_jurisdiction"


def province_code(path):
    """Return the province code of a jurisdiction's `path` ('' for a place not saved yet)."""
    return (path or "")[:PROVINCE_CODE_LENGTH]


def is_province_top(path):
    """Whether the jurisdiction at `path` is the top of its province's tree (its subtree is the province)."""
    return bool(path) and path == f"{province_code(path)}/"


def province_code_sql(path_expression):
    """Return the SQL expression of the province code of the path `path_expression` (SQLite and PostgreSQL)."""
    return f"SUBSTR({path_expression}, 1, {PROVINCE_CODE_LENGTH})"


def province_code_expression(path_field="path"):
    """Return the ORM expression of the province code of the path in `path_field`."""
    return Substr(path_field, 1, PROVINCE_CODE_LENGTH)


class ProvinceCodedQuerySet(models.QuerySet):
    """A queryset whose bulk writes keep `province_code` where no trigger does (the group counts)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if not self.model.province_by_trigger:
            _fill_codes(self.model, [obj for obj in objs if not obj.province_code])
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        source = self.model._meta.get_field(self.model.province_source)
        for name in (source.name, source.attname):
            if name in kwargs and "province_code" not in kwargs:
                value = kwargs[name]
                parent_pk = value.pk if isinstance(value, models.Model) else value
                kwargs["province_code"] = _parent_codes(self.model, [parent_pk]).get(parent_pk, "")
        return super().update(**kwargs)


class ProvinceCoded(models.Model):
    """A row of a table Citus would distribute by province: it carries the province code of its jurisdiction."""

    province_code = models.CharField(
        _("省级代码"),
        max_length=PROVINCE_CODE_LENGTH,
        default="",
        db_default="",
        editable=False,
        help_text=_("所属辖区树根节点的编号，按省分布数据时的分片键，由系统填写。"),
    )

    # The foreign key whose row gives this one its province: a jurisdiction (its path) or a parent row (its code).
    province_source = "jurisdiction"
    # False where no database trigger keeps the column and the writers must (the group counts; see the module).
    province_by_trigger = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.set_province_code(query=not self.province_by_trigger)
        update_fields = kwargs.get("update_fields")
        source = self._meta.get_field(self.province_source)
        if update_fields is not None and {source.name, source.attname} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "province_code"}
        super().save(*args, **kwargs)

    def set_province_code(self, *, query=True):
        """Set `province_code` from the parent row: the one loaded with this row, else (with `query`) the stored one."""
        source = self._meta.get_field(self.province_source)
        parent_pk = getattr(self, source.attname)
        if parent_pk is None:
            return
        if source.is_cached(self):
            parent = source.get_cached_value(self)
            if parent is not None and parent.pk == parent_pk:
                code = _code_of(parent)
                if code:
                    self.province_code = code
                    return
        if query:
            self.province_code = _parent_codes(type(self), [parent_pk]).get(parent_pk, "")

    def validate_constraints(self, exclude=None):
        # The unique constraints carry province_code (Citus needs it in every unique key). It is no form's field,
        # so forms exclude it and Django would skip those constraints: it follows from the parent, so it is checked
        # whenever the parent is, and the form shows the constraint's own message again.
        source = self._meta.get_field(self.province_source)
        if not exclude or source.name not in exclude:
            self.set_province_code(query=not self.province_code)
            exclude = set(exclude or ()) - {"province_code"}
        super().validate_constraints(exclude=exclude)


def _code_of(parent):
    if hasattr(parent, "province_code") and parent.province_code:
        return parent.province_code
    return province_code(getattr(parent, "path", ""))


def _parent_codes(model, parent_pks):
    """Return {parent pk: province code} of the stored parents of `model`'s rows."""
    source = model._meta.get_field(model.province_source)
    parent_model = source.related_model
    code = province_code_expression() if _is_jurisdiction(parent_model) else models.F("province_code")
    pks = sorted({pk for pk in parent_pks if pk is not None})
    codes = {}
    for start in range(0, len(pks), 5000):
        rows = parent_model._base_manager.filter(pk__in=pks[start : start + 5000]).annotate(parent_province_code=code)
        codes.update(rows.values_list("pk", "parent_province_code").order_by())
    return codes


def _fill_codes(model, objs):
    source = model._meta.get_field(model.province_source)
    missing = []
    for obj in objs:
        obj.set_province_code(query=False)
        if not obj.province_code:
            missing.append(obj)
    codes = _parent_codes(model, [getattr(obj, source.attname) for obj in missing])
    for obj in missing:
        obj.province_code = codes.get(getattr(obj, source.attname), "")


def _is_jurisdiction(model):
    return model._meta.db_table == JURISDICTION_TABLE


# --- the database side ---------------------------------------------------------------------------------------


def coded_models():
    """Return the concrete models that carry a province code."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, ProvinceCoded) and not model._meta.proxy and model._meta.managed
    ]


def _source(model):
    """Return (parent table, parent key column of `model`, SQL of the parent's code over the parent alias `p`)."""
    field = model._meta.get_field(model.province_source)
    parent = field.related_model
    code = province_code_sql("p.path") if _is_jurisdiction(parent) else "p.province_code"
    return parent._meta.db_table, field.column, code


def _children(parent_table):
    """Return the coded models whose province comes from rows of `parent_table`."""
    return [model for model in coded_models() if _source(model)[0] == parent_table]


def trigger_name(table, what):
    return f"{TRIGGER_PREFIX}{table}_{what}"[:63]


def _target(model):
    """Return the parent's column `model`'s foreign key points at (its primary key)."""
    return model._meta.get_field(model.province_source).target_field.column


def _parent_code_select(model, row):
    table, column, code = _source(model)
    return f"(SELECT {code} FROM {table} p WHERE p.{_target(model)} = {row}.{column})"


def _cascade(parent_table, new_code):
    """Return the UPDATE statements carrying a parent's new code (`new_code`, over NEW) to its children's rows."""
    statements = []
    for child in _children(parent_table):
        _table, column, _code = _source(child)
        table = child._meta.db_table
        statements.append(
            f"UPDATE {table} SET province_code = {new_code} "
            f"WHERE {column} = NEW.{_target(child)} AND province_code <> {new_code}"
        )
    return statements


def _cascades():
    """For each table whose rows give their code to others: (table, the column the code follows, the old and new
    code over OLD/NEW, the guard that starts the trigger's WHEN, the UPDATEs carrying the new code down)."""
    parents = {JURISDICTION_TABLE} | {model._meta.db_table for model in coded_models()}
    for parent in sorted(parents):
        jurisdiction = parent == JURISDICTION_TABLE
        new_code = province_code_sql("NEW.path") if jurisdiction else "NEW.province_code"
        old_code = province_code_sql("OLD.path") if jurisdiction else "OLD.province_code"
        statements = _cascade(parent, new_code)
        if statements:
            # A new place's path is written after its insert (it holds the new id): nothing can hang on it yet.
            guard = "OLD.path <> '' AND " if jurisdiction else ""
            column = "path" if jurisdiction else "province_code"
            yield parent, column, old_code, new_code, guard, statements


def _postgresql(cursor):
    for model in coded_models():
        table = model._meta.db_table
        _parent, column, _code = _source(model)
        if model.province_by_trigger:
            function = trigger_name(table, "set")
            cursor.execute(
                f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $body$
                BEGIN
                    NEW.province_code := COALESCE({_parent_code_select(model, "NEW")}, '');
                    RETURN NEW;
                END $body$ LANGUAGE plpgsql"""
            )
            cursor.execute(
                f'CREATE OR REPLACE TRIGGER "{function}" BEFORE INSERT OR UPDATE OF {column}, province_code '
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
    for parent, _column, old_code, new_code, guard, statements in _cascades():
        function = trigger_name(parent, "cascade")
        body = ";\n".join(statements)
        cursor.execute(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $body$
            BEGIN
                {body};
                RETURN NULL;
            END $body$ LANGUAGE plpgsql"""
        )
        cursor.execute(
            f'CREATE OR REPLACE TRIGGER "{function}" AFTER UPDATE ON {parent} FOR EACH ROW '
            f"WHEN ({guard}{old_code} IS DISTINCT FROM {new_code}) EXECUTE FUNCTION {function}()"
        )


def _sqlite(cursor):
    for model in coded_models():
        table = model._meta.db_table
        _parent, column, _code = _source(model)
        if not model.province_by_trigger:
            continue
        code = f"COALESCE({_parent_code_select(model, 'NEW')}, '')"
        pk = model._meta.pk.column
        fix = f"UPDATE {table} SET province_code = {code} WHERE {pk} = NEW.{pk} AND province_code IS NOT {code}"
        for what, event in (("insert", "INSERT"), ("update", f"UPDATE OF {column}, province_code")):
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{trigger_name(table, what)}" AFTER {event} ON "{table}" '
                f"BEGIN {fix}; END"
            )
    for parent, column, old_code, new_code, guard, statements in _cascades():
        cursor.execute(
            f'CREATE TRIGGER IF NOT EXISTS "{trigger_name(parent, "cascade")}" AFTER UPDATE OF {column} ON "{parent}" '
            f"WHEN {guard}{old_code} IS NOT {new_code} BEGIN {'; '.join(statements)}; END"
        )


def install_triggers(using=None, plan=None, **kwargs):
    """Create the province-code triggers (idempotent; run after each migrate).

    On SQLite they are dropped while migrations run (base.triggers says why): when migrations were applied, the
    rows are corrected once, in one UPDATE per table.
    """
    conn = connections[using or DEFAULT_DB_ALIAS]
    tables = set(conn.introspection.table_names())
    if not all(model._meta.db_table in tables for model in coded_models()):
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            _postgresql(cursor)
        elif conn.vendor == "sqlite":
            _sqlite(cursor)
            if plan:
                fill(cursor)


def fill(cursor):
    """Set every row's province code from its parent, one UPDATE per table, parents first (what migrations run)."""
    differs = "IS DISTINCT FROM" if cursor.db.vendor == "postgresql" else "IS NOT"
    for model in _parents_first(coded_models()):
        own = model._meta.db_table
        code = f"COALESCE({_parent_code_select(model, own)}, '')"
        cursor.execute(f"UPDATE {own} SET province_code = {code} WHERE province_code {differs} {code}")


def _parents_first(models_):
    done, ordered, remaining = {JURISDICTION_TABLE}, [], list(models_)
    while remaining:
        ready = [m for m in remaining if _source(m)[0] in done]
        if not ready:
            raise LookupError("a province-coded model's parent carries no province code")
        for model in ready:
            ordered.append(model)
            done.add(model._meta.db_table)
            remaining.remove(model)
    return ordered


def drop_sqlite_triggers(using=None, **kwargs):
    """Drop the SQLite triggers before migrations (base.triggers says why); reinstalled after."""
    triggers.drop_sqlite_triggers(connections[using or DEFAULT_DB_ALIAS], TRIGGER_PREFIX)


def installed_triggers(using=None):
    """Return {(table, trigger name)} of the province-code triggers (for the meta-test)."""
    return triggers.trigger_names(connections[using or DEFAULT_DB_ALIAS], TRIGGER_PREFIX)


def mismatches(using=None):
    """Return {table: number of rows whose province code differs from their parent's} (for the meta-test)."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    found = {}
    with conn.cursor() as cursor:
        for model in coded_models():
            table, column, code = _source(model)
            own = model._meta.db_table
            cursor.execute(
                f"SELECT COUNT(*) FROM {own} r JOIN {table} p ON p.{_target(model)} = r.{column} "
                f"WHERE r.province_code <> {code} "
                f"OR r.province_code = ''"
            )
            count = cursor.fetchone()[0]
            if count:
                found[own] = count
    return found
