"""gateway.server.collector, in processes of their own (it freezes what a process holds): what was
loaded to start is out of the collector's sight, and a batch process gets full collections only
between batches, every so often."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_what_the_gateway_loaded_to_start_is_not_traced_again():
    out = run("""
        import gc, time
        import gateway.server.app  # what a gateway loads: ~185,000 objects
        from gateway.server.collector import YOUNG, quiet_collector
        began = time.perf_counter(); gc.collect(); before = time.perf_counter() - began
        quiet_collector()
        began = time.perf_counter(); gc.collect(); after = time.perf_counter() - began
        print(gc.get_freeze_count() > 100_000, gc.get_threshold()[0] == YOUNG, len(gc.get_objects()) < 5_000,
              after < before / 5)
    """)
    assert out == "True True True True"


def test_a_batch_process_collects_in_full_only_between_batches_and_only_so_often():
    out = run("""
        import gc
        from gateway.server.collector import BatchCollector
        full = []
        gc.callbacks.append(lambda phase, info: phase == "stop" and info["generation"] == 2 and full.append(1))
        collector = BatchCollector(every=3600)
        full.clear()
        held = []
        for batch in range(30):  # batches that hold much for a while: no full collection on their own
            held = [[{"n": i}] for i in range(100_000)]
            collector.between_batches()
        print(len(full), end=" ")
        collector.every = 0
        collector.between_batches()
        print(len(full))
    """)
    assert out == "0 1"
