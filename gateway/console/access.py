"""Who may use this console: one-time link tokens, sessions, logins.

On loopback (the default) the console prints a link with a one-time token,
as Jupyter does. The first visit trades the token for a session cookie
(HttpOnly, SameSite=Strict) and spends it; a token used twice, too late or
never issued gets a page that says how to get a new link. The person is the
one who started the console.

Beyond loopback (`--remote`) the console needs TLS and a login by name and
password, checked against a users file of scrypt hashes (`regulink
console-user`); each person's name then goes with every call to the gateway,
whose query audit keeps it (gateway.server.audit).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_SECONDS = 15 * 60  # a printed link opens the console once, within this time
SESSION_IDLE_SECONDS = 12 * 3600
MAX_NAME = 64


@dataclass
class Session:
    person: str
    created: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)


class LinkTokens:
    """One-time tokens for printed links. Only their hashes are kept: a memory dump spends none."""

    def __init__(self, ttl: float = TOKEN_SECONDS, clock=time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._expiry: dict[bytes, float] = {}

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "replace")).digest()

    def issue(self) -> str:
        token = secrets.token_urlsafe(32)
        self._expiry[self._digest(token)] = self.clock() + self.ttl
        return token

    def redeem(self, token: str) -> bool:
        """True once for a token issued less than `ttl` ago; False for a spent, expired or unknown one."""
        now = self.clock()
        for digest in [d for d, expiry in self._expiry.items() if expiry < now]:
            del self._expiry[digest]
        return self._expiry.pop(self._digest(token), None) is not None


class Sessions:
    """Sessions by an unguessable id (the cookie), each ending after SESSION_IDLE_SECONDS unused."""

    def __init__(self, idle: float = SESSION_IDLE_SECONDS, clock=time.monotonic) -> None:
        self.idle, self.clock = idle, clock
        self._by_id: dict[str, Session] = {}

    def open(self, person: str) -> str:
        now = self.clock()
        for stale in [i for i, s in self._by_id.items() if now - s.last_used > self.idle]:
            del self._by_id[stale]
        session_id = secrets.token_urlsafe(32)
        self._by_id[session_id] = Session(person, self.clock(), self.clock())
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        session = self._by_id.get(session_id or "")
        if session is None:
            return None
        now = self.clock()
        if now - session.last_used > self.idle:
            del self._by_id[session_id]
            return None
        session.last_used = now
        return session

    def close(self, session_id: str | None) -> None:
        self._by_id.pop(session_id or "", None)


# -- logins beyond loopback ------------------------------------------------------------------------

# scrypt as OWASP's password storage cheat sheet gives it (N=2^17, r=8, p=1: 128 MiB, ~0.3 s here).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 17, 8, 1
_MAXMEM = 256 << 20


class UsersFileError(ValueError):
    """The users file cannot be read or has a line that is not `name:scrypt:N:r:p:salt:hash`."""


def check_person_name(name: str) -> str:
    """A person's name as the audit will show it: 1..64 characters, no ':' and no control or format
    characters (bidirectional overrides, zero-width), not only spaces."""
    if not name.strip() or len(name) > MAX_NAME or ":" in name or any(
            unicodedata.category(c)[0] == "C" for c in name):
        raise ValueError(f"a person's name is 1 to {MAX_NAME} visible characters without ':' (got {name[:80]!r})")
    return name.strip()


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def hash_line(name: str, password: str) -> str:
    salt = os.urandom(16)
    digest = _hash(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{check_person_name(name)}:scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}:{salt.hex()}:{digest.hex()}"


def add_user(path: Path, name: str, password: str) -> bool:
    """Add or replace a person in the users file (mode 0600); True when the name was new."""
    name = check_person_name(name)
    if len(password) < 12:
        raise ValueError("a password has at least 12 characters")
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    kept = [line for line in lines if line.split(":", 1)[0] != name]
    kept.append(hash_line(name, password))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as sink:
        sink.write("\n".join(kept) + "\n")
    os.chmod(path, 0o600)
    return len(kept) > len(lines)


class Users:
    """The people who may log in, read from the users file at start (and again after a change)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime = -1.0
        self._entries: dict[str, tuple[int, int, int, bytes, bytes]] = {}
        self._load()

    def _load(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
            if mtime == self._mtime:
                return
            if self.path.stat().st_mode & 0o077:
                raise UsersFileError(f"{self.path} may be read by other users; chmod 600 it")
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UsersFileError(f"cannot read the users file {self.path}: {exc.strerror}") from None
        entries = {}
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split(":")
            try:
                name, kind, n, r, p, salt, digest = parts
                if kind != "scrypt":
                    raise ValueError
                entries[check_person_name(name)] = (int(n), int(r), int(p), bytes.fromhex(salt), bytes.fromhex(digest))
            except ValueError:
                raise UsersFileError(f"{self.path}:{number}: not a line `regulink console-user` writes") from None
        self._entries, self._mtime = entries, mtime

    def __len__(self) -> int:
        return len(self._entries)

    def check(self, name: str, password: str) -> str | None:
        """The person's name when the password is theirs, else None (the same time spent either way)."""
        self._load()
        entry = self._entries.get(name)
        n, r, p, salt, digest = entry or (SCRYPT_N, SCRYPT_R, SCRYPT_P, b"\0" * 16, b"\0" * 32)
        matches = hmac.compare_digest(_hash(password, salt, n, r, p), digest)
        return name if entry is not None and matches else None
