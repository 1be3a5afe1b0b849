"""The question analysis and the one list of number words and one stem helper it rests on."""

from __future__ import annotations

import pytest

from assistant.answer_types import _NUMBER
from assistant.question import Question
from assistant.sentences import stems as sentence_stems
from assistant.verify import support_lexical
from index.language import NUMBER_WORDS
from index.lexical import NUMBER_FORMS, Query, query_tokens, stems, translated_query_tokens


@pytest.mark.parametrize("n", sorted(NUMBER_WORDS))
def test_every_number_word_is_read_alike_everywhere(n: int) -> None:
    from assistant.llm.verifier import numbers

    for word in NUMBER_WORDS[n]:
        assert NUMBER_FORMS[word][0] == str(n)  # BM25 spellings and counts
        assert numbers(f"de {word} doelen") == {str(n)}  # citations of an LLM answer
        assert _NUMBER.search(f"de {word} doelen")  # the count check of the extractive answer


def test_one_stem_helper() -> None:
    assert sentence_stems is stems
    assert stems("De gemeenten digitaliseren") == frozenset({"gemeent", "digitaliser"}) | {
        "gemeenten",
        "digitaliseren",
    }
    assert support_lexical("gemeenten digitaliseren", "De gemeenten digitaliseren samen") == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Wat zijn de zes prioriteiten van de NDS?",
        "What are the six priorities?",
        "Hoeveel gemeenten doen mee aan de 3 pilots?",
        "NDS",
    ],
)
def test_query_analysis_matches_the_token_functions(text: str) -> None:
    q = Query.of(text)
    assert list(q.own) == query_tokens(text)
    assert list(q.translated) == translated_query_tokens(text)


def test_question_reads_what_is_asked_once() -> None:
    history = [
        {"role": "user", "content": "Wat is de NDS?"},
        {"role": "assistant", "content": "De strategie [1]."},
    ]
    q = Question.of("En welke zes prioriteiten heeft die?", history, language="en")
    assert q.language == "en" and q.query.language == "nl"  # reply language vs stemming
    assert q.follow_up.depends and q.follow_up.said == "De strategie [1]."
    assert q.context is not None and q.context.text == "Wat is de NDS? De strategie."
    assert q.asks_list and q.asked_count == 6 and not q.asks_date and not q.asks_who
    assert "prioriteit" in q.terms and "6" in q.query.own
    assert Question.of("Wanneer begon het?").asks_date
    assert Question.of("Wie leidt de raad?").asks_who
    assert Question.of("Hoeveel fte?").asks_count
    assert Question.of("Wat is de NDS?").context is None
