"""Running service calls at the same moment, for the tests that show two writers cannot both win.
Only PostgreSQL lets two transactions overlap; SQLite locks the whole database."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite locks the whole database, so two writers never overlap")


def at_once(*calls) -> list:
    """Run ``calls`` in threads started together; each one's result or the error it raised."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except (ValidationError, PermissionDenied) as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results
