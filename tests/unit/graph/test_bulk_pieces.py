"""The streamed body of ArcadeDB's bulk load: pieces carry every line, whole, in order."""

from hypothesis import given
from hypothesis import strategies as st

from graph import bulk_arcadedb

lines = st.lists(st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"\n", b" ")), max_size=60)


@given(lines, st.integers(min_value=1, max_value=200))
def test_pieces_keep_every_line_whole(body_lines, size):
    pieces = list(bulk_arcadedb._pieces(iter(body_lines), size))
    assert b"".join(pieces) == b"".join(line + b"\n" for line in body_lines)
    assert all(piece.endswith(b"\n") for piece in pieces)  # no line is split between two pieces
    assert all(len(piece) < size + 42 for piece in pieces)  # a piece ends at the first line past the size
