"""The answer layer's remaining constants, in one place, each with where it came from.

Weights and thresholds that decide what is quoted and when to refuse are no longer here: they
are fitted (``assistant/answer_model.json``, written by ``nds-assistant eval fit`` on the tune
split; see :mod:`assistant.answer_model`). What remains are structural choices and the
answer-type checks, whose outputs are features of that model. Retrieval's settings (k, RRF,
weights) live in :class:`index.settings.Settings`.
"""

from __future__ import annotations

# -- candidates (assistant.extractive) -----------------------------------------------------------
# Sentences are taken from the best this-many passages: the default k is 8, and the sixth
# passage holds evidence far less often than the first (recall@5 vs recall@10); session 1.
CANDIDATE_PASSAGES = 6
# Two sentences sharing more than this share of words are one statement: the second is cited
# with the first (corroboration) instead of quoted again; session 2, by reading answers.
TWIN_OVERLAP = 0.6
# A near-copy at or above this share is cited with a quoted sentence whatever its own score.
COPY_OVERLAP = 0.8

# -- features (assistant.features) ---------------------------------------------------------------
# A question word's glossary translation, or a word of the conversation a follow-up points
# back to, counts for this share of its idf: evidence, but weaker than the question's own word.
SECONDARY_WEIGHT = 0.5
# Language bias of the embedder's cosine is estimated only from groups of at least this many
# candidates of one language (a mean over fewer is noise); session 2.
MIN_LANGUAGE_GROUP = 4

# -- answer-type checks (assistant.answer_types; features of the refusal model) -------------------
# "Wanneer": one of the best this-many sentences must hold a date.
DATE_TOP = 5
# "Hoeveel": one of the best this-many sentences must hold a number next to the thing counted,
COUNT_TOP = 8
# and its passage must hold at least this (idf-weighted) share of the question's other words.
SUBJECT_SHARE = 0.5
# "Wie": one of the best this-many sentences must name someone (a feature of the refusal model).
NAME_TOP = 5

# -- list answers (assistant.lists) ---------------------------------------------------------------
# Characters before a list read as its lead-in ("De zes prioriteiten zijn:").
LIST_LEAD = 300
# A lead-in holding this share of the question's words makes the list the answer; session 3.
HEADING_SHARE = 0.5
# Longer lists are not answers to one question (navigation, tables of contents).
MAX_ITEMS = 12
# A question about one item ("Wat is prioriteit 5?") holds at least this share of its words,
# and the other items at most a third of that; session 3.
ONE_ITEM_SHARE = 0.25
# Whitespace between two chunks at most this long still joins them into one list; session 3.
GAP = 32
