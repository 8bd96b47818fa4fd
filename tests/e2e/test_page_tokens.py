"""Page tokens on the live query service (issue 13: a negative or huge offset answered INTERNAL
from inside the graph database). Every token the service never wrote is INVALID_ARGUMENT naming
page_token; the ones it writes still page."""

from __future__ import annotations

import base64

import pytest

from gateway import errors
from tests.e2e.conftest import make_record, projected, signed


def token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("text", ["o:-1", "o:-9223372036854775809", "o:9223372036854775808", "o:1e9", "%%%"])
async def test_foreign_page_tokens_are_invalid_argument(env, text):
    client = env.client("fsa-jp")
    for ask in (lambda t: client.search("Example Coin", page_token=t),
                lambda t: client.overlaps(min_agencies=1, page_token=t)):
        with pytest.raises(errors.InvalidArgument) as refused:
            await ask(token(text) if text != "%%%" else text)
        assert refused.value.field == "page_token"


async def test_the_service_s_own_tokens_still_page(env):
    for _ in range(3):
        await env.client("fsa-jp").submit(signed(env, make_record("fsa-jp")))
    await projected(env)
    first = await env.client("fsa-jp").search("Example Coin", page_size=1)
    assert len(first.hits) == 1 and first.next_page_token
    second = await env.client("fsa-jp").search("Example Coin", page_size=1, page_token=first.next_page_token)
    assert len(second.hits) == 1 and second.hits[0].node.key != first.hits[0].node.key
