"""CSV zip: BOM, Japanese text intact, README with the TLP statement, formula cells neutralised."""

from __future__ import annotations

import csv
import io
import zipfile

from graph.export import csvzip, meta
from tests.unit.export.conftest import expected_flat, export_bytes, info_for, operator_network, random_subgraph


def read(data: bytes) -> tuple[zipfile.ZipFile, list[dict], list[dict]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    tables = []
    for name in ("nodes.csv", "edges.csv"):
        raw = archive.read(name)
        assert raw.startswith(b"\xef\xbb\xbf"), f"{name} lacks the UTF-8 byte-order mark"
        tables.append(list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))))
    return archive, tables[0], tables[1]


def test_layout_and_readme():
    network = operator_network()
    archive, nodes, edges = read(export_bytes("csv", network))
    assert archive.namelist() == ["README.txt", "nodes.csv", "edges.csv"]
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert readme.splitlines()[0] == info_for(network).tlp_statement
    assert "TLP:AMBER+STRICT" in readme and "fsa-jp" in readme and "ミライコイン" in readme
    assert archive.comment == b"TLP:AMBER+STRICT"
    assert list(nodes[0]) == csvzip.NODE_COLUMNS and list(edges[0]) == csvzip.EDGE_COLUMNS


def test_rows_say_what_the_view_says():
    network = random_subgraph(300, 900, seed=3)
    _, nodes, edges = read(export_bytes("csv", network))
    want_nodes, want_edges = expected_flat(network)
    assert {row["id"]: row for row in nodes}.keys() == want_nodes.keys()
    for row in nodes:
        assert {k: row[k] for k in meta.NODE_FIELDS} == {k: str(csvzip.cell(v)) for k, v in want_nodes[row["id"]].items()}
    assert {(r["source"], r["type"], r["target"]) for r in edges} == want_edges.keys()
    for row in edges:
        want = want_edges[(row["source"], row["type"], row["target"])]
        assert {k: row[k] for k in meta.EDGE_FIELDS} == {k: str(csvzip.cell(v)) for k, v in want.items()}


def test_japanese_text_intact():
    _, nodes, edges = read(export_bytes("csv", operator_network()))
    office = next(r for r in nodes if r["type"] == "Address")
    assert office["label"] == "東京都千代田区霞が関3-2-1"
    director = next(r for r in nodes if r["id"].endswith(":director"))
    assert director["names"] == "山田 太郎; Taro Yamada; ヤマダ タロウ"
    assert any(r["evidence"] == "相談者の申告" for r in edges)


def test_formula_cells_are_shown_as_text():
    network = operator_network()
    person = network.nodes["local:fsa-jp/warn-2025-031:director"]
    person.names = {'=HYPERLINK("http://evil.example","x")': ["r"], "@SUM(A1)": ["r"], "plain": ["r"]}
    _, nodes, _ = read(export_bytes("csv", network))
    row = next(r for r in nodes if r["id"] == person.key)
    assert row["label"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert row["names"].startswith("'=HYPERLINK")


def test_output_needs_no_seek():
    class Pipe(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.data += b
            return len(b)

    pipe = Pipe()
    network = operator_network()
    csvzip.write(network, info_for(network), pipe)
    assert zipfile.ZipFile(io.BytesIO(bytes(pipe.data))).read("README.txt")
