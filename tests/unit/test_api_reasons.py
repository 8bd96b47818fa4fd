"""docs/api.md "Every reason" lists every reason the gateway can send, each with its code, and no other."""

from __future__ import annotations

import re
from pathlib import Path

import gateway
from gateway import errors

ROOT = Path(__file__).parents[2]
DOC = (ROOT / "docs" / "api.md").read_text()


def documented() -> dict[str, str]:
    section = DOC.split("<!-- reasons: checked by tests/unit/test_api_reasons.py -->", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"^\| `([A-Z_]+)` \| `([A-Z_]+)` \|", section, re.M))


def in_the_code() -> dict[str, str]:
    """Each error class's reason and code, and every reason= given where an error is raised."""
    found: dict[str, str] = {"INTERNAL": "INTERNAL"}
    classes = [errors.RegulinkError]
    while classes:
        cls = classes.pop()
        classes += cls.__subclasses__()
        if cls is not errors.RegulinkError and not cls.__dict__.get("base_only"):
            found[cls.reason] = cls.code
    by_name = {cls.__name__: cls for cls in _all(errors.RegulinkError)}
    raised = re.compile(r"\b(" + "|".join(by_name) + r")\(")
    for path in Path(gateway.__file__).parent.rglob("*.py"):
        text = path.read_text()
        for match in re.finditer(r"reason=\"([A-Z_]+)\"", text):
            before = list(raised.finditer(text, max(0, match.start() - 400), match.start()))
            assert before, f"{path}: reason {match.group(1)} given outside an error's constructor"
            found[match.group(1)] = by_name[before[-1].group(1)].code
    return found


def _all(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all(sub)


def test_every_reason_is_documented_with_its_code_and_no_other():
    assert documented() == in_the_code()
