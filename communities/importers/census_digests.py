"""Tell, per record, whether the stored counts are the file's, without fetching the counts (both databases).

An unchanged re-import of a province (20,000 records, 1.16 M counts) would otherwise fetch every stored count into
Python to find that nothing differs. The database writes each record's counts as one text, group by group in the
order of the group ids ("1:900,6:60,…", with ":male:female" when the file has those columns), and the file's
records are written the same way:

* PostgreSQL returns the md5 of that text (`string_agg … ORDER BY`), one short row per record;
* SQLite (3.40 has no ORDER BY inside group_concat) returns the text itself, concatenated from rows read in the
  order of the unique index (record, group). Only equal texts count as equal, and equal texts hold the same counts
  whatever order the database concatenated them in: an order it did not keep makes the texts differ, and the record
  is then compared count by count, as any record whose text differs is.

A record holding a 男/女 split larger than its count is never taken as equal: an import without 男/女 columns clears
that split, so it must be compared count by count.
"""

from django.db import connection

from .. import checksums
from . import census_postgres


def available():
    return connection.vendor in ("postgresql", "sqlite")


def file_digest(counts, *, sexes):
    """Return the digest of a record's counts as the file gives them ({group id: (count, male, female)}): the md5
    PostgreSQL computes (the counts' checksum), the text itself on SQLite."""
    if connection.vendor == "postgresql":
        return checksums.digest(counts, split=sexes)
    return checksums.counts_text(counts, split=sexes)


def stored_digests(record_pks, *, sexes):
    """Return {record pk: digest of its stored counts} for the records a re-import may find unchanged."""
    if not record_pks:
        return {}
    if connection.vendor == "postgresql":
        return census_postgres.stored_digests(record_pks, sexes=sexes)
    item = "ethnic_group_id || ':' || count"
    if sexes:
        item += " || ':' || COALESCE(male, '') || ':' || COALESCE(female, '')"
    digests = {}
    with connection.cursor() as cursor:
        # Within SQLite's own limit on parameters (32,766 since 3.32); a chunk of records is 2,000.
        for start in range(0, len(record_pks), 30_000):
            chunk = list(record_pks[start : start + 30_000])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"""
                SELECT record_id, group_concat(item, ','), MAX(bad_split) FROM (
                    SELECT record_id, {item} AS item,
                           (male IS NOT NULL AND female IS NOT NULL AND male + female > count) AS bad_split
                    FROM communities_groupcount WHERE record_id IN ({marks})
                    ORDER BY record_id, ethnic_group_id
                ) GROUP BY record_id
                """,  # noqa: S608 (fixed expressions and placeholders)
                chunk,
            )
            digests.update((pk, text) for pk, text, bad_split in cursor.fetchall() if not (bad_split and not sexes))
    return digests
