"""The cyclic garbage collector, tuned for a long-running server process (the gateway, the projector).

A full collection stops every thread of the process while it traces every object the collector
tracks: in the gateway, each one stopped the serving loop and the alert engine for 300–600 ms
(issue 18: most of the slowest alerts' delay, docs/benchmarks.md). Two causes, two remedies:

- What the process loaded to start (modules, classes, functions, the registry, the watch index:
  185,000 objects, 2.8 million references) is traced again at every full collection (120 ms of
  it) though none of it will ever be garbage: frozen once started, it is left out.
- A round of graph questions holds tens of thousands of rows and views for a moment. With the
  default young-generation threshold (700 allocations) a collection comes while they are alive
  and promotes them, and the promotions soon add up to a full collection, about one a round. A
  threshold of 10,000 lets them die young; a young collection then takes a few milliseconds.

The projector is the other way round: what it holds between batches is a cache of up to 100,000
records, elements and pages (graph.projector `keep`: a million objects and more), data that is
never cyclic garbage, and each full collection traced all of it, 0.5–1.5 s of every 2,000-record
batch (30 % of the projection's time). There, full collections are not left to the collector's
rule but come between batches, once every FULL_EVERY seconds (`BatchCollector`): the cyclic
garbage a batch may leave (the event loop's, the driver's) waits that long at most.
"""

from __future__ import annotations

import gc
import time

YOUNG = 10_000  # allocations (less deallocations) between young-generation collections
RARELY = 1_000_000  # middle-generation collections between full ones: never, in practice
FULL_EVERY = 600.0  # seconds between a batch process's full collections (BatchCollector)


def quiet_collector() -> None:
    """Freeze what the process holds now and raise the young generation's threshold: call once the
    process has started, never in a process that will load much more (objects frozen are never
    collected, even when they later become cyclic garbage)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)


class BatchCollector:
    """`quiet_collector`, and full collections only between batches, every FULL_EVERY seconds."""

    def __init__(self, every: float = FULL_EVERY) -> None:
        quiet_collector()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, RARELY)
        self.every = every
        self.last = time.monotonic()

    def between_batches(self) -> None:
        if time.monotonic() - self.last >= self.every:
            gc.collect()
            self.last = time.monotonic()
