"""Per session: the bound template of each simple-query shape (sql.literals) seen twice.

A statement's first sighting runs the ordinary way and is remembered; the second parses
its template, checks that parameters there mean what the literals meant, binds it, and
from then on every query of that shape skips parse, bind and optimize: the session
decodes its literals as a Bind would and runs the template's plan. A shape whose
template fails those checks is remembered as such, so it costs a lexer pass and one
lookup. Entries are keyed by template, literal types and search_path, and bounded (LRU);
a catalog change or SET ROLE drops the entry, and the next sighting builds it again.

A second cache of the same kind, keyed by the query text, keeps the statements of a
text, each as a `Prepared` with its bound plan, when the text has no literals at all
(drivers send BEGIN and COMMIT around every transaction) or its shape has no template
(NEVER: `SELECT 1`, a connection pool's ping, has its literal in the select list). Such a
text runs again the way an extended-protocol prepared statement does: no parse, and no
bind while the plan was made for the same catalog version, role and search path
(`qp.session.Session._plan_is_current`). Parsing depends on the text and the session's fixed
compatibility mode alone; binding on those three and nothing else the session can change.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

SHAPES_MAX = 256  # per session

SEEN = True  # seen once, ran fine: build the template on the next sighting
NEVER = False  # the template cannot stand in for the literals


class ShapeCache:
    def __init__(self, size: int = SHAPES_MAX) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple) -> Any:
        """The entry (a shape's template, SEEN or NEVER; a text's statements) or None."""
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
