"""How long the ledger's self-checks take: `regulink ledger verify` over 100,000 entries, and the
check every gateway start runs (gateway.ledger.integrity).

    python -m tests.perf.bench_ledger_verify [ENTRIES]

The ledger is built once per size under /tmp (real DSSE envelopes of realistic records, signed by
one registered key, appended in batches of 500 by the real Ledger) and reused.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from gateway import keys
from gateway.ledger import integrity
from gateway.ledger.log import Candidate, Ledger
from gateway.ledger.store import LedgerStore
from gateway.sdk.client import sign_record
from gateway.sdk.receipts import canonical_envelope
from gateway.server.registry import Registry
from tests.e2e.conftest import make_record
from tests.perf.common import raw_verify_rate

ORIGIN = "bench.verify/log"
BATCH = 500


def build(folder: Path, entries: int) -> Path:
    """The ledger, registry and log key in `folder` (made once)."""
    if (folder / "done").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "registry.db", "log-key.pem"):
        (folder / name).unlink(missing_ok=True)
    log_key, signer = keys.generate(), keys.generate()
    keys.write_private_key(log_key, folder / "log-key.pem")
    registry = Registry(folder / "registry.db")
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")
    signer_id = registry.add_key("fsa-jp", keys.raw_public_key(signer))
    registry.close()
    ledger = Ledger(LedgerStore(folder / "ledger.db"), log_key, ORIGIN)
    while ledger.size < entries:
        batch = []
        for _ in range(min(BATCH, entries - ledger.size)):
            record = make_record("fsa-jp")
            envelope = canonical_envelope(sign_record(record, [signer]))
            batch.append(Candidate("fsa-jp", record.record_id, record.version, envelope, (signer_id,), record.tlp,
                                   tuple(record.share_with)))
        ledger.append(batch)
    ledger.store.close()
    (folder / "done").touch()
    return folder


def run(entries: int = 100_000) -> list[dict]:
    folder = build(Path(f"/tmp/regulink-bench-verify-{entries}"), entries)
    public = keys.load_private_key(folder / "log-key.pem").public_key()
    size_mb = (folder / "ledger.db").stat().st_size / 1e6
    figures = []
    for name, registry, jobs in (("ledger verify, signatures, 1 process", folder / "registry.db", 1),
                                 ("ledger verify, signatures, 2 processes", folder / "registry.db", 2),
                                 ("ledger verify --no-signatures", None, 1)):
        store = LedgerStore(folder / "ledger.db", readonly=True)
        started = time.perf_counter()
        summary = integrity.check_all(store, public, ORIGIN, registry, workers=jobs)
        seconds = time.perf_counter() - started
        store.close()
        assert summary.entries == entries
        figures.append({"figure": f"{name} ({entries:,} entries, {size_mb:.0f} MB)", "value": round(seconds, 2),
                        "unit": "s", "rate": round(entries / seconds)})
    # The machine's own pace, measured in the same run: signatures cannot go faster than this.
    figures.append({"figure": "Ed25519 verifications per second, one core (baseline)",
                    "value": round(raw_verify_rate()), "unit": "/s"})
    store = LedgerStore(folder / "ledger.db", readonly=True)
    started = time.perf_counter()
    integrity.check_recent(store, public, ORIGIN)
    figures.append({"figure": f"start-up check ({integrity.START_CHECK_ENTRIES:,} newest of {entries:,})",
                    "value": round((time.perf_counter() - started) * 1000, 1), "unit": "ms"})
    store.close()
    return figures


if __name__ == "__main__":
    for figure in run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000):
        print(figure)
