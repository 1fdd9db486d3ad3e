"""Drivers and an ORM against `borealis start`: psycopg2, and SQLAlchemy Core and ORM
(create_all, insert, query, update, delete, reflection)."""

from __future__ import annotations

import psycopg2
import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from tests.qp.server import BorealisProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("drivers") / "data").start()
    yield proc
    proc.stop()


def test_psycopg2_round_trip(server):
    conn = psycopg2.connect(server.dsn)
    try:
        cur = conn.cursor()
        cur.execute("create table p2 (id int primary key, name text, amount numeric(8,2))")
        conn.commit()
        cur.executemany("insert into p2 values (%s, %s, %s)", [(1, "a", "1.50"), (2, "b", None)])
        conn.commit()
        cur.execute("select id, name, amount from p2 order by id")
        rows = cur.fetchall()
        assert [(r[0], r[1]) for r in rows] == [(1, "a"), (2, "b")]
        assert str(rows[0][2]) == "1.50" and rows[1][2] is None
        cur.execute("select count(*) from p2 where name = %(n)s", {"n": "b"})
        assert cur.fetchone() == (1,)
        cur.execute("insert into p2 values (1, 'dup', 0)")
    except psycopg2.errors.UniqueViolation as exc:
        assert exc.pgcode == "23505"
        conn.rollback()
    finally:
        conn.close()


class Base(orm.DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: orm.Mapped[int] = orm.mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(50), unique=True)
    # No FOREIGN KEY yet: the join condition is given explicitly.
    books: orm.Mapped[list[Book]] = orm.relationship(
        back_populates="author", primaryjoin="Author.id == foreign(Book.author_id)")


class Book(Base):
    __tablename__ = "books"
    id: orm.Mapped[int] = orm.mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    title: orm.Mapped[str] = orm.mapped_column(sa.Text)
    author_id: orm.Mapped[int] = orm.mapped_column(sa.BigInteger, index=True)
    author: orm.Mapped[Author] = orm.relationship(
        back_populates="books", primaryjoin="foreign(Book.author_id) == Author.id")


def test_sqlalchemy_core_and_orm(server):
    url = f"postgresql+psycopg://admin@127.0.0.1:{server.port}/postgres"
    engine = sa.create_engine(url, use_native_hstore=False, connect_args={"sslmode": "disable"})
    try:
        Base.metadata.create_all(engine)
        with orm.Session(engine) as session:
            ada = Author(id=1, name="Ada")
            session.add_all([ada, Book(id=10, title="Notes", author=ada),
                             Book(id=11, title="Letters", author=ada)])
            session.commit()
        with orm.Session(engine) as session:
            author = session.scalars(sa.select(Author).where(Author.name == "Ada")).one()
            assert sorted(b.title for b in author.books) == ["Letters", "Notes"]
            author.name = "Ada L."
            session.delete(session.get(Book, 11))
            session.commit()
        with engine.connect() as conn:
            rows = conn.execute(sa.text("select a.name, count(b.id) from authors a "
                                        "left join books b on b.author_id = a.id group by a.name")).all()
            assert rows == [("Ada L.", 1)]
        inspector = sa.inspect(engine)
        assert {"authors", "books"} <= set(inspector.get_table_names())
        assert [c["name"] for c in inspector.get_columns("books")] == ["id", "title", "author_id"]
        assert inspector.get_pk_constraint("authors")["constrained_columns"] == ["id"]
        assert any(i["column_names"] == ["author_id"] for i in inspector.get_indexes("books"))
        assert any(u["column_names"] == ["name"] for u in inspector.get_unique_constraints("authors"))
    finally:
        engine.dispose()
