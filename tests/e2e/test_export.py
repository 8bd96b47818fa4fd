"""Analyst exports through the real gateway: every format streams, reads back, states its TLP,
and never carries what the asking agency may not see."""

from __future__ import annotations

import io
import zipfile

import networkx as nx
import pytest

from gateway import errors
from graph.export import FORMATS
from graph.visibility import NAMES as TLP_NAMES
from regulink.v1 import export_pb2, query_pb2
from tests.e2e.test_query import MAS_NOMINEE, NPA_SUSPECT, WALLET, samples  # noqa: F401  (module fixture)

HIDDEN_FROM_OUTSIDERS = ("Kenji Aramaki", MAS_NOMINEE, NPA_SUSPECT)  # AMBER, not shared with fsa-jp


async def export(client, **fields) -> tuple[export_pb2.ExportHeader, bytes]:
    stream = client.export(export_pb2.ExportRequest(**fields))
    header = await anext(stream)
    assert isinstance(header, export_pb2.ExportHeader)
    return header, b"".join([chunk async for chunk in stream])


def text_of(fmt: str, data: bytes) -> str:
    """What a reader of the file can see, as text (archives opened, pictures' text kept)."""
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    if fmt in ("png", "pdf"):
        return data.decode("latin-1")
    return data.decode("utf-8")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_every_format_hides_what_the_agency_may_not_see(samples, fmt):  # noqa: F811
    neighbourhood = query_pb2.NeighbourhoodRequest(key=WALLET, hops=4)
    header, data = await export(samples.client("fsa-jp"), format=fmt, neighbourhood=neighbourhood)
    assert data and header.node_count > 3
    assert header.media_type == FORMATS[fmt].media_type
    assert header.filename.endswith("." + FORMATS[fmt].extension) and "TLP_GREEN" in header.filename
    text = text_of(fmt, data)
    for hidden in HIDDEN_FROM_OUTSIDERS:
        assert hidden not in text
    if fmt not in ("png", "pdf"):
        assert "TLP:GREEN" in text  # the file itself states its marking


async def test_graphml_holds_exactly_the_neighbourhood_the_agency_may_see(samples):  # noqa: F811
    police = samples.client("npa-cyber")
    answer = await police.neighbourhood(WALLET, hops=4, node_limit=500)
    header, data = await export(police, format="graphml",
                                neighbourhood=query_pb2.NeighbourhoodRequest(key=WALLET, hops=4))
    graph = nx.read_graphml(io.BytesIO(data))
    assert set(graph.nodes) == {n.key for n in answer.nodes}
    assert graph.number_of_edges() == len(answer.edges) == header.edge_count
    assert MAS_NOMINEE in graph.nodes  # shared with the police
    assert header.tlp == answer.tlp and TLP_NAMES[header.tlp] in data.decode()


async def test_a_hidden_case_and_a_missing_case_answer_alike(samples):  # noqa: F811
    messages = []
    for reference in ("EA-2026-118", "EA-1999-000"):  # AMBER for npa-cyber only; does not exist
        with pytest.raises(errors.NotFound) as failure:
            await export(samples.client("fsa-jp"), format="node-link",
                         case_selection=export_pb2.CaseSelection(agency_id="mas-sg", case_reference=reference))
        messages.append(str(failure.value))
    assert messages[0] == messages[1]
    header, data = await export(samples.client("npa-cyber"), format="node-link",
                                case_selection=export_pb2.CaseSelection(agency_id="mas-sg",
                                                                        case_reference="EA-2026-118"))
    assert "Kenji Aramaki" in data.decode() and header.tlp == 3  # TLP:AMBER


async def test_a_community_of_an_analysis_is_exported_alone(samples):  # noqa: F811
    client = samples.client("npa-cyber")
    analysis = await client.analyze(WALLET, hops=4)
    largest = set(analysis.communities[0].node_keys)
    _, data = await export(client, format="cytoscape", community=export_pb2.CommunitySelection(
        analyze=query_pb2.AnalyzeRequest(key=WALLET, hops=4), community=0))
    assert all(key in data.decode() for key in largest)
    with pytest.raises(errors.NotFound):
        await export(client, format="cytoscape", community=export_pb2.CommunitySelection(
            analyze=query_pb2.AnalyzeRequest(key=WALLET, hops=4), community=len(analysis.communities)))


@pytest.mark.parametrize("fields, field", [
    ({"format": "xlsx", "neighbourhood": query_pb2.NeighbourhoodRequest(key=WALLET)}, "format"),
    ({"format": "graphml"}, "selection"),
    ({"format": "png", "width": 9000, "neighbourhood": query_pb2.NeighbourhoodRequest(key=WALLET)}, "width"),
    ({"format": "graphml", "neighbourhood": query_pb2.NeighbourhoodRequest(key=WALLET, hops=9)},
     "neighbourhood.hops"),
    ({"format": "graphml", "case_selection": export_pb2.CaseSelection(agency_id="mas-sg")},
     "case_selection.case_reference"),
])
async def test_bad_requests_name_the_field(samples, fields, field):  # noqa: F811
    with pytest.raises(errors.InvalidArgument) as failure:
        await export(samples.client("fsa-jp"), **fields)
    assert failure.value.field == field


async def test_exports_are_audited(samples):  # noqa: F811
    await export(samples.client("tokyo-metro"), format="gexf",
                 neighbourhood=query_pb2.NeighbourhoodRequest(key=WALLET))
    rows = samples.gateway.audit.recent(agency_id="tokyo-metro")
    assert any(row["call"] == "Export" and row["results"] > 0 and row["outcome"] == "OK" for row in rows)
