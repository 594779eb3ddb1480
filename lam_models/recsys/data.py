"""Read MovieLens folders into plain frames and clean interaction events with counted reasons.

Parsing is kept apart from fetching (``lam_models.datasets.fetch`` verifies the folder); the
cleaning step is where bad input is dropped, so every model downstream sees one tidy frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)  # fmt: skip
_YEAR = re.compile(r"\((\d{4})\)\s*$")


class EmptyInteractionsError(ValueError):
    """No usable interaction is left: nothing can be trained or ranked."""


@dataclass(frozen=True)
class CleanReport:
    """What :func:`clean_interactions` dropped, by reason, and what it kept."""

    kept: int
    dropped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"kept": self.kept, "dropped": dict(self.dropped)}


def read_ml100k_ratings(folder: Path, name: str = "u.data") -> pd.DataFrame:
    """One of ``u.data``, ``ua.base``, ``ua.test``... as ``user_id, item_id, rating, timestamp``."""
    return pd.read_csv(
        Path(folder) / name, sep="\t", names=["user_id", "item_id", "rating", "timestamp"],
        dtype={"user_id": np.int64, "item_id": np.int64, "rating": np.float32, "timestamp": np.int64},
    )  # fmt: skip


def read_ml100k_items(folder: Path) -> pd.DataFrame:
    """``u.item`` as ``item_id, title, year, genres, tags, release``.

    ``genres``/``tags`` are tuples of names, ``year`` a float (NaN if unknown) and ``release`` the
    release date (NaT if unknown); ``read_ml_latest_items`` returns the same columns.
    """
    columns = ["item_id", "title", "release", "video", "url", *ML100K_GENRES]
    raw = pd.read_csv(Path(folder) / "u.item", sep="|", names=columns, encoding="latin-1")
    flags = raw[list(ML100K_GENRES)].to_numpy(dtype=bool)
    genres = [tuple(g for g, on in zip(ML100K_GENRES, row) if on and g != "unknown") for row in flags]
    release_year = pd.to_datetime(raw["release"], format="%d-%b-%Y", errors="coerce").dt.year
    title_year = raw["title"].map(_title_year)
    return pd.DataFrame({
        "item_id": raw["item_id"].astype(np.int64),
        "title": raw["title"].fillna("").astype(str),
        "year": title_year.fillna(release_year).astype(float),
        "genres": genres,
        "tags": [()] * len(raw),
        "release": pd.to_datetime(raw["release"], format="%d-%b-%Y", errors="coerce"),
    })  # fmt: skip


def read_ml_latest_ratings(folder: Path) -> pd.DataFrame:
    """``ratings.csv`` of ml-latest-small as ``user_id, item_id, rating, timestamp``."""
    raw = pd.read_csv(Path(folder) / "ratings.csv")
    return pd.DataFrame({
        "user_id": raw["userId"].astype(np.int64), "item_id": raw["movieId"].astype(np.int64),
        "rating": raw["rating"].astype(np.float32), "timestamp": raw["timestamp"].astype(np.int64),
    })  # fmt: skip


def read_ml_latest_items(folder: Path, max_tags: int = 8) -> pd.DataFrame:
    """``movies.csv`` + ``tags.csv`` as ``item_id, title, year, genres, tags, release`` (top tags first)."""
    movies = pd.read_csv(Path(folder) / "movies.csv")
    tags = pd.read_csv(Path(folder) / "tags.csv")
    tags["tag"] = tags["tag"].astype(str).str.strip().str.lower()
    counts = tags.groupby(["movieId", "tag"]).size().reset_index(name="n")
    counts = counts.sort_values(["movieId", "n", "tag"], ascending=[True, False, True])
    top = counts.groupby("movieId")["tag"].apply(lambda s: tuple(s.iloc[:max_tags]))
    genres = movies["genres"].map(lambda g: tuple(x for x in str(g).split("|") if x and x != "(no genres listed)"))
    return pd.DataFrame({
        "item_id": movies["movieId"].astype(np.int64),
        "title": movies["title"].astype(str),
        "year": movies["title"].map(_title_year).astype(float),
        "genres": genres,
        "tags": [top.get(m, ()) for m in movies["movieId"]],
        "release": pd.NaT,
    })  # fmt: skip


def read_movielens(name: str, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ratings, items) of a MovieLens folder, by dataset name, in the columns every model reads.

    The two releases differ in layout (tab/pipe files with 19 genre flags vs CSVs with ``|`` genres,
    half-star ratings, user tags and sparse ids), so each has its reader and nothing downstream
    needs to know which one it got.

    Raises:
        ValueError: ``name`` is not in :data:`MOVIELENS_READERS`.
    """
    if name not in MOVIELENS_READERS:
        raise ValueError(f"unknown MovieLens dataset {name!r}: choose from {tuple(MOVIELENS_READERS)}")
    read_ratings, read_items = MOVIELENS_READERS[name]
    return read_ratings(Path(folder)), read_items(Path(folder))


MOVIELENS_READERS = {
    "movielens_100k": (read_ml100k_ratings, read_ml100k_items),
    "movielens_latest_small": (read_ml_latest_ratings, read_ml_latest_items),
}
"""Dataset name (as ``lam_models.datasets`` fetches it) -> (ratings reader, items reader)."""


def clean_interactions(
    events: pd.DataFrame, rating_range: tuple[float, float] = (1.0, 5.0)
) -> tuple[pd.DataFrame, CleanReport]:
    """Drop unusable events, counting each reason; keep the latest event per (user, item).

    Args:
        events: frame with ``user_id``, ``item_id``, ``rating`` and optionally ``timestamp``.
        rating_range: inclusive valid rating range; anything outside (or NaN) is dropped.

    Returns:
        The cleaned frame (index reset) and a :class:`CleanReport` with counts per reason.

    Raises:
        EmptyInteractionsError: nothing is left (or nothing was given).
    """
    missing = {"user_id", "item_id", "rating"} - set(events.columns)
    if missing:
        raise ValueError(f"interactions lack columns {sorted(missing)}: expected user_id, item_id, rating[, timestamp]")
    frame = events.copy()
    dropped: dict[str, int] = {}
    bad_id = frame["user_id"].isna() | frame["item_id"].isna()
    _drop(frame, bad_id, "missing user_id or item_id", dropped)
    frame = frame[~bad_id]
    rating = pd.to_numeric(frame["rating"], errors="coerce")
    low, high = rating_range
    out = rating.isna() | (rating < low) | (rating > high)
    _drop(frame, out, f"rating outside [{low:g}, {high:g}]", dropped)
    frame = frame[~out].assign(rating=rating[~out].astype(np.float32))
    if "timestamp" in frame.columns:
        frame = frame.sort_values("timestamp", kind="stable")
    dup = frame.duplicated(["user_id", "item_id"], keep="last")
    _drop(frame, dup, "duplicate (user_id, item_id): kept the latest", dropped)
    frame = frame[~dup].sort_index().reset_index(drop=True)
    if frame.empty:
        raise EmptyInteractionsError(
            f"no usable interactions (given {len(events)}, dropped {dropped}): "
            "check the input path and that ratings lie within the configured range"
        )
    return frame, CleanReport(kept=len(frame), dropped=dropped)


def _drop(frame: pd.DataFrame, mask: pd.Series, reason: str, dropped: dict[str, int]) -> None:
    count = int(mask.sum())
    if count:
        dropped[reason] = dropped.get(reason, 0) + count


def _title_year(title: object) -> float:
    match = _YEAR.search(str(title))
    return float(match.group(1)) if match else float("nan")
