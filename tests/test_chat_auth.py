"""The chat's login (assistant.chat.auth): salted scrypt hashes, plain passwords in
NDS_CHAT_USERS hashed on load, the deprecated sha256 lines of the users file, and clear
messages for malformed entries that never show a password."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.chat.auth import check_users, hash_password, load_users, verify_password
from index.errors import ConfigError
from index.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SECRET = "Geh3im:met:dubbele-punten"  # a password may hold a ':' (only the first one splits)


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "users.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_hash_format_and_verification() -> None:
    stored = hash_password("geheim")
    kind, n, r, p, salt, digest = stored.split("$")
    assert (kind, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(salt) >= 20 and len(digest) >= 40
    assert verify_password(stored, "geheim")
    assert not verify_password(stored, "geheim ")
    assert not verify_password(stored, "")
    # Other parameters travel with the hash.
    assert verify_password(hash_password("x", n=2**10, r=4, p=2), "x")


def test_same_password_gets_different_hashes() -> None:
    users = load_users(Settings(chat_users="anna:zelfde,bram:zelfde"))
    (anna,), (bram,) = users["anna"], users["bram"]
    assert anna != bram and anna.split("$")[4] != bram.split("$")[4]  # different salts
    assert "zelfde" not in anna + bram
    assert verify_password(anna, "zelfde") and verify_password(bram, "zelfde")


STORED = hash_password("uit-een-bestand")
OLD = hashlib.sha256(b"oud-wachtwoord").hexdigest()


@pytest.mark.parametrize(
    ("users", "file_lines", "user", "password", "ok"),
    [
        ("anna:geheim1,bram:geheim2", None, "anna", "geheim1", True),
        ("anna:geheim1,bram:geheim2", None, "bram", "geheim2", True),
        ("anna:geheim1,bram:geheim2", None, "anna", "geheim2", False),
        ("anna:geheim1", None, "anna", "Geheim1", False),
        ("anna:geheim1", None, "onbekend", "geheim1", False),
        ("anna:geheim1", None, "", "", False),
        (f"anna:{SECRET}", None, "anna", SECRET, True),
        (f"carla:{STORED}", None, "carla", "uit-een-bestand", True),  # a hash in the variable
        (f"carla:{STORED}", None, "carla", STORED, False),  # the hash is not the password
        (None, [f"dirk:{STORED}"], "dirk", "uit-een-bestand", True),
        (None, [f"dirk:{STORED}"], "dirk", "verkeerd", False),
        (None, ["# beheer", "", f"eva:{OLD}"], "eva", "oud-wachtwoord", True),  # deprecated
        (None, [f"eva:{OLD.upper()}"], "eva", "oud-wachtwoord", True),
        (None, [f"eva:{OLD}"], "eva", OLD, False),
        ("fien:a", [f"fien:{STORED}"], "fien", "a", True),  # in both: either works
        ("fien:a", [f"fien:{STORED}"], "fien", "uit-een-bestand", True),
        ("fien:a", [f"fien:{STORED}"], "fien", "b", False),
    ],
)
def test_login(
    tmp_path: Path,
    users: str | None,
    file_lines: list[str] | None,
    user: str,
    password: str,
    ok: bool,
) -> None:
    path = _file(tmp_path, *file_lines) if file_lines is not None else None
    auth = check_users(Settings(chat_users=users, chat_users_file=path))
    assert auth is not None
    assert auth(user, password) is ok


def test_no_users_no_login(tmp_path: Path) -> None:
    assert check_users(Settings()) is None
    assert check_users(Settings(chat_users=" , ")) is None
    assert check_users(Settings(chat_users_file=_file(tmp_path, "# nog niemand"))) is None


def test_plain_passwords_are_not_kept() -> None:
    users = load_users(Settings(chat_users=f"anna:{SECRET}"))
    assert all(s.startswith("scrypt$") for s in users["anna"])
    assert SECRET not in repr(users)


def test_sha256_lines_are_logged_as_deprecated(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="nds_assistant.chat.auth"):
        load_users(Settings(chat_users_file=_file(tmp_path, f"eva:{OLD}", f"dirk:{STORED}")))
    assert "deprecated" in caplog.text and "eva" in caplog.text and "dirk" not in caplog.text
    assert OLD not in caplog.text


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        ("anna:ok,geheimpje", r"entry 2 has no ':'"),
        ("anna:ok,:geheimpje", r"entry 2 has no user name"),
        ("anna:", r"entry 1 \(user 'anna'\) has no password"),
        ("bram:scrypt$16384$8$1$!!geheimpje$AAAA", r"user 'bram'.*base64"),
        ("bram:scrypt$16385$8$1$c2FsdA==$" + "A" * 44, r"user 'bram'.*power of 2"),
        ("bram:scrypt$2$8$geheimpje", r"user 'bram'.*six parts"),
        ("bram:scrypt$1048576$64$1$c2FsdA==$" + "A" * 44, r"user 'bram'.*256 MiB"),
    ],
)
def test_malformed_users_setting_names_the_entry_not_the_password(
    users: str, expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected) as info:
        load_users(Settings(chat_users=users))
    message = str(info.value)
    assert "NDS_CHAT_USERS" in message
    assert "geheimpje" not in message and "AAAA" not in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("geheimpje", r"users.txt:2: no user name"),
        (":geheimpje", r"users.txt:2: no user name"),
        ("anna:geheimpje", r"users.txt:2 \(user 'anna'\): a scrypt hash has six parts"),
        ("anna:" + "ab" * 31, r"users.txt:2 \(user 'anna'\)"),  # 62 hex: not a sha256
    ],
)
def test_malformed_users_file_names_the_line_not_the_password(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = _file(tmp_path, f"dirk:{STORED}", line)
    with pytest.raises(ConfigError, match=expected) as info:
        load_users(Settings(chat_users_file=path))
    message = str(info.value)
    assert "python -m assistant.chat.auth" in message
    assert "geheimpje" not in message and "ab" * 31 not in message and STORED not in message


def test_unreadable_users_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read the chat users file"):
        load_users(Settings(chat_users_file=tmp_path / "missing.txt"))


def test_the_command_that_makes_a_users_file_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "assistant.chat.auth", "anna"],
        input="mijn wachtwoord\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    line = run.stdout.strip()
    assert line.startswith("anna:scrypt$") and "wachtwoord" not in line
    auth = check_users(Settings(chat_users_file=_file(tmp_path, line)))
    assert auth is not None and auth("anna", "mijn wachtwoord") and not auth("anna", "mijn")
    bad = subprocess.run(
        [sys.executable, "-m", "assistant.chat.auth", "a:b"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "usage:" in bad.stderr


def test_the_login_runs_in_a_worker_thread() -> None:
    """Gradio awaits a coroutine check in its login route; the hashing must leave the event
    loop free for the other users' requests meanwhile."""
    import asyncio
    import inspect
    import threading

    from assistant.chat.auth import in_thread

    check = check_users(Settings(chat_users="anna:geheim"))
    assert check is not None
    auth = in_thread(check)
    assert inspect.iscoroutinefunction(auth)
    threads: list[str] = []

    def spy(user: str, password: str) -> bool:
        threads.append(threading.current_thread().name)
        return check(user, password)

    async def main() -> tuple[bool, bool, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.create_task(ticker())
        ok = await in_thread(spy)("anna", "geheim")
        bad = await auth("anna", "fout")
        task.cancel()
        return ok, bad, ticks

    ok, bad, ticks = asyncio.run(main())
    assert ok and not bad
    assert threads and threads[0] != threading.main_thread().name
    assert ticks >= 5  # the loop kept running while scrypt hashed (~0.1 s per check)
