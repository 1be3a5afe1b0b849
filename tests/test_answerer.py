"""The answerer boundary: any object with ``name`` and ``stream`` answers for Assistant."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answerer import Answerer, AnswerRequest
from assistant.extractive import ExtractiveAnswerer
from index.ingest import ingest
from index.settings import Settings
from tests.corpora import DATA_SYSTEM, NDS_PRIORITIES
from tests.fakes import FakeAnswerer, FakeEmbedder


@pytest.fixture
def small_index(tmp_path: Path) -> Settings:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "nds.md").write_text(NDS_PRIORITIES, encoding="utf-8")
    (sources / "data.md").write_text(DATA_SYSTEM, encoding="utf-8")
    settings = Settings(sources_dir=sources, index_dir=tmp_path / "index")
    assert not ingest(settings, embedder=FakeEmbedder()).failed
    return settings


def test_an_injected_answerer_gets_the_request_and_its_answer_is_passed_through(
    small_index: Settings,
) -> None:
    fake = FakeAnswerer("De NDS heeft zes prioriteiten [1].")
    bot = Assistant(settings=small_index, embedder=FakeEmbedder(), answerer=fake)
    history = [
        {"role": "user", "content": "Wat is de NDS?"},
        {"role": "assistant", "content": "De digitaliseringsstrategie [1]."},
    ]
    answer = bot.ask(
        "  Wat zijn de   prioriteiten?  ", history=history, filters={"era": "2025"}, k=2
    )

    assert len(fake.requests) == 1
    req = fake.requests[0]
    assert isinstance(req, AnswerRequest)
    assert req.question == "Wat zijn de prioriteiten?"  # cleaned once, before the answerer
    assert req.language == "nl"
    assert req.history == history
    assert req.filters is not None and req.filters.era == "2025"
    assert 0 < len(req.passages) <= 2
    assert req.passages == bot.retrieve(req.question, k=2, history=history, filters={"era": "2025"})
    assert req.analysis is not None and req.analysis.text == req.question
    assert req.analysis.follow_up.said == history[1]["content"]
    assert req.analysis.asks_list  # "Wat zijn de prioriteiten?"

    assert answer.answerer == "fake"
    assert answer.text == "De NDS heeft zes prioriteiten [1]."
    assert answer.citations[0].chunk_id == req.passages[0].chunk_id
    assert answer.seconds > 0
    # stream passes the same pieces through, and nothing else
    assert "".join(bot.stream("Wat zijn de prioriteiten?")) == answer.text
    assert len(fake.requests) == 2


def test_empty_questions_never_reach_the_answerer(small_index: Settings) -> None:
    fake = FakeAnswerer()
    bot = Assistant(settings=small_index, embedder=FakeEmbedder(), answerer=fake)
    assert bot.ask("   ").refused
    assert fake.requests == []


def test_both_answerers_implement_the_protocol() -> None:
    def check(answerer: Answerer) -> str:
        return answerer.name

    assert check(FakeAnswerer()) == "fake"
    assert check(ExtractiveAnswerer(FakeEmbedder())) == "extractive"


def test_the_question_is_analysed_once_per_question(
    small_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One Question per ask, and one Query each for the question and the conversation: the
    retriever and the extractive answerer read them instead of analysing the text again."""
    from assistant.history import history_text
    from assistant.question import Question
    from index.lexical import Query

    bot = Assistant(settings=small_index, embedder=FakeEmbedder(), answerer=FakeAnswerer())
    history = [
        {"role": "user", "content": "Wat zijn de prioriteiten van de NDS?"},
        {"role": "assistant", "content": "Zes prioriteiten [1]."},
    ]
    bot.ask("Wat is de eerste?", history=history)  # warm caches (mentions, snapshot)
    made: list[str] = []
    real_question = Question.of.__func__  # type: ignore[attr-defined]
    real_query = Query.of.__func__  # type: ignore[attr-defined]

    def question_of(cls: type, text: str, *a: object, **kw: object) -> Question:
        made.append(f"Question:{text}")
        return real_question(cls, text, *a, **kw)

    def query_of(cls: type, text: str) -> Query:
        made.append(f"Query:{text}")
        return real_query(cls, text)

    monkeypatch.setattr(Question, "of", classmethod(question_of))
    monkeypatch.setattr(Query, "of", classmethod(query_of))
    bot.extractive.answer(
        bot._request("En hoeveel prioriteiten zijn er?", "nl", history, None, None)
    )
    # (a count question: the answer-type check analyses the counted word, "prioriteiten")
    question, context = "En hoeveel prioriteiten zijn er?", history_text(history)
    assert [m for m in made if m.startswith("Question:")] == [f"Question:{question}"]
    assert made.count(f"Query:{question}") == made.count(f"Query:{context}") == 1
