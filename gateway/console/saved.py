"""Saved investigations: a named canvas an agency reopens later.

Kept in `investigations.db` (SQLite, WAL, mode 0600) in the console's state
folder, by default ~/.regulink/console/<agency>/: they belong to the agency,
and every person of it who uses the console sees them (each line says who
saved it). A canvas is stored as what to ask again, never as what was seen:
node keys with their places and pins, link keys, the time slider's date and
the title. Reopening asks the gateway for exactly those elements (an element
export, filtered like every answer), so a record retracted or narrowed since
is not shown from a stale copy, and the file holds no record contents.

Back it up like any SQLite file in use: `sqlite3 investigations.db ".backup
investigations-copy.db"` (or copy it while the console is stopped).
"""

from __future__ import annotations

import json
import math
import time
import unicodedata
from pathlib import Path

from gateway import db

SCHEMA = """
CREATE TABLE IF NOT EXISTS investigations (
    agency_id TEXT NOT NULL,
    name      TEXT NOT NULL,
    canvas    TEXT NOT NULL,
    saved_by  TEXT NOT NULL,
    saved_ms  INTEGER NOT NULL,
    PRIMARY KEY (agency_id, name)
);
"""
MAX_NAME = 100
MAX_NODES = 2000
MAX_EDGES = 10_000
MAX_KEY = 1000


class BadCanvas(ValueError):
    """What the page sent is not a canvas this store keeps; the message names the field."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")
        self.field = field


def check_name(name) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or any(
            unicodedata.category(c)[0] == "C" for c in name):
        raise BadCanvas("name", f"1 to {MAX_NAME} visible characters")
    return name.strip()


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadCanvas(field, "a finite number")
    return float(value)


def _key(value, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_KEY:
        raise BadCanvas(field, f"a key of 1 to {MAX_KEY} characters")
    return value


def check_canvas(canvas) -> dict:
    """The canvas reduced to what is kept: node keys with places and pins, link keys, date, title."""
    if not isinstance(canvas, dict):
        raise BadCanvas("canvas", "an object")
    nodes, edges = canvas.get("nodes", []), canvas.get("edges", [])
    if not isinstance(nodes, list) or len(nodes) > MAX_NODES:
        raise BadCanvas("canvas.nodes", f"a list of at most {MAX_NODES}")
    if not isinstance(edges, list) or len(edges) > MAX_EDGES:
        raise BadCanvas("canvas.edges", f"a list of at most {MAX_EDGES}")
    kept_nodes = []
    for i, item in enumerate(nodes):
        if not isinstance(item, dict):
            raise BadCanvas(f"canvas.nodes[{i}]", "an object")
        kept_nodes.append({"key": _key(item.get("key"), f"canvas.nodes[{i}].key"),
                           "x": _number(item.get("x", 0), f"canvas.nodes[{i}].x"),
                           "y": _number(item.get("y", 0), f"canvas.nodes[{i}].y"),
                           "pinned": bool(item.get("pinned", False))})
    kept_edges = [_key(e, f"canvas.edges[{i}]") for i, e in enumerate(edges)]
    until = canvas.get("until_ms")
    if until is not None:
        until = int(_number(until, "canvas.until_ms"))
    title = canvas.get("title", "")
    if not isinstance(title, str) or len(title) > 200:
        raise BadCanvas("canvas.title", "text of at most 200 characters")
    return {"nodes": kept_nodes, "edges": kept_edges, "until_ms": until, "title": title}


class Investigations:
    def __init__(self, path: Path, agency: str) -> None:
        self.agency = agency
        self._conn = db.connect(path)
        self._conn.executescript(SCHEMA)

    def save(self, name: str, canvas: dict, saved_by: str) -> dict:
        name, canvas = check_name(name), check_canvas(canvas)
        with db.transaction(self._conn):
            self._conn.execute("INSERT OR REPLACE INTO investigations VALUES (?, ?, ?, ?, ?)",
                               (self.agency, name, json.dumps(canvas, ensure_ascii=False), saved_by,
                                int(time.time() * 1000)))
        return {"name": name, "nodes": len(canvas["nodes"])}

    def list(self) -> list[dict]:
        rows = self._conn.execute("SELECT name, saved_by, saved_ms, canvas FROM investigations WHERE agency_id = ? "
                                  "ORDER BY saved_ms DESC", (self.agency,)).fetchall()
        return [{"name": n, "saved_by": by, "saved_ms": ms, "nodes": len(json.loads(c)["nodes"])}
                for n, by, ms, c in rows]

    def get(self, name: str) -> dict | None:
        row = self._conn.execute("SELECT canvas FROM investigations WHERE agency_id = ? AND name = ?",
                                 (self.agency, check_name(name))).fetchone()
        return json.loads(row[0]) if row else None

    def delete(self, name: str) -> bool:
        with db.transaction(self._conn):
            cursor = self._conn.execute("DELETE FROM investigations WHERE agency_id = ? AND name = ?",
                                        (self.agency, check_name(name)))
        return cursor.rowcount > 0

    def close(self) -> None:
        self._conn.close()
