"""Robustness perturbations keep labels and are reproducible; the evaluation measures what a classifier loses."""

from __future__ import annotations

import difflib
import json
import random
import re
import string
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lam_models.cli import app
from lam_models.sentiment import api
from lam_models.sentiment.augment import _COMPANY, _TICKER, COMPANIES
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LabelledTexts, read_phrasebank
from lam_models.sentiment.robustness import (
    HELD_OUT_COMPANIES,
    NEUTRAL_EMOJI,
    PERTURBATIONS,
    TYPO_RATE,
    evaluate_robustness,
    perturb,
    typos,
)
from lam_models.settings import get_settings

POSITIVE = frozenset({"rose", "increased", "grew", "up", "profit", "improved", "higher"})
NEGATIVE = frozenset({"fell", "decreased", "declined", "down", "loss", "lower", "dropped"})


@pytest.fixture()
def phrasebank(phrasebank_dir: Path) -> LabelledTexts:
    return read_phrasebank(phrasebank_dir / "Sentences_50Agree.txt")


def keyword_classifier(lowercase: bool):
    """Label 2 (positive) / 0 (negative) / 1 (neutral) by whole-word keywords; optionally case-blind."""

    def classify(texts: list[str]) -> np.ndarray:
        out = []
        for text in texts:
            words = set((text.lower() if lowercase else text).split())
            out.append(2 if words & POSITIVE else 0 if words & NEGATIVE else 1)
        return np.array(out)

    return classify


def test_every_perturbation_is_reproducible_and_the_seed_matters(phrasebank: LabelledTexts) -> None:
    texts = phrasebank.texts[:300]
    for name in PERTURBATIONS:
        assert perturb(texts, name, seed=0) == perturb(texts, name, seed=0), name
    assert perturb(texts, "typos", seed=0) != perturb(texts, "typos", seed=1)
    with pytest.raises(ValueError, match="unknown perturbation 'leet'"):
        perturb(texts, "leet")


def test_casing_keeps_every_letter(phrasebank: LabelledTexts) -> None:
    for name in ("upper", "lower", "title"):
        for before, after in zip(phrasebank.texts, perturb(phrasebank.texts, name), strict=True):
            assert after.lower() == before.lower()


def test_ticker_swap_changes_only_the_ticker_code(phrasebank: LabelledTexts) -> None:
    with_ticker = [t for t in phrasebank.texts if _TICKER.search(t)]
    assert len(with_ticker) > 50
    swapped = perturb(with_ticker, "tickers")
    assert sum(a != b for a, b in zip(with_ticker, swapped, strict=True)) > 0.9 * len(with_ticker)
    for before, after in zip(with_ticker, swapped, strict=True):
        assert _TICKER.sub("<T>", before) == _TICKER.sub("<T>", after)


def test_company_swap_uses_only_held_out_names(phrasebank: LabelledTexts) -> None:
    assert not set(HELD_OUT_COMPANIES) & set(COMPANIES)
    assert not any(name in text for name in HELD_OUT_COMPANIES for text in phrasebank.texts)
    named = [t for t in phrasebank.texts if _COMPANY.search(t)][:200]
    held_out = re.compile("|".join(re.escape(c) for c in HELD_OUT_COMPANIES))
    for before, after in zip(named, perturb(named, "companies"), strict=True):
        assert not _COMPANY.search(after) and held_out.search(after)
        assert _COMPANY.sub("<C>", before) == held_out.sub("<C>", after)


def test_numbers_move_outside_the_augmentation_range_and_years_stay() -> None:
    texts = [f"Net sales were EUR {100 + i} mn in 2009 ." for i in range(50)]
    for before, after in zip(texts, perturb(texts, "numbers"), strict=True):
        factor = int(after.split("EUR ")[1].split()[0]) / int(before.split("EUR ")[1].split()[0])
        assert not 0.5 <= factor <= 2.0, (before, after)
        assert after.endswith("in 2009 .")


def test_typos_touch_letters_only_at_about_the_set_rate(phrasebank: LabelledTexts) -> None:
    texts = phrasebank.texts[:500]
    noisy = perturb(texts, "typos")
    for before, after in zip(texts, noisy, strict=True):
        assert re.sub("[A-Za-z]", "", before) == re.sub("[A-Za-z]", "", after)
    letters = sum(sum(c in string.ascii_letters for c in t) for t in texts)
    edits = sum(sum(op != "equal" for op, *_ in difflib.SequenceMatcher(None, t, n, autojunk=False).get_opcodes())
                for t, n in zip(texts, noisy, strict=True))
    assert 0.5 * TYPO_RATE * letters < edits < 1.5 * TYPO_RATE * letters
    assert typos(texts[0], random.Random(0), rate=0.0) == texts[0]


def test_urls_and_emoji_only_add_tokens(phrasebank: LabelledTexts) -> None:
    texts = phrasebank.texts[:200]
    for name in ("url_append", "url_insert"):
        for before, after in zip(texts, perturb(texts, name), strict=True):
            words = after.split(" ")
            assert [w for w in words if not re.match(r"(https?://|www\.)", w)] == before.split(" ")
    for before, after in zip(texts, perturb(texts, "emoji"), strict=True):
        head, tail = after.rsplit(" ", 1)
        assert head == before and tail and all(ch in "".join(NEUTRAL_EMOJI) for ch in tail)


def test_casing_hurts_a_case_sensitive_classifier_and_not_a_lowercasing_one(phrasebank: LabelledTexts) -> None:
    rows = phrasebank.subset(np.arange(0, len(phrasebank), 5))
    names = ["upper", "emoji", "typos"]
    sensitive = evaluate_robustness(keyword_classifier(False), rows.texts, rows.labels, names)
    blind = evaluate_robustness(keyword_classifier(True), rows.texts, rows.labels, names)
    assert sensitive["n"] == blind["n"] == len(rows)
    assert blind["clean"]["accuracy"] > 0.6  # the keywords carry real signal on PhraseBank
    upper_sensitive, upper_blind = sensitive["perturbations"]["upper"], blind["perturbations"]["upper"]
    assert upper_sensitive["accuracy_drop"] > 0.05 and upper_sensitive["flip_rate"] > 0.1
    assert upper_sensitive["accuracy"] == pytest.approx(float((rows.labels == 1).mean()))  # all neutral
    assert upper_blind["accuracy_drop"] == 0 and upper_blind["flip_rate"] == 0 and upper_blind["changed"] == 1.0
    # a trailing emoji is its own whitespace token, so neither keyword classifier notices it
    assert sensitive["perturbations"]["emoji"]["flip_rate"] == 0
    assert 0 < blind["perturbations"]["typos"]["flip_rate"] < 0.5
    for report in (sensitive, blind):
        for row in report["perturbations"].values():
            assert row["accuracy"] == pytest.approx(report["clean"]["accuracy"] - row["accuracy_drop"])
            assert row["flip_rate"] <= row["changed"]


def test_cli_eval_robustness_on_a_tiny_trained_model(monkeypatch, tmp_path: Path, tiny_csv: Path) -> None:
    for key, value in {"LAM_HOME": tmp_path / "home", "LAM_REGISTRY_ROOT": tmp_path / "registry"}.items():
        monkeypatch.setenv(key, str(value))
    get_settings.cache_clear()
    try:
        config = TrainConfig(dataset=str(tiny_csv), num_layers=1, max_steps=2, epochs=1, progress=False, num_threads=1)
        version = api.train_sentiment(config, get_settings())
        out = tmp_path / "robustness.json"
        result = CliRunner().invoke(app, ["eval", "robustness", "--version", version, "--perturbations", "upper,typos",
                                          "--out", str(out)])
        assert result.exit_code == 0, result.output
        text = " ".join(result.output.split())
        assert "upper" in text and "typos" in text and "flip rate" in text
        report = json.loads(out.read_text())
        assert report["version_id"] == version and set(report["perturbations"]) == {"upper", "typos"}
        assert report["perturbations"]["upper"]["flip_rate"] == 0  # the MiniLM tokenizer lower-cases
        bad = CliRunner().invoke(app, ["eval", "robustness", "--version", version, "--perturbations", "leet"])
        assert bad.exit_code == 2 and "unknown perturbation" in " ".join(bad.output.split()), bad.output
    finally:
        get_settings.cache_clear()
