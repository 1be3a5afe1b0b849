"""Reliability of the running services (issue 7): the chat under load, and Chroma as a service.

* Load: the real ``nds-assistant chat`` in a subprocess over the bundled corpus; 20 simulated
  users (threads, gradio_client on 127.0.0.1) ask 3 questions each and give feedback once.
  Zero errors other than polite overload messages, every feedback row stored, memory flat,
  p50/p95 latency printed.
* Chroma server: ingest and answer through ``HttpClient``; the server stops mid-session (the
  chat says the index is unavailable); it restarts on the same port and path, and the same
  Assistant and chat answer again.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.messages import FRAMES
from index.errors import IndexUnavailableError
from index.ingest import ingest
from index.settings import Settings
from tests.conftest import ChromaServer, free_port
from tests.fakes import FakeEmbedder
from tests.test_ingest import CORPUS, write_corpus
from tests.test_reliability_chat import client_ask, message_texts

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[1]

USERS = 20
QUESTIONS = [
    "Wat zijn de zes prioriteiten van de NDS?",
    "Wat is de Stelselcatalogus?",
    "Wat zegt de NDS over digitale autonomie?",
    "Wat is de rol van open source in de NDS?",
    "Hoe helpt de NDS gemeenten?",
    "Wat is Haven+?",
]
OVERLOAD = ("queue is full", "too many", "try again")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def send_feedback(url: str, session_hash: str, rating: str, comment: str) -> dict[str, Any]:
    """The comment form's "send" as the browser does it (queue/join with the same session),
    since gradio_client only calls public endpoints; the conversation is the session's state."""
    import json

    import httpx

    with httpx.Client(base_url=url, timeout=120) as h:
        deps = h.get("config").json()["dependencies"]
        fn = next(d["id"] for d in deps if d.get("api_name") == "on_send")
        r = h.post(
            "gradio_api/queue/join",
            json={
                "data": [rating, comment, None, None],
                "fn_index": fn,
                "session_hash": session_hash,
                "event_data": None,
                "trigger_id": None,
            },
        )
        r.raise_for_status()
        event_id = r.json()["event_id"]
        with h.stream(
            "GET", "gradio_api/queue/data", params={"session_hash": session_hash}
        ) as resp:
            for line in resp.iter_lines():
                if line.startswith("data:"):
                    msg = json.loads(line[5:])
                    if msg.get("msg") == "process_completed" and msg.get("event_id") == event_id:
                        return dict(msg)
    raise AssertionError("no completion for the feedback event")


def test_twenty_concurrent_users(corpus_index: Settings, tmp_path: Path) -> None:
    from gradio_client import Client

    port = free_port()
    feedback_db = tmp_path / "feedback.sqlite3"
    env = {
        **os.environ,
        "NDS_INDEX_DIR": str(corpus_index.index_dir),
        "NDS_SOURCES_DIR": str(corpus_index.sources_dir),
        "NDS_FEEDBACK_DB": str(feedback_db),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "chat", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "open http" in line, (line, server.poll())
        url = f"http://127.0.0.1:{port}/"
        # Warm up (model loaded, caches filled), then the baseline memory.
        for q in QUESTIONS:
            client_ask(url, q)
        before = rss_kb(server.pid)

        latencies: list[float] = []
        errors: list[str] = []
        overloads: list[str] = []
        feedback_sent = 0
        lock = threading.Lock()
        deadline = time.monotonic() + 300

        def user(n: int) -> None:
            nonlocal feedback_sent
            try:
                client = Client(url, verbose=False)
            except Exception as exc:
                with lock:
                    errors.append(f"user {n} connect: {exc}")
                return
            try:
                for i in range(3):
                    if time.monotonic() > deadline:
                        with lock:
                            errors.append(f"user {n}: out of time")
                        return
                    question = QUESTIONS[(n + i) % len(QUESTIONS)]
                    started = time.perf_counter()
                    try:
                        chat, _, _ = client.predict(
                            question, "__all__", "__all__", "__all__", api_name="/ask"
                        )
                    except Exception as exc:
                        text = str(exc)
                        with lock:
                            if any(o in text.lower() for o in OVERLOAD):
                                overloads.append(text)
                            else:
                                errors.append(f"user {n} ask: {type(exc).__name__}: {text}")
                        continue
                    elapsed = time.perf_counter() - started
                    texts = message_texts(chat)
                    with lock:
                        latencies.append(elapsed)
                        if len(texts) != 2 * (i + 1) or any(
                            FRAMES[lang]["error"] in t for t in texts for lang in FRAMES
                        ):
                            errors.append(f"user {n} q{i}: unexpected chat {texts[-1:]}")
                msg = send_feedback(url, client.session_hash, "up" if n % 2 else "down", f"u{n}")
                with lock:
                    if msg.get("success"):
                        feedback_sent += 1
                    else:
                        errors.append(f"user {n} feedback: {msg}")
            finally:
                client.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic()))
        wall = time.perf_counter() - started
        assert not any(t.is_alive() for t in threads), "users still running after 5 minutes"
        after = rss_kb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)

    lat = sorted(latencies)
    p50 = statistics.median(lat)
    p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
    print(
        f"\n{USERS} users, {len(lat)} answers in {wall:.1f} s: p50 {p50:.2f} s, p95 {p95:.2f} s; "
        f"RSS {before / 1024:.0f} MB -> {after / 1024:.0f} MB; overload messages: {len(overloads)}"
    )
    assert not errors, "\n".join(errors[:20])
    assert len(lat) + len(overloads) == USERS * 3
    assert feedback_sent == USERS
    with sqlite3.connect(feedback_db) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT comment, question FROM feedback").fetchall()
    assert sorted(c for c, _ in rows) == sorted(f"u{n}" for n in range(USERS))
    assert all(q in QUESTIONS for _, q in rows)  # the last question of that user's session
    # Memory flat: the run may not grow the server by more than 15% + 64 MB over the warm base.
    assert after <= before * 1.15 + 64 * 1024, (before, after)


# -- Chroma as a service -----------------------------------------------------------------------


def test_chroma_server_stops_and_restarts_mid_session(tmp_path: Path) -> None:
    from assistant.chat.app import build_app, launch

    data = tmp_path / "chroma-data"
    server = ChromaServer(data)
    port = server.port
    fake = FakeEmbedder()
    settings = Settings(
        chroma_host=server.host,
        chroma_port=port,
        collection="nds-restart",
        sources_dir=write_corpus(tmp_path / "sources"),
        index_dir=tmp_path / "index",
        feedback_db=tmp_path / "feedback.sqlite3",
        chunk_size=300,
        chunk_overlap=60,
    )
    app = None
    try:
        report = ingest(settings, embedder=fake)
        assert report.count("ingested") == len(CORPUS)
        assert not (settings.index_dir / "chroma").exists()  # vectors live on the server
        bot = Assistant(settings=settings, embedder=fake)
        question = "Wat beschrijft de stelselcatalogus?"
        first = bot.retrieve(question, k=3)
        assert first and first[0].source_id == "data-delen"
        assert "dense_score" in first[0].metadata  # the server answered
        app = build_app(bot, settings)
        url = launch(app, settings, prevent_thread_lock=True, port=free_port(), quiet=True)
        chat, _ = client_ask(url, question)
        assert not any(FRAMES["nl"]["unavailable"] in t for t in message_texts(chat))

        server.stop()  # mid-session
        with pytest.raises(IndexUnavailableError, match="unavailable"):
            bot.ask(question)
        with pytest.raises(IndexUnavailableError, match="unavailable"):
            bot.retrieve(question)
        chat, panel = client_ask(url, question)
        texts = message_texts(chat)
        assert FRAMES["nl"]["unavailable"] in texts[-1]
        assert "Traceback" not in texts[-1] + panel and str(port) not in texts[-1]

        server = ChromaServer(data, port=port)  # same port, same data
        again = bot.retrieve(question, k=3)  # the same Assistant, not recreated
        assert [p.chunk_id for p in again] == [p.chunk_id for p in first]
        answer = bot.ask(question)
        assert answer.text and FRAMES["nl"]["unavailable"] not in answer.text
        chat, _ = client_ask(url, question)
        assert FRAMES["nl"]["unavailable"] not in message_texts(chat)[-1]
        # And ingest works again through the restarted server.
        assert ingest(settings, embedder=fake).count("unchanged") == len(CORPUS)
    finally:
        if app is not None:
            app.close()
        server.stop()
