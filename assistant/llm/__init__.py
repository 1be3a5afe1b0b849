"""The LLM answerer (:class:`LLMAnswerer`) and its parts: prompts, the streaming marker parser,
the verifier. Needs the ``llm`` extra (llama-index); nothing imports this package unless the
LLM answerer is used."""

from assistant.llm.answerer import EndpointError, LLMAnswerer, openai_like
from assistant.llm.markers import parse_markers, split_sentences, without_thinking
from assistant.llm.prompts import (
    NOT_IN_SOURCES,
    clean_condensed,
    format_passages,
    without_instructions,
)
from assistant.llm.verifier import Support, Verifier, numbers

__all__ = [
    "NOT_IN_SOURCES",
    "EndpointError",
    "LLMAnswerer",
    "Support",
    "Verifier",
    "clean_condensed",
    "format_passages",
    "numbers",
    "openai_like",
    "parse_markers",
    "split_sentences",
    "without_instructions",
    "without_thinking",
]
