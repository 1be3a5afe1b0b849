"""The web chat for officials: a Gradio app on 127.0.0.1 with cited answers and a sources panel.

``nds-assistant chat`` calls :func:`serve`; tests call :func:`build_app` and :func:`launch`.

Safety rules of this module:

* every piece of text from a question or a source is HTML-escaped before it reaches HTML
  (the sources panel is built here; chat messages are escaped and then sanitised by Gradio);
* only ``http``/``https`` URLs become links, always with ``rel="noopener"``;
* errors are logged with a traceback on the server and shown as a fixed, friendly sentence;
* feedback that cannot be stored produces a visible warning, never silence.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import gradio as gr

from assistant import takeaway
from assistant.chat_admin import AdminBackend, build_admin_tab
from assistant.chat_admin import t as admin_t
from assistant.core import Assistant
from assistant.feedback import FeedbackError, FeedbackStore
from assistant.messages import frame
from assistant.types import Answer, Citation, Filters, Passage
from index.errors import ConfigError, EmbeddingServerError, IndexUnavailableError
from index.settings import Settings

log = logging.getLogger("nds_assistant.chat")

ALL = "__all__"
REFUSAL_MARK = "⚠️ "

UI: dict[str, dict[str, str]] = {
    "nl": {
        "title": "NDS-assistent",
        "subtitle": "Vragen over de Nederlandse Digitaliseringsstrategie (NDS), "
        "beantwoord met citaten uit de brondocumenten.",
        "notice": "Dit is een AI-assistent. Hij antwoordt alleen uit de getoonde NDS-documenten "
        "en kan zich vergissen. Controleer de bronnen.",
        "docs": "Welke documenten gebruikt de assistent? ({n})",
        "doc_title": "Document",
        "doc_publisher": "Uitgever",
        "doc_date": "Datum",
        "filters": "Zoeken in",
        "publisher": "Uitgever",
        "doc_type": "Soort document",
        "period": "Periode",
        "all": "Alle",
        "everything": "Alles",
        "chat": "Gesprek met de NDS-assistent",
        "placeholder_chat": "**Stel een vraag over de NDS.** Het antwoord bestaat uit zinnen uit "
        "de documenten, met een bronnummer [n] achter elke zin.",
        "question": "Uw vraag",
        "question_ph": "Bijvoorbeeld: Wat zijn de zes prioriteiten van de NDS?",
        "ask": "Vraag stellen",
        "new": "Nieuw gesprek",
        "sources": "Bronnen",
        "sources_empty": "Hier verschijnen de bronnen van het antwoord: de geciteerde zin is "
        "gemarkeerd in de oorspronkelijke tekst.",
        "sources_refused": "Geen antwoord in de bronnen — dichtstbijzijnde documenten:",
        "sources_error": "Er zijn geen bronnen voor dit antwoord.",
        "open_original": "opent in een nieuw venster",
        "no_link": "geen link beschikbaar",
        "page": "p.",
        "feedback": "Feedback op het antwoord",
        "feedback_help": "Gebruik de duimpjes bij een antwoord, of kies hier een oordeel over "
        "het laatste antwoord en licht het toe.",
        "rating": "Oordeel",
        "up": "👍 Nuttig",
        "down": "👎 Niet nuttig",
        "comment": "Toelichting (optioneel)",
        "comment_ph": "Wat ontbrak of klopte er niet?",
        "send": "Verstuur feedback",
        "thanks": "Bedankt voor uw feedback.",
        "fb_no_answer": "Er is nog geen antwoord om te beoordelen.",
        "fb_no_rating": "Kies eerst 👍 of 👎.",
        "fb_failed": "Uw feedback kon niet worden opgeslagen: {err}. Probeer het opnieuw of "
        "meld dit bij de beheerder.",
        "thinking": "Even zoeken in de documenten…",
    },
    "en": {
        "title": "NDS assistant",
        "subtitle": "Questions about the Dutch Digitalisation Strategy (NDS), answered with "
        "quotes from the source documents.",
        "notice": "This is an AI assistant. It only answers from the NDS documents listed here "
        "and can make mistakes. Check the sources.",
        "docs": "Which documents does the assistant use? ({n})",
        "doc_title": "Document",
        "doc_publisher": "Publisher",
        "doc_date": "Date",
        "filters": "Search in",
        "publisher": "Publisher",
        "doc_type": "Document type",
        "period": "Period",
        "all": "All",
        "everything": "Everything",
        "chat": "Conversation with the NDS assistant",
        "placeholder_chat": "**Ask a question about the NDS.** The answer consists of sentences "
        "from the documents, with a source number [n] after each sentence.",
        "question": "Your question",
        "question_ph": "For example: What are the six priorities of the NDS?",
        "ask": "Ask",
        "new": "New conversation",
        "sources": "Sources",
        "sources_empty": "The sources of the answer appear here, with the quoted sentence "
        "highlighted in the original text.",
        "sources_refused": "No answer in the sources — nearest documents:",
        "sources_error": "There are no sources for this answer.",
        "open_original": "opens in a new window",
        "no_link": "no link available",
        "page": "p.",
        "feedback": "Feedback on the answer",
        "feedback_help": "Use the thumbs on an answer, or rate the latest answer here and "
        "explain why.",
        "rating": "Rating",
        "up": "👍 Useful",
        "down": "👎 Not useful",
        "comment": "Comment (optional)",
        "comment_ph": "What was missing or wrong?",
        "send": "Send feedback",
        "thanks": "Thank you for your feedback.",
        "fb_no_answer": "There is no answer to rate yet.",
        "fb_no_rating": "Choose 👍 or 👎 first.",
        "fb_failed": "Your feedback could not be saved: {err}. Please try again or tell the "
        "administrator.",
        "thinking": "Searching the documents…",
    },
}

DOC_TYPES: dict[str, tuple[str, str]] = {
    "strategy": ("Strategie", "Strategy"),
    "letter": ("Kamerbrief / brief", "Letter"),
    "parliamentary": ("Parlementair stuk", "Parliamentary paper"),
    "news": ("Nieuwsbericht", "News"),
    "blog": ("Blog", "Blog"),
    "interview": ("Interview", "Interview"),
    "guideline": ("Richtlijn", "Guideline"),
    "position-paper": ("Position paper", "Position paper"),
    "webpage": ("Webpagina", "Web page"),
}

EXAMPLES: dict[str, list[str]] = {
    "nl": [
        "Wat zijn de zes prioriteiten van de NDS?",
        "Wat is de Stelselcatalogus?",
        "Wat is de rol van open source in de NDS?",
        "Wat zegt de NDS over digitale autonomie?",
    ],
    "en": [
        "What are the six priorities of the NDS?",
        "What does the NDS say about digital autonomy?",
        "What is the role of open source in the NDS?",
    ],
}

CSS = """
:root { --nds-blue: #154273; --nds-lint: #01689b; --nds-text: #1f1f1f; --nds-muted: #4a4a4a; }
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
#nds-header { background: var(--nds-blue); color: #fff; padding: 18px 24px; border-radius: 6px; }
#nds-header h1 { color: #fff; font-size: 1.6rem; margin: 0 0 4px 0; font-weight: 700; }
#nds-header p { color: #fff; margin: 0; font-size: 1rem; }
#ai-notice { background: #fdf6db; color: var(--nds-text); border-left: 5px solid #b07d00;
  padding: 10px 14px; border-radius: 4px; font-size: 0.98rem; }
#ai-notice strong { color: var(--nds-text); }
.nds-docs { width: 100%; border-collapse: collapse; font-size: 0.92rem; color: var(--nds-text); }
.nds-docs th, .nds-docs td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #ddd;
  vertical-align: top; }
.nds-docs th { background: #eef3f8; }
.nds-docs td:last-child { white-space: nowrap; }
.nds-docs a, #bronnen a { color: var(--nds-lint); text-decoration: underline; }
#bronnen { background: #fff; color: var(--nds-text); border: 1px solid #cfd8e3;
  border-radius: 6px; padding: 12px 16px; }
#bronnen h2 { font-size: 1.2rem; margin: 0 0 8px 0; color: var(--nds-blue); }
#bronnen .bron-leeg { color: var(--nds-muted); }
#bronnen ol { list-style: none; padding: 0; margin: 0; }
#bronnen li.bron { border-top: 1px solid #e3e8ee; padding: 10px 0; }
#bronnen li.bron:first-child { border-top: none; }
#bronnen li.bron:target { background: #eef3f8; }
#bronnen .bron-nr { display: inline-block; min-width: 2em; font-weight: 700;
  color: var(--nds-blue); }
#bronnen .bron-titel { font-weight: 600; }
#bronnen .bron-meta { color: var(--nds-muted); font-size: 0.88rem; margin: 2px 0 6px 2em; }
#bronnen .bron-tekst { margin: 0 0 0 2em; padding: 6px 10px; border-left: 3px solid #cfd8e3;
  background: #f7f9fb; color: var(--nds-text); font-size: 0.92rem; line-height: 1.5; }
#bronnen mark { background: #ffe27a; color: #000; padding: 0 1px; }
#bronnen.geweigerd, #bronnen .geweigerd { border-color: #b07d00; }
#bronnen .geweigerd h2 { color: #7a4f00; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
#feedback-area h2, #filters-heading h2 { font-size: 1.1rem; margin: 0; color: var(--nds-blue); }
#feedback-area p { color: var(--nds-muted); margin: 2px 0 0 0; font-size: 0.92rem; }
"""


def _t(language: str, key: str, **kwargs: object) -> str:
    text = UI.get(language, UI["nl"])[key]
    return text.format(**kwargs) if kwargs else text


def _e(text: object) -> str:
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


def _link(url: str, text: str, language: str, css_class: str = "") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    href = safe_url(url)
    if href is None:
        return f"<span{cls}>{_e(text)}</span>"
    hint = _t(language, "open_original")
    return (
        f'<a{cls} href="{_e(href)}" target="_blank" rel="noopener noreferrer">{_e(text)}'
        f'<span class="sr-only"> ({_e(hint)})</span></a>'
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
        return f"<mark>{_e(quote)}</mark>" if quote else ""
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
                _e(passage[:start])
                + "<mark>"
                + _e(passage[start:end])
                + "</mark>"
                + _e(passage[end:])
            )
    return _e(passage)


def _meta_line(publisher: str, date: str, page: int | None, language: str) -> str:
    parts = [p for p in (publisher, date) if p]
    if page:
        parts.append(f"{_t(language, 'page')} {page}")
    return " · ".join(_e(p) for p in parts)


def sources_html(
    answer: Answer | None, language: str, *, error: bool = False, turn: int = 0
) -> str:
    """The sources panel for the latest answer (everything escaped). ``turn`` (the number of
    answers so far) is put in ``data-turn`` so tests and scripts can wait for an update."""
    if answer is None:
        key = "sources_error" if error else "sources_empty"
        return (
            f'<section aria-labelledby="bronnen-kop" data-turn="{turn}"><h2 id="bronnen-kop">'
            f"{_e(_t(language, 'sources'))}</h2>"
            f'<p class="bron-leeg">{_e(_t(language, key))}</p></section>'
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
            f"{_e(_t(language, 'sources_refused'))}</h2>{body}</section>"
        )
    items = [_citation_item(c, n, language) for n, c in enumerate(answer.citations, 1)]
    return (
        f'<section aria-labelledby="bronnen-kop" data-turn="{turn}"><h2 id="bronnen-kop">'
        f"{_e(_t(language, 'sources'))}</h2><ol>{''.join(items)}</ol></section>"
    )


def _citation_item(c: Citation, n: int, language: str) -> str:
    return (
        f'<li class="bron" id="bron-{n}"><div><span class="bron-nr">[{n}]</span>'
        f"{_link(c.url, c.title or c.source_id, language, 'bron-titel')}</div>"
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
    link = _link(str(meta.get("url") or ""), p.title, language, "bron-titel")
    return (
        f'<li class="bron" id="bron-{n}"><div><span class="bron-nr">{n}.</span>{link}</div>'
        f'<div class="bron-meta">{line}</div>'
        f'<blockquote class="bron-tekst">{_reflow(_e(text))}</blockquote></li>'
    )


def documents_html(docs: list[dict[str, Any]], language: str) -> str:
    rows = "".join(
        f"<tr><td>{_link(str(d.get('url') or ''), str(d.get('title') or d['doc_id']), language)}"
        f"</td><td>{_e(d.get('publisher'))}</td><td>{_e(d.get('date'))}</td></tr>"
        for d in docs
    )
    return (
        f'<table class="nds-docs"><thead><tr><th scope="col">{_e(_t(language, "doc_title"))}</th>'
        f'<th scope="col">{_e(_t(language, "doc_publisher"))}</th>'
        f'<th scope="col">{_e(_t(language, "doc_date"))}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def publisher_groups(docs: list[dict[str, Any]]) -> list[str]:
    """Short publisher names ("VNG", "Tweede Kamer der Staten-Generaal"); a filter on one
    matches every publisher containing it (see :class:`Filters`)."""
    names = {str(d.get("publisher") or "").split(" (")[0].strip() for d in docs}
    return sorted((n for n in names if n), key=str.lower)


def make_filters(publisher: str | None, doc_type: str | None, period: str | None) -> Filters:
    def value(v: str | None) -> str | None:
        return None if v in (None, "", ALL) else v

    return Filters(publisher=value(publisher), doc_type=value(doc_type), era=value(period))


# -- conversation state ------------------------------------------------------------------------
# A turn: {"question", "answer", "refused", "error", "citations", "history", "answerer",
#          "language"}. The chat display is rendered from the turns on every update.


def history_of(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The conversation so far for the assistant: raw strings, errors left out."""
    out: list[dict[str, str]] = []
    for t in turns:
        if t.get("error"):
            continue
        out.append({"role": "user", "content": str(t["question"])})
        out.append({"role": "assistant", "content": str(t["answer"])})
    return out


def _display_answer(text: str, refused: bool) -> str:
    body = html.escape(text, quote=False)
    return REFUSAL_MARK + body if refused else body


def render_messages(
    turns: list[dict[str, Any]], pending: tuple[str, str] | None = None
) -> list[dict[str, str]]:
    msgs: list[dict[str, str]] = []
    for t in turns:
        msgs.append({"role": "user", "content": html.escape(str(t["question"]), quote=False)})
        refused = bool(t.get("refused") or t.get("error"))
        msgs.append({"role": "assistant", "content": _display_answer(t["answer"], refused)})
    if pending is not None:
        question, partial = pending
        msgs.append({"role": "user", "content": html.escape(question, quote=False)})
        msgs.append({"role": "assistant", "content": html.escape(partial, quote=False)})
    return msgs


class ChatBackend:
    """The event handlers, separate from the layout so they can be unit-tested."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.language = settings.chat_language
        self._feedback: FeedbackStore | None = None

    @property
    def feedback(self) -> FeedbackStore:
        if self._feedback is None:
            self._feedback = FeedbackStore(self.settings.feedback_path)
        return self._feedback

    # -- answering ---------------------------------------------------------------------------
    def respond(
        self,
        question: str,
        turns: list[dict[str, Any]] | None,
        publisher: str | None,
        doc_type: str | None,
        period: str | None,
    ) -> Iterator[tuple[Any, Any, Any, Any]]:
        """Yields (chatbot, question box, sources panel, turns)."""
        turns = list(turns or [])
        question = question or ""
        if not question.strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        lang = self.language
        yield (
            render_messages(turns, (question, _t(lang, "thinking"))),
            "",
            gr.skip(),
            gr.skip(),
        )
        text = ""
        answer: Answer | None = None
        error = False
        try:
            history = history_of(turns)
            filters = make_filters(publisher, doc_type, period)
            for part in self.assistant.stream_answer(question, history, filters):
                if isinstance(part, Answer):
                    answer = part
                else:
                    text += part
                    yield render_messages(turns, (question, text)), gr.skip(), gr.skip(), gr.skip()
            if answer is None:
                raise RuntimeError("the assistant ended without a final answer")
        except (IndexUnavailableError, EmbeddingServerError):
            # A Chroma or embedding server that is down: "try again later", not "an error".
            log.warning("index or embedding server unavailable while answering", exc_info=True)
            answer, error = None, True
            text = frame(lang, "unavailable")
        except Exception:
            log.exception("error while answering a chat question")
            answer, error = None, True
            text = frame(lang, "error")
        turn: dict[str, Any] = {
            "question": question,
            "answer": answer.text if answer is not None else text,
            "refused": bool(answer.refused) if answer is not None else True,
            "error": error,
            "citations": [c.to_dict() for c in answer.citations] if answer is not None else [],
            "history": history_of(turns),
            "answerer": answer.answerer if answer is not None else "",
            "language": answer.language if answer is not None else lang,
        }
        turns.append(turn)
        panel = sources_html(answer, lang, error=error, turn=len(turns))
        yield render_messages(turns), gr.skip(), panel, turns

    # -- feedback ----------------------------------------------------------------------------
    def _store(self, turn: dict[str, Any], rating: int, comment: str) -> int:
        return self.feedback.add(
            rating=rating,
            comment=comment,
            question=str(turn["question"]),
            history=turn.get("history") or [],
            answer=str(turn["answer"]),
            citations=turn.get("citations") or [],
            answerer=str(turn.get("answerer") or ""),
            manifest_id=self.assistant.reader.manifest.short_id,
            language=str(turn.get("language") or self.language),
        )

    def on_like(self, turns: list[dict[str, Any]] | None, data: gr.LikeData) -> tuple[Any, Any]:
        """A thumb on an answer: store it now; preselect it in the comment form."""
        lang = self.language
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turns = turns or []
        turn_no = int(index) // 2
        if data.liked in (True, "Like"):
            rating = 1
        elif data.liked in (False, "Dislike"):
            rating = -1
        else:  # a thumb taken back: nothing new to store
            return gr.skip(), gr.skip()
        if not (0 <= turn_no < len(turns)):
            gr.Warning(_t(lang, "fb_no_answer"))
            return gr.skip(), gr.skip()
        try:
            self._store(turns[turn_no], rating, "")
        except (FeedbackError, OSError) as exc:
            log.exception("could not store feedback")
            gr.Warning(_t(lang, "fb_failed", err=exc))
            return gr.skip(), gr.skip()
        gr.Info(_t(lang, "thanks"))
        return ("up" if rating == 1 else "down"), turn_no

    def on_send(
        self,
        rating: str | None,
        comment: str | None,
        turns: list[dict[str, Any]] | None,
        rated_turn: int | None,
    ) -> tuple[Any, Any]:
        """The comment form: store rating + comment for the rated (or latest) answer."""
        lang = self.language
        turns = turns or []
        if not turns:
            gr.Warning(_t(lang, "fb_no_answer"))
            return gr.skip(), gr.skip()
        if rating not in ("up", "down"):
            gr.Warning(_t(lang, "fb_no_rating"))
            return gr.skip(), gr.skip()
        turn_no = rated_turn if rated_turn is not None and rated_turn < len(turns) else -1
        try:
            self._store(turns[turn_no], 1 if rating == "up" else -1, (comment or "").strip())
        except (FeedbackError, OSError) as exc:
            log.exception("could not store feedback")
            gr.Warning(_t(lang, "fb_failed", err=exc))
            return gr.skip(), gr.skip()
        gr.Info(_t(lang, "thanks"))
        return None, ""


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The chat UI. Launch it with :func:`launch` (which adds the theme, CSS and lang)."""
    lang = settings.chat_language
    backend = ChatBackend(assistant, settings)
    docs = assistant.documents()
    type_values = sorted({str(d.get("doc_type") or "") for d in docs} - {""})
    type_choices: list[tuple[str, str]] = [(_t(lang, "all"), ALL)] + [
        (DOC_TYPES.get(v, (v, v))[0 if lang == "nl" else 1], v) for v in type_values
    ]
    publisher_choices: list[tuple[str, str]] = [(_t(lang, "all"), ALL)] + [
        (p, p) for p in publisher_groups(docs)
    ]
    period_choices: list[tuple[str, str]] = [
        ("NDS 2025", "2025"),
        ("Nederland Digitaal 2018", "2018"),
        (_t(lang, "everything"), ALL),
    ]

    with gr.Blocks(title=_t(lang, "title"), analytics_enabled=False) as app:
        gr.HTML(
            f"<header><h1>{_e(_t(lang, 'title'))}</h1><p>{_e(_t(lang, 'subtitle'))}</p></header>",
            elem_id="nds-header",
            js_on_load=None,
        )
        gr.HTML(
            f'<div role="note" aria-label="AI"><strong>AI</strong> — {_e(_t(lang, "notice"))}'
            "</div>",
            elem_id="ai-notice",
            js_on_load=None,
        )
        with gr.Accordion(
            _t(lang, "docs", n=len(docs)), open=False, elem_id="documenten"
        ) as docs_box:
            docs_list = gr.HTML(
                documents_html(docs, lang), elem_id="documenten-lijst", js_on_load=None
            )

        turns = gr.State([])
        rated_turn = gr.State(None)

        admin = AdminBackend(assistant, settings)
        with (
            gr.Tab(admin_t(lang, "tab_chat"), id="gesprek", elem_id="tab-gesprek"),
            gr.Row(equal_height=False),
        ):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    label=_t(lang, "chat"),
                    elem_id="chat",
                    height=520,
                    buttons=["copy"],
                    sanitize_html=True,
                    allow_tags=False,
                    render_markdown=True,
                    feedback_options=("Like", "Dislike"),
                    placeholder=_t(lang, "placeholder_chat"),
                    examples=[{"text": q} for q in EXAMPLES[lang]],
                    layout="bubble",
                )
                with gr.Row(elem_id="question-row"):
                    question = gr.Textbox(
                        label=_t(lang, "question"),
                        placeholder=_t(lang, "question_ph"),
                        elem_id="question",
                        lines=1,
                        max_lines=6,
                        max_length=2000,
                        scale=5,
                        autofocus=True,
                    )
                with gr.Row():
                    ask = gr.Button(_t(lang, "ask"), variant="primary", elem_id="ask", scale=2)
                    new = gr.Button(_t(lang, "new"), variant="secondary", elem_id="new", scale=1)
                meenemen = gr.HTML(
                    takeaway.takeaway_html([], lang),
                    elem_id="meenemen",
                    js_on_load=takeaway.TAKEAWAY_JS,
                    padding=True,
                )
                with gr.Group(elem_id="feedback-area"):
                    gr.HTML(
                        f"<h2>{_e(_t(lang, 'feedback'))}</h2><p>{_e(_t(lang, 'feedback_help'))}"
                        "</p>",
                        elem_id="feedback-heading",
                        js_on_load=None,
                        padding=True,
                    )
                    with gr.Row():
                        rating = gr.Radio(
                            choices=[(_t(lang, "up"), "up"), (_t(lang, "down"), "down")],
                            value=None,
                            label=_t(lang, "rating"),
                            elem_id="feedback-rating",
                            scale=1,
                        )
                        comment = gr.Textbox(
                            label=_t(lang, "comment"),
                            placeholder=_t(lang, "comment_ph"),
                            elem_id="feedback-comment",
                            lines=2,
                            max_length=2000,
                            scale=2,
                        )
                    send = gr.Button(_t(lang, "send"), elem_id="feedback-send", size="md")
            with gr.Column(scale=2, min_width=320):
                with gr.Group(elem_id="filters"):
                    gr.HTML(
                        f"<h2>{_e(_t(lang, 'filters'))}</h2>",
                        elem_id="filters-heading",
                        js_on_load=None,
                        padding=True,
                    )
                    publisher = gr.Dropdown(
                        choices=publisher_choices,
                        value=ALL,
                        label=_t(lang, "publisher"),
                        elem_id="filter-publisher",
                    )
                    doc_type = gr.Dropdown(
                        choices=type_choices,
                        value=ALL,
                        label=_t(lang, "doc_type"),
                        elem_id="filter-doc-type",
                    )
                    period = gr.Radio(
                        choices=period_choices,
                        value=ALL,
                        label=_t(lang, "period"),
                        elem_id="filter-period",
                    )
                sources = gr.HTML(
                    sources_html(None, lang),
                    elem_id="bronnen",
                    js_on_load=None,
                    label=_t(lang, "sources"),
                )

        admin_tab = build_admin_tab(admin)

        def show_takeaway(turns: list[dict[str, Any]] | None) -> str:
            return takeaway.takeaway_html(turns or [], lang)

        answer_io: dict[str, Any] = {
            "fn": backend.respond,
            "inputs": [question, turns, publisher, doc_type, period],
            "outputs": [chatbot, question, sources, turns],
            "show_progress": "minimal",
        }
        takeaway_io: dict[str, Any] = {
            "fn": show_takeaway,
            "inputs": [turns],
            "outputs": [meenemen],
            "queue": False,
            "api_visibility": "private",
        }
        question.submit(**answer_io, api_name="ask").then(**takeaway_io)
        ask.click(**answer_io, api_visibility="private").then(**takeaway_io)
        chatbot.example_select(
            _pick_example, None, question, queue=False, api_visibility="private"
        ).then(**answer_io, api_visibility="private").then(**takeaway_io)

        def reset() -> tuple[Any, ...]:
            return [], [], sources_html(None, lang), None, None, "", ""

        reset_outputs = [chatbot, turns, sources, rated_turn, rating, comment, question]
        new.click(reset, None, reset_outputs, queue=False, api_visibility="private").then(
            **takeaway_io
        )
        # Gradio's own trash button on the chat must clear the conversation state too.
        chatbot.clear(reset, None, reset_outputs, queue=False, api_visibility="private").then(
            **takeaway_io
        )
        chatbot.like(backend.on_like, [turns], [rating, rated_turn], api_visibility="private")
        send.click(
            backend.on_send,
            [rating, comment, turns, rated_turn],
            [rating, comment],
            api_visibility="private",
        )

        def show_documents() -> tuple[Any, str]:
            # Documents an admin uploaded since the app was built (index.reader reloads).
            now = assistant.documents()
            return gr.Accordion(label=_t(lang, "docs", n=len(now))), documents_html(now, lang)

        app.load(show_documents, None, [docs_box, docs_list], api_visibility="private")
        admin_tab.wire(app)
    return app


def _pick_example(data: gr.SelectData) -> str:
    value = data.value
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value or "")


def theme() -> gr.themes.Base:
    return gr.themes.Base(
        primary_hue=gr.themes.colors.blue,
        neutral_hue=gr.themes.colors.slate,
        font=("system-ui", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"),
        radius_size=gr.themes.sizes.radius_sm,
    ).set(
        button_primary_background_fill="#01689b",
        button_primary_background_fill_hover="#154273",
        button_primary_text_color="#ffffff",
        button_primary_border_color="#01689b",
        body_text_color="#1f1f1f",
        block_label_text_color="#1f1f1f",
        block_title_text_color="#1f1f1f",
        color_accent="#01689b",
        checkbox_background_color_selected="#01689b",
        link_text_color="#01689b",
    )


def _lang_js(language: str) -> str:
    return f"() => {{ document.documentElement.lang = '{language}'; }}"


def check_users(settings: Settings) -> Callable[[str, str], bool] | None:
    """A login check from ``chat_users`` ("user:password,...") and/or ``chat_users_file``
    (lines ``user:<sha256 hex of the password>``); None when neither is set."""
    plain: dict[str, str] = {}
    hashed: dict[str, str] = {}
    if settings.chat_users:
        for item in settings.chat_users.split(","):
            user, sep, password = item.strip().partition(":")
            if not item.strip():
                continue
            if not sep or not user or not password:
                raise ConfigError("chat_users must look like 'user:password,user2:password2'")
            plain[user] = password
    if settings.chat_users_file:
        path = Path(settings.chat_users_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"Cannot read the chat users file {path}: {exc}") from exc
        for n, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            user, sep, digest = line.partition(":")
            if not sep or not re.fullmatch(r"[0-9a-fA-F]{64}", digest.strip()):
                raise ConfigError(
                    f"{path}:{n}: expected 'user:<sha256 hex of the password>' "
                    "(e.g. made with: printf %s 'password' | sha256sum)"
                )
            hashed[user.strip()] = digest.strip().lower()
    if not plain and not hashed:
        return None

    def auth(username: str, password: str) -> bool:
        ok = False
        if username in plain:
            ok = hmac.compare_digest(plain[username].encode(), password.encode())
        if not ok and username in hashed:
            digest = hashlib.sha256(password.encode()).hexdigest()
            ok = hmac.compare_digest(hashed[username], digest)
        return ok

    return auth


class HideApiInfoBeforeLogin:
    """ASGI middleware: Gradio embeds the API description (endpoints, parameters, the list of
    publishers) in every HTML page, the login page included. With a login, a stranger must get
    the login form and nothing else, so on that page the description is emptied."""

    _INFO = re.compile(rb"window\.gradio_api_info = .*?;?</script>", re.S)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html"):
                    await send(message)  # files, SSE, JSON: passed through untouched
                    return
                start.update(message)
                return
            if not start or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            data = b"".join(body)
            if b'"auth_required":true' in data or b'"auth_required": true' in data:
                data = self._INFO.sub(b"window.gradio_api_info = {};</script>", data)
            kept = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            kept.append((b"content-length", str(len(data)).encode()))
            await send({**start, "headers": kept})
            await send({"type": "http.response.body", "body": data, "more_body": False})

        await self.app(scope, receive, capture)


def launch(
    app: gr.Blocks,
    settings: Settings,
    *,
    prevent_thread_lock: bool = False,
    port: int | None = None,
    quiet: bool = False,
) -> str:
    """Start the server on ``settings.chat_host`` (never a public share link); its URL."""
    app.queue(default_concurrency_limit=settings.chat_concurrency, max_size=settings.chat_max_queue)
    language = settings.chat_language
    auth = check_users(settings)
    app_kwargs: dict[str, Any] = {}
    if auth is not None:
        from starlette.middleware import Middleware

        app_kwargs["middleware"] = [Middleware(HideApiInfoBeforeLogin)]
    _, url, _ = app.launch(
        server_name=settings.chat_host,
        server_port=port if port is not None else settings.chat_port,
        share=False,
        auth=auth,
        auth_message=_t(language, "title"),
        app_kwargs=app_kwargs,
        prevent_thread_lock=prevent_thread_lock,
        show_error=False,
        quiet=quiet,
        footer_links=[],
        theme=theme(),
        css=CSS + takeaway.CSS,
        # Uploads (admins only) are refused above the ingest limit before they are stored.
        max_file_size=f"{settings.max_file_mb:g}mb",
        js=_lang_js(language),
        enable_monitoring=False,
        mcp_server=False,
        pwa=False,
        ssr_mode=False,
    )
    return str(url)


def serve(settings: Settings) -> int:
    """Run the chat until Ctrl-C. Returns the exit code (0)."""
    assistant = Assistant(settings=settings)
    app = build_app(assistant, settings)
    url = launch(app, settings, prevent_thread_lock=True, quiet=True)
    login = " (login required)" if check_users(settings) else ""
    print(f"NDS-assistent: open {url} in your browser{login}. Stop with Ctrl-C.", flush=True)
    try:
        app.block_thread()
    finally:
        app.close()
    return 0
