"""Keep `ReturnCheck` (how many validation rules each monthly return breaks) by database triggers.

The rule evaluation is one SQL query mirroring `selectors.validation.broken_returns`: for a return and an active
rule, each side is the sum of the return's values of that side's figures plus the side's constant; the rule is
checked only when the return has a value for every figure the rule names (a rule naming no figure is never
checked); a return breaks it when "left OPERATOR right" does not hold. The query counts the broken rules per return,
errors and warnings apart, and writes a row for each return that breaks at least one.

Triggers run it in the transaction of every write that can change a count, whatever wrote it (services, the admin,
imports, raw SQL):
- a value inserted, changed or deleted: its return is recomputed;
- a return inserted (values may precede it in a transaction whose keys are deferred) or deleted; a return moved to
  another place or month: its row follows it;
- a rule's operator, constants, importance or switch changed, or a figure added to or taken from either side: every
  return is recomputed. Rules change rarely and a recomputation is one statement.

PostgreSQL: statement-level triggers with transition tables, so a bulk insert of values recomputes each return it
touched once, in one statement. Writers of one return are serialised on the return's row (FOR NO KEY UPDATE, which
waits for no reader and for no insert of a value) before reading the values, so the later one counts the earlier
one's committed values; writers of different returns never wait on one another. A rule change takes a lock on the
table that conflicts with writers' (theirs do not conflict with one another), so neither side computes counts from
a snapshot the other is about to change. SQLite: row triggers; SQLite has one writer at a time.
"""

# ruff: noqa: S608 — the SQL here is formatted from the models' table and column names only, never from input.

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from base import triggers

from .models import MonthlyReturn, MonthlyValue, ReturnCheck, ValidationRule

TRIGGER_PREFIX = "checks_"

CHECKS = ReturnCheck._meta.db_table
VALUES = MonthlyValue._meta.db_table
RETURNS = MonthlyReturn._meta.db_table
RULES = ValidationRule._meta.db_table
LEFT = ValidationRule.left_figures.through._meta.db_table
RIGHT = ValidationRule.right_figures.through._meta.db_table
RULE_COLUMNS = ("is_active", "operator", "left_constant", "right_constant", "importance")

# {returns}: a condition on `v`, the values, choosing the returns to evaluate. No WITH clause: SQLite refuses one in
# a trigger's body.
EVALUATE = f"""
SELECT p.monthly_return_id, mr.jurisdiction_id, mr.month,
       SUM(CASE WHEN ru.importance = 'error' THEN 1 ELSE 0 END),
       SUM(CASE WHEN ru.importance = 'error' THEN 0 ELSE 1 END)
FROM (
    SELECT v.monthly_return_id, s.rule_id,
           SUM(CASE WHEN s.side = 'l' THEN v.value ELSE 0 END) AS l_sum,
           SUM(CASE WHEN s.side = 'l' THEN 1 ELSE 0 END) AS l_n,
           SUM(CASE WHEN s.side = 'r' THEN v.value ELSE 0 END) AS r_sum,
           SUM(CASE WHEN s.side = 'r' THEN 1 ELSE 0 END) AS r_n
    FROM {VALUES} v
    JOIN (
        SELECT validationrule_id AS rule_id, monthlyfigure_id AS figure_id, 'l' AS side FROM {LEFT}
        UNION ALL
        SELECT validationrule_id, monthlyfigure_id, 'r' FROM {RIGHT}
    ) s ON s.figure_id = v.figure_id
    WHERE {{returns}}
    GROUP BY v.monthly_return_id, s.rule_id
) p
JOIN (
    -- Grouped, so that it is computed once, not once per (return, rule) as a correlated subquery would be.
    SELECT r.id, r.operator, r.importance, r.left_constant, r.right_constant, n.l_n, n.r_n
    FROM {RULES} r
    JOIN (
        SELECT rule_id, SUM(CASE WHEN side = 'l' THEN 1 ELSE 0 END) AS l_n,
               SUM(CASE WHEN side = 'r' THEN 1 ELSE 0 END) AS r_n
        FROM (
            SELECT validationrule_id AS rule_id, 'l' AS side FROM {LEFT}
            UNION ALL
            SELECT validationrule_id, 'r' FROM {RIGHT}
        ) f
        GROUP BY rule_id
    ) n ON n.rule_id = r.id
    WHERE r.is_active
) ru ON ru.id = p.rule_id
JOIN {RETURNS} mr ON mr.id = p.monthly_return_id
WHERE p.l_n = ru.l_n AND p.r_n = ru.r_n
  AND NOT (CASE ru.operator
      WHEN 'le' THEN p.l_sum + ru.left_constant <= p.r_sum + ru.right_constant
      WHEN 'lt' THEN p.l_sum + ru.left_constant < p.r_sum + ru.right_constant
      WHEN 'ge' THEN p.l_sum + ru.left_constant >= p.r_sum + ru.right_constant
      WHEN 'gt' THEN p.l_sum + ru.left_constant > p.r_sum + ru.right_constant
      WHEN 'eq' THEN p.l_sum + ru.left_constant = p.r_sum + ru.right_constant
      WHEN 'ne' THEN p.l_sum + ru.left_constant <> p.r_sum + ru.right_constant
  END)
GROUP BY p.monthly_return_id, mr.jurisdiction_id, mr.month
"""

INSERT = f"INSERT INTO {CHECKS} (monthly_return_id, jurisdiction_id, month, errors, warnings)"


def _recompute(returns, delete_where):
    """SQL statements recomputing the rows of the returns `returns` (a condition on `v`) chooses."""
    return [f"DELETE FROM {CHECKS} WHERE {delete_where}", f"{INSERT} {EVALUATE.format(returns=returns)}"]


# --- PostgreSQL ------------------------------------------------------------------------------------------------

_RECOMPUTE_SOME = ";\n    ".join(_recompute("v.monthly_return_id = ANY(ids)", "monthly_return_id = ANY(ids)"))
_RECOMPUTE_EVERY = ";\n    ".join(_recompute("TRUE", "TRUE"))

_PG_RECOMPUTE = f"""
CREATE OR REPLACE FUNCTION checks_recompute(ids bigint[]) RETURNS void AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- Wait for a rule change in flight (it holds SHARE ROW EXCLUSIVE), so the rules read below are committed ones.
    LOCK TABLE {CHECKS} IN ROW EXCLUSIVE MODE;
    -- One writer of a return at a time: the next statements read the values with a snapshot taken after the
    -- other writer of this return committed.
    PERFORM 1 FROM {RETURNS} WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    {_RECOMPUTE_SOME};
END $$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""

_PG_RECOMPUTE_ALL = f"""
CREATE OR REPLACE FUNCTION checks_recompute_all() RETURNS void AS $$
BEGIN
    -- Conflicts with the writers' ROW EXCLUSIVE (theirs do not conflict with one another) and with another rule
    -- change: this waits for writers in flight, and writers wait for it.
    LOCK TABLE {CHECKS} IN SHARE ROW EXCLUSIVE MODE;
    {_RECOMPUTE_EVERY};
END $$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""

_PG_VALUES = f"""
CREATE OR REPLACE FUNCTION checks_values_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM checks_recompute(ARRAY(SELECT DISTINCT monthly_return_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM checks_recompute(ARRAY(SELECT DISTINCT monthly_return_id FROM old_rows));
    ELSE
        -- Only rows whose return, figure or value changed: saving a return rewrites values that did not.
        PERFORM checks_recompute(ARRAY(
            SELECT o.monthly_return_id FROM old_rows o LEFT JOIN new_rows n ON n.id = o.id
            WHERE n.id IS NULL OR (o.monthly_return_id, o.figure_id, o.value)
                IS DISTINCT FROM (n.monthly_return_id, n.figure_id, n.value)
            UNION
            SELECT n.monthly_return_id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
            WHERE o.id IS NULL OR (o.monthly_return_id, o.figure_id, o.value)
                IS DISTINCT FROM (n.monthly_return_id, n.figure_id, n.value)
        ));
    END IF;
    RETURN NULL;
END $$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""

_PG_RETURNS = f"""
CREATE OR REPLACE FUNCTION checks_returns_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A new return has values only when they were written first, in a transaction with deferred keys.
        PERFORM checks_recompute(ARRAY(
            SELECT DISTINCT monthly_return_id FROM {VALUES} WHERE monthly_return_id IN (SELECT id FROM new_rows)
        ));
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM {CHECKS} WHERE monthly_return_id IN (SELECT id FROM old_rows);
    ELSE
        UPDATE {CHECKS} c SET jurisdiction_id = n.jurisdiction_id, month = n.month
        FROM new_rows n
        WHERE c.monthly_return_id = n.id AND (c.jurisdiction_id, c.month) IS DISTINCT FROM (n.jurisdiction_id, n.month);
    END IF;
    RETURN NULL;
END $$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""

_OLD_RULE = ", ".join(f"o.{c}" for c in RULE_COLUMNS)
_NEW_RULE = ", ".join(f"n.{c}" for c in RULE_COLUMNS)

_PG_RULES = f"""
CREATE OR REPLACE FUNCTION checks_rules_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NOT EXISTS (
        SELECT 1 FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        WHERE ({_OLD_RULE}) IS DISTINCT FROM ({_NEW_RULE})
    ) THEN
        RETURN NULL;  -- a new name, or a save that changed nothing the checks read
    END IF;
    PERFORM checks_recompute_all();
    RETURN NULL;
END $$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""

# A rule row inserted or deleted alone changes nothing (a rule naming no figure is never checked); its figures'
# rows trigger the recomputation. Rule rows still have triggers, for figures linked before the rule row is written.
_PG_RULE_ROWS = f"""
CREATE OR REPLACE FUNCTION checks_rule_rows_changed() RETURNS trigger AS $$
BEGIN
    -- Each transition table in its own branch: a statement naming one the trigger lacks would not plan.
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (
            SELECT 1 FROM {LEFT} WHERE validationrule_id IN (SELECT id FROM new_rows)
            UNION ALL SELECT 1 FROM {RIGHT} WHERE validationrule_id IN (SELECT id FROM new_rows)
        ) THEN
            PERFORM checks_recompute_all();
        END IF;
    ELSIF EXISTS (
        SELECT 1 FROM {LEFT} WHERE validationrule_id IN (SELECT id FROM old_rows)
        UNION ALL SELECT 1 FROM {RIGHT} WHERE validationrule_id IN (SELECT id FROM old_rows)
    ) THEN
        PERFORM checks_recompute_all();
    END IF;
    RETURN NULL;
END $$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""

_PG_TRANSITIONS = {
    "insert": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
}


def _pg_triggers():
    """Return [(table, op, trigger function)]."""
    found = []
    for op in ("insert", "update", "delete"):
        found.append((VALUES, op, "checks_values_changed"))
        found.append((RETURNS, op, "checks_returns_changed"))
        found.append((RULES, op, "checks_rules_changed" if op == "update" else "checks_rule_rows_changed"))
        found.append((LEFT, op, "checks_recompute_all_trigger"))
        found.append((RIGHT, op, "checks_recompute_all_trigger"))
    return found


_PG_RECOMPUTE_ALL_TRIGGER = f"""
CREATE OR REPLACE FUNCTION checks_recompute_all_trigger() RETURNS trigger AS $$
BEGIN
    PERFORM checks_recompute_all();
    RETURN NULL;
END $$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""


def _install_postgresql(cursor):
    for sql in (
        _PG_RECOMPUTE,
        _PG_RECOMPUTE_ALL,
        _PG_VALUES,
        _PG_RETURNS,
        _PG_RULES,
        _PG_RULE_ROWS,
        _PG_RECOMPUTE_ALL_TRIGGER,
    ):
        cursor.execute(sql)
    for table, op, function in _pg_triggers():
        cursor.execute(
            f'CREATE OR REPLACE TRIGGER "{trigger_name(table, op)}" {_PG_TRANSITIONS[op].format(table=table)} '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


# --- SQLite ----------------------------------------------------------------------------------------------------


def _changed(columns):
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


def _sqlite_triggers():
    """Return {trigger name: (table, "AFTER …" clause, WHEN condition or "", [statements])}."""
    recompute_all = _recompute("1", "1")
    rule_figures = (
        "EXISTS (SELECT 1 FROM {left} WHERE validationrule_id = {row}.id) "
        "OR EXISTS (SELECT 1 FROM {right} WHERE validationrule_id = {row}.id)"
    )
    found = {
        (VALUES, "insert"): (
            "",
            _recompute("v.monthly_return_id = NEW.monthly_return_id", "monthly_return_id = NEW.monthly_return_id"),
        ),
        (VALUES, "update"): (
            _changed(("monthly_return_id", "figure_id", "value")),
            _recompute(
                "v.monthly_return_id IN (OLD.monthly_return_id, NEW.monthly_return_id)",
                "monthly_return_id IN (OLD.monthly_return_id, NEW.monthly_return_id)",
            ),
        ),
        (VALUES, "delete"): (
            "",
            _recompute("v.monthly_return_id = OLD.monthly_return_id", "monthly_return_id = OLD.monthly_return_id"),
        ),
        (RETURNS, "insert"): (
            f"EXISTS (SELECT 1 FROM {VALUES} WHERE monthly_return_id = NEW.id)",
            _recompute("v.monthly_return_id = NEW.id", "monthly_return_id = NEW.id"),
        ),
        (RETURNS, "update"): (
            _changed(("id", "jurisdiction_id", "month")),
            [
                f"DELETE FROM {CHECKS} WHERE monthly_return_id = OLD.id",
                f"{INSERT} {EVALUATE.format(returns='v.monthly_return_id = NEW.id')}",
            ],
        ),
        (RETURNS, "delete"): ("", [f"DELETE FROM {CHECKS} WHERE monthly_return_id = OLD.id"]),
        (RULES, "insert"): (rule_figures.format(left=LEFT, right=RIGHT, row="NEW"), recompute_all),
        (RULES, "update"): (_changed(("id", *RULE_COLUMNS)), recompute_all),
        (RULES, "delete"): (rule_figures.format(left=LEFT, right=RIGHT, row="OLD"), recompute_all),
    }
    for table in (LEFT, RIGHT):
        for op in ("insert", "update", "delete"):
            found[table, op] = ("", recompute_all)
    return found


def _install_sqlite(cursor):
    for (table, op), (when, statements) in _sqlite_triggers().items():
        body = "".join(f"    {statement};\n" for statement in statements)
        cursor.execute(
            f'CREATE TRIGGER IF NOT EXISTS "{trigger_name(table, op)}" AFTER {op.upper()} ON "{table}" '
            f"{'FOR EACH ROW WHEN ' + when if when else ''}\nBEGIN\n{body}END"
        )


# --- installing, dropping, rebuilding ---------------------------------------------------------------------------


def trigger_name(table, op):
    return f"{TRIGGER_PREFIX}{table}_{op}"[:63]


def install_triggers(using=None, plan=None, **kwargs):
    """Create the triggers (idempotent), after each migrate; rebuild the rows when migrations were applied, since a
    migration may have written values while SQLite's triggers were dropped (and the first install finds none)."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if CHECKS not in conn.introspection.table_names():
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            _install_postgresql(cursor)
        elif conn.vendor == "sqlite":
            _install_sqlite(cursor)
    if plan:
        rebuild(using=using)


def drop_sqlite_triggers(using=None, **kwargs):
    """Drop the SQLite triggers before migrations (base.triggers says why); reinstalled after migrate."""
    triggers.drop_sqlite_triggers(connections[using or DEFAULT_DB_ALIAS], TRIGGER_PREFIX)


def installed_triggers(using=None):
    """Return {(table, op)} of the installed check triggers."""
    names = {name for _table, name in triggers.trigger_names(connections[using or DEFAULT_DB_ALIAS], TRIGGER_PREFIX)}
    return {
        (table, op)
        for table in (VALUES, RETURNS, RULES, LEFT, RIGHT)
        for op in ("insert", "update", "delete")
        if trigger_name(table, op) in names
    }


def rebuild(using=None):
    """Recompute every return's row from the values and rules, as the triggers would; return the rows written."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {CHECKS} IN SHARE ROW EXCLUSIVE MODE")
        for statement in _recompute("1 = 1", "1 = 1"):
            cursor.execute(statement)
        cursor.execute(f"SELECT COUNT(*) FROM {CHECKS}")
        return cursor.fetchone()[0]
