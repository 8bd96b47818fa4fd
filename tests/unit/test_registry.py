"""The agency registry: validation, key status over time, snapshots that follow other writers."""

from __future__ import annotations

import time

import pytest

from gateway import keys
from gateway.errors import InvalidArgument, KeyNotValidNow, NotFound, RevokedKey, UnknownAgency, UnknownKey
from gateway.server.registry import Registry


@pytest.fixture
def registry(tmp_path):
    reg = Registry(tmp_path / "registry.db")
    reg.add_agency("fsa-jp", "Financial Services Agency", "regulator", "jp")
    yield reg
    reg.close()


def test_agency_fields_are_checked(registry):
    with pytest.raises(InvalidArgument) as failure:
        registry.add_agency("FSA JP", "x", "regulator", "JP")
    assert failure.value.field == "agency_id"
    with pytest.raises(InvalidArgument) as failure:
        registry.add_agency("ok", "x", "ministry", "JP")
    assert failure.value.field == "kind"
    with pytest.raises(InvalidArgument, match="already registered"):
        registry.add_agency("fsa-jp", "again", "regulator", "JP")
    assert registry.snapshot().agency("fsa-jp").jurisdiction == "JP"


def test_key_lifecycle(registry):
    key = keys.generate()
    kid = registry.add_key("fsa-jp", keys.raw_public_key(key), not_after=time.time() + 3600)
    snapshot = registry.snapshot()
    assert snapshot.usable_key(kid).agency_id == "fsa-jp"
    with pytest.raises(KeyNotValidNow, match="expired"):
        snapshot.usable_key(kid, now=time.time() + 7200)
    with pytest.raises(KeyNotValidNow, match="not yet valid"):
        snapshot.usable_key(kid, now=time.time() - 60)
    registry.revoke_key(kid)
    with pytest.raises(RevokedKey):
        registry.snapshot().usable_key(kid)
    with pytest.raises(NotFound):
        registry.revoke_key(kid)
    with pytest.raises(UnknownKey):
        registry.snapshot().usable_key("00" * 32)


def test_keys_belong_to_registered_agencies(registry):
    with pytest.raises(UnknownAgency):
        registry.add_key("nobody", keys.raw_public_key(keys.generate()))
    key = keys.raw_public_key(keys.generate())
    registry.add_key("fsa-jp", key)
    with pytest.raises(InvalidArgument, match="already registered"):
        registry.add_key("fsa-jp", key)


def test_snapshot_sees_changes_from_another_connection(tmp_path, registry):
    before = registry.snapshot()
    other = Registry(registry.path)
    other.add_agency("tokyo-metro", "Tokyo Metropolitan Government", "local-government", "JP-13")
    other.close()
    after = registry.snapshot()
    assert "tokyo-metro" not in before.agencies and "tokyo-metro" in after.agencies
    assert registry.snapshot() is after  # unchanged database, same snapshot


def test_relay_permission(registry):
    registry.add_agency("npa-cyber", "Police", "law-enforcement", "JP")
    assert not registry.snapshot().may_send_for("npa-cyber", "fsa-jp")
    registry.allow_relay("fsa-jp", "npa-cyber")
    assert registry.snapshot().may_send_for("npa-cyber", "fsa-jp")
    assert not registry.snapshot().may_send_for("fsa-jp", "npa-cyber")
