"""AWS's aurora-dsql-django 0.7.0, unchanged, against `borealis start --compat dsql
--auth iam`: Django's `migrate` of a small app (tests/compat/django_app), CRUD through
the ORM, and the resulting schema read back from the catalog.

Django is configured once per process (`settings.configure`), the way the adapter's own
test settings do it: `ENGINE = "aurora_dsql_django"`, HOST the DSQL-shaped endpoint
name, `OPTIONS = {"sslmode": "verify-full"}` (the adapter adds `sslrootcert=system`,
OpenSSL's default store, which SSL_CERT_FILE points at the server's CA). The region comes
from the host name; `hostaddr=127.0.0.1`, passed through OPTIONS, the adapter and the
connector to libpq, replaces DNS. Tokens are made by the connector with botocore from
the admin key in the environment (`aws_env`).

The app's migrations are files: 0001 creates two tables (UUID primary keys with
`DEFAULT gen_random_uuid()`, the adapter's default for auto fields; a unique column; a
composite unique constraint and a CHECK inline; two indexes, which the adapter emits as
CREATE INDEX ASYNC), and 0002 adds a ForeignKey to the existing table, which the adapter
adds `NOT VALID`, then validates with `ALTER TABLE ASYNC ... VALIDATE CONSTRAINT` and
`CALL sys.wait_for_job`.

CREATE INDEX ASYNC returns before the index is built, and the adapter discards the job
id it answers with and goes straight on with the next statement, as it would on DSQL. An
index build's completion is a quiet catalog change (the index becomes valid; neither the
conflict-checked catalog version nor the table's descriptor is written), so the
migration's next DDL (0002's ALTER TABLE on the table whose index 0001 just started),
and the CRUD that follows, commit whether or not a build finished in between. The
tests send nothing of their own into the flow: the execute wrapper only records the
statements Django sent. Where a test checks the builds' outcome (sys.jobs,
`indisvalid`), it waits for the jobs after the flow, as that check's own step.
"""

from __future__ import annotations

import uuid

import django
import pytest
from django.conf import settings
from django.core.management import call_command

from tests.compat.conftest import ENDPOINT, LOOPBACK

pytestmark = pytest.mark.timeout(120)

APP = "library"
TABLES = ("library_book", "library_author")  # children first, for DROP
FK_NAME = "library_book_author_id_d9a3b67e_fk_library_author_id"
INDEXES = ("library_author_country_born", "library_book_title_fccd0c46",
           "library_book_author_id_d9a3b67e")  # the migrations' CREATE INDEX ASYNC


class StatementLog:
    """A Django execute wrapper that records every statement sent, and nothing else."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(" ".join(sql.split()))
        return execute(sql, params, many, context)


@pytest.fixture(scope="module")
def django_db(dsql_server):
    """Django configured for the DSQL backend; its connections closed at the end."""
    if not settings.configured:
        settings.configure(
            DATABASES={"default": {
                "ENGINE": "aurora_dsql_django",
                "HOST": ENDPOINT,
                "PORT": str(dsql_server.port),
                "USER": "admin",
                "NAME": "postgres",
                "OPTIONS": {"sslmode": "verify-full", "hostaddr": LOOPBACK},
            }},
            INSTALLED_APPS=["tests.compat.django_app.apps.LibraryConfig"],
            USE_TZ=True,
            TIME_ZONE="UTC",
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        )
        django.setup()
    from django.db import connection, connections
    assert connection.vendor == "dsql" and connection.settings_dict["HOST"] == ENDPOINT
    yield connection
    connections.close_all()


def wait_for_jobs(connection) -> list[tuple[str, str, str, bool]]:
    """After a flow, as a check: wait for every async job still running, and answer
    (job type, object name, job id, sys.wait_for_job's answer) for each."""
    answers = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT job_id, job_type, object_name FROM sys.jobs "
                       "WHERE status IN ('submitted', 'processing')")
        for job_id, job_type, name in cursor.fetchall():
            cursor.execute("CALL sys.wait_for_job(%s)", [job_id])
            answers.append((job_type, name, job_id, cursor.fetchone()[0]))
    return answers


def newest_jobs(connection, job_type: str, names) -> dict[str, str]:
    """The newest job of `job_type` on each of the objects `names` (schema-qualified):
    object name -> job id. (The adapter discards the job id CREATE INDEX ASYNC answers.)"""
    rows = catalog(connection, "SELECT object_name, job_id FROM sys.jobs WHERE job_type = %s "
                               "AND object_name = ANY(%s) ORDER BY start_time", [job_type, list(names)])
    return dict(rows)  # later rows (newer jobs) win


def migrate(connection, *args: str) -> StatementLog:
    log = StatementLog()
    with connection.execute_wrapper(log):
        call_command("migrate", APP, *args, verbosity=0)
    return log


@pytest.fixture
def library(django_db, aws_env):
    """The app migrated (a no-op once done) and its tables empty."""
    from tests.compat.django_app.models import Author, Book
    migrate(django_db)
    Book.objects.all().delete()
    Author.objects.all().delete()
    return django_db


def catalog(connection, sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


# -- migrate -------------------------------------------------------------------------------------

def test_migrate_runs_the_apps_migrations(django_db, aws_env):
    from django.db.migrations.recorder import MigrationRecorder
    tables = set(django_db.introspection.table_names())
    for table in TABLES:  # an earlier test in this session migrated already: start over
        if table in tables:
            catalog(django_db, f'DROP TABLE "{table}"')
    if "django_migrations" in tables:
        MigrationRecorder(django_db).migration_qs.filter(app=APP).delete()

    log = migrate(django_db)

    applied = {name for app, name in MigrationRecorder(django_db).applied_migrations() if app == APP}
    assert applied == {"0001_initial", "0002_book_author"}
    ddl = log.statements
    create_author = next(s for s in ddl if s.startswith('CREATE TABLE "library_author"'))
    assert '"id" uuid NOT NULL PRIMARY KEY DEFAULT gen_random_uuid()' in create_author
    assert '"name" varchar(100) NOT NULL UNIQUE' in create_author
    create_book = next(s for s in ddl if s.startswith('CREATE TABLE "library_book"'))
    assert 'CONSTRAINT "library_book_title_edition" UNIQUE ("title", "edition")' in create_book
    assert 'CONSTRAINT "library_book_pages_gte_0" CHECK ("pages" >= 0)' in create_book
    assert 'CREATE INDEX ASYNC "library_author_country_born" ON "library_author" ("country", "born")' in ddl
    assert 'CREATE INDEX ASYNC "library_book_title_fccd0c46" ON "library_book" ("title")' in ddl
    assert 'CREATE INDEX ASYNC "library_book_author_id_d9a3b67e" ON "library_book" ("author_id")' in ddl
    # The adapter sent no wait after those (only after its constraint validation, below).
    assert sum(s == "CALL sys.wait_for_job(%s)" for s in ddl) == 1

    # Each build ran as a job and completed; waited for here, after the flow, as a check.
    names = [f"public.{name}" for name in INDEXES]
    jobs = newest_jobs(django_db, "INDEX_BUILD", names)
    assert sorted(jobs) == sorted(names)
    for job_id in jobs.values():
        assert catalog(django_db, "CALL sys.wait_for_job(%s)", [job_id]) == [(True,)]
    assert catalog(django_db, "SELECT object_name, status FROM sys.jobs WHERE job_id = ANY(%s) "
                              "ORDER BY 1", [list(jobs.values())]) == \
        [(name, "completed") for name in sorted(names)]

    # 0002: the column, the foreign key NOT VALID, then its validation as an async job
    # that the adapter waits for (it checks the job id row and wait_for_job's `true`).
    add_column = ddl.index('ALTER TABLE "library_book" ADD COLUMN "author_id" uuid NULL')
    add_fk = ddl.index(f'ALTER TABLE "library_book" ADD CONSTRAINT "{FK_NAME}" FOREIGN KEY '
                       '("author_id") REFERENCES "library_author" ("id") NOT VALID')
    validate = ddl.index(f'ALTER TABLE ASYNC "library_book" VALIDATE CONSTRAINT "{FK_NAME}"')
    assert add_column < add_fk < validate
    assert ddl[validate + 1] == "CALL sys.wait_for_job(%s)"

    jobs = catalog(django_db, "SELECT status FROM sys.jobs WHERE job_type = 'VALIDATE_CONSTRAINT' "
                              "AND object_name = %s ORDER BY start_time DESC", [f"public.{FK_NAME}"])
    assert jobs[:1] == [("completed",)]  # (one more per earlier run of the migration)
    assert catalog(django_db, "SELECT contype, convalidated, confrelid::regclass::text "
                              "FROM pg_constraint WHERE conname = %s", [FK_NAME]) == \
        [("f", True, "library_author")]

    # Applied migrations are skipped the next time.
    assert not any(s.startswith(("CREATE", "ALTER")) for s in migrate(django_db).statements)


def test_session_identifies_the_adapter(django_db, aws_env):
    ((app_name, user),) = catalog(django_db, "SELECT current_setting('application_name'), current_user")
    assert app_name.startswith("django:aurora-dsql-python-psycopg/")
    assert user == "admin"


# -- CRUD through the ORM ------------------------------------------------------------------------

def test_orm_crud_and_joins(library):
    from django.db.models import Count, Sum

    from tests.compat.django_app.models import Author, Book
    ada = Author.objects.create(name="Ada", country="GB", born=1815)
    alan = Author.objects.create(name="Alan", country="GB", born=1912)
    grace = Author.objects.create(name="Grace", country="US")
    assert isinstance(ada.pk, uuid.UUID)  # DEFAULT gen_random_uuid(), read back by RETURNING
    Book.objects.create(title="Notes", pages=40, author=ada)
    # bulk_create: INSERT ... SELECT * FROM UNNEST(array, array, ...) RETURNING id
    made = Book.objects.bulk_create([Book(title="Letters", pages=100, author=ada),
                                     Book(title="Computing Machinery", pages=22, author=alan),
                                     Book(title="Anonymous", pages=7)])
    assert all(isinstance(b.pk, uuid.UUID) for b in made)
    assert Book.objects.count() == 4

    # Joins through the foreign key, both ways.
    assert list(Book.objects.filter(author__name="Ada").order_by("title")
                .values_list("title", flat=True)) == ["Letters", "Notes"]
    assert list(Author.objects.filter(books__pages__gt=30).distinct()
                .values_list("name", flat=True)) == ["Ada"]
    book = Book.objects.select_related("author").get(title="Computing Machinery")
    assert book.author.name == "Alan"
    authors = Author.objects.prefetch_related("books").order_by("name")
    assert [(a.name, sorted(b.title for b in a.books.all())) for a in authors] == \
        [("Ada", ["Letters", "Notes"]), ("Alan", ["Computing Machinery"]), ("Grace", [])]
    # annotate() groups by the primary key alone and reads the other columns.
    assert list(Author.objects.annotate(n=Count("books"), pages=Sum("books__pages"))
                .order_by("name").values_list("name", "n", "pages")) == \
        [("Ada", 2, 140), ("Alan", 1, 22), ("Grace", 0, None)]
    assert Book.objects.filter(author__isnull=True).get().title == "Anonymous"

    # Updates: a queryset update, a model save, and a foreign key set.
    assert Book.objects.filter(pages__lt=30).update(pages=30) == 2
    grace.born = 1906
    grace.save()
    Book.objects.filter(title="Anonymous").update(author=grace)
    assert Author.objects.get(pk=grace.pk).born == 1906
    assert sorted(Book.objects.filter(pages=30).values_list("title", flat=True)) == \
        ["Anonymous", "Computing Machinery"]
    assert grace.books.get().title == "Anonymous"

    # Deletes: one row, and an author with its books (Django cascades client-side).
    assert Book.objects.filter(title="Notes").delete() == (1, {"library.Book": 1})
    deleted, by_model = ada.delete()
    assert by_model == {"library.Book": 1, "library.Author": 1}
    assert sorted(Author.objects.values_list("name", flat=True)) == ["Alan", "Grace"]
    assert Book.objects.count() == 2


def test_constraint_violations_raise_integrity_error(library):
    from django.db import IntegrityError, transaction

    from tests.compat.django_app.models import Author, Book
    ada = Author.objects.create(name="Ada")
    Book.objects.create(title="Notes", edition=1, author=ada)

    def violation(make) -> str:
        with pytest.raises(IntegrityError) as info, transaction.atomic():
            make()
        return info.value.__cause__.sqlstate

    assert violation(lambda: Author.objects.create(name="Ada")) == "23505"
    assert violation(lambda: Book.objects.create(title="Notes", edition=1)) == "23505"
    assert violation(lambda: Book.objects.create(title="Bad", pages=-1)) == "23514"
    assert violation(lambda: Book.objects.create(title="Orphan", author_id=uuid.uuid4())) == "23503"
    # Each failed transaction was rolled back; the connection goes on working.
    assert list(Author.objects.values_list("name", flat=True)) == ["Ada"]
    assert list(Book.objects.values_list("title", flat=True)) == ["Notes"]
    Book.objects.create(title="Notes", edition=2, author=ada)
    assert Book.objects.filter(title="Notes").count() == 2


# -- the schema, read back -----------------------------------------------------------------------

def test_schema_in_the_catalog(library):
    with library.cursor() as cursor:
        intro = library.introspection
        assert {"library_author", "library_book", "django_migrations"} <= set(intro.table_names(cursor))
        assert intro.get_relations(cursor, "library_book") == {"author_id": ("id", "library_author")}
        assert intro.get_primary_key_column(cursor, "library_book") == "id"
        book = intro.get_constraints(cursor, "library_book")
        author = intro.get_constraints(cursor, "library_author")
        columns = {f.name: f for f in intro.get_table_description(cursor, "library_book")}
    assert book[FK_NAME]["foreign_key"] == ("library_author", "id")
    assert book[FK_NAME]["columns"] == ["author_id"]
    assert book["library_book_title_edition"]["unique"] and \
        book["library_book_title_edition"]["columns"] == ["title", "edition"]
    assert book["library_book_pages_gte_0"]["check"] and \
        book["library_book_pages_gte_0"]["columns"] == ["pages"]
    assert book["library_book_pkey"]["primary_key"] and book["library_book_pkey"]["columns"] == ["id"]
    for name, cols in (("library_book_title_fccd0c46", ["title"]),
                       ("library_book_author_id_d9a3b67e", ["author_id"])):
        assert book[name]["index"] and book[name]["columns"] == cols
    assert author["library_author_country_born"]["columns"] == ["country", "born"]
    assert author["library_author_name_key"]["unique"] and author["library_author_name_key"]["columns"] == ["name"]
    assert columns["id"].default == "gen_random_uuid()" and not columns["id"].null_ok
    assert columns["author_id"].null_ok

    # Straight from pg_catalog: the foreign key is validated, and every index is built
    # (once any build still running has finished: waited for here, as the check's step).
    assert all(ok is True for *_, ok in wait_for_jobs(library))
    assert catalog(library, """
        SELECT c.conname, c.convalidated, c.confrelid::regclass::text,
               (SELECT array_agg(a.attname::text) FROM pg_attribute a
                WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey))
        FROM pg_constraint c WHERE c.conrelid = 'library_book'::regclass AND c.contype = 'f'
        """) == [(FK_NAME, True, "library_author", ["author_id"])]
    indexes = catalog(library, """
        SELECT i.indexrelid::regclass::text, i.indisvalid, i.indisunique
        FROM pg_index i WHERE i.indrelid IN ('library_book'::regclass, 'library_author'::regclass)
        ORDER BY 1""")
    assert indexes == [
        ("library_author_country_born", True, False),
        ("library_author_name_key", True, True),
        ("library_author_pkey", True, True),
        ("library_book_author_id_d9a3b67e", True, False),
        ("library_book_pkey", True, True),
        ("library_book_title_edition", True, True),
        ("library_book_title_fccd0c46", True, False),
    ]
