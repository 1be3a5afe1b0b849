"""The public entry point: :class:`Assistant` (retrieve, ask, stream).

>>> from assistant import Assistant                                    # doctest: +SKIP
>>> bot = Assistant()                                                  # doctest: +SKIP
>>> ans = bot.ask("Wat zijn de zes prioriteiten van de NDS?")          # doctest: +SKIP
>>> ans.refused, ans.citations[0].source_id                            # doctest: +SKIP
(False, 'developer-overheid-nds-voor-developers')
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant.answerer import Answerer, AnswerRequest, pieces
from assistant.extractive import ExtractiveAnswerer
from assistant.features import FeatureSet
from assistant.history import Message, validate_history
from assistant.mentions import DocumentMentions
from assistant.messages import frame
from assistant.question import Question
from assistant.retrieve import HybridRetriever, passage_of
from assistant.types import Answer, Filters, Passage
from index.embed import Embedder, make_embedder
from index.errors import ConfigError, IndexUnavailableError
from index.language import detect_language
from index.reader import IndexReader, Snapshot
from index.settings import Settings
from index.store import VectorStore

if TYPE_CHECKING:
    import numpy as np

    from assistant.llama_index import NDSQueryEngine
    from assistant.llm import LLMAnswerer

log = logging.getLogger("nds_assistant")

MAX_QUESTION_CHARS = 2000

RetrievalMode = Literal["hybrid", "bm25", "dense"]
RETRIEVAL_MODES: tuple[str, ...] = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class IndexInfo:
    """What an index holds and how it was built (its manifest), for reports and tools."""

    index_dir: str
    embedder_id: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    schema_version: int
    manifest_id: str
    documents: int
    chunks: int


def clean_question(question: str) -> str:
    """Drop control characters and collapse whitespace; keep every printable character."""
    kept = "".join(
        ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in question
    )
    return re.sub(r"\s+", " ", kept).strip()


class Assistant:
    """Grounded, cited answers over the NDS index. Thread-safe for concurrent ``ask`` calls."""

    def __init__(
        self,
        index_dir: str | Path | None = None,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        answerer: Answerer | None = None,
        store: VectorStore | None = None,
    ) -> None:
        settings = settings or Settings()
        if index_dir is not None:
            settings = settings.with_overrides(index_dir=Path(index_dir))
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.reader = IndexReader(settings, self.embedder, store=store)
        self.retriever = HybridRetriever(self.reader, settings)
        self.extractive = ExtractiveAnswerer(
            self.embedder,
            max_sentences=settings.max_answer_sentences,
            refusal_threshold=settings.refusal_threshold,
            vector_lookup=self.reader.cached_vectors,
            model_path=str(settings.answer_model) if settings.answer_model else None,
        )
        self._answerer = answerer
        self._mention_cache: tuple[int, DocumentMentions] | None = None

    @property
    def answerer(self) -> Answerer:
        if self._answerer is None:
            if self.settings.answerer == "llm":
                from assistant.llm import openai_like

                self._answerer = self.llm_answerer(openai_like(self.settings))
            else:
                self._answerer = self.extractive
        return self._answerer

    def llm_answerer(self, llm: Any) -> LLMAnswerer:
        """An LLM answerer over this index with ``llm`` (any llama-index ``LLM``): it gets a
        retrieve callable, the extractive answerer's sentence vectors and the extractive
        answerer as its fallback, not the Assistant."""
        from assistant.llm import LLMAnswerer

        return LLMAnswerer(
            llm,
            retrieve=self._standalone_passages,
            vectors=self.extractive.vectors,
            fallback=self.extractive,
            support_threshold=self.settings.support_threshold,
            max_sentences=self.settings.max_answer_sentences,
            k=self.settings.k,
        )

    def _standalone_passages(
        self, question: str, k: int, filters: Filters | None
    ) -> tuple[list[Passage], np.ndarray]:
        """Passages for a question that stands alone (a condensed follow-up): no history."""
        qvec = self.retriever.query_vector(question, None)
        return self.retriever.retrieve(question, k, None, filters, query_vector=qvec), qvec

    # -- retrieval ---------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        k: int = 10,
        history: Sequence[Message] | None = None,
        filters: Filters | dict[str, Any] | None = None,
        *,
        mode: RetrievalMode = "hybrid",
    ) -> list[Passage]:
        """The ``k`` best passages for a question.

        ``mode``: ``"hybrid"`` (BM25 + dense, fused with RRF: what :meth:`ask` uses), or one
        side alone, ``"bm25"`` or ``"dense"`` (for comparisons and baselines).
        """
        if mode not in RETRIEVAL_MODES:
            raise ConfigError(
                f"Unknown retrieval mode {mode!r}; choose one of: {', '.join(RETRIEVAL_MODES)}."
            )
        self.reader.refresh()
        return self._guard(
            lambda: self.retriever.retrieve(
                clean_question(question),
                k,
                validate_history(history),
                Filters.coerce(filters),
                lexical_only=mode == "bm25",
                dense_only=mode == "dense",
            )
        )

    def index_info(self) -> IndexInfo:
        """The open index's manifest and size."""
        self.reader.refresh()
        m = self.reader.manifest
        snap = self.reader.snapshot
        return IndexInfo(
            index_dir=str(self.settings.index_dir),
            embedder_id=m.embedder_id,
            dimension=m.dimension,
            chunk_size=m.chunk_size,
            chunk_overlap=m.chunk_overlap,
            schema_version=m.schema_version,
            manifest_id=m.short_id,
            documents=len(snap.documents),
            chunks=len(snap.chunks),
        )

    def embed_query(self, text: str) -> Any:
        """The unit query vector of ``text`` (a numpy array), as retrieval embeds it."""
        return self.embedder.embed_query(text)

    def chroma_collection(self) -> Any:
        """The index's Chroma collection, for interoperability (for example llama-index's
        ``ChromaVectorStore``). Read it; writing to it bypasses the catalog and the manifest."""
        self.reader.refresh()
        return self._guard(self.reader.chroma_collection)

    def _guard(self, fn: Any) -> Any:
        try:
            return fn()
        except IndexUnavailableError:
            self.reader.reset_store()
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                self.reader.reset_store()
                raise IndexUnavailableError(
                    "The index is unavailable: the Chroma server cannot be reached. "
                    "Check that it is running."
                ) from exc
            raise

    def documents(self) -> list[dict[str, Any]]:
        """Every document in the index: doc_id, title, publisher, date, url, ..."""
        self.reader.refresh()
        docs = self.reader.snapshot.documents.values()
        return sorted(docs, key=lambda d: (str(d.get("date") or "0000"), d["doc_id"]), reverse=True)

    # -- answering ---------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        filters: Filters | dict[str, Any] | None = None,
        *,
        k: int | None = None,
    ) -> Answer:
        """Answer a question with citations, or refuse when the sources do not hold it."""
        answer: Answer | None = None
        for part in self.stream_answer(question, history, filters, k=k):
            if isinstance(part, Answer):
                answer = part
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        filters: Filters | dict[str, Any] | None = None,
    ) -> Iterator[str]:
        """The answer text in pieces (their concatenation equals ``ask(...).text``)."""
        for part in self.stream_answer(question, history, filters):
            if isinstance(part, str):
                yield part

    def stream_answer(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        filters: Filters | dict[str, Any] | None = None,
        *,
        k: int | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces, then the final :class:`Answer` as the last item (for the chat)."""
        started = time.perf_counter()
        history = validate_history(history)
        q = clean_question(question)
        language = detect_language(q, default=self.settings.chat_language)
        early = self._early_reply(q, language, question)
        if early is not None:
            yield from pieces(early.text)
            yield early
            return
        request = self._request(q, language, history, Filters.coerce(filters), k)
        for part in self.answerer.stream(request):
            if isinstance(part, Answer):
                part.seconds = round(time.perf_counter() - started, 4)
            yield part

    def _request(
        self,
        q: str,
        language: str,
        history: list[Message],
        f: Filters | None,
        k: int | None,
        exclude_sources: Sequence[str] = (),
    ) -> AnswerRequest:
        """Retrieve for a cleaned question and bundle what an answerer needs."""
        self.reader.refresh()
        snapshot = self.reader.snapshot  # sections and mentions from the same generation
        excluded = set(exclude_sources)
        named = self._mentions(snapshot)(q)
        # The one analysis of the question (and of the conversation before it).
        question = Question.of(
            q,
            history,
            language=language,
            named={d: s for d, s in named.items() if d not in excluded},
        )
        qvec = self.retriever.query_vector(question)
        k = k or self.settings.k
        # Without some documents: retrieve more, drop theirs, keep the best k of the rest.
        fetch = k + 4 * k * bool(excluded)
        passages = self._guard(
            lambda: self.retriever.retrieve(question, fetch, None, f, query_vector=qvec)
        )
        passages = [p for p in passages if p.source_id not in excluded][:k]
        return AnswerRequest(
            q,
            language,
            passages,
            qvec,
            snapshot.lexical,
            history or None,
            f,
            section=lambda p: [passage_of(r) for r in snapshot.section(p.chunk_id)],
            named_documents=dict(question.named),
            analysis=question,
        )

    def features(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        *,
        exclude_sources: Sequence[str] = (),
    ) -> FeatureSet:
        """The extractive answerer's candidate sentences for a question and their features,
        without the answer model: what ``nds-assistant eval fit`` learns from.

        ``exclude_sources``: answer as if these documents were not in the index (a question
        whose answer is in them becomes one the sources do not answer).
        """
        history = validate_history(history)
        q = clean_question(question)
        language = detect_language(q, default=self.settings.chat_language)
        request = self._request(q, language, history, None, None, exclude_sources)
        return self.extractive.featurize(request)

    def _mentions(self, snapshot: Snapshot) -> DocumentMentions:
        """The document-mention matcher of this snapshot's documents (built once per ingest)."""
        cached = self._mention_cache
        if cached is None or cached[0] != snapshot.generation:
            cached = (snapshot.generation, DocumentMentions(snapshot.documents))
            self._mention_cache = cached
        return cached[1]

    def _early_reply(self, q: str, language: str, original: str) -> Answer | None:
        if not q:
            text = frame(language, "empty")
        elif len(q) > MAX_QUESTION_CHARS:
            text = frame(language, "too_long", n=len(q), max=MAX_QUESTION_CHARS)
        else:
            return None
        return Answer(question=original, text=text, refused=True, language=language)

    # -- llama-index ---------------------------------------------------------------------------
    def as_query_engine(self, llm: Any = None, **kwargs: Any) -> NDSQueryEngine:
        """A llama-index query engine that answers like :meth:`ask`: with ``llm`` (any
        llama-index ``LLM``) the LLM answerer, every sentence verified and cited; without one,
        the extractive answer. ``kwargs``: ``k``, ``filters``, ``history``, ``callback_manager``.
        See :mod:`assistant.llama_index` (imported here, so llama-index loads only when used)."""
        from assistant.llama_index import NDSQueryEngine

        return NDSQueryEngine(self, llm, **kwargs)


def _is_connection_error(exc: Exception) -> bool:
    names = {type(e).__name__ for e in _chain(exc)}
    return bool(
        names
        & {"ConnectError", "ConnectionError", "ConnectTimeout", "RemoteProtocolError", "ReadError"}
    ) or "Could not connect" in str(exc)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__
