"""Page tokens (gateway.server.services.query): what the service writes reads back; anything else, a
negative or huge offset included, is INVALID_ARGUMENT naming page_token, never a query that fails
inside the graph database with INTERNAL (issue 13)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import InvalidArgument
from gateway.server.services.asking import MAX_OFFSET, _page, _token


def token_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@given(st.integers(min_value=0, max_value=MAX_OFFSET - 1))
def test_every_token_the_service_writes_reads_back(offset):
    assert _page(_token(offset)) == offset


@pytest.mark.parametrize("text", ["o:-1", "o:-500", f"o:{MAX_OFFSET}", "o:99999999999999999999", "o:1e3", "o: 5",
                                  "o:5 ", "o:1_000", "o:\u0661\u0662", "o:007", "o:", "5", "x:5", "o:+5"])
def test_tokens_it_never_writes_are_refused_naming_the_field(text):
    with pytest.raises(InvalidArgument) as refused:
        _page(token_of(text))
    assert refused.value.field == "page_token"


@given(st.text(max_size=40))
def test_any_string_is_an_offset_in_range_or_a_refusal(text):
    try:
        offset = _page(text)
    except InvalidArgument as refused:
        assert refused.field == "page_token"
    else:
        assert 0 <= offset < MAX_OFFSET


@given(st.binary(max_size=40))
def test_any_decoded_bytes_are_an_offset_in_range_or_a_refusal(raw):
    try:
        offset = _page(base64.urlsafe_b64encode(raw).decode())
    except InvalidArgument as refused:
        assert refused.field == "page_token"
    else:
        assert 0 <= offset < MAX_OFFSET and raw in (b"", f"o:{offset}".encode())  # b"": the empty token


def test_the_empty_token_is_the_first_page():
    assert _page("") == 0
