"""Run `regulink serve` as a child process and wait until it listens (demo, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class GatewayProcess:
    process: asyncio.subprocess.Process
    port: int
    _drain: asyncio.Task

    @property
    def target(self) -> str:
        return f"localhost:{self.port}"

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` (SIGKILL to crash it) and wait for the exit code."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        code = await self.process.wait()
        await self._drain
        return code


async def start(data_dir: Path, *args: str, stderr=None, timeout: float = 60, preexec_fn=None) -> GatewayProcess:
    """Start a gateway on 127.0.0.1 with a free port; `args` are extra `serve` options.

    `preexec_fn` runs in the child before it starts (fault tests use it to set resource limits).
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli.main", "serve", "--data-dir", str(data_dir),
        "--listen", "127.0.0.1:0", *args,
        stdout=asyncio.subprocess.PIPE, stderr=stderr, preexec_fn=preexec_fn,
    )
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), timeout)
        if not line:
            code = await process.wait()
            raise RuntimeError(f"the gateway exited with code {code} before it was ready; see its messages above")
        if line.startswith(b"READY "):
            # Keep reading stdout so the child never blocks on a full pipe.
            return GatewayProcess(process, int(line.split()[1]), asyncio.create_task(process.stdout.read()))
