"""The chat's login: users and their passwords, stored as salted scrypt hashes.

Where users come from (either or both; a user named in both may log in with either):

* ``chat_users`` (``NDS_CHAT_USERS``): ``user:password,user2:password2``. A plain password is
  hashed when the chat starts and not kept; a stored hash (``user:scrypt$...``) is used as is.
* ``chat_users_file`` (``NDS_CHAT_USERS_FILE``): one ``user:scrypt$...`` line per user (``#``
  starts a comment). Make a line with ``python -m assistant.chat.auth USER``. The older
  ``user:<sha256 hex of the password>`` lines (unsalted) are still accepted, with a warning in
  the log: they are deprecated.

A stored hash is ``scrypt$n$r$p$salt$hash`` (salt and hash in base64): the parameters travel
with it, so stronger ones later still read old hashes. Every user has a random salt, so two
users with the same password have different hashes. Passwords are compared in constant time
(:func:`hmac.compare_digest`), and an unknown user costs as much time as a wrong password.

Error messages name the entry (its position, user, or file line), never a password or hash.

>>> stored = hash_password("geheim")
>>> stored.startswith("scrypt$16384$8$1$")
True
>>> verify_password(stored, "geheim"), verify_password(stored, "Geheim")
(True, False)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import getpass
import hashlib
import hmac
import logging
import re
import secrets
import sys
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path

from index.errors import ConfigError
from index.settings import Settings

log = logging.getLogger("nds_assistant.chat.auth")

# Django's default for its scrypt hasher: ~0.1 s and 16 MiB per login on this 2-core machine.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
_MAX_MEMORY = 256 * 2**20  # stored parameters that would need more are refused
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
USERS_HINT = "'user:password,user2:password2' (or 'user:scrypt$...' hashes)"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, size: int) -> bytes:
    # OpenSSL needs 128*r*(n + p + 2) bytes; the default maxmem (32 MiB) would cap n*r at 2**18.
    need = 128 * r * (n + p + 2)
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=need + 2**20, dklen=size
    )


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$n$r$p$salt$hash`` with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(_scrypt(password, salt, n, r, p, 32))}"


def _parse_scrypt(stored: str) -> tuple[int, int, int, bytes, bytes]:
    """(n, r, p, salt, hash) of a stored scrypt hash; ValueError saying what is wrong (never
    the value itself)."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("a scrypt hash has six parts: scrypt$n$r$p$salt$hash")
    try:
        n, r, p = (int(x) for x in parts[1:4])
    except ValueError:
        raise ValueError("scrypt's n, r and p must be whole numbers") from None
    if n < 2 or n & (n - 1) or r < 1 or p < 1:
        raise ValueError("scrypt's n must be a power of 2 and r, p at least 1")
    if 128 * r * (n + p + 2) > _MAX_MEMORY:
        raise ValueError("scrypt's n and r ask for more than 256 MiB")
    try:
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the salt and the hash must be base64") from None
    if not salt or len(digest) < 16:
        raise ValueError("the salt is empty or the hash is shorter than 16 bytes")
    return n, r, p, salt, digest


def verify_password(stored: str, password: str) -> bool:
    """Does ``password`` match ``stored`` (scrypt, or a deprecated sha256 hex digest)?"""
    if _SHA256_HEX.fullmatch(stored):
        digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
        return hmac.compare_digest(stored.lower(), digest)
    n, r, p, salt, expected = _parse_scrypt(stored)
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(expected)), expected)


@lru_cache(maxsize=1)
def _dummy() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _users_from_setting(value: str) -> dict[str, str]:
    users: dict[str, str] = {}
    for number, item in enumerate(value.split(","), 1):
        item = item.strip()
        if not item:
            continue
        user, sep, password = item.partition(":")
        where = f"chat_users (NDS_CHAT_USERS), entry {number}"
        if not sep:
            raise ConfigError(f"{where} has no ':' between user and password; use {USERS_HINT}")
        if not user:
            raise ConfigError(f"{where} has no user name before the ':'; use {USERS_HINT}")
        if not password:
            raise ConfigError(f"{where} (user '{user}') has no password; use {USERS_HINT}")
        if password.startswith("scrypt$"):
            try:
                _parse_scrypt(password)
            except ValueError as exc:
                raise ConfigError(f"{where} (user '{user}'): not a valid hash: {exc}") from None
            users[user] = password
        else:  # a plain password: only its hash is kept
            users[user] = hash_password(password)
    return users


def _users_from_file(path: Path) -> dict[str, str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the chat users file {path}: {exc}") from exc
    users: dict[str, str] = {}
    old: list[str] = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, stored = (part.strip() for part in line.partition(":"))
        expected = (
            "expected 'user:scrypt$...' (make one with: python -m assistant.chat.auth USER), "
            "or the deprecated 'user:<sha256 hex of the password>'"
        )
        if not sep or not user:
            raise ConfigError(f"{path}:{number}: no user name before a ':'; {expected}")
        if _SHA256_HEX.fullmatch(stored):
            old.append(user)
        else:
            try:
                _parse_scrypt(stored)
            except ValueError as exc:
                raise ConfigError(f"{path}:{number} (user '{user}'): {exc}; {expected}") from None
        users[user] = stored.lower() if user in old else stored
    if old:
        log.warning(
            "%s: unsalted SHA-256 password hashes (deprecated) for %s; replace each line with "
            "one made by: python -m assistant.chat.auth USER",
            path,
            ", ".join(sorted(set(old))),
        )
    return users


def load_users(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Each user's stored hashes (one per source that names the user)."""
    found: dict[str, tuple[str, ...]] = {}
    sources = []
    if settings.chat_users:
        sources.append(_users_from_setting(settings.chat_users))
    if settings.chat_users_file:
        sources.append(_users_from_file(Path(settings.chat_users_file)))
    for users in sources:
        for user, stored in users.items():
            found[user] = (*found.get(user, ()), stored)
    return found


def check_users(settings: Settings) -> Callable[[str, str], bool] | None:
    """Gradio's login check for the users of ``settings``; None when no user is set."""
    users = load_users(settings)
    if not users:
        return None

    def auth(username: str, password: str) -> bool:
        stored = users.get(username)
        if not stored:
            verify_password(_dummy(), password)  # as slow as a known user's wrong password
            return False
        return any(verify_password(s, password) for s in stored)

    return auth


def in_thread(check: Callable[[str, str], bool]) -> Callable[[str, str], Awaitable[bool]]:
    """``check`` as a coroutine function that runs in a worker thread. Gradio calls a plain
    function inside its async login route, where scrypt's ~0.1 s would hold up every other
    request (and a stream of login attempts would stall the chat); hashlib releases the GIL
    while it hashes."""

    async def auth(username: str, password: str) -> bool:
        return await asyncio.to_thread(check, username, password)

    return auth


def main(argv: list[str] | None = None) -> int:
    """``python -m assistant.chat.auth USER``: asks for a password (or reads one line from a
    pipe) and prints the ``USER:scrypt$...`` line for ``NDS_CHAT_USERS_FILE``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0] or ":" in args[0] or args[0].startswith("-"):
        print("usage: python -m assistant.chat.auth USER", file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("error: empty password", file=sys.stderr)
        return 2
    print(f"{args[0]}:{hash_password(password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
