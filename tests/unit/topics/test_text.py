"""Which headlines may get a topic: empty, very short and non-English ones are outliers, never errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lam_models.topics.text import is_topicable, tokenize, topicable_mask


def test_tokens_keep_words_with_letters_and_drop_numbers_and_stop_words():
    assert tokenize("Agilent Q2 EPS $0.71 Beats $0.68 Estimate") == ["agilent", "q2", "eps", "beats", "estimate"]
    assert tokenize("Stocks That Hit 52-Week Highs On Monday") == ["stocks", "hit", "52-week", "highs", "monday"]
    assert tokenize("AT&T Names New CEO") == ["at&t", "names", "new", "ceo"]


@pytest.mark.parametrize("text", [
    "", "   ", "\n", "Buy", "Market Update", "12 34 56 78", "$$$ !!! ???",
    "苹果 股价 今天 大涨 百分之五", "Акции Apple выросли после отчёта",
    "Die Aktie von Apple steigt nach starken Zahlen und der Prognose",
    "Las acciones de Apple suben por las ventas en China",
    "Les actions de Apple montent après des résultats solides",
])
def test_outlier_headlines(text):
    assert not is_topicable(text)


@pytest.mark.parametrize("text", [
    "Agilent Q2 EPS $0.71 Beats $0.68 Estimate", "Barrick Gold To Acquire Equinox For C$7.3B",
    "Morgan Stanley Downgrades Apple to Equal-Weight", "Agilent Technologies Reports Q1 EPS $0.46 Vs Est $0.43",
    "Café chain Starbucks raises its dividend",
])
def test_english_headlines_get_a_topic(text):
    assert is_topicable(text)


@pytest.mark.parametrize("value", [None, 42, 3.5, b"bytes headline here", ["a", "b", "c"]])
def test_non_strings_are_outliers(value):
    assert not is_topicable(value)


@given(st.text())
def test_never_raises_on_any_text(text):
    assert isinstance(is_topicable(text), bool)


def test_mask_has_one_flag_per_text():
    assert topicable_mask(["", "Apple Beats Estimates Again", None]).tolist() == [False, True, False]
