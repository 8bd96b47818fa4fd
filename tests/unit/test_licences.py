"""regulink is Apache-2.0: no runtime dependency may be copyleft unless it is explicitly allowed here.

The runtime dependencies are those of the installed `regulink` distribution
(`importlib.metadata.requires`), followed recursively, with the extras that a
requirement asks for (`psycopg[binary]`) and none of regulink's own extras
(`dev` is not shipped). Each one's licence comes from its metadata, in this
order: `License-Expression` (SPDX, authoritative when present); otherwise the
`License` field when it is a short name (many packages put the whole licence
text there, bundled third-party notices included, which would be misread);
and the `License ::` trove classifiers. A package whose metadata names no
licence needs an entry in CHECKED_BY_HAND, saying where it was checked.

Copyleft: GPL, AGPL, LGPL, SSPL, EUPL, OSL, CC-BY-SA and the like. An SPDX
`A OR B` is fine when either side is. LGPL is allowed only for a library that
Python imports at run time (dynamic linking, unmodified), and only when listed
in ALLOWED_LGPL with the reason. MPL-2.0 (certifi, orjson) is file-level copyleft
on the MPL files themselves: used unmodified it puts no terms on our code, so it
passes without a table entry.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import tomllib
import warnings
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]

# LGPL libraries imported by Python (dynamically loaded, never modified or statically linked).
ALLOWED_LGPL = {
    "psycopg": "LGPL-3.0-only; the PostgreSQL ledger imports it unmodified (gateway/ledger/pg_store.py)",
    "psycopg-binary": "LGPL-3.0-only; psycopg's C speed-ups, a shared library loaded at run time",
    "pycountry": "LGPL-2.1-only; country and subdivision data imported unmodified (graph/resolve/authority.py)",
    "python-stdnum": "LGPL-2.1-or-later; identifier checks imported unmodified (graph/resolve/)",
}

# Copyleft dependencies that are known, tracked and to be replaced. A new copyleft dependency
# fails; so does an entry here once the package is gone (delete it then).
TO_BE_REPLACED: dict[str, str] = {
    # name: why it is still here and what replaces it (pykakasi, GPL-3.0, was replaced by Janome)
}

# Packages whose metadata names no licence: checked by hand, with where.
CHECKED_BY_HAND: dict[str, tuple[str, str]] = {
    # name: (SPDX licence, where it was checked)
}

COPYLEFT = re.compile(
    r"\b(A?GPL|LGPL|SSPL|EUPL|OSL|CC-BY-SA|CECILL|Sleepycat|RPL|Affero|General Public License|"
    r"Server Side Public|European Union Public|Open Software License|Share-?Alike)", re.I)
WEAK_ALLOWED = re.compile(r"\bMPL\b|Mozilla Public License", re.I)  # file-level, see the docstring


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements() -> dict[str, list[str]]:
    """Every runtime dependency of regulink, by normalized name, with the chain that pulls it in."""
    found: dict[str, list[str]] = {}
    todo = [(Requirement(r), ["regulink"]) for r in metadata.requires("regulink") or []]
    todo = [(r, chain) for r, chain in todo if not r.marker or r.marker.evaluate({"extra": ""})]
    while todo:
        requirement, chain = todo.pop()
        name = _normal(requirement.name)
        if name in found:
            continue
        found[name] = chain + [name]
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue  # reported by the test: a dependency that is not installed cannot be checked
        for text in requires:
            sub = Requirement(text)
            wanted = [""] + sorted(requirement.extras)
            if sub.marker and not any(sub.marker.evaluate({"extra": extra}) for extra in wanted):
                continue
            todo.append((sub, found[name]))
    return found


def licence_of(name: str) -> str:
    """The licence a package's metadata declares ("" when it declares none)."""
    if name in CHECKED_BY_HAND:
        return CHECKED_BY_HAND[name][0]
    info = metadata.metadata(name)
    expression = (info.get("License-Expression") or "").strip()
    if expression:
        return expression
    parts = []
    short = (info.get("License") or "").strip()
    if short and "\n" not in short and len(short) <= 80 and short.upper() not in ("UNKNOWN", "NONE"):
        parts.append(short)
    parts += [c.split("::")[-1].strip() for c in info.get_all("Classifier") or [] if c.startswith("License ::")
              and c.strip() != "License :: OSI Approved"]
    return " ; ".join(parts)


def _split(expression: str, operator: str) -> list[str]:
    """Top-level operands of an SPDX expression around `operator` (AND / OR), parentheses kept whole."""
    parts, depth, start, position = [], 0, 0, 0
    for token in re.split(r"(\(|\)|\s+)", expression):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0 and token.upper() == operator:
            parts.append(expression[start:position].strip())
            start = position + len(token)
        position += len(token)
    parts.append(expression[start:].strip())
    return parts


def is_copyleft(licence: str) -> bool:
    """True when the licence binds us: every alternative of an OR is copyleft, or any part of an AND."""
    licence = licence.strip()
    alternatives = _split(licence, "OR")
    if len(alternatives) > 1:
        return all(is_copyleft(a) for a in alternatives)
    parts = _split(licence, "AND")
    if len(parts) > 1:
        return any(is_copyleft(p) for p in parts)
    if licence.startswith("(") and licence.endswith(")"):
        return is_copyleft(licence[1:-1])
    # Metadata without SPDX: "GPL-3.0-or-later ; GNU General Public License v3 or later (GPLv3+)".
    return any(COPYLEFT.search(part) and not WEAK_ALLOWED.search(part) for part in licence.split(" ; "))


def only_lgpl(licence: str) -> bool:
    """The copyleft in it is LGPL and nothing stronger (no GPL, AGPL … beside it)."""
    lgpl = re.compile(r"LGPL\S*|(GNU )?(Lesser|Library) General Public License", re.I)
    return bool(lgpl.search(licence)) and not COPYLEFT.search(lgpl.sub("", licence))


# --- the classification itself --------------------------------------------------------------

@pytest.mark.parametrize("licence, copyleft", [
    ("GPL-2.0-or-later", True),
    ("GNU General Public License v2 or later (GPLv2+)", True),
    ("AGPL-3.0-only", True),
    ("LGPL-3.0-only", True),
    ("SSPL-1.0", True),
    ("EUPL-1.2", True),
    ("MIT", False),
    ("Apache-2.0 OR BSD-3-Clause", False),
    ("GPL-3.0-only OR MIT", False),  # we take MIT
    ("MIT AND GPL-2.0-only", True),  # both apply
    ("MPL-2.0 AND (Apache-2.0 OR MIT)", False),
    ("(GPL-2.0-only OR GPL-3.0-only) AND MIT", True),
    ("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", False),
    ("OFL-1.1", False),
    ("BSD ; BSD License", False),
])
def test_classification(licence, copyleft):
    assert is_copyleft(licence) is copyleft


def test_split_keeps_parentheses_whole():
    assert _split("MPL-2.0 AND (Apache-2.0 OR MIT)", "AND") == ["MPL-2.0", "(Apache-2.0 OR MIT)"]
    assert _split("MPL-2.0 AND (Apache-2.0 OR MIT)", "OR") == ["MPL-2.0 AND (Apache-2.0 OR MIT)"]


@pytest.mark.parametrize("licence, lgpl_only", [
    ("LGPL-3.0-only", True),
    ("LGPL ; GNU Lesser General Public License v2 or later (LGPLv2+)", True),
    ("GNU Lesser General Public License v2 (LGPLv2)", True),
    ("LGPL-2.1-only AND GPL-3.0-only", False),
    ("GPL-3.0-or-later", False),
])
def test_lgpl_is_told_from_gpl(licence, lgpl_only):
    assert only_lgpl(licence) is lgpl_only


# --- the installed dependencies ---------------------------------------------------------------

def test_installed_metadata_matches_pyproject():
    """The walk reads the installed regulink's metadata; a stale install would check old dependencies."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    installed = [r for r in metadata.requires("regulink") or [] if "extra ==" not in r]
    assert sorted(_normal(Requirement(r).name) for r in installed) == \
        sorted(_normal(Requirement(r).name) for r in declared), \
        "installed regulink metadata is stale: run `.venv/bin/python -m pip install -e .`"


def test_no_copyleft_runtime_dependency():
    dependencies = runtime_requirements()
    assert "numpy" in dependencies and "matplotlib" in dependencies  # the walk does reach them
    problems, pending = [], []
    for name, chain in sorted(dependencies.items()):
        try:
            licence = licence_of(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}: not installed, licence unknown (pulled in by {' -> '.join(chain)})")
            continue
        if not licence:
            problems.append(f"{name}: no licence in its metadata; check it by hand and add it to CHECKED_BY_HAND")
        elif not is_copyleft(licence):
            continue
        elif name in TO_BE_REPLACED:
            pending.append(f"{name}: {licence}")
        elif only_lgpl(licence) and name in ALLOWED_LGPL:
            continue
        else:
            problems.append(f"{name} is {licence} (copyleft; pulled in by {' -> '.join(chain)})")
    assert not problems, "copyleft or unknown runtime dependencies:\n  " + "\n  ".join(problems)
    if pending:
        warnings.warn("copyleft dependencies still to be replaced: " + "; ".join(pending), stacklevel=1)


def test_the_tables_name_only_present_dependencies():
    """An entry outlives its package only by mistake: the allowances must not cover a later arrival."""
    dependencies = runtime_requirements()
    stale = [n for n in (*ALLOWED_LGPL, *TO_BE_REPLACED, *CHECKED_BY_HAND) if n not in dependencies]
    assert not stale, f"no longer a runtime dependency, remove from the tables: {stale}"
    for name in TO_BE_REPLACED:
        assert is_copyleft(licence_of(name)), f"{name} is no longer copyleft: remove it from TO_BE_REPLACED"
