"""The graph model as data: graph/model/<Type>.yaml per entity type, links.yaml for link types.

Loaded and checked once at import (`InvalidModel` names the file and the
problem). Labels, merge keys, implicit identifier nodes, export styles and
the docs table all derive from it: a new entity type is one YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from graph import resolve
from regulink.v1 import records_pb2


class InvalidModel(ValueError):
    pass


@dataclass(frozen=True)
class EntityType:
    name: str  # the node label, e.g. "CryptoWallet"
    proto: int  # regulink.v1.EntityType value
    caption: str
    merge_keys: tuple[str, ...]  # identifier kinds that make the node key, in priority order
    identifier_node: bool  # this type's key identifiers on other entities become nodes of it
    color: str
    shape: str


@dataclass(frozen=True)
class LinkType:
    name: str  # the relationship type, e.g. "CONTROLS"
    proto: int | None  # regulink.v1.LinkType value; None for links the projector makes
    label: str


def _load_entity(path: Path) -> EntityType:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for required in ("name", "proto", "caption", "merge_keys", "style"):
        if required not in data:
            raise InvalidModel(f"{path.name}: '{required}' is required")
    if data["name"] != path.stem:
        raise InvalidModel(f"{path.name}: name {data['name']!r} must match the file name")
    try:
        proto = records_pb2.EntityType.Value(data["proto"])
    except ValueError:
        raise InvalidModel(f"{path.name}: {data['proto']!r} is not a regulink.v1.EntityType") from None
    keys = tuple(data["merge_keys"] or ())
    unknown = [k for k in keys if k not in resolve.KINDS]
    if unknown:
        raise InvalidModel(f"{path.name}: merge key kinds {unknown} have no normalizer in graph.resolve")
    return EntityType(data["name"], proto, data["caption"], keys, bool(data.get("identifier_node")),
                      data["style"]["color"], data["style"]["shape"])


def _load_links(path: Path) -> tuple[LinkType, ...]:
    links = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        if item.get("implicit"):
            links.append(LinkType(item["name"], None, item["label"]))
            continue
        try:
            links.append(LinkType(item["name"], records_pb2.LinkType.Value(item["proto"]), item["label"]))
        except (KeyError, ValueError):
            raise InvalidModel(f"links.yaml: {item} needs a valid 'proto' regulink.v1.LinkType") from None
    return tuple(links)


def load(folder: Path | None = None) -> tuple[dict[int, EntityType], dict[int, LinkType], dict[str, EntityType]]:
    folder = folder or Path(str(resources.files("graph") / "model"))
    entities = [_load_entity(p) for p in sorted(folder.glob("*.yaml")) if p.name != "links.yaml"]
    by_proto = {e.proto: e for e in entities}
    missing = set(records_pb2.EntityType.values()) - {records_pb2.ENTITY_TYPE_UNSPECIFIED} - set(by_proto)
    if missing:
        names = [records_pb2.EntityType.Name(m) for m in missing]
        raise InvalidModel(f"no model file for {names}")
    links = {link.proto: link for link in _load_links(folder / "links.yaml") if link.proto is not None}
    missing_links = set(records_pb2.LinkType.values()) - {records_pb2.LINK_TYPE_UNSPECIFIED} - set(links)
    if missing_links:
        raise InvalidModel(f"links.yaml lacks {[records_pb2.LinkType.Name(m) for m in missing_links]}")
    # Which entity type an identifier kind stands for when it appears on another entity.
    identifier_types = {kind: e for e in entities if e.identifier_node for kind in e.merge_keys}
    return by_proto, links, identifier_types


ENTITY_TYPES, LINK_TYPES, IDENTIFIER_TYPES = load()
BY_NAME = {e.name: e for e in ENTITY_TYPES.values()}
HAS_IDENTIFIER = "HAS_IDENTIFIER"
