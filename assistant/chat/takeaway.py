"""Answers an official can take away: Markdown of an answer with its numbered sources, of a
whole conversation, and the chat panel with a copy button per answer and a download.

The functions are pure, over the chat's :class:`Turn` (its ``citations`` as
:meth:`Citation.to_dict` gives them); the panel's CSS is in ``static/chat.css``.

>>> turn = Turn("Wat is de NDS?", "De NDS is een strategie. [1]", citations=[{"title": "NDS",
...     "publisher": "BZK", "date": "2025-07-04", "url": "https://example.org/nds",
...     "quote": "een strategie", "page": None}])
>>> print(answer_markdown(turn))
De NDS is een strategie. [1]
<BLANKLINE>
**Bronnen**
<BLANKLINE>
1. *NDS* — BZK, 2025-07-04. <https://example.org/nds>
   > "een strategie"
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from importlib import resources
from typing import Any

from assistant.chat.conversation import Turn
from assistant.chat.render import e
from assistant.messages import takeaway_text as _t

__all__ = [
    "answer_markdown",
    "conversation_markdown",
    "takeaway_html",
    "takeaway_js",
]


def _one_line(text: object) -> str:
    return " ".join(str(text or "").split())


def _inline(text: object) -> str:
    """Text that must not turn into Markdown emphasis or links inside a list item."""
    return re.sub(r"([\\*_\[\]`<>])", r"\\\1", _one_line(text))


def _source_line(n: int, c: dict[str, Any], language: str) -> str:
    title = _inline(c.get("title") or c.get("source_id") or "")
    details = [_one_line(c.get(k)) for k in ("publisher", "date") if _one_line(c.get(k))]
    if isinstance(c.get("page"), int):
        details.append(f"{_t(language, 'page')} {c['page']}")
    line = f"{n}. *{title}*" if title else f"{n}."
    if details:
        line += " — " + _inline(", ".join(details))
    line += "."
    url = _one_line(c.get("url"))
    if re.match(r"https?://\S+$", url):
        line += f" <{url}>"
    quote = _one_line(c.get("quote"))
    if quote:
        line += f'\n   > "{quote}"'
    return line


def answer_markdown(turn: Turn, language: str = "nl") -> str:
    """The answer with its [n] markers and the numbered list of its sources (title,
    publisher, date, page, link, quote): ready to paste into a memo."""
    text = turn.answer.strip()
    citations = turn.citations
    if turn.refused or turn.error or not citations:
        return f"{text}\n\n*{_t(language, 'no_sources')}*" if not turn.error else text
    sources = "\n".join(_source_line(n, c, language) for n, c in enumerate(citations, 1))
    return f"{text}\n\n**{_t(language, 'sources')}**\n\n{sources}"


def conversation_markdown(
    turns: Sequence[Turn], language: str = "nl", *, now: dt.datetime | None = None
) -> str:
    """Every question and answer, each answer with its own numbered sources."""
    when = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    parts = [f"# {_t(language, 'conversation')}", _t(language, "made", when=when)]
    for n, turn in enumerate(turns, 1):
        question = _one_line(turn.question)
        parts.append(f"## {_t(language, 'question', n=n)}: {_inline(question)}")
        parts.append(answer_markdown(turn, language))
    return "\n\n".join(parts) + "\n"


def takeaway_html(
    turns: Sequence[Turn], language: str = "nl", *, now: dt.datetime | None = None
) -> str:
    """The panel: per answer a copy button (its Markdown in ``data-md``), and a download of
    the conversation. Everything is escaped; :func:`takeaway_js` does the copying."""
    head = f'<h2 id="meenemen-kop">{e(_t(language, "heading"))}</h2>'
    if not turns:
        return (
            f'<section aria-labelledby="meenemen-kop" data-turn="0">{head}'
            f'<p class="meenemen-leeg">{e(_t(language, "empty"))}</p></section>'
        )
    items = []
    for n, turn in enumerate(turns, 1):
        if turn.error:
            continue
        question = _one_line(turn.question)
        short = question if len(question) <= 70 else question[:67].rstrip() + "…"
        items.append(
            f'<li><span class="meenemen-vraag">{e(_t(language, "answer", n=n))}: {e(short)}'
            f'</span> <button type="button" class="kopieer" data-n="{n}" '
            f'aria-label="{e(_t(language, "copy_label", n=n))}" '
            f'data-ok="{e(_t(language, "copied", n=n))}" '
            f'data-fail="{e(_t(language, "copy_failed"))}" '
            f'data-md="{e(answer_markdown(turn, language))}">{e(_t(language, "copy"))}'
            "</button></li>"
        )
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M")
    download = (
        f'<button type="button" class="download" data-file="{_t(language, "file")}-{stamp}.md" '
        f'data-md="{e(conversation_markdown(turns, language, now=now))}">'
        f"{e(_t(language, 'download'))}</button>"
    )
    return (
        f'<section aria-labelledby="meenemen-kop" data-turn="{len(turns)}">{head}'
        f"<ol>{''.join(items)}</ol>{download}"
        '<p class="meenemen-status" role="status" aria-live="polite"></p></section>'
    )


# Runs once when the panel loads; the listener is on the panel, so it serves every re-render.
# navigator.clipboard needs a secure context (https or localhost); elsewhere the old
# execCommand("copy") on a temporary textarea still works.
def takeaway_js() -> str:
    """The panel's script (a package file, ``static/takeaway.js``): copying and the download."""
    return resources.files("assistant.chat").joinpath("static/takeaway.js").read_text("utf-8")
