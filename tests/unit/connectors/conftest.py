"""Every record a connector yields must pass the gateway's own schema check."""

from __future__ import annotations

import pytest

import connectors
from connectors.base import BadRow
from gateway.server.admission.records import check_record
from gateway.server.registry import Registry


@pytest.fixture(autouse=True)
def gateway_checks_every_record(monkeypatch, tmp_path):
    """Wrap connectors.read so each yielded record goes through gateway.server.admission.records.check_record."""
    registry = Registry(tmp_path / "registry.db")
    for agency in ("fsa-jp", "mas-sg", "tokyo-metro", "npa-cyber"):
        registry.add_agency(agency, agency, "regulator", "JP")
    snapshot = registry.snapshot()
    original = connectors.read

    def checked(fmt, path, options):
        for item in original(fmt, path, options):
            if not isinstance(item, BadRow):
                check_record(item[1], snapshot)
            yield item

    monkeypatch.setattr(connectors, "read", checked)
