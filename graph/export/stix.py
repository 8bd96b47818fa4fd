"""STIX 2.1 bundle (OASIS STIX 2.1, §8 bundle): entities as SDOs/SCOs, links as relationships, TLP 2.0 markings.

Mapping (one STIX object per node, so every link has both ends):

| node type    | STIX object                                                              |
| ------------ | ------------------------------------------------------------------------ |
| Person       | identity, identity_class "individual"; roles and labels = asserted roles |
| Organization | identity, identity_class "organization"; roles and labels = roles        |
| Address      | location: name and street_address = the address; country when an        |
|              | attribute gives an ISO 3166 alpha-2 code, else region "unknown" (STIX    |
|              | needs a region, a country or coordinates)                                |
| Website      | domain-name SCO (value = the domain)                                     |
| Email        | email-addr SCO                                                           |
| CryptoWallet | cryptocurrency-wallet SCO, value = the address                           |
| Phone        | phone-number SCO, value = E.164                                          |
| BankAccount  | bank-account SCO, iban (else account_number)                             |
| other        | identity, identity_class "unknown"                                       |

cryptocurrency-wallet, phone-number and bank-account are not in STIX 2.1: they are new SCO
types declared by a regulink extension-definition (extension_type "new-sco"), with the type
and property names OpenCTI uses, so OpenCTI maps them to its own observables. An identifier
node without its key (a Website known only by name) becomes an identity "unknown" instead.

Every node and link also carries a property extension (regulink's second extension-definition)
with the neutral fields of `meta.NODE_FIELDS` / `meta.EDGE_FIELDS` (graph key, names, roles,
identifiers, attributes, agencies, records, marking, first/last seen, evidence, score).

Links: relationship, relationship_type = the link type in lower case with hyphens
("transferred-to", "possibly-same-as"); description = the evidence; confidence = the score ×
100 for possibly_same_as candidates. SDOs and relationships have created/modified = first/last
seen and created_by_ref = the identity of the agency whose record asserted them first (every
agency is an identity object in the bundle). Each object has object_marking_refs = its own
TLP 2.0 marking (the OASIS-published marking-definition objects of the levels used, included
with their extension-definition as published, at the head of the bundle). A report object
closes the bundle: name = title, description = the TLP statement, created_by_ref = the viewer, marked with the export's
marking (the most restrictive inside), object_refs = everything exported.

Ids are deterministic: SDOs and relationships uuid5 over the graph key / edge id in regulink's
namespace, SCOs as STIX §2.9 says (uuid5 over their id-contributing property), so re-exports
of the same graph give the same ids and consumers merge them.

The standing objects (markings, extension definitions, identities, report) are built with the
`stix2` library; the per-node and per-link objects are plain dicts of the same shape, because
`stix2` objects cost ~0.3 ms each to build (12 s for 10k nodes / 30k links). The tests parse
the whole bundle with `stix2` and run `stix2-validator` on it.
"""

from __future__ import annotations

import json
import uuid
from typing import BinaryIO

import stix2
from stix2.base import SCO_DET_ID_NAMESPACE
from stix2.canonicalization.Canonicalize import canonicalize

from graph.export import meta
from graph.view import EdgeView, NodeView, Subgraph
from graph.visibility import AMBER, AMBER_STRICT, CLEAR, GREEN, RED

MEDIA_TYPE = "application/stix+json;version=2.1"

# TLP 2.0 as published by OASIS (cti-stix-common-objects, extension-definition-specifications/tlp-2.0).
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_CREATOR = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01"  # CISA; not in the bundle (not published)
TLP_MARKINGS = {
    CLEAR: ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"),
    GREEN: ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"),
    AMBER: ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"),
    AMBER_STRICT: ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"),
    RED: ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"),
}

NAMESPACE = uuid.UUID("5d0f8a3e-7c1b-5b8e-9a41-2f6c0e4d9b17")  # regulink's STIX id namespace (fixed)
REGULINK_CREATED = "2025-11-25T00:00:00.000Z"  # the regulink extension definitions, version 1.0.0


def _sdo_id(kind: str, seed: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, seed)}"


def _sco_id(kind: str, contributing: dict) -> str:
    return f"{kind}--{uuid.uuid5(SCO_DET_ID_NAMESPACE, canonicalize(contributing, utf8=False))}"


GATEWAY_ID = _sdo_id("identity", "regulink-gateway")
PROPERTIES_EXTENSION = _sdo_id("extension-definition", "regulink-graph-properties")
OBSERVABLES_EXTENSION = _sdo_id("extension-definition", "regulink-observables")

_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def tlp_marking(tlp: int) -> stix2.MarkingDefinition:
    marking_id, level = TLP_MARKINGS[tlp]
    return stix2.MarkingDefinition(
        id=marking_id, created=TLP2_CREATED, name=meta.tlp_name(tlp),
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}})


def standing_objects() -> list:
    """The TLP 2.0 extension definition, regulink's identity and its two extension definitions."""
    clear = [TLP_MARKINGS[CLEAR][0]]
    field_text = "; ".join(f"{name}: {meaning}" for name, (_, meaning) in {**meta.NODE_FIELDS,
                                                                         **meta.EDGE_FIELDS}.items())
    return [
        stix2.ExtensionDefinition(
            id=TLP2_EXTENSION, created_by_ref=TLP2_CREATOR, created=TLP2_CREATED, modified=TLP2_CREATED,
            name="TLP 2.0", description="This defines TLP 2.0 as a STIX extension",
            schema="https://github.com/oasis-open/cti-stix-common-objects/tree/master/"
                   "extension-definition-specifications/tlp-2.0",
            version="1.0.0", extension_types=["property-extension"]),
        stix2.Identity(id=GATEWAY_ID, created=REGULINK_CREATED, modified=REGULINK_CREATED, name="regulink gateway",
                       identity_class="system", description="Cross-regulator intelligence-sharing gateway",
                       object_marking_refs=clear),
        stix2.ExtensionDefinition(
            id=PROPERTIES_EXTENSION, created_by_ref=GATEWAY_ID, created=REGULINK_CREATED, modified=REGULINK_CREATED,
            name="regulink graph properties",
            description="Provenance and neutral fields of a regulink graph node or link.",
            schema="Property extension; every property is optional. key: the node's graph key. "
                   "Lists are JSON arrays of strings. " + field_text,
            version="1.0.0", extension_types=["property-extension"], object_marking_refs=clear),
        stix2.ExtensionDefinition(
            id=OBSERVABLES_EXTENSION, created_by_ref=GATEWAY_ID, created=REGULINK_CREATED, modified=REGULINK_CREATED,
            name="regulink observables",
            description="SCO types STIX 2.1 lacks, named as OpenCTI names them.",
            schema="New SCO types. cryptocurrency-wallet: value (the address, required), chain (as regulink "
                   "names it, e.g. ETH, BTC; id from chain and value). "
                   "phone-number: value (E.164, required; id from value). "
                   "bank-account: iban or account_number (one required; id from iban, else account_number).",
            version="1.0.0", extension_types=["new-sco"], object_marking_refs=clear),
    ]


def _properties(fields: dict, **extra) -> dict:
    """The regulink property extension: the non-empty neutral fields (no styling)."""
    values = {k: v for k, v in {**extra, **fields}.items() if v not in ("", []) and k not in ("color", "shape")}
    return {"extension_type": "property-extension", **values}


def _key_value(node: NodeView, prefix: str) -> str | None:
    """The value of the node's own key or identifier with `prefix` ("domain:" → the domain)."""
    for candidate in (node.key, *node.identifiers):
        if candidate.startswith(prefix):
            return meta.clean(candidate[len(prefix):])
    return None


_NEW_SCO = {OBSERVABLES_EXTENSION: {"extension_type": "new-sco"}}


def _observable(node: NodeView) -> dict | None:
    """The SCO's type and properties (without id) for an identifier node, None if it lacks its key."""
    if node.type == "Website" and (domain := _key_value(node, "domain:")):
        return {"type": "domain-name", "value": domain}
    if node.type == "Email" and (address := _key_value(node, "email:")):
        return {"type": "email-addr", "value": address}
    if node.type == "CryptoWallet" and (wallet := _key_value(node, "wallet:")):
        chain, _, address = wallet.rpartition(":")
        return {"type": "cryptocurrency-wallet", "value": address, **({"chain": chain} if chain else {}),
                "extensions": dict(_NEW_SCO)}
    if node.type == "Phone" and (phone := _key_value(node, "phone:")):
        return {"type": "phone-number", "value": phone, "extensions": dict(_NEW_SCO)}
    if node.type == "BankAccount":
        if iban := _key_value(node, "iban:"):
            return {"type": "bank-account", "iban": iban, "extensions": dict(_NEW_SCO)}
        return {"type": "bank-account", "account_number": meta.clean(node.caption), "extensions": dict(_NEW_SCO)}
    return None


_ID_PROPERTIES = {"domain-name": ("value",), "email-addr": ("value",), "cryptocurrency-wallet": ("chain", "value"),
                  "phone-number": ("value",), "bank-account": ("iban", "account_number")}


def _country(node: NodeView) -> str | None:
    for name, value, _ in node.attributes:
        if name.lower() in ("country", "country_code") and len(value) == 2 and value.isascii() and value.isalpha():
            return value.upper()
    return None


class _Bundle:
    """Streams objects into the bundle and remembers what the closing objects need."""

    def __init__(self, out: BinaryIO, bundle_id: str):
        self.sink = meta.TextSink(out)
        self.sink.write(f'{{"type":"bundle","id":"{bundle_id}","objects":[\n')
        self.first = True
        self.ids: list[str] = []
        self.observables: set[str] = set()
        self.agencies: dict[str, list] = {}  # agency -> [first seen ms, last seen ms, least restrictive tlp]

    def add(self, obj: dict | stix2.base._STIXBase, listed: bool = True) -> None:
        text = obj.serialize(separators=(",", ":"), ensure_ascii=False) if not isinstance(obj, dict) else _dump(obj)
        self.sink.write(text if self.first else ",\n" + text)
        self.first = False
        if listed:
            self.ids.append(obj["id"])

    def credit(self, sources: list[dict], tlp: int) -> str:
        """The creator identity of an element (the agency that asserted it first); notes every agency."""
        for source in sources:
            seen = self.agencies.setdefault(source["agency"], [source["seen_ms"], source["seen_ms"], tlp])
            seen[0], seen[1] = min(seen[0], source["seen_ms"]), max(seen[1], source["seen_ms"])
            seen[2] = min(seen[2], tlp)
        first = min(sources, key=lambda s: (s["seen_ms"], s["agency"]))
        return agency_id(first["agency"])

    def close(self) -> None:
        self.sink.write("\n]}\n")
        self.sink.flush()


def agency_id(agency: str) -> str:
    return _sdo_id("identity", f"agency:{agency}")


def _node_object(bundle: _Bundle, node: NodeView) -> str:
    fields = meta.node_fields(node)
    tlp = node.tlp
    creator = bundle.credit(node.sources, tlp)
    extensions = {PROPERTIES_EXTENSION: _properties(fields, key=meta.clean(node.key))}
    marking = [TLP_MARKINGS[tlp][0]]
    observable = _observable(node)
    if observable is not None:
        kind = observable["type"]
        sco_id = _sco_id(kind, {k: observable[k] for k in _ID_PROPERTIES[kind] if k in observable})
        if sco_id in bundle.observables:
            observable = None  # two nodes, one observable (should not happen with merge keys): keep both apart
    if observable is not None:
        bundle.observables.add(sco_id)
        obj = {"type": kind, "spec_version": "2.1", "id": sco_id,
               **{k: v for k, v in observable.items() if k != "type"}, "object_marking_refs": marking}
        obj["extensions"] = {**observable.get("extensions", {}), **extensions}
        bundle.add(obj)
        return obj["id"]
    common = {"spec_version": "2.1", "created_by_ref": creator, "created": fields["first_seen"],
              "modified": fields["last_seen"]}
    name = fields["label"] or meta.clean(node.key)
    if node.type == "Address":
        country = _country(node)
        obj = {"type": "location", "id": _sdo_id("location", node.key), **common, "name": name,
               "street_address": name, **({"country": country} if country else {"region": "unknown"})}
    else:
        identity_class = {"Person": "individual", "Organization": "organization"}.get(node.type, "unknown")
        obj = {"type": "identity", "id": _sdo_id("identity", node.key), **common, "name": name,
               "identity_class": identity_class}
        if fields["roles"]:
            obj["roles"] = fields["roles"]
    if fields["roles"]:
        obj["labels"] = fields["roles"]
    obj["object_marking_refs"] = marking
    obj["extensions"] = extensions
    bundle.add(obj)
    return obj["id"]


def relationship_type(edge_type: str) -> str:
    return edge_type.lower().replace("_", "-")


def _edge_object(bundle: _Bundle, edge: EdgeView, ids: dict[str, str]) -> None:
    fields = meta.edge_fields(edge)
    tlp = edge.tlp
    obj = {"type": "relationship", "spec_version": "2.1", "id": _sdo_id("relationship", meta.edge_id(edge)),
           "created_by_ref": bundle.credit(edge.sources, tlp), "created": fields["first_seen"],
           "modified": fields["last_seen"], "relationship_type": relationship_type(edge.type),
           "source_ref": ids[edge.source], "target_ref": ids[edge.target]}
    if fields["evidence"]:
        obj["description"] = "\n".join(fields["evidence"])
    if edge.score:
        obj["confidence"] = max(0, min(100, round(edge.score * 100)))
    obj["object_marking_refs"] = [TLP_MARKINGS[tlp][0]]
    obj["extensions"] = {PROPERTIES_EXTENSION: _properties(fields)}
    bundle.add(obj)


def _closing(bundle: _Bundle, subgraph: Subgraph, info: meta.ExportInfo) -> None:
    header = info.header(subgraph)
    generated = info.generated_iso.replace("Z", ".000Z")
    agencies = dict(bundle.agencies)
    if info.viewer not in agencies:
        agencies[info.viewer] = [None, None, info.tlp]
    else:
        agencies[info.viewer][2] = min(agencies[info.viewer][2], info.tlp)
    for agency, (first, last, tlp) in sorted(agencies.items()):
        bundle.add(stix2.Identity(
            id=agency_id(agency), created=meta.iso_ms(first) if first is not None else generated,
            modified=meta.iso_ms(last) if last is not None else generated, name=meta.clean(agency),
            identity_class="organization", description="an agency of the regulink community",
            object_marking_refs=[TLP_MARKINGS[tlp][0]]))
    description = "\n\n".join(filter(None, [
        info.tlp_statement, header["description"],
        f"Exported by regulink for {header['viewer']} at {header['generated_at']}: {header['nodes']} nodes, "
        f"{header['edges']} links{' (truncated at hubs)' if header['truncated'] else ''}."]))
    report = stix2.Report(
        id=_sdo_id("report", f"{info.viewer}|{info.generated_iso}|{info.title}"), created_by_ref=agency_id(info.viewer),
        created=generated, modified=generated, published=generated, name=header["title"] or "regulink export",
        description=description, report_types=["threat-report"], labels=[info.tlp_name],
        object_refs=list(bundle.ids) or [agency_id(info.viewer)], object_marking_refs=[TLP_MARKINGS[info.tlp][0]],
        allow_custom=True,  # object_refs name the new SCO types
        extensions={PROPERTIES_EXTENSION: {"extension_type": "property-extension", "viewer": header["viewer"],
                                           "tlp": info.tlp_name, "tlp_statement": info.tlp_statement,
                                           "truncated": bool(header["truncated"])}})
    bundle.add(report, listed=False)


def write(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO) -> None:
    info = meta.checked(subgraph, info)
    bundle = _Bundle(out, _sdo_id("bundle", f"{info.viewer}|{info.generated_iso}|{info.title}"))
    # Markings first, so that a reader streaming the bundle knows each one before its use.
    used = {CLEAR, info.tlp} | {n.tlp for n in subgraph.nodes.values()} | {e.tlp for e in subgraph.edges.values()}
    standing = standing_objects()
    bundle.add(standing[0], listed=False)  # the TLP 2.0 extension definition
    for tlp in sorted(used):
        bundle.add(tlp_marking(tlp), listed=False)
    for obj in standing[1:]:
        bundle.add(obj, listed=False)
    ids = {key: _node_object(bundle, node) for key, node in subgraph.nodes.items()}
    for edge in subgraph.edges.values():
        _edge_object(bundle, edge, ids)
    _closing(bundle, subgraph, info)
    bundle.close()


meta.register("stix", write, MEDIA_TYPE, "stix.json", "STIX 2.1 bundle with TLP 2.0 markings")
