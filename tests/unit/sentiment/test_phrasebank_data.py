"""Loaders and the fixed split: counts match the dataset README, bad rows name file and row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.sentiment.data import (
    LABELS,
    DataError,
    LabelledTexts,
    fetch_phrasebank,
    load_or_create_split,
    make_split,
    read_labelled_table,
    read_phrasebank,
    split_path,
)

README_COUNTS = {  # file: (sentences, neutral, positive, negative), from financial_phrasebank/README.md
    "Sentences_50Agree.txt": (4846, 2879, 1363, 604),
    "Sentences_66Agree.txt": (4217, 2535, 1168, 514),
    "Sentences_75Agree.txt": (3453, 2146, 887, 420),
    "Sentences_AllAgree.txt": (2264, 1391, 570, 303),
}


@pytest.mark.parametrize("filename", sorted(README_COUNTS))
def test_counts_per_file_match_the_readme(phrasebank_dir: Path, filename: str) -> None:
    data = read_phrasebank(phrasebank_dir / filename)
    total, neutral, positive, negative = README_COUNTS[filename]
    assert len(data) == total
    assert data.counts() == {"neutral": neutral, "positive": positive, "negative": negative}


def test_fetch_by_subset_name_verifies_and_reads(phrasebank_dir: Path) -> None:
    data = fetch_phrasebank("allagree", phrasebank_dir.parent)
    assert len(data) == 2264
    assert all("\r" not in t and not t.endswith("@") for t in data.texts)
    assert any(ch in "".join(data.texts) for ch in "ñà")  # latin-1 characters survive
    with pytest.raises(DataError, match="unknown PhraseBank subset"):
        fetch_phrasebank("90agree", phrasebank_dir.parent)


def test_split_on_the_last_at_and_latin1_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes("Mail us @ info@firm.fi today .@neutral\r\nProfit rose \xe4 lot .@positive\r\n".encode("latin-1")
                     + b"Odd \x85 char stays in one line .@negative\r\n")
    data = read_phrasebank(path)
    assert data.texts == ["Mail us @ info@firm.fi today .", "Profit rose \xe4 lot .", "Odd \x85 char stays in one line ."]
    assert [LABELS[i] for i in data.labels] == ["neutral", "positive", "negative"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Good .@positive\r\n   @neutral\r\n", r"s\.txt, line 2: empty"),
        (b"Good .@positive\r\nBad .@bad\r\n", r"s\.txt, line 2: unknown label 'bad'"),
        (b"Good .@positive\r\nno separator\r\n", r"s\.txt, line 2: no '@'"),
    ],
)
def test_bad_phrasebank_lines_name_the_file_and_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_phrasebank(path)


def test_generic_csv_with_aliased_columns(tiny_csv: Path) -> None:
    data = read_labelled_table(tiny_csv)
    assert len(data) == 48
    assert data.counts() == {"negative": 16, "neutral": 16, "positive": 16}


def test_generic_parquet_with_label_map(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pd.DataFrame({"headline": ["Shares up", "Shares down", "Meeting held"], "target": [2, 0, 1]}).to_parquet(path)
    with pytest.raises(DataError, match=r"t\.parquet, row 0: unknown label 2"):
        read_labelled_table(path)
    data = read_labelled_table(path, label_map={"0": "negative", "1": "neutral", "2": "positive"})
    assert [LABELS[i] for i in data.labels] == ["positive", "negative", "neutral"]


@pytest.mark.parametrize(
    ("csv", "kwargs", "message"),
    [
        ("text,label\nfine,positive\n,neutral\n", {"strict": True}, r"x\.csv, line 3: empty"),
        ("text,label\nfine,positive\n...,neutral\n", {"strict": True}, r"x\.csv, line 3: empty or non-text"),
        ("text,label\n:),positive\n...,neutral\n", {}, r"x\.csv: no rows with usable text \(2 skipped\)"),
        ("text,label\nfine,positive\nok,meh\n", {}, r"x\.csv, line 3: unknown label 'meh'"),
        ("body,label\nfine,positive\n", {}, r"x\.csv: no text column.*columns are \['body', 'label'\]"),
        ("text,mood\nfine,positive\n", {}, r"x\.csv: no label column"),
        ("text,mood\nfine,positive\n", {"label_column": "tone"}, r"label column 'tone' not found"),
    ],
)
def test_bad_tables_name_the_file_and_row(tmp_path: Path, csv: str, kwargs: dict, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(csv)
    with pytest.raises(DataError, match=message):
        read_labelled_table(path, **kwargs)


def test_non_text_parquet_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "n.parquet"
    pd.DataFrame({"text": ["ok", None], "label": ["neutral", "neutral"]}).to_parquet(path)
    with pytest.raises(DataError, match=r"n\.parquet, row 1: text is NoneType"):
        read_labelled_table(path, strict=True)


def test_rows_without_usable_text_are_skipped_and_named_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("text,label,agreement\nShares up,positive,1.0\n:),positive,0.5\nShares down,negative,0.75\n,neutral,1.0\n")
    data = read_labelled_table(path)
    assert data.texts == ["Shares up", "Shares down"] and [LABELS[i] for i in data.labels] == ["positive", "negative"]
    assert data.agreement.tolist() == [1.0, 0.75]  # aligned with the rows kept
    assert data.skipped == ("line 3: empty or non-text sentence ':)'", "line 5: empty or non-text sentence ''")


def test_split_sizes_are_disjoint_stratified_and_stable(phrasebank_dir: Path, tmp_path: Path) -> None:
    data = read_phrasebank(phrasebank_dir / "Sentences_50Agree.txt")
    split = make_split(data, seed=0)
    parts = [set(split.train), set(split.validation), set(split.test)]
    assert sum(map(len, parts)) == len(data) == len(set().union(*parts))
    assert len(split.test) == pytest.approx(0.2 * len(data), abs=1)
    assert len(split.validation) == pytest.approx(0.16 * len(data), abs=1)
    overall = np.bincount(data.labels, minlength=3) / len(data)
    for part in (split.train, split.validation, split.test):
        share = np.bincount(data.labels[part], minlength=3) / len(part)
        assert np.abs(share - overall).max() < 0.005
    assert make_split(data, seed=0) == split
    assert make_split(data, seed=1).test != split.test

    path = split_path(tmp_path, "50agree", 0)
    assert path.name == "phrasebank_50agree_seed0.json"
    first = load_or_create_split(data, path)
    again = load_or_create_split(data, path)
    assert first.test == again.test == split.test


def test_saved_split_refuses_other_data(tmp_path: Path) -> None:
    data = LabelledTexts([f"sentence {i}" for i in range(30)], np.arange(30) % 3, "mem")
    path = tmp_path / "s.json"
    load_or_create_split(data, path)
    changed = LabelledTexts(data.texts[:-1] + ["edited"], data.labels, "mem")
    with pytest.raises(DataError, match="made for other data"):
        load_or_create_split(changed, path)
