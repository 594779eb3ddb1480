"""Public datasets: find them under ``data_dir`` (verified by sha256), or download them when allowed.

``fetch_*`` functions name their side effects in their arguments (``download_if_missing``) and
return a verified folder; the parsers below them read that folder and never touch the network.
"""

from __future__ import annotations

import csv
import io
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lam_models.files import sha256_file, staged_folder


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset comes from and the sha256 of each file we read from it."""

    folder: str
    url: str
    files: dict[str, str]
    archive_prefix: str = ""


DATASETS: dict[str, DatasetSpec] = {
    "benzinga": DatasetSpec(
        folder="benzinga_analyst_ratings_subset",
        url="https://raw.githubusercontent.com/EnderonVuthaj/Final_Project_TextGenerator/"
        "146e9dcc0b0bdb5b637861bf8b5411e261ffcd4e/analyst_ratings_processed.csv",
        files={"analyst_ratings_processed.csv": "e99d00809aa8f802897b0e2707452caef8b1e5ef7e76069a19ab623b1aa7c4f4"},
    ),
    "movielens_100k": DatasetSpec(
        folder="movielens_100k",
        url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        archive_prefix="ml-100k/",
        files={
            "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
            "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
            "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
            "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
            "ua.base": "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2",
            "ua.test": "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42",
        },
    ),
    "movielens_latest_small": DatasetSpec(
        folder="movielens_latest_small",
        url="https://files.grouplens.org/datasets/movielens/ml-latest-small.zip",
        archive_prefix="ml-latest-small/",
        files={
            "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
            "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
            "tags.csv": "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
        },
    ),
    "financial_phrasebank": DatasetSpec(
        folder="financial_phrasebank",
        url="https://huggingface.co/datasets/takala/financial_phrasebank/resolve/main/data/FinancialPhraseBank-v1.0.zip",
        archive_prefix="FinancialPhraseBank-v1.0/",
        files={
            "Sentences_50Agree.txt": "bb1b4df6de05d50b146f87a9d4d024b69f947066445f2384f014c3564c1612c8",
            "Sentences_66Agree.txt": "725adb1de7d33977b0c2f63c33d5ad60e3c623b916856e18663915dfe47b6981",
            "Sentences_75Agree.txt": "a7ca39fb9dc60aed1c323ee635494aed4acdfc05e0349a9e74367502325303a4",
            "Sentences_AllAgree.txt": "5fb370b3005b9a2759f708849a691ad2e4d2593d4c995c1afde229398a516594",
        },
    ),
}


class DatasetError(RuntimeError):
    """A dataset is missing or does not match its checksum."""


def verify(folder: Path, spec: DatasetSpec) -> None:
    """Raise DatasetError naming the first missing or altered file."""
    for name, expected in spec.files.items():
        path = folder / name
        if not path.is_file():
            raise DatasetError(f"{path} is missing")
        actual = sha256_file(path)
        if actual != expected:
            raise DatasetError(f"{path}: sha256 {actual[:12]}… does not match the published {expected[:12]}…")


def fetch(name: str, data_home: Path, download_if_missing: bool = False) -> Path:
    """Verified folder of dataset ``name`` under ``data_home``; downloads it first if allowed."""
    spec = DATASETS[name]
    folder = Path(data_home) / spec.folder
    if not all((folder / f).is_file() for f in spec.files):
        if not download_if_missing:
            raise DatasetError(f"dataset {name} not found in {folder}: set LAM_DATA_DIR or pass --download")
        _download(spec, folder)
    verify(folder, spec)
    return folder


def _download(spec: DatasetSpec, folder: Path) -> None:
    with urllib.request.urlopen(spec.url, timeout=120) as response:  # noqa: S310 - fixed https URLs
        payload = response.read()
    with staged_folder(folder, folder.with_name(f".{folder.name}.partial")) as staging:
        if spec.url.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                for name in spec.files:
                    (staging / name).write_bytes(archive.read(spec.archive_prefix + name))
        else:
            (staging / next(iter(spec.files))).write_bytes(payload)
        verify(staging, spec)


@dataclass(frozen=True)
class Headline:
    """One Benzinga row, or the reason it could not be read."""

    line: int
    id: str | None = None
    title: str | None = None
    date: str | None = None
    ticker: str | None = None
    reject_reason: str | None = None


def read_benzinga(folder: Path) -> Iterator[Headline]:
    """Rows of ``analyst_ratings_processed.csv``; a title split by a raw newline is joined back."""
    with open(folder / "analyst_ratings_processed.csv", newline="", encoding="utf-8") as handle:
        rows = list(enumerate(csv.reader(handle), start=1))
    pending: tuple[int, list[str]] | None = None
    for line, row in rows[1:]:
        if pending is not None:
            start, head = pending
            pending = None
            if len(row) == 3 and row[0] == "":
                yield Headline(start, head[0], head[1], row[1], row[2])
                continue
            yield Headline(start, reject_reason=f"record split across lines {start}-{line} could not be joined")
        if len(row) == 2:
            pending = (line, row)
        elif len(row) == 4 and row[0] and row[1] and row[2] and row[3]:
            yield Headline(line, row[0], row[1], row[2], row[3])
        else:
            yield Headline(line, reject_reason=f"expected 4 fields, got {len(row)}")
    if pending is not None:
        yield Headline(pending[0], reject_reason="truncated record at end of file")
