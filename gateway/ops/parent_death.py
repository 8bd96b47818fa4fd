"""The gateway's child processes die with it, also when it is killed with SIGKILL.

A gateway killed with `kill -9` cannot stop its children, and each left behind
holds memory (~165 MB a signature worker or projector) and, for the projector,
a connection that writes the graph (issue 13). Each child therefore calls
`die_with(parent)` first thing:

* on Linux, prctl(PR_SET_PDEATHSIG) has the kernel signal the child when its
  parent dies. The signal follows the *thread* that forked the child, not the
  process: children must be started from a thread that lives as long as the
  gateway (its event loop's; a ProcessPoolExecutor starts its workers in the
  thread that submits the first tasks, which is the loop's too);
* everywhere, a thread watches the parent's pid, which also covers a parent
  that died before the child got here (its parent is then init or a
  subreaper: a child asking getppid() for "its" parent would wait forever —
  how signature workers outlived a gateway killed while they started). The
  projector also watches its stdin, a pipe from the gateway, whose end is
  the same news (gateway.server.projection.worker).

The embedded ArcadeDB server is a Java process: it gets PR_SET_PDEATHSIG
before exec (graph.embedded), with SIGTERM so it closes its files.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def die_with(parent_pid: int, sig: int = signal.SIGKILL) -> None:
    """Have this process end when `parent_pid` ends: at once if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)  # best effort: the watch below is the fallback
    if os.getppid() != parent_pid:
        os._exit(0)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_SECONDS)
    os._exit(0)
