"""SQL sessions end to end: OCC between sessions, schema conflicts, vanished clients,
and data that survives SIGKILL — against a real `borealis start` process."""

from __future__ import annotations

import socket

import psycopg
import pytest
from psycopg import errors as pgerr

from tests.qp.server import BorealisProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("borealis") / "data").start()
    yield proc
    proc.stop()


def connect(server: BorealisProcess, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(server.dsn, autocommit=autocommit, connect_timeout=10)


def test_concurrent_updates_of_one_row_give_oc000(server):
    with connect(server, autocommit=True) as setup:
        setup.execute("create table acct (id int primary key, balance int not null)")
        setup.execute("insert into acct values (1, 100)")
    a, b = connect(server), connect(server)
    try:
        assert a.execute("select balance from acct where id = 1").fetchone() == (100,)
        assert b.execute("select balance from acct where id = 1").fetchone() == (100,)
        a.execute("update acct set balance = balance + 1 where id = 1")
        b.execute("update acct set balance = balance + 10 where id = 1")
        a.commit()
        with pytest.raises(pgerr.SerializationFailure) as info:
            b.commit()
        assert info.value.sqlstate == "40001"
        assert "(OC000)" in str(info.value)
        # The retry sees the winner's write and succeeds.
        b.execute("update acct set balance = balance + 10 where id = 1")
        b.commit()
        assert b.execute("select balance from acct where id = 1").fetchone() == (111,)
    finally:
        a.close()
        b.close()


def test_ddl_during_an_open_transaction_gives_oc001(server):
    with connect(server, autocommit=True) as setup:
        setup.execute("create table notes (id int primary key, body text)")
    a = connect(server)
    try:
        a.execute("select count(*) from notes").fetchone()
        with connect(server, autocommit=True) as other:
            other.execute("create table unrelated (id int primary key)")
        a.execute("insert into notes values (1, 'x')")
        with pytest.raises(pgerr.SerializationFailure) as info:
            a.commit()
        assert "(OC001)" in str(info.value)
    finally:
        a.close()
    with connect(server, autocommit=True) as check:
        assert check.execute("select count(*) from notes").fetchone() == (0,)


def test_a_client_that_vanishes_mid_transaction_leaves_nothing(server):
    with connect(server, autocommit=True) as setup:
        setup.execute("create table vanish (id int primary key)")
    conn = connect(server)
    conn.execute("insert into vanish values (1)")
    # Cut the TCP connection without a Terminate message.
    sock = socket.socket(fileno=conn.pgconn.socket)
    sock.shutdown(socket.SHUT_RDWR)
    sock.detach()
    with connect(server, autocommit=True) as check:
        assert check.execute("select count(*) from vanish").fetchone() == (0,)
        check.execute("insert into vanish values (1)")  # the key is free: nothing leaked


def test_errors_keep_the_session_usable(server):
    with connect(server, autocommit=True) as conn:
        with pytest.raises(pgerr.UndefinedTable):
            conn.execute("select * from does_not_exist")
        with pytest.raises(pgerr.SyntaxError):
            conn.execute("selec 1")
        assert conn.execute("select 1 + 1").fetchone() == (2,)


def test_data_and_schema_survive_sigkill(tmp_path):
    data = tmp_path / "data"
    proc = BorealisProcess(data).start()
    try:
        with connect(proc, autocommit=True) as conn:
            conn.execute("create table kept (id int primary key, v text)")
            conn.execute("create index kept_v on kept (v)")
            with conn.transaction():
                for i in range(50):
                    conn.execute("insert into kept values (%s, %s)", (i, f"v{i}"))
    finally:
        proc.kill()
    proc = BorealisProcess(data, port=proc.port).start()
    try:
        with connect(proc, autocommit=True) as conn:
            assert conn.execute("select count(*), min(v), max(id) from kept").fetchone() == (50, "v0", 49)
            assert conn.execute("select id from kept where v = 'v7'").fetchone() == (7,)
    finally:
        proc.stop()


def test_cancel_interrupts_a_long_join(server):
    """A cancel reaches a statement busy inside the executor (a join that would run for
    hours), not only between result batches; the session stays usable."""
    import threading

    with connect(server, autocommit=True) as conn:
        failures: list[Exception] = []

        def run():
            try:
                conn.execute("select count(*) from generate_series(1, 100000) a, "
                             "generate_series(1, 100000) b where a + b < 0")
            except psycopg.Error as exc:
                failures.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        for _ in range(600):  # a cancel that lands before the statement starts is lost
            conn.cancel_safe(timeout=10)
            worker.join(0.5)
            if not worker.is_alive():
                break
        assert not worker.is_alive()
        assert len(failures) == 1 and isinstance(failures[0], pgerr.QueryCanceled)
        assert conn.execute("select 1").fetchone() == (1,)
