"""Tell Dutch from English with function words: enough for questions and passages here.

>>> detect_language("Wat zijn de zes prioriteiten van de NDS?")
'nl'
>>> detect_language("What are the six priorities of the strategy?")
'en'
>>> detect_language("NDS")  # too little to tell: Dutch, the users' language
'nl'
"""

from __future__ import annotations

import re

_NL = frozenset(
    "de het een en van in is op te dat die niet met voor zijn er wat wie waar wanneer welke "
    "hoe waarom ook aan om bij door naar als over uit of nog wordt worden zal kan moet deze "
    "dit ze we wij hun hebben heeft was waren tot onder tussen noemt volgens".split()
)
_EN = frozenset(
    "the a an and of in is on to that this not with for are be was what who where when "
    "which how why also at by from as about or will can must these they we their have has "
    "were been does did according into its".split()
)
_WORD = re.compile(r"[a-zA-Z']+")

# Month names, January first, in each language (lowercase).
_NL_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
)
_EN_MONTHS = "january february march april may june july august september october november december"
MONTHS = {"nl": _NL_MONTHS.split(), "en": _EN_MONTHS.split()}

# The small numbers as words, (Dutch, English), two to twelve: the one list of number words
# (counts in questions, number spellings in BM25, numbers in answers and citations). One has
# no entry: "een" is also the article; each reader says how it treats one.
NUMBER_WORDS: dict[int, tuple[str, str]] = {
    n: words
    for n, words in enumerate(
        zip(
            "twee drie vier vijf zes zeven acht negen tien elf twaalf".split(),
            "two three four five six seven eight nine ten eleven twelve".split(),
            strict=True,
        ),
        start=2,
    )
}


def detect_language(text: str, default: str = "nl") -> str:
    """'nl' or 'en' for ``text``; ``default`` when there is no signal either way."""
    words = [w.lower() for w in _WORD.findall(text)]
    nl = sum(w in _NL for w in words)
    en = sum(w in _EN for w in words)
    if nl == en:
        return default
    return "nl" if nl > en else "en"
