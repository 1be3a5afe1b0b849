"""The fixed frame words the assistant may add around quoted source text, in Dutch and English."""

from __future__ import annotations

FRAMES: dict[str, dict[str, str]] = {
    "nl": {
        "refusal": "De NDS-documenten in deze assistent geven geen antwoord op deze vraag.",
        "nearest": "Het dichtst in de buurt komen:",
        "list_intro": "De bronnen noemen:",
        "other_language": "De bronnen (in het Engels) zeggen:",
        "other_language_list": "De bronnen (in het Engels) noemen:",
        "empty": "Stel een vraag over de Nederlandse Digitaliseringsstrategie.",
        "too_long": "Uw vraag is te lang ({n} tekens). Houd het bij {max} tekens.",
        "unavailable": "De index is nu niet bereikbaar. Probeer het later opnieuw.",
        "error": "Er ging iets mis bij het beantwoorden. Probeer het opnieuw.",
    },
    "en": {
        "refusal": "The NDS documents in this assistant do not answer this question.",
        "nearest": "The nearest documents are:",
        "list_intro": "The sources list:",
        "other_language": "The sources (in Dutch) say:",
        "other_language_list": "The sources (in Dutch) list:",
        "empty": "Please ask a question about the Dutch Digitalisation Strategy (NDS).",
        "too_long": "Your question is too long ({n} characters). Please keep it under {max}.",
        "unavailable": "The index is unavailable right now. Please try again later.",
        "error": "Something went wrong while answering. Please try again.",
    },
}


def frame(language: str, key: str, **kwargs: object) -> str:
    text = FRAMES.get(language, FRAMES["nl"])[key]
    return text.format(**kwargs) if kwargs else text
