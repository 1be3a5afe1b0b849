"""The chat's event handlers: answer a question (streamed), store feedback on an answer.

These methods are the Gradio boundary: the conversation arrives and leaves as the plain dicts
``gr.State`` keeps, and is a list of :class:`Turn` in between.

Safety rules: errors are logged with a traceback on the server and shown as a fixed, friendly
sentence; feedback that cannot be stored produces a visible warning, never silence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.chat.conversation import Turn, history_of, make_filters, turns_from, turns_to
from assistant.chat.render import render_messages, sources_html
from assistant.core import Assistant
from assistant.feedback import FeedbackError, FeedbackStore
from assistant.messages import chat_text, frame
from assistant.types import Answer
from index.errors import EmbeddingServerError, IndexUnavailableError
from index.settings import Settings

log = logging.getLogger("nds_assistant.chat")


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
        question = question or ""
        if not question.strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        before = turns_from(turns)
        lang = self.language
        yield (
            render_messages(before, (question, chat_text(lang, "thinking"))),
            "",
            gr.skip(),
            gr.skip(),
        )
        history = history_of(before)
        text = ""
        answer: Answer | None = None
        try:
            filters = make_filters(publisher, doc_type, period)
            for part in self.assistant.stream_answer(question, history, filters):
                if isinstance(part, Answer):
                    answer = part
                else:
                    text += part
                    yield render_messages(before, (question, text)), gr.skip(), gr.skip(), gr.skip()
            if answer is None:
                raise RuntimeError("the assistant ended without a final answer")
            turn = Turn.from_answer(question, answer, history)
        except (IndexUnavailableError, EmbeddingServerError):
            # A Chroma or embedding server that is down: "try again later", not "an error".
            log.warning("index or embedding server unavailable while answering", exc_info=True)
            answer, turn = None, Turn.failed(question, frame(lang, "unavailable"), history, lang)
        except Exception:
            log.exception("error while answering a chat question")
            answer, turn = None, Turn.failed(question, frame(lang, "error"), history, lang)
        after = [*before, turn]
        panel = sources_html(answer, lang, error=turn.error, turn=len(after))
        yield render_messages(after), gr.skip(), panel, turns_to(after)

    # -- feedback ----------------------------------------------------------------------------
    def _store(self, turn: Turn, rating: int, comment: str) -> int:
        return self.feedback.add(
            rating=rating,
            comment=comment,
            question=turn.question,
            history=turn.history,
            answer=turn.answer,
            citations=turn.citations,
            answerer=turn.answerer,
            manifest_id=self.assistant.reader.manifest.short_id,
            language=turn.language or self.language,
        )

    def on_like(self, turns: list[dict[str, Any]] | None, data: gr.LikeData) -> tuple[Any, Any]:
        """A thumb on an answer: store it now; preselect it in the comment form."""
        lang = self.language
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        conversation = turns_from(turns)
        turn_no = int(index) // 2
        if data.liked in (True, "Like"):
            rating = 1
        elif data.liked in (False, "Dislike"):
            rating = -1
        else:  # a thumb taken back: nothing new to store
            return gr.skip(), gr.skip()
        if not (0 <= turn_no < len(conversation)):
            gr.Warning(chat_text(lang, "fb_no_answer"))
            return gr.skip(), gr.skip()
        try:
            self._store(conversation[turn_no], rating, "")
        except (FeedbackError, OSError) as exc:
            log.exception("could not store feedback")
            gr.Warning(chat_text(lang, "fb_failed", err=exc))
            return gr.skip(), gr.skip()
        gr.Info(chat_text(lang, "thanks"))
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
        conversation = turns_from(turns)
        if not conversation:
            gr.Warning(chat_text(lang, "fb_no_answer"))
            return gr.skip(), gr.skip()
        if rating not in ("up", "down"):
            gr.Warning(chat_text(lang, "fb_no_rating"))
            return gr.skip(), gr.skip()
        turn_no = rated_turn if rated_turn is not None and rated_turn < len(conversation) else -1
        try:
            self._store(conversation[turn_no], 1 if rating == "up" else -1, (comment or "").strip())
        except (FeedbackError, OSError) as exc:
            log.exception("could not store feedback")
            gr.Warning(chat_text(lang, "fb_failed", err=exc))
            return gr.skip(), gr.skip()
        gr.Info(chat_text(lang, "thanks"))
        return None, ""
