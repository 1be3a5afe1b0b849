"""Answers an official can take away: Markdown of an answer with its numbered sources, of a
whole conversation, and the chat panel with a copy button per answer and a download.

The Markdown functions are pure (a turn is the chat's dict: ``question``, ``answer``,
``refused``, ``error``, ``citations`` as :meth:`Citation.to_dict` gives them).

>>> turn = {"question": "Wat is de NDS?", "answer": "De NDS is een strategie. [1]",
...         "refused": False, "citations": [{"title": "NDS", "publisher": "BZK",
...         "date": "2025-07-04", "url": "https://example.org/nds", "quote": "een strategie",
...         "page": None}]}
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
import html
import re
from collections.abc import Sequence
from typing import Any

__all__ = [
    "TAKEAWAY_JS",
    "answer_markdown",
    "conversation_markdown",
    "takeaway_html",
]

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "sources": "Bronnen",
        "no_sources": "Geen antwoord in de bronnen.",
        "page": "p.",
        "conversation": "Gesprek met de NDS-assistent",
        "made": "Opgeslagen op {when}. Elke zin van een antwoord is een citaat uit de genoemde "
        "bron; controleer de bron voordat u het antwoord gebruikt.",
        "question": "Vraag {n}",
        "heading": "Meenemen",
        "empty": "Na een antwoord kunt u het hier kopiëren met de bronnen erbij, of het hele "
        "gesprek downloaden.",
        "answer": "Antwoord {n}",
        "copy": "Kopieer met bronnen",
        "copy_label": "Kopieer met bronnen: antwoord {n}",
        "copied": "Antwoord {n} met bronnen is gekopieerd.",
        "copy_failed": "Kopiëren lukte niet; selecteer de tekst zelf.",
        "download": "Download gesprek (Markdown)",
        "file": "nds-gesprek",
    },
    "en": {
        "sources": "Sources",
        "no_sources": "No answer in the sources.",
        "page": "p.",
        "conversation": "Conversation with the NDS assistant",
        "made": "Saved on {when}. Every sentence of an answer quotes the source named; check "
        "the source before you use the answer.",
        "question": "Question {n}",
        "heading": "Take away",
        "empty": "After an answer you can copy it here with its sources, or download the "
        "whole conversation.",
        "answer": "Answer {n}",
        "copy": "Copy with sources",
        "copy_label": "Copy with sources: answer {n}",
        "copied": "Answer {n} with its sources has been copied.",
        "copy_failed": "Copying failed; select the text yourself.",
        "download": "Download conversation (Markdown)",
        "file": "nds-conversation",
    },
}


def _t(language: str, key: str, **kwargs: object) -> str:
    text = TEXT.get(language, TEXT["nl"])[key]
    return text.format(**kwargs) if kwargs else text


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


def answer_markdown(turn: dict[str, Any], language: str = "nl") -> str:
    """The answer with its [n] markers and the numbered list of its sources (title,
    publisher, date, page, link, quote): ready to paste into a memo."""
    text = str(turn.get("answer") or "").strip()
    citations = turn.get("citations") or []
    if turn.get("refused") or turn.get("error") or not citations:
        return f"{text}\n\n*{_t(language, 'no_sources')}*" if not turn.get("error") else text
    sources = "\n".join(_source_line(n, c, language) for n, c in enumerate(citations, 1))
    return f"{text}\n\n**{_t(language, 'sources')}**\n\n{sources}"


def conversation_markdown(
    turns: Sequence[dict[str, Any]], language: str = "nl", *, now: dt.datetime | None = None
) -> str:
    """Every question and answer, each answer with its own numbered sources."""
    when = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    parts = [f"# {_t(language, 'conversation')}", _t(language, "made", when=when)]
    for n, turn in enumerate(turns, 1):
        question = _one_line(turn.get("question"))
        parts.append(f"## {_t(language, 'question', n=n)}: {_inline(question)}")
        parts.append(answer_markdown(turn, language))
    return "\n\n".join(parts) + "\n"


def _e(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def takeaway_html(
    turns: Sequence[dict[str, Any]], language: str = "nl", *, now: dt.datetime | None = None
) -> str:
    """The panel: per answer a copy button (its Markdown in ``data-md``), and a download of
    the conversation. Everything is escaped; :data:`TAKEAWAY_JS` does the copying."""
    head = f'<h2 id="meenemen-kop">{_e(_t(language, "heading"))}</h2>'
    if not turns:
        return (
            f'<section aria-labelledby="meenemen-kop" data-turn="0">{head}'
            f'<p class="meenemen-leeg">{_e(_t(language, "empty"))}</p></section>'
        )
    items = []
    for n, turn in enumerate(turns, 1):
        if turn.get("error"):
            continue
        question = _one_line(turn.get("question"))
        short = question if len(question) <= 70 else question[:67].rstrip() + "…"
        items.append(
            f'<li><span class="meenemen-vraag">{_e(_t(language, "answer", n=n))}: {_e(short)}'
            f'</span> <button type="button" class="kopieer" data-n="{n}" '
            f'aria-label="{_e(_t(language, "copy_label", n=n))}" '
            f'data-ok="{_e(_t(language, "copied", n=n))}" '
            f'data-fail="{_e(_t(language, "copy_failed"))}" '
            f'data-md="{_e(answer_markdown(turn, language))}">{_e(_t(language, "copy"))}'
            "</button></li>"
        )
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M")
    download = (
        f'<button type="button" class="download" data-file="{_t(language, "file")}-{stamp}.md" '
        f'data-md="{_e(conversation_markdown(turns, language, now=now))}">'
        f"{_e(_t(language, 'download'))}</button>"
    )
    return (
        f'<section aria-labelledby="meenemen-kop" data-turn="{len(turns)}">{head}'
        f"<ol>{''.join(items)}</ol>{download}"
        '<p class="meenemen-status" role="status" aria-live="polite"></p></section>'
    )


# Runs once when the panel loads; the listener is on the panel, so it serves every re-render.
# navigator.clipboard needs a secure context (https or localhost); elsewhere the old
# execCommand("copy") on a temporary textarea still works.
TAKEAWAY_JS = """
element.addEventListener('click', async (event) => {
  const status = element.querySelector('.meenemen-status');
  const copy = event.target.closest('button.kopieer');
  if (copy) {
    const text = copy.dataset.md || '';
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (err) {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      try { ok = document.execCommand('copy'); } catch (err2) { ok = false; }
      area.remove();
    }
    if (status) status.textContent = ok ? copy.dataset.ok : copy.dataset.fail;
    return;
  }
  const download = event.target.closest('button.download');
  if (download) {
    const blob = new Blob([download.dataset.md || ''], {type: 'text/markdown;charset=utf-8'});
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = download.dataset.file || 'gesprek.md';
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }
});
"""

CSS = """
#meenemen h2 { font-size: 1.1rem; margin: 0 0 6px 0; color: var(--nds-blue); }
#meenemen ol { list-style: none; padding: 0; margin: 0 0 8px 0; }
#meenemen li { display: flex; justify-content: space-between; align-items: center; gap: 8px;
  padding: 4px 0; border-top: 1px solid #e3e8ee; }
#meenemen li:first-child { border-top: none; }
#meenemen .meenemen-leeg, #meenemen .meenemen-status { color: var(--nds-muted); margin: 0; }
#meenemen button { border: 1px solid #01689b; color: #01689b; background: #fff;
  border-radius: 4px; padding: 3px 10px; cursor: pointer; white-space: nowrap; }
#meenemen button:hover, #meenemen button:focus-visible { background: #eef3f8; }
#meenemen button.download { background: #01689b; color: #fff; }
"""
