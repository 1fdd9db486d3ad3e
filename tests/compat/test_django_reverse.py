"""aurora-dsql-django: `migrate library zero` and back, against `borealis start --compat
dsql --auth iam` (the fixtures and the app of `test_django.py`).

Unapplying 0002 is Django's RemoveField of the foreign key: the adapter drops the
constraint, then the column (`ALTER TABLE ... DROP COLUMN ... CASCADE`, which DSQL has
since Aug 2026); unapplying 0001 drops the tables. Migrating forward again builds the
same schema, and the ORM works on it. Between migrations the test waits for the async
jobs they started (`settle`).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.compat.test_django import APP, TABLES, StatementLog, catalog, django_db  # noqa: F401

pytestmark = pytest.mark.timeout(120)


def migrate_to(connection, target: str | None = None) -> list[str]:
    log = StatementLog()
    with connection.execute_wrapper(log):
        call_command("migrate", APP, *([target] if target else []), verbosity=0)
    return log.statements


def settle(connection) -> None:
    """Wait for the async jobs still running (index builds, validations), as DSQL's
    documentation has an application do before its next DDL on the same table: a
    build that completes while that DDL runs moves the table's descriptor under it
    (OC000)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT job_id FROM sys.jobs WHERE status IN ('submitted', 'processing')")
        for (job_id,) in cursor.fetchall():
            cursor.execute("CALL sys.wait_for_job(%s)", [job_id])
            assert cursor.fetchone() == (True,)


def forward(connection) -> None:
    """The app's migrations not applied yet, one at a time, settling in between."""
    for name in ("0001_initial", "0002_book_author"):
        if name not in applied(connection):
            migrate_to(connection, name)
            settle(connection)


def dropped_columns(connection) -> int:
    ((n,),) = catalog(connection, "SELECT count(*) FROM pg_attribute "
                                  "WHERE attrelid = 'library_book'::regclass AND attisdropped")
    return n


def applied(connection) -> set[str]:
    from django.db.migrations.recorder import MigrationRecorder
    return {name for app, name in MigrationRecorder(connection).applied_migrations() if app == APP}


def test_migrate_to_zero_and_back(django_db, aws_env):  # noqa: F811
    forward(django_db)
    assert applied(django_db) == {"0001_initial", "0002_book_author"}

    # 0002 backwards: RemoveField drops the foreign key, then the column.
    dropped_before = dropped_columns(django_db)
    back = migrate_to(django_db, "0001")
    assert applied(django_db) == {"0001_initial"}
    drop = next(s for s in back if "DROP COLUMN" in s)
    assert drop == 'ALTER TABLE "library_book" DROP COLUMN "author_id" CASCADE'
    assert catalog(django_db, "SELECT attname FROM pg_attribute WHERE attrelid = 'library_book'::regclass "
                              "AND attnum > 0 AND NOT attisdropped ORDER BY attnum") == \
        [("id",), ("title",), ("pages",), ("edition",)]
    assert dropped_columns(django_db) == dropped_before + 1  # attisdropped, as PostgreSQL
    assert catalog(django_db, "SELECT column_name FROM information_schema.columns "
                              "WHERE table_name = 'library_book' ORDER BY ordinal_position") == \
        [("id",), ("title",), ("pages",), ("edition",)]
    assert catalog(django_db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                              "AND conrelid = 'library_book'::regclass") == [(0,)]
    assert catalog(django_db, "SELECT indexname FROM pg_indexes WHERE tablename = 'library_book' "
                              "ORDER BY 1") == [("library_book_pkey",), ("library_book_title_edition",),
                                                ("library_book_title_fccd0c46",)]

    # 0001 backwards: the tables go.
    migrate_to(django_db, "zero")
    assert applied(django_db) == set()
    assert not set(TABLES) & set(django_db.introspection.table_names())

    # And forward again: the same schema, usable through the ORM.
    forward(django_db)
    assert applied(django_db) == {"0001_initial", "0002_book_author"}
    from tests.compat.django_app.models import Author, Book
    ada = Author.objects.create(name="Ada", country="GB", born=1815)
    Book.objects.create(title="Notes", pages=40, author=ada)
    assert list(Book.objects.filter(author__name="Ada").values_list("title", flat=True)) == ["Notes"]
    Book.objects.all().delete()
    Author.objects.all().delete()
