"""The item-text encoder is a setting: any base-model name, folder or hub id embeds the items, cached per model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.item_text import embed_texts_cached, item_texts
from lam_models.sentiment.offline_models import PACKAGED_MODEL, resolve_model_path

ITEMS = pd.DataFrame({"item_id": [1, 2, 3], "title": ["Usual Suspects, The (1995)", "Toy Story (1995)", "Heat (1995)"],
                      "genres": [("Crime", "Thriller"), ("Animation", "Children's"), ("Action",)]})


def test_the_default_item_text_model_is_the_packaged_minilm() -> None:
    assert RecsysConfig().item_text_model == PACKAGED_MODEL
    assert RecsysConfig(item_text_model="/models/mine").item_text_model == "/models/mine"


def test_item_texts_read_naturally() -> None:
    assert item_texts(ITEMS)[0] == "The Usual Suspects (1995). Genres: Crime, Thriller."


def test_a_model_folder_embeds_like_its_name_and_is_cached_under_its_own_key(tmp_path: Path) -> None:
    texts = item_texts(ITEMS)
    by_name = embed_texts_cached(texts, cache_dir=tmp_path)
    folder = resolve_model_path(PACKAGED_MODEL)
    by_folder = embed_texts_cached(texts, cache_dir=tmp_path, model=folder)
    cached = sorted(p.name for p in tmp_path.glob("*.npz"))
    assert len(cached) == 2 and cached[0] != cached[1], cached
    assert by_name.shape == (3, 384)
    np.testing.assert_allclose(by_folder, by_name, atol=1e-5)
    np.testing.assert_array_equal(embed_texts_cached(texts, cache_dir=tmp_path, model=folder), by_folder)
    assert np.allclose(np.linalg.norm(by_name, axis=1), 1.0, atol=1e-3)
