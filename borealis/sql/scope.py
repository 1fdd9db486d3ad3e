"""Name resolution: which input column a reference like `t.a` or `a` means.

A `Scope` is the FROM clause of one query level: an ordered list of range entries
(tables, subqueries, functions, joins) whose columns are laid side by side in the
row the executor produces. `resolve` finds a column by name (and optional qualifier)
in this level, else in the enclosing levels — a correlated reference, read at run time
from the outer query's current row (`OuterCol`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from borealis.core import errors
from borealis.sql.expr import Col, Expr, Fn
from borealis.sql.plan import OutCol, OuterRow


@dataclass
class RangeEntry:
    alias: str
    columns: list[OutCol]
    offset: int = 0
    hidden: frozenset[str] = frozenset()  # USING/NATURAL merged columns, not in `*`
    internal: frozenset[str] = frozenset()  # in no `*` or `t.*`: dropped columns, a row key
    relation_oid: int = 0
    scalar: bool = False  # a function returning a scalar: its whole-row reference is that value
    relname: str = ""  # an aliased table's own name, which the alias hides (42P01's hint)


@dataclass(eq=False)
class OuterCol(Expr):
    """A column of an enclosing query's current row (correlation)."""

    index: int = 0
    outer: OuterRow = field(default_factory=OuterRow)

    def compile(self) -> Fn:
        holder, i = self.outer, self.index
        return lambda row: holder.row[i]


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.entries: list[RangeEntry] = []
        self.parent = parent
        self.outer = OuterRow()  # the row of *this* level, as seen by inner levels
        self.correlated = False  # set when an inner level referenced this one
        self.width = 0
        self.ctes: dict[str, object] = {}
        self.correlated_ctes: set[str] = set()  # WITH queries reading an enclosing level
        self.keep_unknown = False  # a set operation's branch: untyped outputs stay unknown

    def add(self, entry: RangeEntry) -> RangeEntry:
        entry.offset = self.width
        self.entries.append(entry)
        self.width += len(entry.columns)
        return entry

    def share_ctes(self, other: Scope) -> None:
        """See `other`'s WITH queries as this level's own (a scope binding part of
        `other`'s level: a join, a FROM subquery's parent, the grouped level)."""
        self.ctes, self.correlated_ctes = other.ctes, other.correlated_ctes

    def find_cte(self, name: str):
        """The WITH query `name` visible here and the level that defines it, or None."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.ctes:
                return scope.ctes[name], scope
            scope = scope.parent
        return None

    def entry(self, alias: str) -> RangeEntry | None:
        for e in self.entries:
            if e.alias == alias:
                return e
        return None

    def _lookup(self, name: str, qualifier: str | None) -> tuple[RangeEntry, int] | None:
        found = None
        for e in self.entries:
            if qualifier is not None and e.alias != qualifier:
                continue
            for i, c in enumerate(e.columns):
                if c.name == name and (qualifier is not None or name not in e.hidden):
                    if found is not None:
                        raise errors.AmbiguousColumn(name=name)
                    found = (e, i)
        return found

    def resolve(self, name: str, qualifier: str | None, *, inner: Scope | None = None) -> Expr:
        """The expression for column `name` [of `qualifier`], searching outward."""
        hit = self._lookup(name, qualifier)
        if hit is not None:
            entry, i = hit
            c = entry.columns[i]
            index = entry.offset + i
            if inner is None:
                return Col(c.oid, index, name, entry.alias, typmod=c.typmod)
            self.correlated = True
            return OuterCol(c.oid, index=index, outer=self.outer, typmod=c.typmod)
        if self.parent is not None and (qualifier is None or not self._has_alias(qualifier)):
            try:
                found = self.parent.resolve(name, qualifier, inner=self)
            except errors.GroupingError:
                raise  # found there, but not grouped: 42803
            except errors.BorealisError:
                found = None
            if found is not None:
                if inner is not None:
                    # The reference escapes this level too: a subquery bound here is
                    # correlated with an outer query.
                    self.correlated = True
                return found
        if qualifier is not None and self.entry(qualifier) is None and not self._any_alias(qualifier):
            raise self.no_entry(qualifier)
        raise errors.UndefinedColumn(name=f"{qualifier}.{name}" if qualifier else name)

    def owner(self, name: str, qualifier: str | None) -> tuple[RangeEntry, int] | None:
        """The FROM item whose column `resolve` finds for `name` [of `qualifier`], with
        the column's place in it, or None (not found, ambiguous, or a name only a
        subclass resolves)."""
        scope: Scope | None = self
        while scope is not None:
            try:
                hit = scope._lookup(name, qualifier)
            except errors.AmbiguousColumn:
                return None
            if hit is not None:
                return hit
            if qualifier is not None and scope._has_alias(qualifier):
                return None
            parent = scope.parent
            scope = getattr(parent, "inner", parent)  # a grouped level: its FROM items
        return None

    def no_entry(self, qualifier: str) -> errors.BorealisError:
        """42P01 for a qualifier no FROM item here or outside has; PostgreSQL's hint when
        it is the name of a table an alias hides."""
        scope: Scope | None = self
        while scope is not None:
            for e in scope.entries:
                if e.relname == qualifier:
                    return errors.UndefinedTable(
                        f'invalid reference to FROM-clause entry for table "{qualifier}"',
                        hint=f'Perhaps you meant to reference the table alias "{e.alias}".')
            scope = scope.parent
        return errors.UndefinedTable(f'missing FROM-clause entry for table "{qualifier}"')

    def _has_alias(self, alias: str) -> bool:
        return any(e.alias == alias for e in self.entries)

    def _any_alias(self, alias: str) -> bool:
        scope: Scope | None = self
        while scope is not None:
            if scope._has_alias(alias):
                return True
            scope = scope.parent
        return False

    def star(self, qualifier: str | None) -> list[Expr]:
        out: list[Expr] = []
        entries = self.entries if qualifier is None else [e for e in self.entries if e.alias == qualifier]
        if qualifier is not None and not entries:
            raise self.no_entry(qualifier)
        for e in entries:
            for i, c in enumerate(e.columns):
                if c.name in e.internal or (qualifier is None and c.name in e.hidden):
                    continue
                out.append(Col(c.oid, e.offset + i, c.name, e.alias, typmod=c.typmod))
        return out

    def out_col(self, index: int) -> OutCol:
        for e in self.entries:
            if e.offset <= index < e.offset + len(e.columns):
                return e.columns[index - e.offset]
        raise IndexError(index)
