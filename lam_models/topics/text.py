"""Headline text for topics: word tokens for c-TF-IDF and NPMI, and which headlines can get a topic.

A headline gets the outlier topic when it is empty, has fewer than ``min_words`` word tokens, is
written mostly in a non-Latin script, or reads as another language (its function words are
Spanish/French/German/Italian/Portuguese rather than English). The checks are cheap string
operations: they run on the scoring hot path for every headline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_TOKEN = re.compile(r"[^\W_](?:[\w'&.-]*[^\W_])?")
_LETTER = re.compile(r"[^\W\d_]")
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS | {"says", "said", "inc", "corp", "co", "ltd", "llc", "plc"})
"""English stop words plus company-suffix and reporting words that describe no topic."""

FOREIGN_WORDS = frozenset({
    "der", "das", "und", "nicht", "mit", "ist", "auf", "für", "von", "sich", "dem", "den", "ein", "eine", "nach",
    "el", "los", "las", "del", "por", "para", "una", "su", "sus", "como", "más", "en",
    "le", "les", "des", "du", "une", "sur", "pour", "avec", "dans", "aux", "et", "qui",
    "il", "di", "della", "delle", "che", "gli", "nel", "sono", "da",
    "os", "dos", "não", "em", "um", "uma", "com", "ao",
})
"""Frequent function words of other Latin-script languages (words that are also English, like "est" in
"Vs Est" or "die", are left out)."""

ENGLISH_WORDS = frozenset({"the", "of", "and", "to", "in", "for", "on", "with", "at", "by", "from", "as", "is", "its",
                           "a", "an", "after", "over", "into", "up", "down", "new", "says", "sees", "beats", "misses"})


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens with at least one letter, 2+ characters, stop words removed.

    ``"Q2 EPS $0.71 Beats $0.68 Estimate"`` gives ``["q2", "eps", "beats", "estimate"]``;
    ``"52-Week"`` stays one token ``"52-week"``.
    """
    return [t for t in _TOKEN.findall(text.lower()) if len(t) > 1 and t not in STOP_WORDS and _LETTER.search(t)]


def word_count(text: str) -> int:
    """Tokens that contain a letter (stop words included)."""
    return sum(1 for t in _TOKEN.findall(text) if _LETTER.search(t))


def latin_share(text: str) -> float:
    """Share of the letters that are ASCII (1.0 for ASCII-only text; 0.0 when there are no letters)."""
    if text.isascii():
        return 1.0 if _LETTER.search(text) else 0.0
    letters = _LETTER.findall(text)
    return sum(ch.isascii() for ch in letters) / len(letters) if letters else 0.0


def looks_foreign(text: str) -> bool:
    """True when the headline's function words are another language's (at least 2, more than English ones)."""
    words = text.lower().split()
    foreign = sum(w in FOREIGN_WORDS for w in words)
    return foreign >= 2 and foreign > sum(w in ENGLISH_WORDS for w in words)


def is_topicable(text: object, min_words: int = 3, min_latin_share: float = 0.8) -> bool:
    """Whether a headline may get a topic (else it is an outlier, -1); never raises on any input."""
    if not isinstance(text, str) or not text.strip():
        return False
    if word_count(text) < min_words or latin_share(text) < min_latin_share:
        return False
    return not looks_foreign(text)


def topicable_mask(texts: Sequence[object], min_words: int = 3, min_latin_share: float = 0.8) -> np.ndarray:
    """(n,) bool: ``is_topicable`` of each text."""
    return np.fromiter((is_topicable(t, min_words, min_latin_share) for t in texts), dtype=bool, count=len(texts))


def token_lists(texts: Iterable[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]
