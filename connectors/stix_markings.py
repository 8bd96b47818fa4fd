"""STIX data markings → TLP, as a careful reader of each marking-definition would conclude.

STIX 2.1 §7.2 defines marking-definition objects. Producers write TLP in several forms, all met
in published files:

* TLP 1.0, predefined (§7.2.1.4): ids ``marking-definition--613f2e26…`` (WHITE) … ``5e57c739…``
  (RED), ``definition_type: "tlp"``, ``definition: {"tlp": "red"}`` — STIX 2.1, ``stix2``, MISP.
* TLP 2.0: the five OASIS ids; the extension ``extension-definition--60a3c5c5…`` with
  ``tlp_2_0: "amber+strict"``; ``name: "TLP:AMBER+STRICT"`` — cti-stix-common-objects.
* OpenCTI, legacy: ``definition_type: "TLP"``, ``definition: {"TLP": "TLP:RED"}`` under any id
  (its test data has ``TLP:TEST``) — OpenCTI 3 and 4.
* OpenCTI, export: ``name: "TLP:RED"``, ``definition_type: "TLP"``, no ``definition``; its own id
  ``826578e1…`` for TLP:AMBER+STRICT — OpenCTI 5 and later.
* pycti: ``x_opencti_definition_type: "TLP"``, ``x_opencti_definition: "TLP:AMBER"``.
* the level as the type: ``definition_type: "TLP:CLEAR"``.

A level is read in any case, with or without ``TLP:``; WHITE is CLEAR; AMBER+STRICT may be
written ``AMBER_STRICT``, ``AMBER-STRICT`` or ``AMBER STRICT``. When one definition gives several
levels (a name and an extension that disagree), the strictest wins.

Not TLP, so not visibility: ``statement`` markings (copyright, terms of use) and PAP, the
Permissible Actions Protocol OpenCTI exports (``definition_type: "PAP"``): PAP says what a
recipient may *do* with the information, not who may see it. Both are kept as attributes of the
entity (``marking_statement``, ``pap``) and leave the record's TLP to the other markings or ``--tlp``.

Everything else is **unreadable**: a TLP-shaped marking whose level is none of the five
(``TLP:TEST``), a TLP part that is not text, another scheme (IEP, ACS, a national
classification — they restrict, and a guess would leak), a reference to a definition the file
does not contain. The caller refuses such an object or, when the operator says so, imports it
as RED; never as CLEAR or GREEN.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import stix2

from connectors.base import clip, strictest
from graph.visibility import tlp_level
from regulink.v1 import records_pb2 as pb

TLP_2_0_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

# Ids whose meaning is fixed whether or not the file defines them.
WELL_KNOWN: dict[str, int] = {
    # TLP 1.0, predefined by STIX 2.1 (stix2.TLP_WHITE …); OpenCTI uses the same four ids.
    stix2.TLP_WHITE.id: pb.TLP_CLEAR,
    stix2.TLP_GREEN.id: pb.TLP_GREEN,
    stix2.TLP_AMBER.id: pb.TLP_AMBER,
    stix2.TLP_RED.id: pb.TLP_RED,
    # OpenCTI's own id for TLP:AMBER+STRICT (pycti MarkingDefinition.generate_id).
    "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": pb.TLP_AMBER_STRICT,
    # TLP 2.0, as published by OASIS (cti-stix-common-objects, extension-definition tlp-2.0).
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": pb.TLP_CLEAR,
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": pb.TLP_GREEN,
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": pb.TLP_AMBER,
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": pb.TLP_AMBER_STRICT,
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": pb.TLP_RED,
}

# A name is free text ("TLP:AMBER (partner feed)"): only its leading level counts.
_NAME_LEVEL = re.compile(r"TLP\s*[:_\- ]?\s*(CLEAR|WHITE|GREEN|AMBER(?:\s*[+_\- ]\s*STRICT)?|RED)\b")


def name_level(name: object) -> int | None:
    """The level a free-text name starts with ('TLP:AMBER (partner feed)' → AMBER), else None."""
    if not isinstance(name, str):
        return None
    match = _NAME_LEVEL.match(" ".join(unicodedata.normalize("NFKC", name).upper().split()))
    return tlp_level(match.group(1)) if match else None


@dataclass(frozen=True)
class Marking:
    """What one marking-definition says: a TLP level, or a note that is not TLP, or unreadable."""

    tlp: int = 0  # the Tlp value; 0 when the marking is not about TLP
    unreadable: str = ""  # why it cannot be read as TLP ("definition 'TLP:TEST' is not a TLP level")
    note: tuple[str, str] | None = None  # ("marking_statement", "Copyright …"), ("pap", "PAP:AMBER")

    def merged(self, other: Marking) -> Marking:
        """Two definitions under one id: the stricter reading of both."""
        return Marking(tlp=strictest(self.tlp, other.tlp), unreadable=self.unreadable or other.unreadable,
                       note=self.note or other.note)


def _show(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return repr(clip(text, 60))


def _folded(value: object) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split()) if isinstance(value, str) else ""


def _structured_claims(obj: dict) -> tuple[list[tuple[str, object]], bool]:
    """(where, value) for every structured place that states a TLP level, and whether the object
    presents itself as a TLP marking at all (even when no level can be found)."""
    claims: list[tuple[str, object]] = []
    kind = _folded(obj.get("definition_type"))
    definition = obj.get("definition")
    tlp_shaped = kind.startswith("tlp")
    if kind == "tlp":
        if isinstance(definition, dict):
            keys = [k for k in definition if _folded(k) == "tlp"]
            claims += [("definition", definition[k]) for k in keys] or [("definition", definition)]
        elif definition is not None:
            claims.append(("definition", definition))
    elif tlp_shaped and tlp_level(obj["definition_type"]) is not None:  # definition_type "TLP:CLEAR"
        claims.append(("definition_type", obj["definition_type"]))
    extensions = obj.get("extensions")
    if isinstance(extensions, dict):
        for ext_id, extension in extensions.items():
            if not isinstance(extension, dict):
                tlp_shaped = tlp_shaped or ext_id == TLP_2_0_EXTENSION
                continue
            if "tlp_2_0" in extension:
                claims.append(("tlp_2_0", extension["tlp_2_0"]))
            elif ext_id == TLP_2_0_EXTENSION:
                tlp_shaped = True
            if _folded(extension.get("definition_type")) == "tlp":  # OpenCTI's own extension
                tlp_shaped = True
                if "definition" in extension:
                    claims.append(("extension definition", extension["definition"]))
    if _folded(obj.get("x_opencti_definition_type")) == "tlp":
        tlp_shaped = True
        claims.append(("x_opencti_definition", obj.get("x_opencti_definition")))
    return claims, tlp_shaped or bool(claims)


def read_definition(obj: dict) -> Marking:
    """What a marking-definition object means for visibility (never raises, whatever its shape)."""
    known = WELL_KNOWN.get(obj.get("id")) if isinstance(obj.get("id"), str) else None
    claims, tlp_shaped = _structured_claims(obj)
    name = obj.get("name")
    from_name = name_level(name)
    if from_name is None and isinstance(name, str) and _folded(name).startswith("tlp"):
        tlp_shaped = True
        if not claims:
            claims.append(("name", name))
    levels = [known] if known else []
    if from_name is not None:
        levels.append(from_name)
    for where, value in claims:
        level = tlp_level(value)
        if level is None:
            if known:  # the id fixes the meaning (STIX §7.2.1.4, OASIS TLP 2.0); a garbled copy adds nothing
                continue
            return Marking(unreadable=f"{where} {_show(value)} is not a TLP level")
        levels.append(level)
    if levels:
        return Marking(tlp=strictest(*levels))
    if tlp_shaped:
        return Marking(unreadable="a TLP marking that does not say its level")
    return _not_tlp(obj)


def _not_tlp(obj: dict) -> Marking:
    """Statement and PAP markings are kept as notes; any other scheme is unreadable."""
    kind = _folded(obj.get("definition_type"))
    definition = obj.get("definition")
    name = obj.get("name")
    if kind == "statement":
        statement = definition.get("statement") if isinstance(definition, dict) else definition
        text = statement if isinstance(statement, str) else name if isinstance(name, str) else ""
        return Marking(note=("marking_statement", clip(text.strip(), 1000)) if text.strip() else None)
    pap = ""
    if kind == "pap":
        pap = (definition.get("PAP") or definition.get("pap")) if isinstance(definition, dict) else definition
        pap = pap if isinstance(pap, str) else name
    elif _folded(obj.get("x_opencti_definition_type")) == "pap":
        pap = obj.get("x_opencti_definition")
    elif not kind and _folded(name).startswith("pap:"):
        pap = name
    if kind == "pap" or pap:
        return Marking(note=("pap", clip(pap.strip(), 100)) if isinstance(pap, str) and pap.strip() else None)
    if kind:
        return Marking(unreadable=f"definition_type {_show(obj.get('definition_type'))} is neither TLP, PAP "
                                  "nor a statement")
    return Marking(unreadable="no definition_type, and no TLP name or extension")


@dataclass(frozen=True)
class Judgement:
    """What the markings of one object add up to."""

    tlp: int  # the strictest TLP among them; 0 when none is a TLP marking
    unreadable: tuple[str, ...]  # "marking-definition--…: why", one per marking that cannot be read
    notes: tuple[tuple[str, str], ...]  # statements and PAP, to keep as attributes


class MarkingBook:
    """The marking definitions of one file, beside the ids whose meaning is fixed."""

    def __init__(self) -> None:
        self._defined: dict[str, Marking] = {}

    def add(self, obj: dict) -> Marking:
        marking = read_definition(obj)
        earlier = self._defined.get(obj["id"])
        self._defined[obj["id"]] = earlier.merged(marking) if earlier else marking
        return self._defined[obj["id"]]

    def knows(self, ref: str) -> bool:
        return ref in self._defined or ref in WELL_KNOWN

    def judge(self, refs: Iterable[str]) -> Judgement:
        """Judge an object's marking refs; call it once every definition of the file has been added
        (a ref nobody defined is then unreadable, unless its id is a well-known TLP id)."""
        levels: list[int] = []
        unreadable: list[str] = []
        notes: list[tuple[str, str]] = []
        for ref in dict.fromkeys(refs):
            marking = self._defined.get(ref)
            if marking is None:
                if ref in WELL_KNOWN:
                    levels.append(WELL_KNOWN[ref])
                else:
                    unreadable.append(f"{clip(ref, 80)}: not defined in the file, and not a TLP id regulink knows")
                continue
            if marking.unreadable:
                unreadable.append(f"{ref}: {marking.unreadable}")
            if marking.tlp:
                levels.append(marking.tlp)
            if marking.note and marking.note not in notes:
                notes.append(marking.note)
        return Judgement(strictest(*levels), tuple(unreadable), tuple(notes))


__all__ = ["WELL_KNOWN", "TLP_2_0_EXTENSION", "Marking", "Judgement", "MarkingBook", "read_definition",
           "tlp_level", "name_level"]
