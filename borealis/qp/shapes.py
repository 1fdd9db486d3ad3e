"""Per session: the bound template of each simple-query shape (sql.literals) seen twice.

A statement's first sighting runs the ordinary way and is remembered; the second parses
its template, checks that parameters there mean what the literals meant, binds it, and
from then on every query of that shape skips parse, bind and optimize: the session
decodes its literals as a Bind would and runs the template's plan. A shape whose
template fails those checks is remembered as such, so it costs a lexer pass and one
lookup. Entries are keyed by template, literal types and search_path, and bounded (LRU);
a catalog change or SET ROLE drops the entry, and the next sighting builds it again.

The same cache keeps the parsed statements of queries with no literals at all, keyed
by (PARSED, text): drivers send BEGIN and COMMIT as simple queries around every
transaction, and a parse is most of what those cost. Parsing depends on the text (and
the session's fixed compatibility mode) alone, and a parsed statement is reused the way
an extended-protocol prepared statement is.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

SHAPES_MAX = 256  # per session

SEEN = True  # seen once, ran fine: build the template on the next sighting
NEVER = False  # the template cannot stand in for the literals
PARSED = "parsed"  # key tag: (PARSED, query text) -> its statements


class ShapeCache:
    def __init__(self, size: int = SHAPES_MAX) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple) -> Any:
        """The session's prepared template, SEEN, NEVER, or None (not seen)."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: Any) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def seen(self, key: tuple) -> None:
        if key not in self._entries:
            self.put(key, SEEN)

    def forget(self, key: tuple) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
