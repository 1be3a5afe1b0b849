"""The Markdown an official takes away (assistant.chat.takeaway): pure functions, tested
directly."""

from __future__ import annotations

import datetime as dt
import doctest
import html
import re
from typing import Any

import assistant.chat.takeaway
from assistant.chat.conversation import Turn
from assistant.chat.takeaway import answer_markdown, conversation_markdown, takeaway_html

NOW = dt.datetime(2026, 11, 30, 14, 5)


def _turn(**kw: Any) -> Turn:
    turn: dict[str, Any] = {
        "question": "Wat zijn de prioriteiten?",
        "answer": "Cloud is de eerste prioriteit. [1] Data is de tweede. [2]",
        "refused": False,
        "error": False,
        "citations": [
            {
                "title": "NDS",
                "publisher": "Ministerie van BZK",
                "date": "2025-07-04",
                "url": "https://www.rijksoverheid.nl/nds",
                "quote": "Cloud is de\neerste prioriteit.",
                "page": 3,
            },
            {
                "title": "Brief *concept*",
                "publisher": "",
                "date": "",
                "url": "javascript:alert(1)",
                "quote": "Data is de tweede.",
                "page": None,
            },
        ],
    }
    turn.update(kw)
    return Turn(**turn)


def test_doctests() -> None:
    assert doctest.testmod(assistant.chat.takeaway).failed == 0


def test_answer_with_numbered_sources() -> None:
    md = answer_markdown(_turn())
    assert md == (
        "Cloud is de eerste prioriteit. [1] Data is de tweede. [2]\n\n**Bronnen**\n\n"
        "1. *NDS* — Ministerie van BZK, 2025-07-04, p. 3. <https://www.rijksoverheid.nl/nds>\n"
        '   > "Cloud is de eerste prioriteit."\n'
        "2. *Brief \\*concept\\**.\n"  # no javascript: link, emphasis escaped
        '   > "Data is de tweede."'
    )
    assert "Sources" in answer_markdown(_turn(), "en")


def test_refused_and_failed_answers() -> None:
    refused = answer_markdown(_turn(refused=True, answer="Dat staat niet in de bronnen."))
    assert refused == "Dat staat niet in de bronnen.\n\n*Geen antwoord in de bronnen.*"
    assert answer_markdown(_turn(error=True, answer="Er ging iets mis.")) == "Er ging iets mis."


def test_conversation_has_every_question_with_its_own_sources() -> None:
    turns = [_turn(), _turn(question="En de  derde?", answer="AI. [1]")]
    md = conversation_markdown(turns, now=NOW)
    assert md.startswith("# Gesprek met de NDS-assistent\n\nOpgeslagen op 2026-11-30 14:05.")
    assert "## Vraag 1: Wat zijn de prioriteiten?\n\n" + answer_markdown(turns[0]) in md
    assert "## Vraag 2: En de derde?\n\nAI. [1]\n\n**Bronnen**\n\n1. *NDS*" in md
    assert md.endswith("\n")


def test_panel_escapes_everything_and_carries_the_markdown() -> None:
    evil = _turn(question='<img src=x onerror=alert(1)> "quote"')
    out = takeaway_html([evil, _turn(error=True)], now=NOW)
    assert "<img" not in out
    assert 'data-turn="2"' in out
    buttons = re.findall(r'<button type="button" class="kopieer"[^>]*data-md="([^"]*)"', out)
    assert len(buttons) == 1  # no copy button for a failed answer
    assert html.unescape(buttons[0]) == answer_markdown(evil)
    download = re.search(r'class="download" data-file="([^"]+)" data-md="([^"]*)"', out)
    assert download is not None
    assert download.group(1) == "nds-gesprek-2026-11-30-1405.md"
    assert html.unescape(download.group(2)) == conversation_markdown(
        [evil, _turn(error=True)], now=NOW
    )
    assert 'data-turn="0"' in takeaway_html([])
