"""Tests for cross-language retrieval and sentence scoring.

The corpus here is written per test: several Dutch pages that share the question's words
and one English page that holds the answer, the shape of the NDS corpus (Dutch letters and
news, English strategy pages). The embedder is the FAKE hashing embedder, whose vectors
share nothing across languages, so whatever finds the English page here is BM25's doing.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pytest

import assistant.answer_types
import assistant.answerer
import assistant.asks
import assistant.extractive
import assistant.history
import assistant.retrieve
import assistant.sentences
import index.chunk
import index.lexical
from assistant import Assistant, ConfigError
from assistant.extractive import SentenceVectors
from assistant.features import SENTENCE_FEATURES
from assistant.types import Passage
from index.ingest import ingest
from index.settings import Settings
from tests.fakes import FakeEmbedder

DUTCH = """---
title: {title}
publisher: VNG
date: 2025-0{n}-01
language: nl
---
# {title}

De prioriteit van gemeenten is dienstverlening aan burgers. Deze prioriteit vraagt om
samenwerking tussen gemeenten. Gemeenten stellen de prioriteit van de burger voorop.

De prioriteit ligt bij de uitvoering van de strategie en bij goede dienstverlening.
"""

ENGLISH = """---
title: Priority 6 - Digital proficiency
publisher: Ministry of the Interior
date: 2025-07-04
language: en
---
# Priority 6

We will establish a personnel strategy for digitalisation. Civil servants get the right
tools to do their jobs effectively in a modern digital workspace.
"""


@pytest.fixture
def mixed_corpus(tmp_path: Path) -> Settings:
    sources = tmp_path / "sources"
    sources.mkdir()
    for n in range(1, 7):
        text = DUTCH.format(title=f"Gemeentelijke prioriteiten deel {n}", n=n)
        (sources / f"vng-{n}.md").write_text(text, encoding="utf-8")
    (sources / "priority-6.md").write_text(ENGLISH, encoding="utf-8")
    # The fake embedder's cosines mean nothing, so no refusal: these tests are about plumbing.
    settings = Settings(sources_dir=sources, index_dir=tmp_path / "index", refusal_threshold=0)
    report = ingest(settings, embedder=FakeEmbedder())
    assert not report.failed, report.summary()
    return settings


@pytest.mark.parametrize(
    "module",
    [
        assistant.retrieve,
        assistant.extractive,
        assistant.sentences,
        assistant.answer_types,
        index.chunk,
        index.lexical,
    ],
    ids=lambda m: m.__name__,
)
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def test_dutch_question_finds_the_english_page_among_dutch_ones(mixed_corpus: Settings) -> None:
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    passages = bot.retrieve("Welke prioriteit gaat over personeel en ambtenaren?", k=3)
    assert "priority-6" in [p.source_id for p in passages]


def test_the_old_single_bm25_list_would_have_drowned_it(mixed_corpus: Settings) -> None:
    """The same question with translation weighted down to nothing: only Dutch pages come
    back. This is why the other language gets a list of its own at full weight."""
    settings = mixed_corpus.with_overrides(translation_weight=0.0)
    bot = Assistant(settings=settings, embedder=FakeEmbedder())
    passages = bot.retrieve("Welke prioriteit gaat over personeel en ambtenaren?", k=3)
    assert "priority-6" not in [p.source_id for p in passages]


def test_each_bm25_list_stays_within_its_language(mixed_corpus: Settings) -> None:
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    snapshot = bot.reader.snapshot
    own, foreign = bot.retriever.lexical_lists("Welke prioriteit heeft personeel?", None, None)
    assert own[0] and foreign[0]
    assert {snapshot.chunks[c].metadata["language"] for c in own[0]} == {"nl"}
    assert {snapshot.chunks[c].metadata["language"] for c in foreign[0]} == {"en"}
    assert own[1] == foreign[1] == 1.0  # both languages count alike by default


def test_filters_narrow_both_language_lists(mixed_corpus: Settings) -> None:
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    passages = bot.retrieve("prioriteit personeel", k=10, filters={"source_id": "vng-2"})
    assert passages and {p.source_id for p in passages} == {"vng-2"}


def test_follow_up_history_is_searched_in_both_languages(mixed_corpus: Settings) -> None:
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    history = [
        {"role": "user", "content": "Wat zegt de strategie over personeel en ambtenaren?"},
        {"role": "assistant", "content": "Er komt een personeelsstrategie [1]."},
    ]
    lists = bot.retriever.lexical_lists("En wat nog meer?", history, None)
    assert len(lists) == 4  # question and history, each in Dutch and in English
    history_foreign = lists[3][0]
    assert any(c.startswith("priority-6") for c in history_foreign)


def test_ingest_embeds_quotable_sentences_once(tmp_path: Path, mixed_corpus: Settings) -> None:
    """Ingest put the sentence vectors in the cache, so answering embeds nothing but the
    question; a re-run embeds no sentence again."""
    again = ingest(mixed_corpus, embedder=FakeEmbedder())
    assert again.sentences_embedded == 0
    fresh = mixed_corpus.with_overrides(index_dir=tmp_path / "other")
    first = ingest(fresh, embedder=FakeEmbedder())
    # The six Dutch pages share their sentences: each distinct sentence is embedded once.
    assert first.sentences_embedded == 4 + 2  # the Dutch pages' sentences + the English page's

    fake = FakeEmbedder()
    bot = Assistant(settings=mixed_corpus, embedder=fake)
    answer = bot.ask("Welke strategie komt er voor personeel?")
    assert not answer.refused and answer.citations
    assert fake.embedded == 0  # all sentence vectors came from the cache


def test_sentence_vectors_prefer_memory_then_lookup_then_embedding() -> None:
    fake = FakeEmbedder()
    stored = {"uit de cache.": np.ones(64, dtype=np.float32) / 8}
    asked: list[list[str]] = []

    def lookup(texts: list[str]) -> dict[str, np.ndarray]:
        asked.append(list(texts))
        return {t: stored[t] for t in texts if t in stored}

    vectors = SentenceVectors(fake, lookup=lookup)
    out = vectors.get(["uit de cache.", "nieuw."])
    assert out.shape == (2, 64) and np.allclose(out[0], stored["uit de cache."])
    assert fake.embedded == 1  # only the sentence the cache did not have
    vectors.get(["uit de cache.", "nieuw."])
    assert fake.embedded == 1 and len(asked) == 1  # the second time, all from memory


def test_no_cache_file_means_embedding_now(tmp_path: Path, mixed_corpus: Settings) -> None:
    (mixed_corpus.index_dir / "embed-cache.sqlite3").unlink()
    fake = FakeEmbedder()
    bot = Assistant(settings=mixed_corpus, embedder=fake)
    answer = bot.ask("Welke strategie komt er voor personeel?")
    assert answer.citations and fake.embedded > 0


def test_the_same_sentence_in_several_documents_is_quoted_once_and_cited_for_each(
    mixed_corpus: Settings,
) -> None:
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    answer = bot.ask("Wat is de prioriteit van gemeenten volgens de VNG?")
    assert not answer.refused and answer.citations
    # Every sentence of the six VNG pages is in all six: whichever is quoted, it is quoted
    # once and cited for each document that has it.
    for sentence in dict.fromkeys(c.quote for c in answer.citations):
        assert answer.text.count(sentence) == 1  # quoted once ...
        cited = [c for c in answer.citations if c.quote == sentence]
        assert len(cited) >= 2 and len({c.source_id for c in cited}) == len(cited)  # ... each
    for i, c in enumerate(answer.citations, start=1):
        assert f"[{i}]" in answer.text and c.quote in c.passage


def test_a_follow_up_sentence_the_previous_answer_said_is_marked(mixed_corpus: Settings) -> None:
    """The ``said`` feature is the share of a sentence's words the previous answer said: 1.0
    for the sentence it quoted, 0 without a previous answer, lower for the page's other one."""
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    question = "En wat nog meer over civil servants?"
    said = "We will establish a personnel strategy for digitalisation."
    col = SENTENCE_FEATURES.index("said")

    def feature(previous: str | None) -> dict[str, float]:
        history = None
        if previous:
            history = [
                {"role": "user", "content": "Wat gebeurt er met ambtenaren?"},
                {"role": "assistant", "content": previous},
            ]
        fs = bot.features(question, history)
        return {c.text: float(fs.sentence[i, col]) for i, c in enumerate(fs.candidates)}

    before, after = feature(None), feature(said + " [1]")
    other = next(t for t in after if t.startswith("Civil servants get the right"))
    assert before[said] == 0.0 and after[said] == pytest.approx(1.0)
    assert after[other] < 0.5


def test_a_page_in_a_third_language_is_still_found_by_its_words(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "de.md").write_text(
        "---\ntitle: Strategie\nlanguage: de\n---\n"
        "Die Datenschutzgrundverordnung gilt auch hier. Sie schützt personenbezogene Daten.\n",
        encoding="utf-8",
    )
    (sources / "nl.md").write_text(
        "---\ntitle: Strategie\nlanguage: nl\n---\nDe gemeenten werken samen aan data.\n",
        encoding="utf-8",
    )
    settings = Settings(sources_dir=sources, index_dir=tmp_path / "index", refusal_threshold=0)
    assert not ingest(settings, embedder=FakeEmbedder()).failed
    bot = Assistant(settings=settings, embedder=FakeEmbedder())
    for question in (
        "Wat zegt de Datenschutzgrundverordnung?",
        "What about Datenschutzgrundverordnung?",
    ):
        lists = bot.retriever.lexical_lists(question, None, None)
        assert any(c.startswith("de:") for ids, _ in lists for c in ids), question


def test_an_english_sentence_earns_overlap_through_the_translated_question(
    mixed_corpus: Settings,
) -> None:
    """'digitalisering' is not in the English page; its glossary translation is."""
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    fs = bot.features("Wat gebeurt er met de digitalisering?")
    english = next(c for c in fs.candidates if c.text.startswith("We will establish"))
    assert english.lexical > 0


def test_evidence_cosine_is_language_fair() -> None:
    """Four Dutch sentences at 0.86-0.88 and four English at 0.78-0.83: English runs 0.07 lower
    on average, so its best (0.83) counts as 0.90, above the best Dutch one (0.88)."""
    from assistant.features import featurize
    from assistant.sentences import Candidate
    from index.lexical import LexicalIndex

    cosines = {"nl": [0.88, 0.87, 0.86, 0.87], "en": [0.83, 0.79, 0.78, 0.80]}
    cands, values = [], []
    for lang, vals in cosines.items():
        for i, cos in enumerate(vals):
            text = f"Zin {lang} nummer {i} met genoeg woorden erin."
            passage = Passage(lang, f"{lang}:{i}", text, 1.0, {"language": lang})
            cands.append(Candidate(0, passage, 0, len(text), text))
            values.append(cos)
    lexical = LexicalIndex.build(
        [c.passage.chunk_id for c in cands], [c.text for c in cands], ["nl"] * 8
    )
    fs = featurize("Welke zin?", "nl", cands, np.array(values), lexical)
    en_offset = np.mean(cosines["en"]) - np.mean(cosines["nl"])
    assert fs.question["best_cosine"] == pytest.approx(0.83 - en_offset, abs=1e-6)
    assert fs.question["best_cosine"] > 0.88
    col = SENTENCE_FEATURES.index("cosine")
    assert fs.sentence[4, col] == pytest.approx(0.83 - en_offset, abs=1e-6)


def test_evidence_coverage_counts_translated_words(mixed_corpus: Settings) -> None:
    """An English question about a Dutch page: its words are covered by their glossary
    translations ("municipalities" by "gemeenten"), so coverage is not zero just because the
    passages are in the other language (it was, and such questions were refused)."""
    from assistant.features import featurize

    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    inner = bot.extractive
    lexical = bot.reader.snapshot.lexical
    question = "What is the priority of municipalities?"
    dutch = [p for p in bot.retrieve(question, k=8) if p.source_id.startswith("vng")]
    cands = inner.candidates(dutch)
    zeros = np.zeros(len(cands))
    assert featurize(question, "en", cands, zeros, lexical).question["coverage"] == pytest.approx(
        1.0
    )
    unrelated = featurize("What about quantum encryption?", "en", cands, zeros, lexical)
    assert unrelated.question["coverage"] == 0.0


def test_retrieve_modes_are_each_side_alone_and_hybrid_fuses_them(mixed_corpus: Settings) -> None:
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    q = "Welke prioriteit gaat over personeel en ambtenaren?"
    bm25 = bot.retrieve(q, k=7, mode="bm25")
    dense = bot.retrieve(q, k=7, mode="dense")
    hybrid = bot.retrieve(q, k=7)
    assert bm25 and dense and hybrid
    # Only dense hits carry a dense score; a BM25-only list has none.
    assert all("dense_score" not in p.metadata for p in bm25)
    assert all("dense_score" in p.metadata for p in dense)
    with pytest.raises(ConfigError, match="Unknown retrieval mode 'sparse'"):
        bot.retrieve(q, mode="sparse")  # type: ignore[arg-type]


def test_index_info_reports_the_manifest_and_size(mixed_corpus: Settings) -> None:
    bot = Assistant(settings=mixed_corpus, embedder=FakeEmbedder())
    info = bot.index_info()
    assert info.documents == 7
    assert info.chunks >= 7
    assert info.embedder_id == FakeEmbedder().model_id
    assert info.dimension == FakeEmbedder().dimension
    assert info.index_dir == str(mixed_corpus.index_dir)
    assert bot.chroma_collection().count() == info.chunks
