-- deploy/citus/distribute.sql: the statements a move of this schema onto a Citus cluster would run, distributed by
-- province (docs/scale.md, section 4). Written down and reviewed, not run in CI: there is no Citus here. Check every
-- step against the Citus version deployed (written for Citus 12 on PostgreSQL 16) on a copy of the data first.
--
-- Before: `python manage.py migrate` on the coordinator (the schema, the province codes filled, the triggers), then
--   CREATE EXTENSION citus;  SELECT citus_add_node('worker-1', 5432); ...
-- The application needs no change to run on the cluster: it already writes province_code on every row of the tables
-- below (base/provinces.py) and names it in its subtree queries (ScopedQuerySet.in_subtree), so those route to one
-- shard. Run as the owner of the tables, with the site stopped (the keys below are rebuilt).

\set ON_ERROR_STOP on

-- The site's triggers (change log, summaries, return checks, province codes) run on the shards: Citus refuses
-- triggers on distributed tables without this, and they are safe only while they write co-located rows (see
-- "Left undone" in docs/scale.md for the change log and the summary tables).
SET citus.enable_unsafe_triggers = on;
-- 31 provinces hash to the shards unevenly with few shards; more shards than provinces, and the largest provinces
-- isolated afterwards with isolate_tenant_to_new_shard('communities_populationrecord', '<code>', 'CASCADE').
SET citus.shard_count = 64;

------------------------------------------------------------------------------------------------------------------
-- 1. Reference tables: small, site-wide or rarely written, replicated to every node so every shard joins them
--    locally. The jurisdiction tree (600,000 places nationally, ~60 MB) is one of them: every scoped query joins it
--    by path, its `code` stays unique nationally, and a place moved between provinces moves no jurisdiction row
--    between shards. Creation plans and their children are few and read by every place below them.
------------------------------------------------------------------------------------------------------------------
SELECT create_reference_table('auth_user');
SELECT create_reference_table('django_content_type');
SELECT create_reference_table('communities_jurisdiction');
SELECT create_reference_table('communities_ethnicgroup');
SELECT create_reference_table('activities_activitycategory');
SELECT create_reference_table('activities_monthlyfigure');
SELECT create_reference_table('activities_validationrule');
SELECT create_reference_table('activities_validationrule_left_figures');
SELECT create_reference_table('activities_validationrule_right_figures');
SELECT create_reference_table('activities_creationplan');
SELECT create_reference_table('activities_indicator');
SELECT create_reference_table('activities_responsibility');
SELECT create_reference_table('activities_evidencefile');
SELECT create_reference_table('activities_planmeasure');
SELECT create_reference_table('activities_planbudget');
SELECT create_reference_table('activities_leadinggroupmember');
SELECT create_reference_table('communities_membership');
-- Every other table (sessions, the audit trail, reminders, report drafts, the cache, the change log and the summary
-- tables) stays on the coordinator as a Citus local table; those with a foreign key to a reference table are added
-- to the metadata by Citus itself (citus.use_citus_managed_tables).

------------------------------------------------------------------------------------------------------------------
-- 2a. The evidence links of activities (activities_activity_indicators) are Django's own many-to-many table, with no
--     model to carry the field (an explicit through model would cost the admin its filter_horizontal widget): the
--     column and its trigger are added here, as base/provinces.py does for the models. Django inserts only the two
--     keys; the trigger fills the code.
------------------------------------------------------------------------------------------------------------------
ALTER TABLE activities_activity_indicators ADD COLUMN province_code varchar(8) NOT NULL DEFAULT '';
UPDATE activities_activity_indicators l SET province_code = a.province_code
    FROM activities_activity a WHERE a.id = l.activity_id;
CREATE OR REPLACE FUNCTION province_activities_activity_indicators_set() RETURNS trigger AS $body$
BEGIN
    NEW.province_code := COALESCE((SELECT a.province_code FROM activities_activity a WHERE a.id = NEW.activity_id), '');
    RETURN NEW;
END $body$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER province_activities_activity_indicators_set
    BEFORE INSERT OR UPDATE OF activity_id, province_code ON activities_activity_indicators
    FOR EACH ROW EXECUTE FUNCTION province_activities_activity_indicators_set();
-- Within one server an activity's move into another province reaches its links through this cascade; on the cluster
-- such a move is a delete and re-insert (see the end of this file).
CREATE OR REPLACE FUNCTION province_activities_activity_links() RETURNS trigger AS $body$
BEGIN
    UPDATE activities_activity_indicators SET province_code = NEW.province_code
    WHERE activity_id = NEW.id AND province_code <> NEW.province_code;
    RETURN NULL;
END $body$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER province_activities_activity_links AFTER UPDATE ON activities_activity FOR EACH ROW
    WHEN (OLD.province_code IS DISTINCT FROM NEW.province_code) EXECUTE FUNCTION province_activities_activity_links();

------------------------------------------------------------------------------------------------------------------
-- 2b. Keys between the tables to be distributed: Citus wants the distribution column in every primary key, unique
--    key and foreign key among them. Django names its foreign keys with a hash, so they are found in the catalog.
------------------------------------------------------------------------------------------------------------------
DO $$
DECLARE
    distributed text[] := ARRAY[
        'communities_populationrecord', 'communities_groupcount',
        'activities_activity', 'activities_activityphoto', 'activities_project', 'activities_projectfunding',
        'activities_petition', 'activities_petitionstatuschange',
        'activities_monthlyreturn', 'activities_monthlyvalue', 'activities_yearlyvalue', 'activities_returncheck',
        'activities_activity_indicators', 'communities_countschecksum'];
    fk record;
    uq record;
BEGIN
    -- Foreign keys from one of these tables to another (single-column today) go; composite ones replace them below.
    FOR fk IN
        SELECT c.conname, c.conrelid::regclass AS child
        FROM pg_constraint c
        WHERE c.contype = 'f'
          AND c.conrelid::regclass::text = ANY (distributed)
          AND c.confrelid::regclass::text = ANY (distributed)
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.child, fk.conname);
    END LOOP;
    -- The many-to-many table's unique pair, named with a hash by Django, is widened with the code.
    FOR uq IN
        SELECT conname FROM pg_constraint
        WHERE contype = 'u' AND conrelid = 'activities_activity_indicators'::regclass
    LOOP
        EXECUTE format('ALTER TABLE activities_activity_indicators DROP CONSTRAINT %I', uq.conname);
    END LOOP;
    ALTER TABLE activities_activity_indicators
        ADD CONSTRAINT activity_indicator_unique UNIQUE (activity_id, indicator_id, province_code);
END $$;

-- Primary keys with the province code (id first: a look-up by id still walks the key's index).
ALTER TABLE communities_populationrecord DROP CONSTRAINT communities_populationrecord_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE communities_groupcount DROP CONSTRAINT communities_groupcount_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_activity DROP CONSTRAINT activities_activity_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_activityphoto DROP CONSTRAINT activities_activityphoto_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_project DROP CONSTRAINT activities_project_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_projectfunding DROP CONSTRAINT activities_projectfunding_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_petition DROP CONSTRAINT activities_petition_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_petitionstatuschange DROP CONSTRAINT activities_petitionstatuschange_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_monthlyreturn DROP CONSTRAINT activities_monthlyreturn_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_monthlyvalue DROP CONSTRAINT activities_monthlyvalue_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_yearlyvalue DROP CONSTRAINT activities_yearlyvalue_pkey, ADD PRIMARY KEY (id, province_code);
ALTER TABLE activities_returncheck DROP CONSTRAINT activities_returncheck_pkey, ADD PRIMARY KEY (monthly_return_id, province_code);
ALTER TABLE activities_activity_indicators DROP CONSTRAINT activities_activity_indicators_pkey, ADD PRIMARY KEY (id, province_code);
-- The census checksums' key is their record's (one row per record). Their upserts name (record_id, province_code)
-- already (communities/checksums.py), the model's unique constraint counts_checksum_unique_per_record on one server.
ALTER TABLE communities_countschecksum DROP CONSTRAINT communities_countschecksum_pkey, ADD PRIMARY KEY (record_id, province_code);

-- Unique keys. Three already carry the code in the Django models (monthly_return_one_per_month,
-- yearly_value_one_per_year, population_record_unique_per_year_kind_section). These two stay narrow in Django: their
-- duplicates are caught by the admin's inline formsets, which check only the keys whose every field is on the form
-- (province_code is on none); widened here, where the same rows are unique either way (the code follows the parent).
ALTER TABLE communities_groupcount DROP CONSTRAINT group_count_unique_per_record,
    ADD CONSTRAINT group_count_unique_per_record UNIQUE (record_id, ethnic_group_id, province_code);
ALTER TABLE activities_monthlyvalue DROP CONSTRAINT monthly_value_one_per_figure,
    ADD CONSTRAINT monthly_value_one_per_figure UNIQUE (monthly_return_id, figure_id, province_code);

-- Composite foreign keys (the row's code with its parent's id), deferred to commit as Django's are. The group counts
-- have no declared key on one server (communities.count_keys checks a statement's keys at once); on the cluster the
-- composite key is declared, which Citus checks shard by shard.
ALTER TABLE communities_groupcount ADD CONSTRAINT groupcount_record_fk FOREIGN KEY (record_id, province_code)
    REFERENCES communities_populationrecord (id, province_code) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE activities_activityphoto ADD CONSTRAINT activityphoto_activity_fk FOREIGN KEY (activity_id, province_code)
    REFERENCES activities_activity (id, province_code) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE activities_projectfunding ADD CONSTRAINT projectfunding_project_fk FOREIGN KEY (project_id, province_code)
    REFERENCES activities_project (id, province_code) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE activities_petitionstatuschange ADD CONSTRAINT petitionstatuschange_petition_fk
    FOREIGN KEY (petition_id, province_code) REFERENCES activities_petition (id, province_code) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE activities_monthlyvalue ADD CONSTRAINT monthlyvalue_return_fk FOREIGN KEY (monthly_return_id, province_code)
    REFERENCES activities_monthlyreturn (id, province_code) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE activities_activity_indicators ADD CONSTRAINT activity_indicator_activity_fk
    FOREIGN KEY (activity_id, province_code) REFERENCES activities_activity (id, province_code) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE communities_countschecksum ADD CONSTRAINT countschecksum_record_fk FOREIGN KEY (record_id, province_code)
    REFERENCES communities_populationrecord (id, province_code) DEFERRABLE INITIALLY DEFERRED;
-- The return checks' key is their return's: the triggers delete a check with its return (DO_NOTHING in Django).
ALTER TABLE activities_returncheck ADD CONSTRAINT returncheck_return_fk FOREIGN KEY (monthly_return_id, province_code)
    REFERENCES activities_monthlyreturn (id, province_code) DEFERRABLE INITIALLY DEFERRED;

------------------------------------------------------------------------------------------------------------------
-- 3. Distribution: all co-located with the population records, so a province's rows of every table live on one
--    node and the joins between them (a return and its values, a record and its counts) stay on it.
------------------------------------------------------------------------------------------------------------------
SELECT create_distributed_table('communities_populationrecord', 'province_code');
SELECT create_distributed_table('communities_groupcount', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_activity', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_activityphoto', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_project', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_projectfunding', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_petition', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_petitionstatuschange', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_monthlyreturn', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_monthlyvalue', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_yearlyvalue', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_returncheck', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('activities_activity_indicators', 'province_code', colocate_with => 'communities_populationrecord');
SELECT create_distributed_table('communities_countschecksum', 'province_code', colocate_with => 'communities_populationrecord');

------------------------------------------------------------------------------------------------------------------
-- Not covered here (docs/scale.md, "Left undone"):
-- - the change log (reporting_datachange) and the summary tables (summaries_delta, summaries_total): keyed by path,
--   written by the records' triggers; distributed they need a province_code column filled by those triggers'
--   INSERT column lists (SUBSTR(path, 1, 8)), else they stay on the coordinator and every write on a shard writes
--   across the cluster;
-- - a place moved between provinces: Citus does not update a distribution column, so the cascade triggers of
--   base/provinces.py (one UPDATE of the code per table) must become a delete and re-insert of the subtree's rows;
-- - the census checksums' upserts (communities/checksums.py: the import's save() and the triggers' blanking) name
--   ON CONFLICT (record_id); with the key widened above they must name (record_id, province_code);
-- - the audit trail (communities_auditentry) stays on the coordinator (its jurisdiction is optional).
------------------------------------------------------------------------------------------------------------------
