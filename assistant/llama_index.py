"""llama-index components: our retrieval as a ``BaseRetriever``, our answers as a query engine.

>>> from assistant import Assistant                                       # doctest: +SKIP
>>> from assistant.llama_index import NDSRetriever                        # doctest: +SKIP
>>> bot = Assistant()                                                     # doctest: +SKIP
>>> NDSRetriever(bot, k=3).retrieve("Wat is de NDS?")[0].node.metadata["title"]  # doctest: +SKIP
>>> bot.as_query_engine(llm=some_llama_index_llm).query("Wat is de NDS?")        # doctest: +SKIP

- :class:`NDSRetriever` runs :meth:`Assistant.retrieve` (hybrid BM25 + dense, filters,
  follow-up handling through ``history``) and returns ``NodeWithScore`` whose ``TextNode``
  carries the document metadata. It fits wherever llama-index takes a retriever.
- :class:`NDSQueryEngine` (``Assistant.as_query_engine``) answers through our own pipeline,
  not llama-index's synthesizers: with an ``llm`` the LLM answerer writes the answer and every
  sentence is verified against its cited passage (unsupported ones are dropped, refusal when
  the sources do not hold the answer); without one, the extractive answer. The ``Response``
  has our text with ``[n]`` markers, the cited passages as ``source_nodes`` (node ``i`` is
  marker ``[i + 1]``) and ``metadata`` with ``refused``, ``citations`` and the ``Answer``.

This module imports llama-index at import time; nothing on the CLI's path imports it.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.callbacks import CallbackManager
from llama_index.core.llms import LLM
from llama_index.core.prompts.mixin import PromptMixinType
from llama_index.core.schema import NodeWithScore, QueryBundle, QueryType, TextNode

from assistant.history import Message, validate_history
from assistant.types import Answer, Citation, Filters, Passage
from index.errors import ConfigError

if TYPE_CHECKING:
    from assistant.core import Assistant

__all__ = ["NDSQueryEngine", "NDSRetriever", "passage_node", "to_response"]

# The metadata an LLM sees when a llama-index synthesizer formats a node; the rest (offsets,
# file names, heading paths) is bookkeeping that would only cost prompt tokens.
LLM_METADATA = ("title", "publisher", "date", "url")


def passage_node(passage: Passage, score: float | None = None, **extra: Any) -> NodeWithScore:
    """A passage as a llama-index node: id = chunk id, text = chunk text, document metadata."""
    metadata = {
        **passage.metadata,
        "source_id": passage.source_id,
        "chunk_id": passage.chunk_id,
        "title": passage.title,
        **extra,
    }
    hidden = [k for k in metadata if k not in LLM_METADATA]
    node = TextNode(
        id_=passage.chunk_id,
        text=passage.text,
        metadata=metadata,
        excluded_llm_metadata_keys=hidden,
        excluded_embed_metadata_keys=hidden,
    )
    return NodeWithScore(node=node, score=passage.score if score is None else score)


def _cited_passage(citation: Citation, passages: Sequence[Passage]) -> Passage:
    """The retrieved passage a citation points to; rebuilt from the citation when the answer
    cited a chunk retrieval did not return (a list read across neighbouring chunks)."""
    for p in passages:
        if p.chunk_id == citation.chunk_id:
            return p
    meta: dict[str, Any] = {
        "title": citation.title,
        "publisher": citation.publisher,
        "date": citation.date,
        "url": citation.url,
    }
    if citation.page is not None:
        meta["page"] = citation.page
    return Passage(citation.source_id, citation.chunk_id, citation.passage, 0.0, meta)


def to_response(answer: Answer) -> Response:
    """An :class:`Answer` as a llama-index ``Response``: source node ``i`` is marker ``[i+1]``,
    scored by how well it supports its sentence, with the verbatim ``quote`` in its metadata."""
    nodes = [
        passage_node(_cited_passage(c, answer.passages), c.score, quote=c.quote, marker=f"[{i}]")
        for i, c in enumerate(answer.citations, start=1)
    ]
    metadata: dict[str, Any] = {
        "refused": answer.refused,
        "citations": [c.to_dict() for c in answer.citations],
        "answerer": answer.answerer,
        "language": answer.language,
        "answer": answer,
    }
    return Response(response=answer.text, source_nodes=nodes, metadata=metadata)


class NDSRetriever(BaseRetriever):
    """Hybrid retrieval (BM25 + dense, RRF) over the NDS index as a llama-index retriever.

    ``filters`` narrows retrieval to some documents (:class:`Filters` or a dict with its keys);
    ``history`` (``[{"role": "user"|"assistant", "content": ...}]``, settable between calls)
    makes a follow-up question retrieve with the conversation so far.
    """

    def __init__(
        self,
        assistant: Assistant,
        *,
        k: int | None = None,
        filters: Filters | dict[str, Any] | None = None,
        history: Sequence[Message] | None = None,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        # The Assistant comes in (``Assistant.as_query_engine`` passes itself): this adapter
        # depends on core only for its type, so core -> llama_index is the one direction.
        super().__init__(callback_manager=callback_manager)
        self.assistant = assistant
        self.k = _positive_k(k, self.assistant.settings.k)
        self.filters = Filters.coerce(filters)  # a bad key fails here, not at the first query
        self.history = validate_history(history)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self.assistant.retrieve(
            query_bundle.query_str, self.k, self.history, self.filters
        )
        return [passage_node(p) for p in passages]


class NDSQueryEngine(BaseQueryEngine):
    """Our answers behind llama-index's query-engine interface (see the module docstring).

    Built by :meth:`assistant.Assistant.as_query_engine`. ``llm`` is any llama-index ``LLM``
    (``OpenAILike``, ``Ollama``, ``MockLLM``, ...); ``None`` gives the extractive answer,
    whatever ``NDS_ANSWERER`` says.
    """

    def __init__(
        self,
        assistant: Assistant,
        llm: LLM | None = None,
        *,
        k: int | None = None,
        filters: Filters | dict[str, Any] | None = None,
        history: Sequence[Message] | None = None,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        super().__init__(callback_manager=callback_manager)
        if llm is not None and not isinstance(llm, LLM):
            raise ConfigError(
                "llm must be a llama-index LLM (an instance of llama_index.core.llms.LLM, "
                f"e.g. OpenAILike), not {type(llm).__name__}"
            )
        self.llm = llm
        self.k = _positive_k(k, assistant.settings.k)
        self.filters = Filters.coerce(filters)
        self.history = validate_history(history)
        # A shallow copy shares the index, embedder and retriever but answers with its own
        # answerer, so the caller's Assistant (and its other users) keep theirs.
        self.assistant = copy.copy(assistant)
        if llm is None:
            self.assistant._answerer = assistant.extractive
        else:
            self.assistant._answerer = self.assistant.llm_answerer(llm)

    def _get_prompt_modules(self) -> PromptMixinType:
        return {}

    # Narrowed from llama-index's RESPONSE_TYPE union: this engine never streams.
    def query(self, str_or_query_bundle: QueryType) -> Response:
        response = super().query(str_or_query_bundle)
        assert isinstance(response, Response)
        return response

    async def aquery(self, str_or_query_bundle: QueryType) -> Response:
        response = await super().aquery(str_or_query_bundle)
        assert isinstance(response, Response)
        return response

    def retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        """The passages an answer to this query is written from."""
        retriever = NDSRetriever(
            self.assistant, k=self.k, filters=self.filters, history=self.history
        )
        return retriever.retrieve(query_bundle)

    def answer(self, question: str) -> Answer:
        """Our :class:`Answer` itself (what ``query`` wraps in a ``Response``)."""
        return self.assistant.ask(question, self.history, self.filters, k=self.k)

    def _query(self, query_bundle: QueryBundle) -> Response:
        return to_response(self.answer(query_bundle.query_str))

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        # ask is thread-safe and blocking (embedding, HTTP to the model): run it off the loop.
        return await asyncio.to_thread(self._query, query_bundle)


def _positive_k(k: int | None, default: int) -> int:
    if k is None:
        return default
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"k must be a whole number of at least 1, not {k!r}")
    return k
