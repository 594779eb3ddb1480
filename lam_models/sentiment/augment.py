"""Label-preserving text augmentation that never touches polarity words.

Why these operations: financial sentiment lives in verbs and adjectives ("rose", "fell",
"weak", "record") and in negations; names, tickers and magnitudes do not decide it. So we
(1) swap company names, (2) swap ticker codes, (3) scale every number in a sentence by ONE
common factor (so "rose from 8.7 to 13.1" stays a rise; years and dates are left alone), and
(4) drop only words from a fixed list of function words. No op can delete, add or change a
word outside those sets, so a polarity word can never be lost.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lam_models.sentiment.hooks import TrainHook

COMPANIES: tuple[str, ...] = (
    "Nokia", "Elisa", "Fiskars", "Kone", "Metso", "Outotec", "Wartsila", "Stockmann", "Marimekko",
    "Ramirent", "Teleste", "Tieto", "Aspo", "Cargotec", "Konecranes", "Huhtamaki", "Rautaruukki",
    "Sanoma", "Finnair", "Orion", "Kesko", "YIT", "Sampo", "Stora Enso", "UPM-Kymmene", "Nokian Tyres",
    "Alma Media", "Componenta", "Vaisala", "Okmetic", "Raute", "Uponor", "Ahlstrom", "Lassila & Tikanoja",
)
# Words we may drop: articles, prepositions and filler that carry no polarity.
DROPPABLE: frozenset[str] = frozenset({
    "the", "a", "an", "of", "in", "on", "at", "for", "by", "with", "its", "it", "this", "that",
    "said", "says", "also", "has", "have", "had", "is", "are", "was", "were", "be", "been",
    "company", "group", "corporation", "finnish", "today", "yesterday", ",", "'s", "(", ")",
})
# Words that decide polarity; tests check that augmentation keeps every one of them.
POLARITY_WORDS: frozenset[str] = frozenset({
    "rose", "rise", "rises", "risen", "increase", "increased", "grew", "growth", "gain", "gained",
    "up", "higher", "profit", "improved", "strong", "record", "beat", "positive", "fell", "fall",
    "down", "lower", "decrease", "decreased", "declined", "decline", "loss", "losses", "weak",
    "drop", "dropped", "cut", "cuts", "negative", "not", "no", "never", "without", "n't",
})
MONTHS = frozenset({"january", "february", "march", "april", "may", "june", "july", "august",
                    "september", "october", "november", "december", "jan", "feb", "mar", "apr",
                    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"})
_NUMBER = re.compile(r"(?<![\w.,])(?P<cur>EUR|USD|euro|EURO|SEK)?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?(?!\w)")
_TICKER = re.compile(r"\b(?P<ex>HEL|OMX|NASDAQ|NYSE|LSE|STO)\s*:\s*(?P<code>[A-Z][A-Z0-9]{1,7})\b")
_CASHTAG = re.compile(r"\$(?P<code>[A-Z]{1,5})\b")
_COMPANY = re.compile(r"\b(" + "|".join(re.escape(c) for c in sorted(COMPANIES, key=len, reverse=True)) + r")\b")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def scale_numbers(text: str, factor: float) -> str:
    """Multiply every magnitude by ``factor``; keep years, day-of-month, decimals and zeros."""

    def repl(match: re.Match[str]) -> str:
        digits, dec = match["num"].replace(",", ""), match["dec"] or ""
        value = float(digits + dec)
        words_before = text[: match.start()].split()[-1:]
        words_after = text[match.end():].split()[:1]
        near_month = any(w.lower().strip(".,") in MONTHS for w in words_before + words_after)
        is_year = not dec and len(digits) == 4 and 1900 <= value <= 2100
        if value == 0 or is_year or (near_month and not dec and value <= 31):
            return match.group(0)
        scaled = value * factor
        if dec:
            number = f"{scaled:.{len(dec) - 1}f}"
        else:
            number = f"{max(1, round(scaled)):,}" if "," in match["num"] else str(max(1, round(scaled)))
        return (match["cur"] or "") + number

    return _NUMBER.sub(repl, text)


def swap_companies(text: str, rng: random.Random, pool: Sequence[str] = COMPANIES) -> str:
    """Replace each known company name by another one from ``pool``, consistently within the sentence.

    ``pool`` defaults to ``COMPANIES``; the robustness evaluation passes names training never sees.
    """
    chosen: dict[str, str] = {}

    def repl(match: re.Match[str]) -> str:
        name = match.group(0)
        if name not in chosen:
            chosen[name] = rng.choice([c for c in pool if c != name])
        return chosen[name]

    return _COMPANY.sub(repl, text)


def swap_tickers(text: str, rng: random.Random) -> str:
    """Replace exchange codes (``HEL : SAA1V``) and cashtags (``$NOK``) by random codes."""

    def code_like(code: str) -> str:
        suffix = "1V" if code.endswith("1V") else ""
        size = max(1, len(code) - len(suffix))
        return "".join(rng.choice(_LETTERS) for _ in range(size)) + suffix

    text = _TICKER.sub(lambda m: m.group(0)[: m.start("code") - m.start()] + code_like(m["code"]), text)
    return _CASHTAG.sub(lambda m: "$" + code_like(m["code"]), text)


def safe_dropout(text: str, rng: random.Random, prob: float) -> str:
    """Drop whitespace-separated words found in ``DROPPABLE`` with probability ``prob`` each."""
    words = text.split(" ")
    kept = [w for w in words if w.lower() not in DROPPABLE or rng.random() >= prob]
    return " ".join(kept) if any(k.strip() for k in kept) else text


@dataclass(frozen=True)
class Augmenter:
    """Applies every safe op to a text with probability ``prob``; seeded by the caller's rng."""

    prob: float = 0.5
    dropout: float = 0.1
    scale_range: tuple[float, float] = (0.5, 2.0)

    def __call__(self, text: str, rng: random.Random) -> str:
        if rng.random() >= self.prob:
            return text
        text = scale_numbers(text, rng.uniform(*self.scale_range))
        text = swap_companies(text, rng)
        text = swap_tickers(text, rng)
        return safe_dropout(text, rng, self.dropout)

    def batch(self, texts: list[str], rng: random.Random) -> list[str]:
        """Augmented copies of ``texts`` (same order, same labels)."""
        return [self(t, rng) for t in texts]


class AugmentHook(TrainHook):
    """Training-loop hook: augments each batch's texts; labels are unchanged by construction."""

    name = "augment"

    def __init__(self, augmenter: Augmenter) -> None:
        self.augmenter = augmenter

    def prepare_texts(self, texts: list[str], labels: list[int], rng: random.Random) -> list[str]:
        return self.augmenter.batch(texts, rng)
