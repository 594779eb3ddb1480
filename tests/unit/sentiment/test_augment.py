"""Augmentation keeps labels: polarity words survive, magnitudes scale together, names swap."""

from __future__ import annotations

import random
import re
from pathlib import Path

from lam_models.sentiment.augment import (
    COMPANIES,
    POLARITY_WORDS,
    Augmenter,
    safe_dropout,
    scale_numbers,
    swap_companies,
    swap_tickers,
)
from lam_models.sentiment.data import read_phrasebank


def _polarity_words(text: str) -> list[str]:
    return [w for w in text.lower().split() if w in POLARITY_WORDS]


def test_polarity_words_always_survive_on_the_whole_corpus(phrasebank_dir: Path) -> None:
    data = read_phrasebank(phrasebank_dir / "Sentences_50Agree.txt")
    augmenter = Augmenter(prob=1.0, dropout=0.5)
    rng = random.Random(0)
    changed = 0
    for text in data.texts:
        out = augmenter(text, rng)
        assert _polarity_words(out) == _polarity_words(text), (text, out)
        changed += out != text
    assert changed > 0.5 * len(data)


def test_numbers_scale_by_one_factor_and_years_dates_stay() -> None:
    text = "10 February 2011 - net profit rose to EUR 13.1 mn from EUR8 .7 mn , up 50 % , 1,200 staff ."
    out = scale_numbers(text, 2.0)
    assert out == "10 February 2011 - net profit rose to EUR 26.2 mn from EUR16 .7 mn , up 100 % , 2,400 staff ."
    assert scale_numbers("Q1 sales of SAA1V and 3G phones in 2009", 3.0) == "Q1 sales of SAA1V and 3G phones in 2009"


def test_company_and_ticker_swaps_are_consistent() -> None:
    rng = random.Random(1)
    out = swap_companies("Nokia said Nokia 's rival Stora Enso fell .", rng)
    first, second = re.findall("|".join(re.escape(c) for c in COMPANIES), out)[:2]
    assert first == second != "Nokia"
    assert "Stora Enso" not in out
    ticker = swap_tickers("Teleste Oyj HEL : TLT1V and $NOK rose", random.Random(2))
    assert re.fullmatch(r"Teleste Oyj HEL : [A-Z]{3}1V and \$[A-Z]{3} rose", ticker)


def test_dropout_only_removes_function_words() -> None:
    text = "The company said that net sales fell by 5 % in the quarter ."
    out = safe_dropout(text, random.Random(0), prob=1.0)
    assert out == "net sales fell 5 % quarter ."


def test_same_seed_same_output() -> None:
    texts = ["Nokia profit rose to EUR 5.5 mn .", "Fiskars sales fell 3 % in 2010 ."] * 5
    augmenter = Augmenter(prob=0.7)
    assert augmenter.batch(texts, random.Random(3)) == augmenter.batch(texts, random.Random(3))
