"""A checker for strong snapshot isolation over list-append histories (Elle-style).

Because every appended value is unique, the longest list read at a key gives that key's
version order, and each read names the version it saw. From that the checker derives
dependencies between committed transactions:

- ww  T1 -> T2: T1's append precedes T2's in the key's version order;
- wr  T1 -> T2: T2 read the version T1 installed (its last element is T1's);
- rw  T1 -> T2: T1 read a version and T2 installed a later one (anti-dependency);
- rt  T1 -> T2: T1 was acknowledged ("ok") before T2 was invoked (real time).

Strong SI allows a dependency cycle only if two rw edges are adjacent in it (write skew,
G2); every other cycle is reported, named after what it needs: "G0" (ww only), "G1c"
(ww/wr), "G-single" (with rw edges, never two adjacent) and "realtime" (needs an rt edge;
a stale read is the cycle T1 -rt-> T2 -rw-> T1). Alongside the cycle search, per-read
checks report "G1a" (aborted read), "G1b" (intermediate read), "dirty-or-garbage"
(values nobody appended, duplicates, or reads that disagree on the version order),
"non-repeatable-read" (a transaction's reads of a key disagree, or do not end with its
own appends) and "lost-update" (two committed writers of a key, neither seeing the
other: first-committer-wins must have aborted one).

Semantic decisions:

- Reads of "fail" transactions are ignored (an aborted attempt promises nothing); their
  appends only matter for G1a.
- An "info" transaction counts as committed iff another transaction observed one of its
  appends; otherwise it is ignored entirely. Info transactions never source rt edges
  (their commit could have landed after the client gave up), but do receive them.
- A committed append that nobody observed must come after the longest read of its key,
  so readers of that longest version get rw edges to its writer. This is what catches a
  stale read of a write that was acknowledged but never read by anyone else.
- A transaction that read a key and appended to it must have its append installed right
  after the version it read; anything else between is a lost update.

Costs: linear in the total size of the reads, plus Tarjan's SCC algorithm (iterative)
and one BFS per reported cycle. Real-time edges are a transitive reduction: each
transaction is linked only from the frontier of transactions acknowledged before it was
invoked and not already implied through another one. Many readers of a key's latest
version reach its many unobserved writers through one virtual hub node, not pairwise.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from borealis.sim.checkers.history import FAIL, INFO, OK, Append, Txn

WW, WR, RW, RT = 1, 2, 4, 8
# Edges out of a hub: pass through it without counting as an edge of the cycle.
VIA = 16
_KIND_NAMES = {WW: "ww", WR: "wr", RW: "rw", RT: "rt"}

# Cycle searches in order; each looks for cycles that need an edge of its seed kind, so
# a cycle found by an earlier, narrower search is not reported again under a wider name.
_SEARCHES = ((WW, WW), (WW | WR, WR), (WW | WR | RW, RW), (WW | WR | RW | RT, RT))


@dataclass(frozen=True)
class CheckResult:
    """`ok` iff no anomaly was found; `anomalies` maps anomaly name to explanations."""

    ok: bool
    anomalies: dict[str, list[str]]

    def describe(self) -> str:
        """All explanations, one per line, for assertion messages and logs."""
        if self.ok:
            return "no anomalies"
        return "\n".join(f"{name}: {msg}" for name, msgs in self.anomalies.items() for msg in msgs)


def check(history: Sequence[Txn]) -> CheckResult:
    """Check `history` against strong snapshot isolation.

    Raises ValueError if the history itself is malformed (duplicate transaction ids or
    appended values), since then no verdict about the system would be meaningful.
    """
    idx = _Index(history)
    report: dict[str, list[str]] = {}
    by_key = _observations(idx, report)
    orders = {key: _check_reads(idx, key, obs, report) for key, obs in by_key.items()}
    graph = _Graph(_committed(idx, by_key))
    for key, obs in by_key.items():
        _key_edges(idx, key, orders[key], obs, graph, report)
    _realtime_edges(idx, graph)
    _cycles(graph, report)
    return CheckResult(ok=not report, anomalies=report)


# --- indexing -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Writer:
    """Who appended a value, and where it sits among that txn's appends to the key."""

    txn: int
    key: str
    index: int
    last: bool


@dataclass(slots=True)
class _Obs:
    """One distinct snapshot of a key seen by a (non-failed) transaction.

    `ext` is the read minus the transaction's own appends: the version it read.
    """

    txn: int
    key: str
    ext: tuple[int, ...]
    first: bool
    compatible: bool = True


class _Index:
    """Lookups over the history: transactions by id, and the writer of every value."""

    def __init__(self, history: Iterable[Txn]) -> None:
        self.txns: dict[int, Txn] = {}
        self.writers: dict[int, _Writer] = {}
        self.appends: dict[int, dict[str, list[int]]] = {}
        self.appenders: dict[str, list[int]] = defaultdict(list)
        for txn in history:
            if txn.id in self.txns:
                raise ValueError(f"duplicate transaction id T{txn.id}")
            self.txns[txn.id] = txn
            self._index_appends(txn)

    def _index_appends(self, txn: Txn) -> None:
        per_key: dict[str, list[int]] = defaultdict(list)
        for op in txn.ops:
            if isinstance(op, Append):
                per_key[op.key].append(op.value)
        self.appends[txn.id] = per_key
        for key, values in per_key.items():
            self.appenders[key].append(txn.id)
            for i, value in enumerate(values):
                if value in self.writers:
                    other = self.writers[value].txn
                    raise ValueError(f"value {value} appended by both T{other} and T{txn.id}")
                self.writers[value] = _Writer(txn.id, key, i, i == len(values) - 1)

    def writer(self, value: int, key: str) -> _Writer | None:
        """The append of `value` to `key`, or None if nobody appended it there."""
        w = self.writers.get(value)
        return w if w is not None and w.key == key else None

    def status(self, txn: int) -> str:
        return self.txns[txn].status


def _add(report: dict[str, list[str]], name: str, message: str) -> None:
    report.setdefault(name, []).append(message)


def _fmt(values: Sequence[int]) -> str:
    """A list for humans; long lists are elided in the middle, which rarely matters."""
    if len(values) <= 8:
        return "[" + ", ".join(map(str, values)) + "]"
    head, tail = ", ".join(map(str, values[:2])), ", ".join(map(str, values[-4:]))
    return f"[{head}, ... {tail}] ({len(values)} items)"


def _names(txns: Iterable[int]) -> str:
    return ", ".join(f"T{t}" for t in txns)


# --- reads ----------------------------------------------------------------------------


def _observations(idx: _Index, report: dict[str, list[str]]) -> dict[str, list[_Obs]]:
    """Every distinct snapshot read, by key, after checking each txn's internal consistency."""
    by_key: dict[str, list[_Obs]] = defaultdict(list)
    for txn in idx.txns.values():
        if txn.status == FAIL:
            continue
        for obs in _txn_observations(idx, txn, report):
            by_key[obs.key].append(obs)
    return dict(sorted(by_key.items()))


def _txn_observations(idx: _Index, txn: Txn, report: dict[str, list[str]]) -> list[_Obs]:
    own: dict[str, list[int]] = defaultdict(list)
    seen: dict[str, list[tuple[int, ...]]] = defaultdict(list)
    out = []
    for op in txn.ops:
        if isinstance(op, Append):
            own[op.key].append(op.value)
            continue
        mine = set(idx.appends[txn.id].get(op.key, ()))
        ext = tuple(x for x in op.items if x not in mine)
        if ext + tuple(own[op.key]) != op.items:
            _add(report, "non-repeatable-read",
                 f"T{txn.id} read {op.key}={_fmt(op.items)}, which is not a snapshot "
                 f"followed by its own appends so far {_fmt(own[op.key])}")
        prior = seen[op.key]
        if ext in prior:
            continue
        if prior:
            _add(report, "non-repeatable-read",
                 f"T{txn.id} read two different snapshots of {op.key}: "
                 f"{_fmt(prior[0])} then {_fmt(ext)} (own appends aside)")
        prior.append(ext)
        out.append(_Obs(txn.id, op.key, ext, first=len(prior) == 1))
    return out


def _check_reads(idx: _Index, key: str, obs: list[_Obs],
                 report: dict[str, list[str]]) -> tuple[int, ...]:
    """Report bad reads of `key` and return its version order (the longest clean read).

    Reads that are not prefixes of the version order are marked incompatible and take no
    part in the dependency graph.
    """
    clean = [_check_values(idx, key, o, report) for o in obs]
    ref = max([o for o, ok in zip(obs, clean) if ok] or obs, key=lambda o: len(o.ext))
    order = ref.ext
    for o, ok in zip(obs, clean):
        if order[: len(o.ext)] == o.ext:
            continue
        o.compatible = False
        if not ok:
            continue  # already reported; one explanation per bad read is enough
        i = next(i for i, (a, b) in enumerate(zip(o.ext, order)) if a != b)
        _add(report, "dirty-or-garbage",
             f"T{o.txn} read {key}={_fmt(o.ext)} but T{ref.txn} read {_fmt(order)}: "
             f"neither is a prefix of the other (index {i}: {o.ext[i]} vs {order[i]})")
    return order


def _check_values(idx: _Index, key: str, o: _Obs, report: dict[str, list[str]]) -> bool:
    """Report garbage, G1a and G1b in one read; True iff it is usable as a version."""
    clean = True
    where = f"T{o.txn} read {key}={_fmt(o.ext)}"
    unknown = [x for x in o.ext if idx.writer(x, key) is None]
    if unknown:
        clean = False
        _add(report, "dirty-or-garbage", f"{where}, containing {unknown}, never appended to {key}")
    dups = sorted(x for x, n in Counter(o.ext).items() if n > 1)
    if dups:
        clean = False
        _add(report, "dirty-or-garbage", f"{where}, containing {dups} more than once")
    for t in _misordered(idx, key, o.ext):
        clean = False
        _add(report, "dirty-or-garbage",
             f"{where}, which does not hold T{t}'s appends as a prefix of the "
             f"order T{t} made them in: {idx.appends[t][key]}")
    writers = [w for x in o.ext if (w := idx.writer(x, key)) is not None]
    aborted = sorted({w.txn for w in writers if idx.status(w.txn) == FAIL})
    if aborted:
        _add(report, "G1a", f"{where}, containing appends of aborted {_names(aborted)}")
    last = idx.writer(o.ext[-1], key) if o.ext else None
    if last is not None and not last.last and idx.status(last.txn) != FAIL:
        later = idx.appends[last.txn][key][last.index + 1:]
        _add(report, "G1b",
             f"{where}, ending in T{last.txn}'s {o.ext[-1]}, but T{last.txn} "
             f"appended {later} to {key} after it: an intermediate state")
    return clean


def _misordered(idx: _Index, key: str, ext: tuple[int, ...]) -> list[int]:
    """Writers whose appends in `ext` are not their first appends to `key`, in order."""
    expected: dict[int, int] = {}
    bad: dict[int, None] = {}
    for x in ext:
        w = idx.writer(x, key)
        if w is None:
            continue
        if w.index != expected.get(w.txn, 0):
            bad[w.txn] = None
        expected[w.txn] = w.index + 1
    return list(bad)


def _committed(idx: _Index, by_key: dict[str, list[_Obs]]) -> set[int]:
    """The graph's nodes: "ok" txns, and "info" txns whose appends someone else saw."""
    observed = set()
    for key, obs in by_key.items():
        for o in obs:
            for x in o.ext:
                w = idx.writer(x, key)
                if w is not None and w.txn != o.txn:
                    observed.add(w.txn)
    return {
        t.id for t in idx.txns.values()
        if t.status == OK or (t.status == INFO and t.id in observed)
    }


# --- dependency graph -----------------------------------------------------------------


class _Graph:
    """Committed txns (as dense indices) and their dependency edges, as kind bitmasks.

    Indices past the txns are hubs: virtual nodes that stand for "every unobserved
    writer of a key", so that R readers of the latest version and W such writers need
    R + W edges rather than R * W.
    """

    def __init__(self, nodes: Iterable[int]) -> None:
        self.ids = sorted(nodes)
        self.index = {t: i for i, t in enumerate(self.ids)}
        self.succ: list[dict[int, int]] = [{} for _ in self.ids]
        self.keys: dict[tuple[int, int, int], str] = {}
        self.hub_keys: dict[int, str] = {}

    def __contains__(self, txn: object) -> bool:
        return txn in self.index

    def add(self, a: int, b: int, kind: int, key: str | None = None) -> None:
        if a != b:  # a txn never depends on itself; its own writes explain its reads
            self.link(self.index[a], self.index[b], kind, key)

    def link(self, i: int, j: int, kind: int, key: str | None = None) -> None:
        self.succ[i][j] = self.succ[i].get(j, 0) | kind
        if key is not None:
            self.keys.setdefault((i, j, kind), key)

    def hub(self, key: str) -> int:
        self.succ.append({})
        self.hub_keys[len(self.succ) - 1] = key
        return len(self.succ) - 1


def _key_edges(idx: _Index, key: str, order: tuple[int, ...], obs: list[_Obs],
               graph: _Graph, report: dict[str, list[str]]) -> None:
    """ww, wr and rw edges for one key, and lost updates on it."""
    tail = _unobserved_writers(idx, key, order, graph)
    last = _ww_edges(idx, key, order, graph)
    if last is not None:
        for t in tail:
            graph.add(last, t, WW, key)  # unobserved committed appends follow the order
    latest: dict[int, None] = {}
    for o in obs:
        if o.compatible and o.txn in graph:
            _read_edges(idx, o, order, graph)
            if len(o.ext) == len(order):
                latest[o.txn] = None
    _tail_edges(graph, key, list(latest), tail)
    _lost_updates(idx, key, order, obs, graph, report)


def _unobserved_writers(idx: _Index, key: str, order: tuple[int, ...], graph: _Graph) -> list[int]:
    """Committed appenders of `key` none of whose appends appear in its version order."""
    present = set(order)
    return [t for t in idx.appenders.get(key, ())
            if t in graph and present.isdisjoint(idx.appends[t][key])]


def _ww_edges(idx: _Index, key: str, order: tuple[int, ...], graph: _Graph) -> int | None:
    """Link consecutive committed writers along the order; return the last one."""
    prev = None
    for x in order:
        w = idx.writer(x, key)
        if w is None or w.txn not in graph:
            continue
        if prev is not None:
            graph.add(prev, w.txn, WW, key)
        prev = w.txn
    return prev


def _read_edges(idx: _Index, o: _Obs, order: tuple[int, ...], graph: _Graph) -> None:
    if o.ext:
        w = idx.writer(o.ext[-1], o.key)
        if w is not None and w.txn in graph:
            graph.add(w.txn, o.txn, WR, o.key)
    if len(o.ext) < len(order):
        w = idx.writer(order[len(o.ext)], o.key)
        if w is not None and w.txn in graph:
            graph.add(o.txn, w.txn, RW, o.key)


def _tail_edges(graph: _Graph, key: str, readers: list[int], tail: list[int]) -> None:
    """rw edges from readers of the latest observed version to unobserved writers."""
    writers = set(tail)
    # A reader that is itself an unobserved writer must not reach itself through a hub.
    direct = [r for r in readers if r in writers]
    hubbed = [r for r in readers if r not in writers]
    if len(hubbed) > 1 and len(tail) > 1:
        hub = graph.hub(key)
        for r in hubbed:
            graph.link(graph.index[r], hub, RW, key)
        for t in tail:
            graph.link(hub, graph.index[t], VIA)
    else:
        direct += hubbed
    for r in direct:
        for t in tail:
            graph.add(r, t, RW, key)


def _lost_updates(idx: _Index, key: str, order: tuple[int, ...], obs: list[_Obs],
                  graph: _Graph, report: dict[str, list[str]]) -> None:
    """A committed read-then-append must land right after the version it read."""
    claims: dict[int, list[int]] = defaultdict(list)
    for o in obs:
        if o.first and o.compatible and o.txn in graph and key in idx.appends[o.txn]:
            claims[len(o.ext)].append(o.txn)
    for pos, txns in sorted(claims.items()):
        if len(txns) > 1:
            _add(report, "lost-update",
                 f"{_names(txns)} each read {key}={_fmt(order[:pos])}, appended to it "
                 f"and committed: first-committer-wins must abort all but one")
        for t in txns:
            _check_claim(idx, key, order, pos, t, txns, graph, report)


def _check_claim(idx: _Index, key: str, order: tuple[int, ...], pos: int, txn: int,
                 claimants: list[int], graph: _Graph, report: dict[str, list[str]]) -> None:
    mine = idx.appends[txn][key]
    if pos >= len(order) or order[pos] == mine[0]:
        return
    w = idx.writer(order[pos], key)
    if w is None or w.txn not in graph or w.txn == txn or w.txn in claimants:
        return  # garbage and aborted reads are reported elsewhere; claimants above
    _add(report, "lost-update",
         f"T{txn} read {key}={_fmt(order[:pos])} and appended {mine[0]}, but the next "
         f"version is T{w.txn}'s {order[pos]}: T{w.txn} wrote {key} concurrently and "
         f"both committed")


def _realtime_edges(idx: _Index, graph: _Graph) -> None:
    """rt edges, transitively reduced so a busy history does not get O(n^2) of them.

    `frontier` holds acknowledged txns not yet implied by a later acknowledged one: when
    T is acknowledged, everything that was in the frontier when T was invoked is reached
    through T from then on.
    """
    events = []
    for t in graph.ids:
        txn = idx.txns[t]
        events.append((txn.invoke_ns, 0, t))
        if txn.status == OK:
            events.append((txn.complete_ns, 1, t))
    events.sort()  # at equal times invocations come first: rt needs strictly earlier
    frontier: dict[int, None] = {}
    before: dict[int, list[int]] = {}
    for _, completes, t in events:
        if completes:
            for p in before.pop(t):
                frontier.pop(p, None)
            frontier[t] = None
        else:
            before[t] = list(frontier)
            for p in before[t]:
                graph.add(p, t, RT)


# --- cycles ---------------------------------------------------------------------------
#
# A cycle is forbidden iff no two of its rw edges are adjacent (circularly). Such cycles
# are exactly the cycles of a product graph whose states are (txn, entered-by-rw): an rw
# edge leads to the flagged copy, and the flagged copy cannot take another rw edge.


def _cycles(graph: _Graph, report: dict[str, list[str]]) -> None:
    seen: set[tuple[str, frozenset[int]]] = set()
    for allowed, seed in _SEARCHES:
        out = _product(graph, allowed)
        comp = _sccs(out)
        done = set()
        for s, edges in enumerate(out):
            for t, kind in edges:
                if comp[s] != comp[t] or comp[s] in done:
                    continue
                if not _is_seed(graph, s, t, kind, allowed, seed):
                    continue
                done.add(comp[s])
                walk = _cycle_through(out, comp, s, t, kind)
                walk = _simplify(_shortcut_realtime(_skip_hubs(graph, walk)))
                _report_cycle(graph, walk, seen, report)


def _plain(kinds: int) -> int:
    """The non-rw kind to label an edge with, preferring the data dependencies."""
    for kind in (WW, WR, RT):
        if kinds & kind:
            return kind
    return 0


def _product(graph: _Graph, allowed: int) -> list[list[tuple[int, int]]]:
    """State 2*u is txn u entered by a non-rw edge, 2*u+1 entered by an rw edge."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(2 * len(graph.succ))]
    for u, edges in enumerate(graph.succ):
        for v, kinds in edges.items():
            if kinds & VIA:  # hubs are entered by rw and pass the flag on unchanged
                out[2 * u].append((2 * v, VIA))
                out[2 * u + 1].append((2 * v + 1, VIA))
            plain = _plain(kinds & allowed)
            if plain:
                out[2 * u].append((2 * v, plain))
                out[2 * u + 1].append((2 * v, plain))
            if kinds & allowed & RW:
                out[2 * u].append((2 * v + 1, RW))
    return out


def _is_seed(graph: _Graph, s: int, t: int, kind: int, allowed: int, seed: int) -> bool:
    """Whether a cycle through s -> t necessarily uses an edge of kind `seed`."""
    if kind != seed:
        return False
    # an rw edge that is also ww/wr could be walked as such: no rw needed there
    return seed != RW or graph.succ[s >> 1][t >> 1] & allowed == RW


def _sccs(out: list[list[tuple[int, int]]]) -> list[int]:
    """Tarjan's algorithm, iterative; returns the component number of each state."""
    n = len(out)
    index, low, comp = [-1] * n, [0] * n, [-1] * n
    on_stack = [False] * n
    stack: list[int] = []
    counter = ncomp = 0
    for root in range(n):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, iter(out[root]))]
        while work:
            v, it = work[-1]
            for w, _ in it:
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, iter(out[w])))
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        comp[w] = ncomp
                        if w == v:
                            break
                    ncomp += 1
    return comp


_Step = tuple[int, int, bool]  # (txn index, kind of its outgoing edge, is the seed edge)


def _cycle_through(out: list[list[tuple[int, int]]], comp: list[int],
                   s: int, t: int, kind: int) -> list[_Step]:
    """A shortest closed walk through the transition s -> t, within their component."""
    parent: dict[int, tuple[int, int] | None] = {t: None}
    queue = deque([t])
    while s not in parent:
        x = queue.popleft()
        for y, k in out[x]:
            if y not in parent and comp[y] == comp[s]:
                parent[y] = (x, k)
                queue.append(y)
    steps: list[_Step] = []
    x = s
    while (link := parent[x]) is not None:
        prev, k = link
        steps.append((prev >> 1, k, False))
        x = prev
    steps.reverse()
    steps.append((s >> 1, kind, True))
    return steps


def _skip_hubs(graph: _Graph, walk: list[_Step]) -> list[_Step]:
    """Turn R -rw-> hub -> W into R -rw-> W, so cycles name transactions only."""
    n = len(walk)
    out = []
    for i, (node, kind, seed) in enumerate(walk):
        if node in graph.hub_keys:
            continue
        hub = walk[(i + 1) % n][0]
        if hub in graph.hub_keys:
            target = walk[(i + 2) % n][0]
            graph.keys.setdefault((node, target, kind), graph.hub_keys[hub])
        out.append((node, kind, seed))
    return out


def _shortcut_realtime(walk: list[_Step]) -> list[_Step]:
    """rt is transitive, so a run of rt edges is as good as one from its first txn.

    The reduced real-time graph makes BFS walk long rt chains; this keeps reports short.
    """
    out = [step for i, step in enumerate(walk) if not (step[1] == RT and walk[i - 1][1] == RT)]
    return out or walk


def _forbidden(walk: list[_Step]) -> bool:
    """True iff no two rw edges are adjacent, circularly."""
    n = len(walk)
    return not any(walk[i][1] == RW and walk[(i + 1) % n][1] == RW for i in range(n))


def _simplify(walk: list[_Step]) -> list[_Step]:
    """Split a closed walk at repeated txns until it is a simple cycle.

    When a forbidden walk splits in two, at least one half is still forbidden (if one
    half closes on two rw edges, the other half starts and ends with non-rw edges); keep
    that one, preferring the half with the seed edge so the anomaly keeps its kind.
    """
    while True:
        first: dict[int, int] = {}
        for j, (node, _, _) in enumerate(walk):
            i = first.setdefault(node, j)
            if i != j:
                break
        else:
            return walk
        halves = (walk[i:j], walk[j:] + walk[:i])
        walk = min(halves, key=lambda h: (not _forbidden(h), not any(step[2] for step in h)))


def _report_cycle(graph: _Graph, walk: list[_Step], seen: set[tuple[str, frozenset[int]]],
                  report: dict[str, list[str]]) -> None:
    kinds = {kind for _, kind, _ in walk}
    if RT in kinds:
        name = "realtime"
    elif RW in kinds:
        name = "G-single"
    else:
        name = "G1c" if WR in kinds else "G0"
    members = frozenset(node for node, _, _ in walk)
    if (name, members) in seen:
        return
    seen.add((name, members))
    _add(report, name, "cycle " + _describe(graph, walk))


def _describe(graph: _Graph, walk: list[_Step]) -> str:
    parts = []
    for i, (u, kind, _) in enumerate(walk):
        v = walk[(i + 1) % len(walk)][0]
        key = graph.keys.get((u, v, kind))
        label = _KIND_NAMES[kind] + (f"({key})" if key is not None else "")
        parts.append(f"T{graph.ids[u]} -{label}-> ")
    return "".join(parts) + f"T{graph.ids[walk[0][0]]}"
