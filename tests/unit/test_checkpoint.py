"""Signed tree heads: the C2SP checkpoint note, its signature, and every malformed note refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import keys
from gateway.ledger import checkpoint
from gateway.ledger.checkpoint import CheckpointError, TreeHead

KEY = keys.generate()


def test_note_layout_is_the_documented_one():
    head = TreeHead("regulink.example/log", 5, bytes(range(32)), 1764000000000)
    assert head.note() == (
        b"regulink.example/log\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntimestamp 1764000000000\n"
    )


@settings(max_examples=50, deadline=None)
@given(size=st.integers(0, 2**63), root=st.binary(min_size=32, max_size=32), stamp=st.integers(0, 2**62))
def test_sign_then_verify_round_trips(size, root, stamp):
    head = TreeHead("o/log", size, root, stamp)
    note, signature = checkpoint.sign(head, KEY)
    assert checkpoint.verify(note, signature, KEY.public_key(), origin="o/log") == head


@pytest.mark.parametrize(
    "note",
    [
        b"o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntimestamp 1\n\n",
        b"o\n05\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntimestamp 1\n",
        b"o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\ntimestamp 1\n",
        b"o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntime 1\n",
        b"o\n-5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntimestamp 1\n",
        b"o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntimestamp 1",
    ],
    ids=["extra-line", "leading-zero", "short-root", "bad-timestamp", "negative", "no-final-newline"],
)
def test_malformed_notes(note):
    with pytest.raises(CheckpointError):
        checkpoint.verify(note, KEY.sign(note), KEY.public_key())


def test_wrong_key_wrong_origin_and_altered_note():
    note, signature = checkpoint.sign(TreeHead("o/log", 3, bytes(32), 1), KEY)
    with pytest.raises(CheckpointError, match="does not verify"):
        checkpoint.verify(note, signature, keys.generate().public_key())
    with pytest.raises(CheckpointError, match="not 'other'"):
        checkpoint.verify(note, signature, KEY.public_key(), origin="other")
    with pytest.raises(CheckpointError):
        checkpoint.verify(note.replace(b"\n3\n", b"\n4\n"), signature, KEY.public_key())
