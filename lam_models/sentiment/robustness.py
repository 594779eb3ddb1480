"""Robustness of a sentiment classifier: accuracy under named, label-preserving text perturbations.

Why a fixed set with a fixed seed: every model must be scored on exactly the same perturbed texts,
or differences between recipes would be noise in the perturbation, not in the model. Each
perturbation keeps the label by construction: it only touches spelling, casing, names, tickers,
magnitudes, or adds a URL or neutral emoji.

Overlap with training-time augmentation (``augment.py``): augmentation scales numbers by a factor
in [0.5, 2], swaps names within ``COMPANIES`` and swaps tickers for random codes. To keep the test
from flattering the augmented recipes, ``numbers`` scales by factors outside that range and
``companies`` swaps in names augmentation never uses; ``tickers`` is the same operation as in
augmentation (random codes have no held-out form). Typos, casing, URLs and emoji are not trained on.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lam_models.sentiment.augment import scale_numbers, swap_companies, swap_tickers
from lam_models.sentiment.metrics import accuracy, macro_f1

Perturbation = Callable[[str, random.Random], str]
Classifier = Callable[[list[str]], Sequence[int] | np.ndarray]

TYPO_RATE = 0.05  # share of letters hit by one typo (swap, drop, double, neighbouring key)
# Company names absent from augment.COMPANIES and from PhraseBank's text, so training never sees them.
HELD_OUT_COMPANIES: tuple[str, ...] = (
    "Carlsberg", "Novartis", "Electrolux", "Maersk", "Sandvik", "Atlas Copco", "Danone", "Schneider Electric",
    "Nestle", "Bayer", "Roche", "Diageo", "Henkel", "Statoil", "Kering", "Vestas",
)
# Number factors outside augmentation's [0.5, 2]: an order of magnitude down or up.
NUMBER_FACTORS: tuple[tuple[float, float], ...] = ((0.1, 0.4), (2.5, 10.0))
URL_PREFIXES: tuple[str, ...] = ("https://t.co/", "http://bit.ly/", "https://www.reuters.com/markets/",
                                 "www.marketwatch.com/story/", "https://finance.yahoo.com/news/")
# Emoji without polarity (no rockets, charts up or down, faces): the label must not move.
NEUTRAL_EMOJI: tuple[str, ...] = ("📰", "🏢", "💼", "🗞", "🔔", "📌", "🌍", "📅", "🏭", "📞")
_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours(letter: str) -> str:
    """Keys next to ``letter`` on a QWERTY keyboard (same row), in the letter's case."""
    lower = letter.lower()
    for row in _KEYBOARD:
        i = row.find(lower)
        if i >= 0:
            near = row[max(0, i - 1):i] + row[i + 1:i + 2]
            return near.upper() if letter.isupper() else near
    return letter


def typos(text: str, rng: random.Random, rate: float = TYPO_RATE) -> str:
    """Hit each ASCII letter with probability ``rate`` by one of: swap with the next letter, drop,
    double, or replace by a neighbouring key. Non-letters (digits, punctuation) are never touched."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in string.ascii_letters and rng.random() < rate:
            op = rng.randrange(4)
            if op == 0 and i + 1 < len(text) and text[i + 1] in string.ascii_letters:
                out += [text[i + 1], char]
                i += 2
                continue
            if op == 2:
                out += [char, char]
            elif op == 3:
                out.append(rng.choice(_neighbours(char)))
            # op == 1 (or a swap at a word's end): the letter is dropped
        else:
            out.append(char)
        i += 1
    noisy = "".join(out)
    return noisy if noisy.strip() else text


def scale_numbers_far(text: str, rng: random.Random) -> str:
    """``augment.scale_numbers`` with one factor per text drawn outside augmentation's range."""
    low, high = rng.choice(NUMBER_FACTORS)
    return scale_numbers(text, rng.uniform(low, high))


def swap_held_out_companies(text: str, rng: random.Random) -> str:
    """``augment.swap_companies`` into ``HELD_OUT_COMPANIES``."""
    return swap_companies(text, rng, HELD_OUT_COMPANIES)


def _url(rng: random.Random) -> str:
    path = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(6, 10)))
    return rng.choice(URL_PREFIXES) + path


def append_url(text: str, rng: random.Random) -> str:
    """The text followed by a link, as in shared posts."""
    return f"{text} {_url(rng)}"


def insert_url(text: str, rng: random.Random) -> str:
    """A link between two words at a random position."""
    words = text.split(" ")
    at = rng.randint(0, len(words))
    return " ".join([*words[:at], _url(rng), *words[at:]])


def append_emoji(text: str, rng: random.Random) -> str:
    """One or two neutral emoji at the end."""
    return text + " " + "".join(rng.choice(NEUTRAL_EMOJI) for _ in range(rng.randint(1, 2)))


PERTURBATIONS: dict[str, Perturbation] = {
    "typos": typos,
    "upper": lambda text, rng: text.upper(),
    "lower": lambda text, rng: text.lower(),
    "title": lambda text, rng: text.title(),
    "tickers": swap_tickers,
    "numbers": scale_numbers_far,
    "companies": swap_held_out_companies,
    "url_append": append_url,
    "url_insert": insert_url,
    "emoji": append_emoji,
}


def perturb(texts: Sequence[str], name: str, seed: int = 0) -> list[str]:
    """``texts`` under perturbation ``name``; the same (texts, name, seed) always give the same output."""
    if name not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {name!r}; choose from {', '.join(PERTURBATIONS)}")
    rng = random.Random(f"{seed}/{name}")
    return [PERTURBATIONS[name](text, rng) for text in texts]


def evaluate_robustness(classify: Classifier, texts: Sequence[str], labels: Sequence[int] | np.ndarray,
                        names: Sequence[str] | None = None, seed: int = 0, num_labels: int = 3) -> dict[str, Any]:
    """Accuracy and macro-F1 of ``classify`` on the clean texts and on each perturbed copy.

    Args:
        classify: texts -> predicted label indices (n,), e.g. a model's argmax.
        texts, labels: the evaluation rows; labels are indices in ``[0, num_labels)``.
        names: perturbations to run (default: all of ``PERTURBATIONS``).

    Returns:
        ``{"seed", "n", "clean": {accuracy, macro_f1}, "perturbations": {name: {accuracy, macro_f1,
        accuracy_drop, macro_f1_drop, changed, flip_rate, flip_rate_changed}}}``; drops are clean minus
        perturbed, ``changed`` the share of texts the perturbation altered, ``flip_rate`` the share of
        predictions that differ from the clean ones (``flip_rate_changed``: among altered texts only).
    """
    y_true = np.asarray(labels, dtype=np.int64)
    clean = np.asarray(classify(list(texts)), dtype=np.int64)
    clean_acc, clean_f1 = accuracy(y_true, clean), macro_f1(y_true, clean, num_labels)
    report: dict[str, Any] = {"seed": seed, "n": len(texts), "clean": {"accuracy": clean_acc, "macro_f1": clean_f1},
                              "perturbations": {}}
    for name in names or list(PERTURBATIONS):
        noisy = perturb(texts, name, seed)
        altered = np.array([a != b for a, b in zip(texts, noisy, strict=True)], dtype=bool)
        predicted = np.asarray(classify(noisy), dtype=np.int64)
        flips = predicted != clean
        acc, f1 = accuracy(y_true, predicted), macro_f1(y_true, predicted, num_labels)
        report["perturbations"][name] = {
            "accuracy": acc, "macro_f1": f1, "accuracy_drop": clean_acc - acc, "macro_f1_drop": clean_f1 - f1,
            "changed": float(altered.mean()) if altered.size else 0.0,
            "flip_rate": float(flips.mean()) if flips.size else 0.0,
            "flip_rate_changed": float(flips[altered].mean()) if altered.any() else 0.0,
        }
    return report
