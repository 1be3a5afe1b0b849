"""The chat's HTML, as pure functions (no Gradio): the sources panel, the document list, the chat
messages, the admin tab's report and document table.

Safety rules of this module:

* every piece of text from a question, an answer or a source is HTML-escaped before it reaches
  HTML; only :class:`Safe` strings, built here from escaped parts, pass :func:`table` as is;
* only ``http``/``https`` URLs become links, always with ``rel="noopener noreferrer"``.

>>> table(["Bestand"], [["<b>a.md</b>"]]).split("<tbody>")[1]
'<tr><td>&lt;b&gt;a.md&lt;/b&gt;</td></tr></tbody></table>'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlparse

from assistant.chat.conversation import Turn
from assistant.messages import admin_text, chat_text
from assistant.types import Answer, Citation, Passage

REFUSAL_MARK = "⚠️ "


class Safe(str):
    """HTML that is already escaped (a link built by :func:`link`): :func:`table` keeps it."""


def e(text: object) -> str:
    """``text`` escaped for HTML content and attribute values; None and "" give ""."""
    return html.escape(str(text or ""), quote=True)


def safe_url(url: str) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (never a javascript: link)."""
    try:
        parsed = urlparse(url.strip())
    except ValueError:
        return None
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return url.strip()
    return None


def link(url: str, text: str, language: str, css_class: str = "") -> Safe:
    """A link that opens in a new window (said to screen readers), or plain text when the URL
    is not http(s)."""
    cls = f' class="{css_class}"' if css_class else ""
    href = safe_url(url)
    if href is None:
        return Safe(f"<span{cls}>{e(text)}</span>")
    hint = chat_text(language, "open_original")
    return Safe(
        f'<a{cls} href="{e(href)}" target="_blank" rel="noopener noreferrer">{e(text)}'
        f'<span class="sr-only"> ({e(hint)})</span></a>'
    )


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], classes: Sequence[str] = ()
) -> str:
    """The chat's one table shape (class ``nds-docs``): escaped headers and cells (a
    :class:`Safe` cell is kept as is); ``classes[i]``, if given, is row i's CSS class."""
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{e(classes[i])}"' if i < len(classes) else ""
        cells = "".join(f"<td>{c if isinstance(c, Safe) else e(c)}</td>" for c in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in headers)
    return (
        f'<table class="nds-docs"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _reflow(escaped: str) -> str:
    """Source line wraps become spaces; blank lines become paragraph breaks; Markdown heading
    marks and bold stars are dropped."""
    escaped = re.sub(r"(?m)^[ \t]*#{1,6}[ \t]+", "", escaped).replace("**", "")
    escaped = re.sub(r"\[([^\]<]+)\]\(https?://[^)\s<]+\)", r"\1", escaped)
    escaped = re.sub(r"[ \t]*\n[ \t]*\n\s*", "<br><br>", escaped.strip())
    return re.sub(r"[ \t]*\n[ \t]*", " ", escaped)


def highlight(passage: str, quote: str) -> str:
    """The escaped passage with the (escaped) quote wrapped in <mark>; whitespace-tolerant."""
    return _reflow(_highlight(_COMMENT.sub("", passage), quote))


def _highlight(passage: str, quote: str) -> str:
    if not passage:
        return f"<mark>{e(quote)}</mark>" if quote else ""
    if quote:
        start = passage.find(quote)
        end = start + len(quote)
        if start < 0:
            words = [re.escape(w) for w in quote.split()]
            m = re.search(r"\s+".join(words), passage) if words else None
            if m:
                start, end = m.start(), m.end()
        if start >= 0:
            return (
                e(passage[:start]) + "<mark>" + e(passage[start:end]) + "</mark>" + e(passage[end:])
            )
    return e(passage)


def _meta_line(publisher: str, date: str, page: int | None, language: str) -> str:
    parts = [p for p in (publisher, date) if p]
    if page:
        parts.append(f"{chat_text(language, 'page')} {page}")
    return " · ".join(e(p) for p in parts)


def sources_html(
    answer: Answer | None, language: str, *, error: bool = False, turn: int = 0
) -> str:
    """The sources panel for the latest answer (everything escaped). ``turn`` (the number of
    answers so far) is put in ``data-turn`` so tests and scripts can wait for an update."""
    if answer is None:
        key = "sources_error" if error else "sources_empty"
        return (
            f'<section aria-labelledby="bronnen-kop" data-turn="{turn}"><h2 id="bronnen-kop">'
            f"{e(chat_text(language, 'sources'))}</h2>"
            f'<p class="bron-leeg">{e(chat_text(language, key))}</p></section>'
        )
    if answer.refused or not answer.citations:
        items: list[str] = []
        seen: set[str] = set()
        for p in answer.passages:
            if p.source_id in seen:
                continue
            seen.add(p.source_id)
            items.append(_passage_item(p, len(items) + 1, language))
            if len(items) == 3:
                break
        body = "<ol>" + "".join(items) + "</ol>" if items else ""
        return (
            f'<section class="geweigerd" aria-labelledby="bronnen-kop" data-turn="{turn}">'
            f'<h2 id="bronnen-kop">'
            f"{e(chat_text(language, 'sources_refused'))}</h2>{body}</section>"
        )
    items = [_citation_item(c, n, language) for n, c in enumerate(answer.citations, 1)]
    return (
        f'<section aria-labelledby="bronnen-kop" data-turn="{turn}"><h2 id="bronnen-kop">'
        f"{e(chat_text(language, 'sources'))}</h2><ol>{''.join(items)}</ol></section>"
    )


def _citation_item(c: Citation, n: int, language: str) -> str:
    return (
        f'<li class="bron" id="bron-{n}"><div><span class="bron-nr">[{n}]</span>'
        f"{link(c.url, c.title or c.source_id, language, 'bron-titel')}</div>"
        f'<div class="bron-meta">{_meta_line(c.publisher, c.date, c.page, language)}</div>'
        f'<blockquote class="bron-tekst">{highlight(c.passage or c.quote, c.quote)}</blockquote>'
        "</li>"
    )


def _passage_item(p: Passage, n: int, language: str) -> str:
    meta = p.metadata
    text = _COMMENT.sub("", p.text).strip()
    text = text if len(text) <= 400 else text[:400].rsplit(" ", 1)[0] + " …"
    page = meta.get("page")
    line = _meta_line(
        str(meta.get("publisher") or ""),
        str(meta.get("date") or ""),
        page if isinstance(page, int) else None,
        language,
    )
    title = link(str(meta.get("url") or ""), p.title, language, "bron-titel")
    return (
        f'<li class="bron" id="bron-{n}"><div><span class="bron-nr">{n}.</span>{title}</div>'
        f'<div class="bron-meta">{line}</div>'
        f'<blockquote class="bron-tekst">{_reflow(e(text))}</blockquote></li>'
    )


def documents_html(docs: list[dict[str, Any]], language: str) -> str:
    """The list of indexed documents every official can open (title linked to the original)."""
    keys = ("doc_title", "doc_publisher", "doc_date")
    rows = [
        [
            link(str(d.get("url") or ""), str(d.get("title") or d["doc_id"]), language),
            d.get("publisher"),
            d.get("date"),
        ]
        for d in docs
    ]
    return table([chat_text(language, k) for k in keys], rows)


def render_messages(
    turns: Sequence[Turn], pending: tuple[str, str] | None = None
) -> list[dict[str, str]]:
    """The chat's messages (escaped; Gradio sanitises them again), refusals and errors marked
    with :data:`REFUSAL_MARK`; ``pending`` is a (question, partial answer) being streamed."""
    msgs: list[dict[str, str]] = []
    for t in turns:
        msgs.append({"role": "user", "content": html.escape(t.question, quote=False)})
        body = html.escape(t.answer, quote=False)
        marked = REFUSAL_MARK + body if t.refused or t.error else body
        msgs.append({"role": "assistant", "content": marked})
    if pending is not None:
        question, partial = pending
        msgs.append({"role": "user", "content": html.escape(question, quote=False)})
        msgs.append({"role": "assistant", "content": html.escape(partial, quote=False)})
    return msgs


# -- the admin tab -------------------------------------------------------------------------------

Row = tuple[str, str, str]  # (file, css status, text)


def report_html(
    rows: list[Row], others: list[Row], language: str, *, run: int, note: str = ""
) -> str:
    """The per-file report of an upload. ``data-run`` counts the reports, for scripts."""
    head = f'<h3 id="verslag-kop">{e(admin_text(language, "report_head"))}</h3>'
    if not rows and not note:
        body = f"<p>{e(admin_text(language, 'report_empty'))}</p>"
    else:
        body = f"<p class='verslag-melding'>{e(note)}</p>" if note else ""
        if rows:
            body += _file_table(rows, language)
        if others:
            body += f"<p>{e(admin_text(language, 'others'))}</p>" + _file_table(others, language)
    return f'<section aria-labelledby="verslag-kop" data-run="{run}">{head}{body}</section>'


def _file_table(rows: list[Row], language: str) -> str:
    headers = [admin_text(language, "file"), admin_text(language, "result")]
    return table(headers, [(name, text) for name, _, text in rows], [s for _, s, _ in rows])


def documents_table(docs: list[dict[str, Any]], language: str) -> str:
    """The admin's list of indexed documents, with the file each came from."""
    keys = ("title", "publisher", "date", "file")
    rows = [
        [d.get("title") or d["doc_id"], d.get("publisher"), d.get("date"), d.get("source_file")]
        for d in docs
    ]
    return f"<h3>{e(admin_text(language, 'list_head', n=len(docs)))}</h3>" + table(
        [admin_text(language, k) for k in keys], rows
    )
