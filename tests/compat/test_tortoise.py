"""AWS's aurora-dsql-tortoise-orm 0.2.0, unchanged, on tortoise-orm 1.x, against `borealis
start --compat dsql --auth iam`, with both of its engines: `aurora_dsql_tortoise.asyncpg`
(reached through the `dsql+asyncpg://` URL scheme that `register_backends()` adds) and
`aurora_dsql_tortoise.psycopg` (named in a config dict).

Each engine gets its own pair of models (a publisher with the package's `BigIntField`, an
identity primary key with CACHE 65536, and an index; a title with a UUID key, a foreign
key to the publisher, a composite unique constraint and an index). For each, the flow an
application runs: `Tortoise.generate_schemas()`, then at once CRUD through the ORM:
inserts returning identity values, queries joining through the relation (filter,
select_related, prefetch_related, an aggregate), updates, deletes, a unique violation as
tortoise's IntegrityError, and transactions committed and rolled back. Then the checks:
the DDL the package's schema generator produces, the index builds' jobs, the schema read
back from the catalog, and `generate_schemas()` again (its `IF NOT EXISTS` forms make it
a no-op).

Connecting: asyncpg resolves the endpoint name through `resolve_endpoint_locally` and
verifies the certificate against the CA given by `sslrootcert` in the URL (the
connector turns it into an SSL context); psycopg gets `hostaddr` and `sslmode` as libpq
parameters (tortoise's `server_settings`) and the CA from PGSSLROOTCERT (`aws_env`).
Tokens are made by the connector with botocore from the admin key in the environment.

The package emits a table's indexes right after its CREATE TABLE, as CREATE INDEX ASYNC,
and generate_schemas goes on at once with the next statement while the index is being
built (after the publisher's index: the title's CREATE TABLE and index; after the
title's: the CRUD). The test sends nothing in between: an index build's completion is a
quiet catalog change (the index becomes valid; neither the conflict-checked catalog
version nor the table's descriptor is written), so neither the DDL nor the DML running
across it gets OC001. Only after the flow, as a check, does the test wait for the
builds (CALL sys.wait_for_job) and read the indexes back as valid.
"""

from __future__ import annotations

import asyncio
import re
import sys
import types
import urllib.parse

import aurora_dsql_tortoise
import pytest
from aurora_dsql_tortoise.common.fields import BigIntField
from tortoise import Tortoise, connections, fields
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.transactions import in_transaction
from tortoise.utils import get_schema_sql

from tests.compat.conftest import ENDPOINT, LOOPBACK

pytestmark = pytest.mark.timeout(120)

DRIVERS = ("asyncpg", "psycopg")
JOB_ID = re.compile(r"[a-z2-7]{26}")


def models_for(driver: str) -> types.ModuleType:
    """A models module of the driver's own: tortoise binds model classes to the first
    context that initializes them, and the tables get the driver's name."""

    class Publisher(Model):
        id = BigIntField(primary_key=True)
        name = fields.CharField(max_length=100, unique=True)
        country = fields.CharField(max_length=2, db_index=True)

        class Meta:
            table = f"tortoise_{driver}_publisher"

    class Title(Model):
        id = fields.UUIDField(primary_key=True)
        name = fields.CharField(max_length=200)
        pages = fields.IntField(default=0, db_index=True)
        publisher: fields.ForeignKeyRelation[Publisher] = fields.ForeignKeyField(
            "models.Publisher", related_name="titles")

        class Meta:
            table = f"tortoise_{driver}_title"
            unique_together = (("name", "publisher"),)

    module = types.ModuleType(f"tests.compat.tortoise_models_{driver}")
    module.Publisher, module.Title = Publisher, Title
    module.__models__ = [Publisher, Title]
    return module


def connection_config(driver: str, port: int, ca: str) -> dict | str:
    if driver == "asyncpg":
        aurora_dsql_tortoise.register_backends()
        query = urllib.parse.urlencode({"sslmode": "verify-full", "sslrootcert": ca})
        return f"dsql+asyncpg://admin@{ENDPOINT}:{port}/postgres?{query}"
    return {"engine": "aurora_dsql_tortoise.psycopg",
            "credentials": {"host": ENDPOINT, "port": port, "user": "admin",
                            "database": "postgres",
                            "server_settings": {"hostaddr": LOOPBACK, "sslmode": "verify-full"}}}


async def rows(sql: str) -> list[dict]:
    return await connections.get("default").execute_query_dict(sql)


async def index_jobs(index: str) -> list[bool]:
    """After a flow, as a check: CALL sys.wait_for_job for each build of the index named
    `index` (public schema); their answers."""
    answers = []
    for row in await rows("SELECT job_id FROM sys.jobs WHERE job_type = 'INDEX_BUILD' "
                          f"AND object_name = 'public.{index}'"):
        assert JOB_ID.fullmatch(row["job_id"]), row
        (done,) = await rows(f"CALL sys.wait_for_job('{row['job_id']}')")
        answers.append(next(iter(done.values())))
    return answers


@pytest.mark.parametrize("driver", DRIVERS)
def test_tortoise_schema_and_crud(driver, aws_env, resolve_endpoint_locally, monkeypatch):
    models = models_for(driver)
    monkeypatch.setitem(sys.modules, models.__name__, models)
    config = {"connections": {"default": connection_config(driver, aws_env.port, str(aws_env.ca_cert))},
              "apps": {"models": {"models": [models.__name__], "default_connection": "default"}}}
    asyncio.run(run_flow(driver, models, config))


async def run_flow(driver: str, models: types.ModuleType, config: dict) -> None:
    await Tortoise.init(config=config)
    try:
        client = connections.get("default")
        assert type(client).__module__.startswith(f"aurora_dsql_tortoise.{driver}")
        await Tortoise.generate_schemas()  # the flow: the schema, then CRUD at once
        await check_crud(models)
        await check_schema(driver, client)
    finally:
        await Tortoise.close_connections()


async def check_schema(driver: str, client) -> None:
    publisher, title = f"tortoise_{driver}_publisher", f"tortoise_{driver}_title"
    ddl = get_schema_sql(client, safe=True)
    assert f'CREATE TABLE IF NOT EXISTS "{publisher}"' in ddl
    assert '"id" BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 65536) NOT NULL PRIMARY KEY' in ddl
    assert re.search(rf'CREATE TABLE IF NOT EXISTS "{publisher}".*;\s*'
                     rf'CREATE INDEX ASYNC IF NOT EXISTS "\w+" ON "{publisher}" \("country"\);\s*'
                     rf'CREATE TABLE IF NOT EXISTS "{title}"', ddl, re.S), ddl
    assert re.search(rf'CREATE INDEX ASYNC IF NOT EXISTS "\w+" ON "{title}" \("pages"\);\s*$', ddl), ddl
    assert "REFERENCES" not in ddl and "FOREIGN KEY" not in ddl  # the package emits no FKs

    # The builds of the two indexes, one job each, waited for now that the flow is over.
    names = re.findall(r'CREATE INDEX ASYNC IF NOT EXISTS "(\w+)" ON', ddl)
    assert len(names) == 2
    assert [await index_jobs(name) for name in names] == [[True], [True]]

    columns = await rows(f"""
        SELECT table_name::text AS t, column_name::text AS c, data_type::text AS type,
               is_identity::text AS ident, is_nullable::text AS nullable
        FROM information_schema.columns WHERE table_name IN ('{publisher}', '{title}')""")
    by_name = {(r["t"], r["c"]): (r["type"], r["ident"], r["nullable"]) for r in columns}
    assert by_name == {
        (publisher, "id"): ("bigint", "YES", "NO"),
        (publisher, "name"): ("character varying", "NO", "NO"),
        (publisher, "country"): ("character varying", "NO", "NO"),
        (title, "id"): ("uuid", "NO", "NO"),
        (title, "name"): ("character varying", "NO", "NO"),
        (title, "pages"): ("integer", "NO", "NO"),
        (title, "publisher_id"): ("bigint", "NO", "NO"),
    }
    (seq,) = await rows(f"""
        SELECT s.cache_size, s.data_type::text AS type FROM pg_sequences s
        WHERE s.schemaname || '.' || s.sequencename = pg_get_serial_sequence('{publisher}', 'id')""")
    assert seq == {"cache_size": 65536, "type": "bigint"}

    indexes = await rows(f"""
        SELECT c.relname::text AS t, i.indexrelid::regclass::text AS name, i.indisunique AS uniq,
               i.indisvalid AS valid,
               (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)) AS cols
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname IN ('{publisher}', '{title}')""")
    found = sorted((r["t"], r["uniq"], r["valid"], tuple(r["cols"])) for r in indexes)
    assert found == sorted([
        (publisher, True, True, ("id",)),
        (publisher, True, True, ("name",)),
        (publisher, False, True, ("country",)),
        (title, True, True, ("id",)),
        (title, True, True, ("name", "publisher_id")),
        (title, False, True, ("pages",)),
    ])
    assert await rows(f"SELECT conname FROM pg_constraint WHERE contype = 'f' "
                      f"AND conrelid = '{title}'::regclass") == []

    await Tortoise.generate_schemas()  # everything exists: IF NOT EXISTS all the way
    assert [await index_jobs(name) for name in names] == [[True], [True]]  # no new job


async def check_crud(models: types.ModuleType) -> None:
    Publisher, Title = models.Publisher, models.Title
    acme = await Publisher.create(name="Acme", country="US")
    bodley = await Publisher.create(name="Bodley", country="GB")
    assert isinstance(acme.id, int) and bodley.id > acme.id  # identity values via RETURNING
    await Title.create(name="One", pages=10, publisher=acme)
    await Title.create(name="Two", pages=20, publisher=acme)
    await Title.bulk_create([Title(name="Three", pages=30, publisher=bodley),
                             Title(name="Four", pages=40, publisher_id=bodley.id)])
    assert await Title.all().count() == 4

    # The relation: a join in a filter, select_related, prefetch_related, an aggregate.
    assert await Title.filter(publisher__name="Acme").order_by("name").values_list("name", flat=True) \
        == ["One", "Two"]
    three = await Title.get(name="Three").select_related("publisher")
    assert three.publisher.name == "Bodley"
    found = await Publisher.get(name="Acme").prefetch_related("titles")
    assert sorted(t.name for t in found.titles) == ["One", "Two"]
    counts = await Publisher.annotate(n=Count("titles")).order_by("name").values_list("name", "n")
    assert counts == [("Acme", 2), ("Bodley", 2)]
    assert await Publisher.filter(titles__pages__gt=25).distinct().values_list("name", flat=True) \
        == ["Bodley"]

    # Updates: a queryset update and a model save.
    assert await Title.filter(pages__lt=15).update(pages=15) == 1
    bodley.country = "UK"
    await bodley.save()
    assert (await Publisher.get(id=bodley.id)).country == "UK"
    assert sorted(await Title.all().values_list("pages", flat=True)) == [15, 20, 30, 40]

    # A unique violation surfaces as tortoise's IntegrityError; the pool goes on.
    with pytest.raises(IntegrityError):
        await Publisher.create(name="Acme", country="FR")
    with pytest.raises(IntegrityError):
        await Title.create(name="One", publisher=acme)
    assert await Publisher.all().count() == 2

    # Transactions: committed, and rolled back by an exception.
    async with in_transaction():
        extra = await Publisher.create(name="Faber", country="GB")
        await Title.create(name="Five", pages=50, publisher=extra)
    with pytest.raises(RuntimeError, match="roll back"):
        async with in_transaction():
            await Publisher.create(name="Ghost", country="XX")
            raise RuntimeError("roll back")
    assert sorted(await Publisher.all().values_list("name", flat=True)) == ["Acme", "Bodley", "Faber"]

    # Deletes: by queryset and by instance.
    assert await Title.filter(publisher=bodley).delete() == 2
    await (await Title.get(name="Five")).delete()
    await extra.delete()
    assert sorted(await Title.all().values_list("name", flat=True)) == ["One", "Two"]
    assert await Publisher.all().count() == 2
