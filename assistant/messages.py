"""Every string an official reads, in Dutch and English: the fixed frame words the assistant may
add around quoted source text (:data:`FRAMES`), and the web chat's interface (:data:`CHAT`), its
admin tab (:data:`ADMIN`) and its take-away panel and Markdown (:data:`TAKEAWAY`).

Each table maps a language to its keys; an unknown language falls back to Dutch.

>>> frame("en", "too_long", n=2100, max=2000)
'Your question is too long (2100 characters). Please keep it under 2000.'
>>> chat_text("fr", "ask")
'Vraag stellen'
"""

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


def _pick(table: dict[str, dict[str, str]], language: str, key: str, **kwargs: object) -> str:
    text = table.get(language, table["nl"])[key]
    return text.format(**kwargs) if kwargs else text


# -- the web chat (assistant.chat) -----------------------------------------------------------

CHAT: dict[str, dict[str, str]] = {
    "nl": {
        "tab_chat": "Gesprek",
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
        "tab_chat": "Conversation",
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

ADMIN: dict[str, dict[str, str]] = {
    "nl": {
        "tab": "Documenten",
        "upload_head": "Documenten toevoegen",
        "upload_help": "PDF, Word (.docx), HTML, Markdown of tekst. Na het uploaden worden de "
        "bestanden direct geïndexeerd; daarna beantwoordt de chat er vragen over.",
        "files": "Bestanden",
        "report_head": "Verslag",
        "report_empty": "Nog niets geüpload.",
        "file": "Bestand",
        "result": "Resultaat",
        "ingested": "Geïndexeerd ({n} passages)",
        "unchanged": "Ongewijzigd (stond al in de index)",
        "refused": "Geweigerd: {reason}",
        "others": "Andere bestanden in de bronnenmap die niet geïndexeerd konden worden:",
        "busy": "Er loopt al een indexering. Probeer het over een minuut opnieuw.",
        "failed": "De indexering is mislukt: {err}",
        "correct_head": "Titel, uitgever en datum corrigeren",
        "correct_help": "De metadata van een PDF klopt vaak niet. De correctie wordt naast het "
        "bestand bewaard en bij elke indexering gebruikt.",
        "doc": "Document",
        "title": "Titel",
        "publisher": "Uitgever",
        "date": "Datum (JJJJ-MM-DD)",
        "save": "Correctie opslaan",
        "no_doc": "Kies eerst een document.",
        "unknown_doc": "Dit document staat niet (meer) in de bronnenmap.",
        "saved": "Correctie opgeslagen voor {name}.",
        "bad_correction": "Correctie niet opgeslagen: {err}",
        "not_admin": "Alleen beheerders kunnen documenten beheren.",
        "list_head": "Documenten in de index ({n})",
    },
    "en": {
        "tab": "Documents",
        "upload_head": "Add documents",
        "upload_help": "PDF, Word (.docx), HTML, Markdown or text. Uploaded files are indexed "
        "at once; then the chat answers questions about them.",
        "files": "Files",
        "report_head": "Report",
        "report_empty": "Nothing uploaded yet.",
        "file": "File",
        "result": "Result",
        "ingested": "Indexed ({n} passages)",
        "unchanged": "Unchanged (already in the index)",
        "refused": "Refused: {reason}",
        "others": "Other files in the sources folder that could not be indexed:",
        "busy": "An ingest is already running. Try again in a minute.",
        "failed": "Indexing failed: {err}",
        "correct_head": "Correct title, publisher and date",
        "correct_help": "A PDF's metadata is often wrong. The correction is stored beside the "
        "file and used by every ingest.",
        "doc": "Document",
        "title": "Title",
        "publisher": "Publisher",
        "date": "Date (YYYY-MM-DD)",
        "save": "Save correction",
        "no_doc": "Choose a document first.",
        "unknown_doc": "This document is not (or no longer) in the sources folder.",
        "saved": "Correction saved for {name}.",
        "bad_correction": "Correction not saved: {err}",
        "not_admin": "Only administrators can manage documents.",
        "list_head": "Documents in the index ({n})",
    },
}


TAKEAWAY: dict[str, dict[str, str]] = {
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


def chat_text(language: str, key: str, **kwargs: object) -> str:
    """A string of the chat's interface (:data:`CHAT`)."""
    return _pick(CHAT, language, key, **kwargs)


def admin_text(language: str, key: str, **kwargs: object) -> str:
    """A string of the chat's admin tab (:data:`ADMIN`)."""
    return _pick(ADMIN, language, key, **kwargs)


def takeaway_text(language: str, key: str, **kwargs: object) -> str:
    """A string of the take-away panel and Markdown (:data:`TAKEAWAY`)."""
    return _pick(TAKEAWAY, language, key, **kwargs)


# Every table, for the test that both languages have the same keys and placeholders.
TABLES: dict[str, dict[str, dict[str, str]]] = {
    "frames": FRAMES,
    "chat": CHAT,
    "admin": ADMIN,
    "takeaway": TAKEAWAY,
}
