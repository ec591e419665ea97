"""Two transactions at once, for the tests of what a database does when writers meet (PostgreSQL)."""

import threading
import time

from django.db import close_old_connections, connection, transaction


def held_open(write, seconds=0.5):
    """Run `write` in a transaction of another connection and keep it open for `seconds` once done; return a function
    that waits for that transaction's end and returns what it raised (None)."""
    done, errors = threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                write()
                done.set()
                time.sleep(seconds)
        except Exception as exc:  # noqa: BLE001 — returned to the test
            errors.append(exc)
            done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    if not done.wait(10):
        raise AssertionError("the other transaction did not write within 10 s")

    def finished():
        thread.join(20)
        close_old_connections()
        return errors[0] if errors else None

    return finished
