"""The console's way to the gateway: the partner SDK over mTLS, one channel per person.

Every question goes through gateway.sdk.client with the agency's client
certificate, so the gateway decides what the agency sees, as for any
partner. Each person gets a channel of their own, which names them in the
metadata of every call (the gateway's query audit keeps the name).

The log key is pinned: given on the command line (`--log-key`), or trusted
on first use and kept in the console's state folder, per gateway. A gateway
that later presents another key is refused at start: proofs checked under a
key the console did not pin would prove nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from gateway import errors, keys
from gateway.sdk.client import AsyncClient, TlsFiles

log = logging.getLogger("regulink.console")
T = TypeVar("T")


class LinkRefused(Exception):
    """The gateway is not the one this console may trust or use (certificate, agency, log key)."""


class GatewayLink:
    def __init__(self, target: str, tls: TlsFiles, agency: str, *, state_dir: Path,
                 log_key: bytes | None = None) -> None:
        self.target, self.tls, self.agency = target, tls, agency
        self.state_dir = state_dir
        self.pinned_key = log_key
        self.log_key_id = ""
        self.origin = ""
        self.up = True
        self.problem = ""
        self._clients: dict[str, AsyncClient] = {}
        self._watchers: list[Callable[[bool, str], None]] = []

    # -- channels ----------------------------------------------------------------------------

    def client(self, person: str = "") -> AsyncClient:
        """The SDK client whose calls name `person` ("" for the console's own: live feed, proofs)."""
        if person not in self._clients:
            self._clients[person] = AsyncClient.connect(self.target, self.tls, investigator=person)
        return self._clients[person]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()

    # -- start: the right agency, the pinned log key ------------------------------------------

    async def start(self) -> None:
        client = self.client()
        try:
            me = await client.whoami()
            log_key, origin = await client.log_key()
        except errors.RegulinkError as exc:
            raise LinkRefused(f"the gateway at {self.target} did not answer as expected ({exc.code}: {exc})") from None
        if me.agency_id != self.agency:
            raise LinkRefused(f"the client certificate is {me.agency_id}'s, not {self.agency}'s")
        raw = keys.raw_public_key(log_key)
        self.pinned_key = self._pin(raw, origin)
        self.log_key_id, self.origin = keys.key_id(raw), origin

    def _pin(self, raw: bytes, origin: str) -> bytes:
        pins_path = self.state_dir / "log-keys.json"
        pins = json.loads(pins_path.read_text()) if pins_path.exists() else {}
        expected = self.pinned_key or (bytes.fromhex(pins[self.target]["key"]) if self.target in pins else None)
        if expected is not None and expected != raw:
            where = "--log-key" if self.pinned_key else str(pins_path)
            raise LinkRefused(f"the gateway at {self.target} signs with log key {keys.key_id(raw)[:16]}…, not the "
                              f"pinned {keys.key_id(expected)[:16]}… ({where}); ask its operator (`regulink "
                              "log-info`) before trusting it")
        if self.target not in pins:
            pins[self.target] = {"key": raw.hex(), "origin": origin, "pinned_at": int(time.time())}
            self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = pins_path.with_suffix(".part")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as sink:
                json.dump(pins, sink, indent=1)
            partial.replace(pins_path)
            log.info("pinned the log key %s… of %s", keys.key_id(raw)[:16], self.target)
        return raw

    # -- calls ------------------------------------------------------------------------------

    def watch(self, callback: Callable[[bool, str], None]) -> None:
        """Call `callback(up, problem)` whenever the gateway becomes reachable or unreachable."""
        self._watchers.append(callback)

    def mark(self, up: bool, problem: str = "") -> None:
        if up != self.up:
            log.warning("gateway %s: %s", self.target, "reachable again" if up else f"unreachable ({problem})")
            self.up, self.problem = up, problem
            for callback in self._watchers:
                callback(up, problem)

    async def ask(self, person: str, question: Callable[[AsyncClient], Awaitable[T]]) -> T:
        """Run one question with the person's client; notes whether the gateway could be reached."""
        try:
            answer = await question(self.client(person))
        except errors.Unavailable as exc:
            self.mark(False, str(exc))
            raise
        except errors.RegulinkError as exc:
            if exc.code == "DEADLINE_EXCEEDED":
                self.mark(False, "the gateway does not answer in time")
            raise
        self.mark(True)
        return answer

    async def probe(self) -> bool:
        """Whether the gateway answers now (one cheap call)."""
        try:
            await asyncio.wait_for(self.ask("", lambda c: c.graph_status()), 5)
        except (errors.RegulinkError, asyncio.TimeoutError):
            self.mark(False, self.problem or "the gateway does not answer")
        return self.up
