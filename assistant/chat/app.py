"""The web chat for officials: its layout, launch and serve (a Gradio app on 127.0.0.1 with cited
answers, a sources panel, feedback, take-away, and the admins' Documenten tab).

``nds-assistant chat`` calls :func:`serve`; tests call :func:`build_app` and :func:`launch`.
The HTML is made in :mod:`assistant.chat.render` (everything escaped), the events are handled in
:mod:`assistant.chat.handlers`, the login is :mod:`assistant.chat.auth`.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import gradio as gr

from assistant.chat import takeaway
from assistant.chat.admin import AdminBackend, build_admin_tab
from assistant.chat.auth import check_users, in_thread
from assistant.chat.conversation import ALL, publisher_groups, turns_from
from assistant.chat.handlers import ChatBackend
from assistant.chat.middleware import HideApiInfoBeforeLogin
from assistant.chat.render import documents_html, e, sources_html
from assistant.core import Assistant
from assistant.messages import DOC_TYPES, EXAMPLES, chat_text
from index.settings import Settings

__all__ = ["build_app", "chat_css", "launch", "serve"]

_t = chat_text


def chat_css() -> str:
    """The chat's and the take-away panel's CSS (a package file, ``static/chat.css``)."""
    return resources.files("assistant.chat").joinpath("static/chat.css").read_text("utf-8")


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
            f"<header><h1>{e(_t(lang, 'title'))}</h1><p>{e(_t(lang, 'subtitle'))}</p></header>",
            elem_id="nds-header",
            js_on_load=None,
        )
        gr.HTML(
            f'<div role="note" aria-label="AI"><strong>AI</strong> — {e(_t(lang, "notice"))}</div>',
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
            gr.Tab(_t(lang, "tab_chat"), id="gesprek", elem_id="tab-gesprek"),
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
                    js_on_load=takeaway.takeaway_js(),
                    padding=True,
                )
                with gr.Group(elem_id="feedback-area"):
                    gr.HTML(
                        f"<h2>{e(_t(lang, 'feedback'))}</h2><p>{e(_t(lang, 'feedback_help'))}</p>",
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
                        f"<h2>{e(_t(lang, 'filters'))}</h2>",
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
            return takeaway.takeaway_html(turns_from(turns), lang)

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
    check = check_users(settings)
    auth = in_thread(check) if check is not None else None
    app_kwargs: dict[str, Any] = {}
    if auth is not None:
        from starlette.middleware import Middleware

        app_kwargs["middleware"] = [Middleware(HideApiInfoBeforeLogin)]
    _, url, _ = app.launch(
        server_name=settings.chat_host,
        server_port=port if port is not None else settings.chat_port,
        share=False,
        auth=auth,  # type: ignore[arg-type]  # a coroutine check: gradio.routes awaits it
        auth_message=_t(language, "title"),
        app_kwargs=app_kwargs,
        prevent_thread_lock=prevent_thread_lock,
        show_error=False,
        quiet=quiet,
        footer_links=[],
        theme=theme(),
        css=chat_css(),
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
    login = " (login required)" if app.auth is not None else ""  # set by launch; no re-hashing
    print(f"NDS-assistent: open {url} in your browser{login}. Stop with Ctrl-C.", flush=True)
    try:
        app.block_thread()
    finally:
        app.close()
    return 0
