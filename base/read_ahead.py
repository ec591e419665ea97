"""Reading the next chunk of a file while the database writes this one.

A province's census import alternates between Python reading and checking rows (about 3 s of the 1.16 M counts) and
the database writing them (COPY, triggers, inserts: 5-8 s), each waiting for the other, on a machine with two
cores. The database driver lets go of Python's lock while it waits for the server (psycopg2) or runs a statement
(sqlite3), so a thread reading ahead works while the writer waits, and the two overlap.

The iterable must not touch the database: the thread has a connection of its own, outside the caller's transaction.
"""

import queue
import threading

from django.db import connections
from django.utils import translation

_ITEM, _END, _ERROR = range(3)
# How often a producer blocked on a full queue looks whether the consumer has gone.
_POLL_SECONDS = 0.1


def read_ahead(iterable, *, ahead=1):
    """Yield the items of `iterable` in order, producing up to `ahead` items beyond the one the caller holds in a
    thread of their own. An exception raised by the iterable is raised here, at the item where it happened; the
    caller leaving early (break, an exception) stops the thread."""
    language = translation.get_language()
    items = queue.Queue(maxsize=ahead)
    stopped = threading.Event()

    def put(entry):
        while not stopped.is_set():
            try:
                items.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            # The messages of the issues found are in the caller's language (a thread starts with the default).
            with translation.override(language):
                for item in iterable:
                    if not put((_ITEM, item)):
                        return
            put((_END, None))
        except BaseException as exc:  # noqa: BLE001 — handed to the caller, raised there
            put((_ERROR, exc))
        finally:
            connections.close_all()  # this thread's own, should the iterable have opened one

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = items.get()
            if kind == _END:
                return
            if kind == _ERROR:
                raise value
            yield value
    finally:
        stopped.set()
        thread.join()
