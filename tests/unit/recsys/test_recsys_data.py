"""Event cleaning (counted reasons, empty input) and MovieLens parsing on tiny files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.recsys.data import EmptyInteractionsError, clean_interactions, read_ml100k_items
from lam_models.recsys.item_text import item_texts, natural_title, texts_hash


def test_out_of_range_and_duplicates_are_dropped_with_reasons() -> None:
    events = pd.DataFrame({
        "user_id": [1, 1, 1, 2, 2, 3],
        "item_id": [10, 10, 11, 10, 12, 13],
        "rating": [3.0, 5.0, 9.0, 0.0, np.nan, 4.0],
        "timestamp": [2, 1, 3, 4, 5, 6],
    })  # fmt: skip
    clean, report = clean_interactions(events, (1.0, 5.0))
    assert report.kept == 2
    assert report.dropped == {"rating outside [1, 5]": 3, "duplicate (user_id, item_id): kept the latest": 1}
    kept = clean.set_index(["user_id", "item_id"])["rating"].to_dict()
    assert kept == {(1, 10): 3.0, (3, 13): 4.0}  # the later event (timestamp 2) wins


def test_empty_interactions_give_a_clear_error() -> None:
    with pytest.raises(EmptyInteractionsError, match="no usable interactions"):
        clean_interactions(pd.DataFrame({"user_id": [], "item_id": [], "rating": []}))
    with pytest.raises(EmptyInteractionsError):
        clean_interactions(pd.DataFrame({"user_id": [1], "item_id": [2], "rating": [7.0]}))
    with pytest.raises(ValueError, match="lack columns"):
        clean_interactions(pd.DataFrame({"user": [1]}))


def test_read_ml100k_items_parses_genres_year_and_release(tmp_path: Path) -> None:
    flags = "|".join(["0", "0", "0", "1", "1"] + ["0"] * 14)
    (tmp_path / "u.item").write_bytes(
        f"1|Toy Story (1995)|01-Jan-1995||http://x|{flags}\n2|Café, The (1997)|24-Jan-1997||http://y|{flags}\n".encode("latin-1")
    )
    items = read_ml100k_items(tmp_path)
    assert items["genres"].tolist() == [("Animation", "Children's")] * 2
    assert items["year"].tolist() == [1995.0, 1997.0]
    assert items["release"].iloc[1] == pd.Timestamp("1997-01-24")
    assert item_texts(items)[1] == "The Café (1997). Genres: Animation, Children's."


def test_natural_title_and_hash() -> None:
    assert natural_title("Usual Suspects, The (1995)") == "The Usual Suspects (1995)"
    assert natural_title("Heat (1995)") == "Heat (1995)"
    assert texts_hash(["a", "b"]) != texts_hash(["ab"])


def test_read_ml_latest_small_with_tags(tmp_path: Path) -> None:
    (tmp_path / "movies.csv").write_text('movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,"Heat, The (1995)",(no genres listed)\n')
    (tmp_path / "tags.csv").write_text("userId,movieId,tag,timestamp\n1,1,Pixar,1\n2,1,pixar,2\n3,1,fun,3\n")
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.5,10\n")
    from lam_models.recsys.data import read_ml_latest_items, read_ml_latest_ratings

    items = read_ml_latest_items(tmp_path)
    assert items["tags"].tolist() == [("pixar", "fun"), ()]
    assert items["genres"].tolist() == [("Adventure", "Animation"), ()]
    assert item_texts(items) == ["Toy Story (1995). Genres: Adventure, Animation. Tags: pixar, fun.", "The Heat (1995)."]
    assert read_ml_latest_ratings(tmp_path)["rating"].tolist() == [4.5]
