"""The result table: one row per workload with PostgreSQL's figure, Borealis' figure,
the ratio Borealis/PostgreSQL, and failed/retried transaction counts; printed as text,
and written under bench/results/ as JSON and as a markdown table for the README."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from bench.workloads import Measurement

SERVERS = ("postgres", "borealis")
NOTE_WIDTH = 70


@dataclass
class Row:
    key: str
    workload: str
    unit: str
    better: str  # "higher" | "lower"
    results: dict[str, Measurement] = field(default_factory=dict)
    note: str = ""

    def value(self, server: str) -> float | None:
        m = self.results.get(server)
        return None if m is None else m.value

    @property
    def ratio(self) -> float | None:
        pg, bo = self.value("postgres"), self.value("borealis")
        if pg is None or bo is None or pg == 0:
            return None
        return bo / pg

    def problems(self) -> list[str]:
        """Why a figure is missing, per server ("not run: ..." or the error)."""
        out = []
        for server in SERVERS:
            m = self.results.get(server)
            if m is None:
                out.append(f"{_label(server)}: not run: not measured")
            elif m.error:
                out.append(f"{_label(server)}: {m.error}")
        return out

    def to_json(self) -> dict:
        return {"key": self.key, "workload": self.workload, "unit": self.unit,
                "better": self.better, "ratio_borealis_to_postgres": self.ratio,
                "note": self.note,
                **{server: dataclasses.asdict(m) if (m := self.results.get(server)) else None
                   for server in SERVERS}}


def _label(server: str) -> str:
    return {"postgres": "PostgreSQL", "borealis": "Borealis"}[server]


def _figure(m: Measurement | None) -> str:
    if m is None or m.value is None:
        if m is not None and m.error and m.error.startswith("not run"):
            return "not run"
        return "error" if m is not None and m.error else "not run"
    value = m.value
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def _counts(m: Measurement | None) -> str:
    if m is None or (m.failed is None and m.retried is None):
        return "–"
    show = ["–" if n is None else str(n) for n in (m.failed, m.retried)]
    return "/".join(show)


HEADERS = ("Workload", "Unit", "PostgreSQL", "Borealis", "Borealis/PG",
           "failed/retried PG", "failed/retried Borealis", "Note")


def _cells(row: Row) -> list[str]:
    arrow = "↑" if row.better == "higher" else "↓"
    r = row.ratio
    ratio = ("–" if r is None else f"{r:.2f}×" if r >= 0.1 else f"{r:.3f}×" if r >= 0.001
             else "<0.001×")
    note = "; ".join([*([row.note] if row.note else []), *row.problems()])
    return [row.workload, f"{row.unit} {arrow}", _figure(row.results.get("postgres")),
            _figure(row.results.get("borealis")), ratio, _counts(row.results.get("postgres")),
            _counts(row.results.get("borealis")), note]


def text_table(rows: list[Row]) -> str:
    """Fixed-width table for the terminal; long notes are cut here (full in the JSON)."""
    body = []
    for row in rows:
        cells = _cells(row)
        if len(cells[-1]) > NOTE_WIDTH:
            cells[-1] = cells[-1][:NOTE_WIDTH - 1] + "…"
        body.append(cells)
    widths = [max(len(r[i]) for r in [list(HEADERS), *body]) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(r, widths)).rstrip()
             for r in [list(HEADERS), ["-" * w for w in widths], *body]]
    return "\n".join(lines)


def markdown_table(rows: list[Row], caption: str) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    out = [caption, "", line(list(HEADERS)),
           line(["---", "---", "---:", "---:", "---:", "---:", "---:", "---"])]
    out += [line(_cells(row)) for row in rows]
    return "\n".join(out) + "\n"


def write(results_dir: Path, stamp: str, document: dict, markdown: str, *,
          latest: bool = True) -> list[Path]:
    """<stamp>.json / .md, and with `latest` also latest.json / .md; each file is
    written whole, then renamed over the old one."""
    results_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, sort_keys=False) + "\n"
    files = [(f"{stamp}.json", text), (f"{stamp}.md", markdown)]
    if latest:
        files += [("latest.json", text), ("latest.md", markdown)]
    written = []
    for name, content in files:
        path = results_dir / name
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(content)
        tmp.replace(path)
        written.append(path)
    return written
