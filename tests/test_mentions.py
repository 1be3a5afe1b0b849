"""Tests for questions that name a document ("volgens de Startbrief", "the press release")."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import assistant.mentions
from assistant import Assistant
from assistant.features import SENTENCE_FEATURES
from assistant.mentions import DocumentMentions, question_dates
from index.ingest import ingest
from index.settings import Settings
from tests.corpora import index_corpus
from tests.fakes import FakeEmbedder

DOCS = {
    "rijksoverheid-nds-lancering-2025-07-04": {
        "title": "Nederland versnelt met vernieuwde Digitaliseringsstrategie",
        "doc_type": "news",
        "date": "2025-07-04",
    },
    "rijksoverheid-visie-digitale-autonomie-2025-12-12": {
        "title": "Nieuwe visie legt fundament voor een autonome en soevereine digitale overheid",
        "doc_type": "news",
        "date": "2025-12-12",
    },
    "nldg-nds-implementation-begins": {
        "title": "From strategy to action: NDS implementation begins",
        "doc_type": "webpage",
    },
    "vng-ipo-uvw-brief-uitermark-2025-06-11": {
        "title": "Brief VNG, IPO en Unie van Waterschappen aan minister Uitermark over de NDS",
        "doc_type": "letter",
        "date": "2025-06-11",
    },
    "tk-startbrief-digitalisering-2024-11-07": {
        "title": "Startbrief Digitalisering (Kamerstuk 26 643, nr. 1231)",
        "doc_type": "parliamentary",
        "date": "2024-11-07",
    },
    "developer-overheid-git-werkplaats-overheid": {
        "title": "Aanbeveling voor de Git-werkplaats van de overheid",
        "doc_type": "blog",
        "date": "2025-11-11",
    },
}


def test_doctests() -> None:
    assert doctest.testmod(assistant.mentions).failed == 0


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Wie ondertekende de brief van 11 juni 2025?", ["vng-ipo-uvw-brief-uitermark-2025-06-11"]),
        ("Welk overleg noemt de NDS-uitvoeringspagina?", ["nldg-nds-implementation-begins"]),
        (
            "Welke commissie behandelde de Startbrief Digitalisering?",
            ["tk-startbrief-digitalisering-2024-11-07"],
        ),
        (
            "Welke vrijheden noemt de blog over de Git-werkplaats?",
            ["developer-overheid-git-werkplaats-overheid"],
        ),
        (
            "Which risk do the NDS launch press release and the December 2025 vision on "
            "digital autonomy both name?",
            # "launch" reached "lancering" only through a glossary entry whose headword is in
            # fewer than 3 source documents; the glossary now holds corpus words only.
            ["rijksoverheid-visie-digitale-autonomie-2025-12-12"],
        ),
        (
            "Wat zegt het persbericht over de lancering van de NDS?",
            ["rijksoverheid-nds-lancering-2025-07-04"],
        ),
        # No document named: no kind of document, no date.
        ("Wat is digitale autonomie?", []),
        ("Uiterlijk in welk jaar moeten overheden over op post-quantumcryptografie?", []),
        # "press" alone is not a document ("press release" is).
        ("What did the press say about digital autonomy?", []),
        # A kind of document, but nothing that tells which one.
        ("Welke brief ging over cloud?", []),
    ],
)
def test_which_documents_a_question_names(question: str, named: list[str]) -> None:
    assert list(DocumentMentions(DOCS)(question)) == named


def test_dates_in_both_languages() -> None:
    assert question_dates("On July 4, 2025 and in december 2025") == {
        "@2025-7",
        "@7-4",
        "@2025-12",
    }
    assert question_dates("in 2025") == set()


STARTBRIEF = """---
title: Startbrief Digitalisering
publisher: Tweede Kamer
date: 2024-11-07
language: nl
doc_type: parliamentary
---
# Startbrief Digitalisering

De staatssecretaris wil dat de overheid als één overheid werkt voor alle burgers in het land.
"""

BLOG = """---
title: Samen bouwen aan de digitale overheid
publisher: developer.overheid.nl
date: 2025-03-01
language: nl
doc_type: blog
---
# Samen bouwen aan de digitale overheid

De overheid werkt als één overheid voor burgers en bedrijven, zegt de staatssecretaris.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Settings:
    # One sentence per answer, so the first citation is the best-scoring sentence.
    return index_corpus(
        tmp_path,
        {"startbrief.md": STARTBRIEF, "blog.md": BLOG},
        FakeEmbedder(),
        refusal_threshold=0,
        max_answer_sentences=1,
    )


QUESTION = (
    "Wat wil de staatssecretaris volgens de Startbrief Digitalisering van november 2024: "
    "werkt de overheid als één overheid?"
)


def test_the_named_document_is_quoted_first(corpus: Settings) -> None:
    bot = Assistant(settings=corpus, embedder=FakeEmbedder())
    answer = bot.ask(QUESTION)
    assert answer.citations[0].source_id == "startbrief"


def test_the_named_document_is_a_feature_of_its_sentences(corpus: Settings) -> None:
    """The answer model sees the mention as the ``named`` feature: set for the Startbrief's
    sentences, not for the blog's, although the blog's sentence shares more of its words."""
    bot = Assistant(settings=corpus, embedder=FakeEmbedder())
    fs = bot.features(QUESTION)
    col = SENTENCE_FEATURES.index("named")
    named = {c.passage.source_id: float(fs.sentence[i, col]) for i, c in enumerate(fs.candidates)}
    assert named["startbrief"] > 0 and named["blog"] == 0


def test_mentions_follow_a_new_ingest(corpus: Settings) -> None:
    bot = Assistant(settings=corpus, embedder=FakeEmbedder())
    first = bot._mentions(bot.reader.snapshot)
    assert "startbrief" in first.bags
    assert bot._mentions(bot.reader.snapshot) is first  # built once per snapshot
    letter = STARTBRIEF.replace("Startbrief Digitalisering", "Verzamelbrief Digitalisering")
    (corpus.sources_dir / "verzamelbrief.md").write_text(letter, encoding="utf-8")
    assert not ingest(corpus, embedder=FakeEmbedder()).failed
    assert bot.reader.refresh()
    assert "verzamelbrief" in bot._mentions(bot.reader.snapshot).bags  # rebuilt for it
