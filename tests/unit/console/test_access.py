"""Who may use the console: one-time link tokens, idle sessions, the users file of scrypt hashes."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.console import access


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_link_token_opens_once():
    tokens = access.LinkTokens()
    token = tokens.issue()
    assert tokens.redeem(token) is True
    assert tokens.redeem(token) is False


def test_a_link_token_expires_and_unknown_ones_never_open():
    clock = Clock()
    tokens = access.LinkTokens(ttl=60, clock=clock)
    late, fresh = tokens.issue(), tokens.issue()
    clock.now += 61
    assert tokens.redeem(late) is False
    assert tokens.redeem(fresh) is False  # the same age: both expired
    third = tokens.issue()
    clock.now += 59
    assert tokens.redeem(third) is True
    assert tokens.redeem("A" * 43) is False and tokens.redeem("") is False


def test_tokens_are_kept_as_hashes_only():
    tokens = access.LinkTokens()
    token = tokens.issue()
    assert token not in repr(vars(tokens)) and len(token) >= 43


def test_a_session_ends_after_idling_and_when_closed():
    clock = Clock()
    sessions = access.Sessions(idle=100, clock=clock)
    first = sessions.open("Aiko")
    clock.now += 99
    assert sessions.get(first).person == "Aiko"  # used: the idle time starts again
    clock.now += 99
    assert sessions.get(first) is not None
    clock.now += 101
    assert sessions.get(first) is None
    second = sessions.open("Kenji")
    sessions.close(second)
    assert sessions.get(second) is None and sessions.get(None) is None and sessions.get("forged") is None


@pytest.fixture()
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(access, "SCRYPT_N", 1 << 10)


def test_users_file_checks_passwords_and_is_private(tmp_path, cheap_scrypt):
    path = tmp_path / "users"
    assert access.add_user(path, "Aiko Tanaka", "correct horse battery") is True
    assert access.add_user(path, "Kenji", "another long password") is True
    assert access.add_user(path, "Aiko Tanaka", "a changed long password") is False
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    users = access.Users(path)
    assert len(users) == 2
    assert users.check("Aiko Tanaka", "a changed long password") == "Aiko Tanaka"
    assert users.check("Aiko Tanaka", "correct horse battery") is None
    assert users.check("Nobody", "correct horse battery") is None
    assert "correct horse" not in path.read_text()


def test_users_file_refusals_say_why(tmp_path, cheap_scrypt):
    path = tmp_path / "users"
    with pytest.raises(ValueError, match="12 characters"):
        access.add_user(path, "Aiko", "short")
    for bad in ("", "   ", "a:b", "x" * 65, "Aiko\u202e", "Ai\u200bko", "tab\there"):
        with pytest.raises(ValueError):
            access.add_user(path, bad, "a long enough password")
    path.write_text("Aiko:md5:1:2:3:00:00\n")
    os.chmod(path, 0o600)
    with pytest.raises(access.UsersFileError, match=":1: not a line"):
        access.Users(path)
    os.chmod(path, 0o644)
    with pytest.raises(access.UsersFileError, match="chmod 600"):
        access.Users(path)
    with pytest.raises(access.UsersFileError, match="cannot read"):
        access.Users(tmp_path / "missing")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_person_names_are_accepted_only_when_they_show_what_they_are(name):
    try:
        kept = access.check_person_name(name)
    except ValueError:
        return
    assert kept and kept == kept.strip() and len(kept) <= access.MAX_NAME and ":" not in kept
    assert not any(c in kept for c in "\u202e\u200b\n\t\x00")
