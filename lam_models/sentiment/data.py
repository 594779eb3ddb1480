"""Labelled text tables for sentiment: PhraseBank, generic ``text,label`` files, and the fixed split.

Why here: every later issue (scoring checks, continual rounds, benches) must see the same rows
and the same split. The split is seeded and stratified (20% test, 20% of the rest validation,
the FinBERT protocol) and saved as an index file keyed by the data's sha256, so a changed
file is refused instead of silently re-split. Bad rows fail with the file and row named.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lam_models.datasets import fetch
from lam_models.files import write_atomic

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
LABEL_ALIASES: dict[str, str] = {
    "neg": "negative", "negative": "negative", "bearish": "negative",
    "neu": "neutral", "neutral": "neutral",
    "pos": "positive", "positive": "positive", "bullish": "positive",
}  # numeric codes are deliberately absent: 0/1/2 and -1/0/1 conventions disagree, so they need a map
TEXT_COLUMNS = ("text", "sentence", "headline", "title", "content")
LABEL_COLUMNS = ("label", "labels", "sentiment", "class", "target", "polarity")
AGREEMENT_COLUMNS = ("agreement", "annotator_agreement")  # optional: share of annotators behind the label
PHRASEBANK_FILES = {
    "50agree": "Sentences_50Agree.txt",
    "66agree": "Sentences_66Agree.txt",
    "75agree": "Sentences_75Agree.txt",
    "allagree": "Sentences_AllAgree.txt",
}
# PhraseBank's files, strictest first, with the agreement each band stands for: its midpoint
# (AllAgree = 100%, 75Agree = more than 75%, 66Agree = more than 66%, 50Agree = more than 50%).
PHRASEBANK_BANDS = (("allagree", 1.0), ("75agree", 0.85), ("66agree", 0.70), ("50agree", 0.58))


class DataError(ValueError):
    """A labelled file cannot be used; the message names the file and the row."""


@dataclass(frozen=True)
class LabelledTexts:
    """Texts with integer labels (indices into ``LABELS``), where they came from and, when known,
    the share of annotators behind each label (see ``agreement.py``)."""

    texts: list[str]
    labels: np.ndarray  # shape (n,), int64
    source: str
    agreement: np.ndarray | None = None  # shape (n,), float32 in (0, 1]
    skipped: tuple[str, ...] = ()  # rows of the file left out (no usable text), each "<row>: <why>"

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: list[int] | np.ndarray) -> LabelledTexts:
        idx = np.asarray(index, dtype=np.int64)
        agreement = None if self.agreement is None else self.agreement[idx]
        return LabelledTexts([self.texts[i] for i in idx], self.labels[idx], self.source, agreement)

    def counts(self) -> dict[str, int]:
        return {name: int((self.labels == i).sum()) for i, name in enumerate(LABELS)}

    def content_hash(self) -> str:
        """sha256 over ``label\\ttext`` lines in order: identifies exactly what a model saw."""
        digest = hashlib.sha256()
        for text, label in zip(self.texts, self.labels, strict=True):
            digest.update(f"{LABELS[int(label)]}\t{text}\n".encode())
        return digest.hexdigest()


def read_phrasebank(path: Path) -> LabelledTexts:
    """Parse one ``Sentences_*Agree.txt``: latin-1, CRLF, ``sentence@label`` split on the LAST ``@``.

    Lines are split on ``\\n`` only: ``str.splitlines`` would also break on U+0085, a valid
    latin-1 character.
    """
    raw = Path(path).read_bytes().decode("latin-1")
    texts: list[str] = []
    labels: list[int] = []
    for line_no, line in enumerate(raw.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        sentence, sep, label = line.rpartition("@")
        if not sep:
            raise DataError(f"{path}, line {line_no}: no '@' separating sentence and label")
        texts.append(_check_text(sentence.strip(), path, f"line {line_no}"))
        labels.append(_label_index(label.strip(), path, f"line {line_no}", None))
    return LabelledTexts(texts, np.asarray(labels, dtype=np.int64), str(path))


def phrasebank_agreement(texts: list[str], labels: np.ndarray, subsets: dict[str, tuple[list[str], np.ndarray]]) -> np.ndarray:
    """Agreement per row: the band of the strictest subset holding the same sentence with the same label.

    Args:
        subsets: PhraseBank subset name -> (texts, labels), as read from its file.
    """
    members = {name: set(zip(sub_texts, sub_labels.tolist(), strict=True)) for name, (sub_texts, sub_labels) in subsets.items()}
    loosest = PHRASEBANK_BANDS[-1][1]
    return np.asarray([
        next((band for name, band in PHRASEBANK_BANDS if name in members and (text, label) in members[name]), loosest)
        for text, label in zip(texts, labels.tolist(), strict=True)
    ], dtype=np.float32)


def fetch_phrasebank(subset: str, data_home: Path, download_if_missing: bool = False) -> LabelledTexts:
    """One PhraseBank subset from the sha256-verified folder (downloaded first when allowed), with
    each sentence's annotator agreement taken from the stricter subsets (see ``agreement.py``)."""
    key = subset.lower()
    if key not in PHRASEBANK_FILES:
        raise DataError(f"unknown PhraseBank subset {subset!r}; use one of {sorted(PHRASEBANK_FILES)}")
    folder = fetch("financial_phrasebank", Path(data_home), download_if_missing=download_if_missing)
    data = read_phrasebank(folder / PHRASEBANK_FILES[key])
    subsets = {name: read_phrasebank(folder / PHRASEBANK_FILES[name]) for name, _ in PHRASEBANK_BANDS}
    agreement = phrasebank_agreement(data.texts, data.labels, {name: (sub.texts, sub.labels) for name, sub in subsets.items()})
    return dataclasses.replace(data, agreement=agreement)


def read_labelled_table(
    path: Path,
    text_column: str | None = None,
    label_column: str | None = None,
    label_map: dict[str, str] | None = None,
    strict: bool = False,
) -> LabelledTexts:
    """Read a CSV or Parquet file with a text and a label column.

    A row with no usable text (empty, no letter or digit, not a string: ``:)``) is left out and named
    in ``skipped``; with ``strict`` it is refused, as every bad label always is.

    Args:
        path: ``.csv`` / ``.tsv`` / ``.parquet`` file.
        text_column, label_column: explicit names; None picks the first known alias
            (``text``/``sentence``/``headline``..., ``label``/``sentiment``/``class``...).
        label_map: raw label value (as a string) -> one of ``LABELS``; merged over the
            built-in aliases (``neg``, ``bullish``...); numeric codes always need a map.
    """
    path = Path(path)
    frame, row_offset = read_table(path)
    text_col = pick_column(frame.columns, text_column, TEXT_COLUMNS, "text", path)
    label_col = pick_column(frame.columns, label_column, LABEL_COLUMNS, "label", path)
    agreement_col = next((c for c in frame.columns if str(c).lower() in AGREEMENT_COLUMNS), None)
    where = "line" if row_offset else "row"
    texts: list[str] = []
    labels: list[int] = []
    kept: list[int] = []
    skipped: list[str] = []
    for i, (text, label) in enumerate(zip(frame[text_col].tolist(), frame[label_col].tolist(), strict=True)):
        row = f"{where} {i + row_offset}"
        try:
            if not isinstance(text, str):
                raise DataError(f"{path}, {row}: text is {type(text).__name__} {text!r}, expected a string")
            checked = _check_text(text.strip(), path, row)
        except DataError as error:
            if strict:
                raise
            skipped.append(str(error).removeprefix(f"{path}, "))
            continue
        texts.append(checked)
        labels.append(_label_index(label, path, row, label_map))
        kept.append(i)
    if not texts:
        raise DataError(f"{path}: no rows" + (f" with usable text ({len(skipped)} skipped)" if skipped else ""))
    agreement = None
    if agreement_col is not None:
        values = frame[agreement_col].tolist()
        agreement = np.asarray([_agreement(values[i], path, f"{where} {i + row_offset}") for i in kept], dtype=np.float32)
    return LabelledTexts(texts, np.asarray(labels, dtype=np.int64), str(path), agreement, tuple(skipped))


def read_table(path: Path) -> tuple[Any, int]:
    """A CSV/TSV (all strings, nothing turned into NaN) or Parquet file as a DataFrame, and the
    number to add to a row index to name it in messages: CSV line (header = line 1) or Parquet row."""
    import pandas as pd

    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if suffix == ".parquet":
        return pd.read_parquet(path), 0
    if suffix in (".csv", ".tsv"):
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=object, keep_default_na=False), 2
    raise DataError(f"{path}: unsupported file type {suffix!r}; use .csv, .tsv or .parquet")


def pick_column(columns: object, wanted: str | None, aliases: tuple[str, ...], kind: str, path: Path) -> str:
    """``wanted`` if the file has it, else the first alias present; a clear error otherwise."""
    names = [str(c) for c in columns]  # type: ignore[attr-defined]
    if wanted is not None:
        if wanted not in names:
            raise DataError(f"{path}: {kind} column {wanted!r} not found; columns are {names}")
        return wanted
    lowered = {n.lower(): n for n in names}
    for alias in aliases:
        if alias in lowered:
            return lowered[alias]
    raise DataError(f"{path}: no {kind} column; expected one of {list(aliases)} or pass "
                    f"--{kind}-column; columns are {names}")


def _check_text(text: str, path: Path | str, row: str) -> str:
    if not text or not any(ch.isalnum() for ch in text):
        raise DataError(f"{path}, {row}: empty or non-text sentence {text!r}")
    return text


def _agreement(raw: object, path: Path | str, row: str) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 < value <= 1.0:
        raise DataError(f"{path}, {row}: agreement {raw!r} is not a share in (0, 1]")
    return value


def _label_index(raw: object, path: Path | str, row: str, label_map: dict[str, str] | None) -> int:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    key = str(raw).strip()
    mapping = {**LABEL_ALIASES, **{str(k).lower(): v for k, v in (label_map or {}).items()}}
    name = mapping.get(key.lower())
    if name not in LABELS:
        raise DataError(f"{path}, {row}: unknown label {raw!r}; known labels are {list(LABELS)} "
                        f"(aliases {sorted(mapping)}); pass a label map for other names")
    return LABELS.index(name)


@dataclass(frozen=True)
class SplitIndex:
    """Row indices of the train / validation / test parts of one dataset."""

    train: list[int]
    validation: list[int]
    test: list[int]
    seed: int
    data_hash: str

    def to_dict(self) -> dict[str, object]:
        return {"seed": self.seed, "data_hash": self.data_hash, "n": self.n,
                "train": self.train, "validation": self.validation, "test": self.test}

    @property
    def n(self) -> int:
        return len(self.train) + len(self.validation) + len(self.test)


def make_split(data: LabelledTexts, seed: int = 0, test_size: float = 0.2, val_size: float = 0.2) -> SplitIndex:
    """Seeded stratified split: ``test_size`` of all rows to test, ``val_size`` of the rest to validation."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(data))
    rest, test = train_test_split(idx, test_size=test_size, random_state=seed, stratify=data.labels)
    train, val = train_test_split(rest, test_size=val_size, random_state=seed, stratify=data.labels[rest])
    return SplitIndex(sorted(map(int, train)), sorted(map(int, val)), sorted(map(int, test)),
                      seed, data.content_hash())


def load_or_create_split(data: LabelledTexts, path: Path, seed: int = 0,
                         test_size: float = 0.2, val_size: float = 0.2) -> SplitIndex:
    """The split saved at ``path``, created (atomically) on first use.

    Raises:
        DataError: the saved split belongs to different data (sha256 differs) or is malformed.
    """
    path = Path(path)
    if path.is_file():
        try:
            saved = json.loads(path.read_text())
            split = SplitIndex(saved["train"], saved["validation"], saved["test"], saved["seed"], saved["data_hash"])
        except (ValueError, KeyError) as exc:
            raise DataError(f"split index {path} is malformed ({exc}); delete it to recreate") from exc
        if split.data_hash != data.content_hash() or split.n != len(data):
            raise DataError(f"split index {path} was made for other data (sha256 {split.data_hash[:12]}…, "
                            f"{split.n} rows; this data has {len(data)}); delete it or use another split dir")
        return split
    split = make_split(data, seed, test_size, val_size)
    write_atomic(path, json.dumps(split.to_dict()))
    return split


def split_path(split_dir: Path, dataset: str, seed: int, test_size: float = 0.2, val_size: float = 0.2) -> Path:
    """Where the split of ``dataset`` (a subset name or a file path) is saved."""
    stem = Path(dataset).stem.lower() if not dataset.lower() in PHRASEBANK_FILES else f"phrasebank_{dataset.lower()}"
    tag = "" if (test_size, val_size) == (0.2, 0.2) else f"_t{test_size:g}_v{val_size:g}"
    return Path(split_dir) / f"{stem}_seed{seed}{tag}.json"
