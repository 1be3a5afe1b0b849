"""Tests for list answers: lists found in source text, gathered across chunks, chosen by count.

The corpus is the shape of the NDS developer blog: a section whose numbered list of six
priorities (a bold label, then wrapped, indented lines) is long enough that chunking splits it
over several chunks. The embedder is the FAKE hashing embedder; what is tested is which list is
found and that every item is quoted verbatim from a chunk that holds it.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import assistant.lists
from assistant import Assistant
from assistant.lists import _stitch, asked_count, list_spans, source_lists
from assistant.sentences import term_share
from assistant.types import Passage
from index.chunk import chunk_text
from index.lexical import LexicalIndex, number_variants, query_tokens
from index.settings import Settings
from tests.corpora import index_corpus
from tests.fakes import FakeEmbedder

PRIORITIES = [
    ("Cloudtechnologie", "We werken aan soevereine clouddiensten en een centrale marktplaats"),
    ("Data delen", "We werken overheidsbreed datagedreven via een federatief datastelsel"),
    ("AI", "We benutten AI op verantwoorde wijze door een centrale regieaanpak"),
    ("Burgers en ondernemers centraal", "We zorgen dat burgers de overheid als geheel ervaren"),
    ("Weerbaarheid en autonomie", "We versterken onze digitale weerbaarheid met security"),
    ("Digitaal vakmanschap", "We investeren in digitaliseringskennis voor ambtenaren"),
]


def blog() -> str:
    items = "\n\n".join(
        f"{i}. **{label}**  \n   {body},\n   zodat de overheid als één geheel werkt en\n"
        f"   samen sneller gaat dan elke organisatie alleen.\n"
        f"   [externe link](https://example.org/prioriteit-{i}/)"
        for i, (label, body) in enumerate(PRIORITIES, start=1)
    )
    return f"""---
title: Wat de NDS vraagt van developers
publisher: developer.overheid.nl
date: 2025-07-15
language: nl
doc_type: blog
---
# Wat de NDS vraagt van developers

De NDS is een overheidsbrede strategie. Alle overheden werken als één overheid samen.

## De zes prioriteiten

{items}

## Aan de slag

Developers kunnen standaarden adopteren en code delen op de centrale plek.
"""


OTHER_LIST = """---
title: Drie doelen van gemeenten
publisher: VNG
date: 2025-06-01
language: nl
---
# Drie doelen van gemeenten

Gemeenten noemen drie doelen voor de digitale overheid:

- Betere dienstverlening aan inwoners.
- Minder afhankelijkheid van leveranciers.
- Meer samenwerking in de regio.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Settings:
    # Small chunks, so the six items land in several chunks, as in the real blog.
    return index_corpus(
        tmp_path,
        {"blog.md": blog(), "vng.md": OTHER_LIST},
        FakeEmbedder(),
        chunk_size=300,
        chunk_overlap=60,
        refusal_threshold=0,
    )


def test_doctests() -> None:
    assert doctest.testmod(assistant.lists).failed == 0


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("- een\n- twee\n- drie", [["een", "twee", "drie"]]),
        ("1) een\n2) twee", [["een", "twee"]]),
        # Label items end at their line; a wrapped item runs to the end of its sentence.
        ("1. **Cloud**  \n   We werken.\n2. **Data**\n   Meer.", [["**Cloud**", "**Data**"]]),
        (
            "- Betere dienst\n  voor inwoners. Nog meer.\n- Minder",
            [["Betere dienst\n  voor inwoners.", "Minder"]],
        ),
        # Deeper bullets continue their item; they are not items of the list.
        ("- een\n  - sub\n- twee", [["een", "twee"]]),
        # A paragraph between two runs makes two lists.
        ("- a1\n- a2\n\nTussentekst.\n\n- b1\n- b2", [["a1", "a2"], ["b1", "b2"]]),
        ("- alleen\n\nTekst.", []),
        # Numbered lead lines of the same word form a list; a heading ends it.
        (
            "Priority 1 – Cloud\nWe will.\nPriority 2 – Data\nWe share.\n# Next\nPriority 3 – AI",
            [["Priority 1 – Cloud", "Priority 2 – Data"]],
        ),
        ("Stap 1: begin\nStap 3: later", []),  # not consecutive
    ],
)
def test_list_spans(text: str, items: list[list[str]]) -> None:
    assert [[text[s:e] for s, e in spans] for spans in list_spans(text)] == items


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("Wat zijn de zes prioriteiten van de NDS?", 6),
        ("What are the 6 priorities?", 6),
        ("Welke twee andere strategieën vormen het fundament?", 2),
        ("Welke strategische doelen stelt NDS-prioriteit 6?", None),
        ("Wat gebeurde er in 2018?", None),
        ("Welke prioriteiten heeft de NDS?", None),
        ("Welke doelen heeft prioriteit 6 Cloudtechnologie?", None),  # names, not counts
        ("Welke maatregelen staan in de brief van 11 juni 2025?", None),  # a date
        ("Welke stappen zijn gezet in de afgelopen 2 jaar?", None),  # a span of time
        ("Welke regels moeten gemeenten in acht nemen?", None),  # an idiom
        ("Noem drie voorbeelden.", 3),
    ],
)
def test_asked_count(question: str, count: int | None) -> None:
    assert asked_count(question) == count


def test_a_count_finds_its_other_spelling_in_bm25() -> None:
    assert {"6", "six"} <= set(query_tokens("Wat zijn de zes prioriteiten?"))
    assert number_variants("prioriteit 6 en richtlijn 5") == []  # names, not counts


def test_term_share_reads_headings_in_both_languages_without_question_words() -> None:
    share = term_share("Noem de zes prioriteiten", LexicalIndex(None, []))
    assert share("De zes prioriteiten") == 1.0
    assert share("6 priorities") == 1.0
    assert share("Zes doelen") == 0.5


def test_a_list_cut_by_chunks_is_answered_whole(corpus: Settings) -> None:
    bot = Assistant(settings=corpus, embedder=FakeEmbedder())
    snapshot = bot.reader.snapshot
    section = [
        c
        for c in snapshot.chunks.values()
        if c.metadata["heading_path"].endswith("zes prioriteiten")
    ]
    assert len(section) >= 3, "the fixture must split the list over several chunks"

    answer = bot.ask("Wat zijn de zes prioriteiten van de NDS?")
    assert not answer.refused
    assert answer.text.startswith("De bronnen noemen:")
    for label, _ in PRIORITIES:
        assert f"- {label} [" in answer.text
    assert len(answer.citations) == 6
    for c in answer.citations:  # each item quoted verbatim from a chunk that holds it
        assert c.quote in snapshot.chunks[c.chunk_id].text
    assert len({c.chunk_id for c in answer.citations}) >= 3


def test_snapshot_section_is_the_chunks_under_one_heading_in_order(corpus: Settings) -> None:
    bot = Assistant(settings=corpus, embedder=FakeEmbedder())
    snapshot = bot.reader.snapshot
    middle = next(c for c in snapshot.chunks.values() if "**AI**" in c.text)
    section = snapshot.section(middle.chunk_id)
    assert [c.position for c in section] == sorted(c.position for c in section)
    assert {c.metadata["heading_path"] for c in section} == {middle.metadata["heading_path"]}
    assert any("**Cloudtechnologie**" in c.text for c in section)
    assert any("**Digitaal vakmanschap**" in c.text for c in section)
    assert snapshot.section("no-such-chunk") == []
    # A long section is read only so far around the chunk (a document without headings is
    # one section; reading all of it per question cost 6 ms at 100k chunks).
    near = snapshot.section(middle.chunk_id, reach=1)
    assert len(near) <= 3 and middle.chunk_id in [c.chunk_id for c in near]


def test_a_list_of_another_length_than_asked_is_not_used(corpus: Settings) -> None:
    bot = Assistant(settings=corpus, embedder=FakeEmbedder())
    answer = bot.ask("Wat zijn de drie doelen van gemeenten?")
    assert "Betere dienstverlening aan inwoners." in answer.text
    answer = bot.ask("Wat zijn de vier doelen van gemeenten?")
    assert not answer.text.startswith("De bronnen noemen:")


def test_an_english_question_is_told_the_list_is_in_dutch(corpus: Settings) -> None:
    bot = Assistant(settings=corpus, embedder=FakeEmbedder())
    answer = bot.ask("What are the six priorities (zes prioriteiten) of the NDS?")
    assert answer.text.startswith("The sources (in Dutch) list:")
    assert "- Digitaal vakmanschap [" in answer.text


LONG = (
    "De overheid investeert de komende jaren fors in dit onderwerp, samen met gemeenten, "
    "provincies, waterschappen en uitvoeringsorganisaties, zodat burgers er op vooruitgaan"
)


def _chunked(doc: str) -> list[Passage]:
    return [Passage("d", c.chunk_id, c.text, 0.0, dict(c.metadata)) for c in chunk_text("d", doc)]


def _two_sentence_items() -> str:
    # Sentences longer than the overlap: chunks meet without overlap, at a space in an item.
    items = "\n".join(
        f"{i}. **{name}** is prioriteit {i}. {LONG} met {name.lower()}. {LONG} en meer."
        for i, name in enumerate("Cloud Data AI Vaardigheden Inclusie Innovatie".split(), 1)
    )
    return f"# NDS\n\n## De zes prioriteiten\n\nDe NDS kent zes prioriteiten:\n\n{items}\n\nEinde."


def _nested_items() -> str:
    lines = []
    for name in "Cloud Data AI Vaardigheden".split():
        lines.append(f"- {name}: {LONG} met {name.lower()}.")
        lines += [f"  - sub {name} {j}: {LONG} en {j}." for j in range(2)]
    return "## Prioriteiten\n\nDe NDS kent vier prioriteiten:\n\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("doc", "labels"),
    [
        (_two_sentence_items(), ["Cloud", "Data", "AI", "Vaardigheden", "Inclusie", "Innovatie"]),
        (_nested_items(), ["Cloud", "Data", "AI", "Vaardigheden"]),
    ],
    ids=["sentence-gaps", "nested-items"],
)
def test_chunks_joined_at_their_recorded_gaps_give_the_document_back(
    doc: str, labels: list[str]
) -> None:
    passages = _chunked(doc)
    assert len(passages) >= 3 and any("gap_before" in p.metadata for p in passages)
    for p in passages:
        text, base, _ = _stitch(passages, p)
        assert text == doc[base : base + len(text)]
        (found,) = source_lists(p, 0, passages)
        assert [c.text.split(":")[0].split(" is ")[0].strip("*") for c in found.items] == labels
        assert all(c.passage.text[c.start : c.end] == c.text for c in found.items)


def test_a_missing_chunk_before_the_passage_does_not_hide_its_list() -> None:
    doc = "Intro tekst hier.\n\n" + " " * 40 + "code\n\nDe doelen:\n\n- Cloud\n- Data\n- AI\n"
    cut = doc.index("code")
    first = Passage("d", "d:0", doc[: doc.index("\n")], 0, {"start": 0})
    second = Passage("d", "d:1", doc[cut:].rstrip(), 0, {"start": cut})
    (found,) = source_lists(second, 0, [first, second])
    assert [c.text for c in found.items] == ["Cloud", "Data", "AI"]


def test_a_question_about_one_item_is_not_answered_with_the_whole_list(
    corpus: Settings,
) -> None:
    """The best sentence is the item 'Weerbaarheid en autonomie', but the question asks what
    the NDS wants for it, not for the six priorities."""
    bot = Assistant(settings=corpus, embedder=FakeEmbedder())
    answer = bot.ask("Welke doelen stelt de NDS voor weerbaarheid en autonomie?")
    assert not answer.text.startswith("De bronnen noemen:")
    assert "weerbaarheid" in answer.text.lower()


BARRIERS = """---
title: Dienstverlening
publisher: BZK
date: 2025-07-04
language: nl
---
# Dienstverlening

## Doelen

- Wij nemen belemmeringen weg, zodat burgers sneller geholpen worden.
- Wij nemen belemmeringen weg in één loket voor ondernemers.

## Welke belemmeringen zijn er nu?

- Te weinig capaciteit bij uitvoeringsorganisaties.
- Versnipperde systemen die niet samenwerken.
"""


def test_a_list_whose_heading_asks_the_question_beats_the_list_with_the_best_sentence(
    tmp_path: Path,
) -> None:
    settings = index_corpus(tmp_path, {"dienst.md": BARRIERS}, FakeEmbedder(), refusal_threshold=0)
    answer = Assistant(settings=settings, embedder=FakeEmbedder()).ask(
        "Welke belemmeringen worden genoemd?"
    )
    assert answer.text.startswith("De bronnen noemen:")
    assert "Te weinig capaciteit" in answer.text
    assert "één loket" not in answer.text
