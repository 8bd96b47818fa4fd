from tests.e2e.conftest import make_record, signed


async def test_submit(env):
    client = env.client("mas-sg")
    envelope = signed(env, make_record("mas-sg"))
    receipt = await client.submit(envelope)
    head = await client.verify_receipt(receipt, envelope)
    assert head.tree_size >= 1
