"""The glossary comes from the corpus, not from the questions.

Its docstring promises general vocabulary of the documents: every headword (the Dutch forms
of an entry, any of them) occurs in at least three source documents. An entry added because
a question used a word the documents do not would fail here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.glossary import _NL_EN, translate_words

SOURCES = Path(__file__).parents[1] / "sources"
MIN_DOCUMENTS = 3


def _words(path: Path) -> set[str]:
    body = path.read_text(encoding="utf-8").split("\n---", 1)[-1]  # after the front matter
    return set(re.findall(r"[^\W_]+(?:'[^\W_]+)?", body.lower()))


DOCUMENTS = [_words(p) for p in sorted(SOURCES.glob("*.md"))]
ENTRIES = [line for line in _NL_EN.strip().splitlines() if line.strip()]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.partition(":")[0] for e in ENTRIES])
def test_every_headword_occurs_in_three_documents(entry: str) -> None:
    forms = set(entry.partition(":")[0].split())
    found = sum(1 for words in DOCUMENTS if forms & words)
    assert found >= MIN_DOCUMENTS, f"{sorted(forms)} occurs in {found} source document(s)"


def test_entries_are_well_formed_and_unique() -> None:
    heads = [e.partition(":")[0].strip() for e in ENTRIES]
    assert all(":" in e and e.partition(":")[2].split() for e in ENTRIES)
    assert len(heads) == len(set(heads)), "an entry is listed twice"


def test_translation_works_both_ways() -> None:
    assert "priority" in translate_words(["prioriteit"], "nl")
    assert "prioriteit" in translate_words(["priority"], "en")
    assert translate_words(["zzzonbekend"], "nl") == []
