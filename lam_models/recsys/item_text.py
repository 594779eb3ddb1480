"""Item text (title + genres + tags) and its sentence embedding, cached by the model and a hash of the texts.

The recommender only needs an (items x d) float32 array; this module is the one place that turns
items into sentences and sentences into vectors, so the encoder can be swapped for
``lam_models.scoring.encoder`` without touching the models.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lam_models.files import replacing
from lam_models.sentiment.offline_models import PACKAGED_MODEL, resolve_model_path

_ARTICLE = re.compile(r"^(.*?), (The|A|An|Les|La|Le|Il|Das|Die|Der|El)(\s*\(.*\))?$")
DEFAULT_CACHE = Path.home() / ".cache" / "lam-pipelines" / "test-cache"


def item_texts(items: pd.DataFrame) -> list[str]:
    """One sentence per item row: ``"Title (1995). Genres: a, b. Tags: x, y."``.

    Args:
        items: frame with ``title`` and optionally ``genres`` / ``tags`` (tuples of strings).
    """
    texts = []
    for row in items.itertuples(index=False):
        parts = [natural_title(str(row.title))]
        genres = getattr(row, "genres", ()) or ()
        tags = getattr(row, "tags", ()) or ()
        if genres:
            parts.append("Genres: " + ", ".join(genres))
        if tags:
            parts.append("Tags: " + ", ".join(tags))
        texts.append(". ".join(parts) + ".")
    return texts


def natural_title(title: str) -> str:
    """MovieLens writes ``"Usual Suspects, The (1995)"``; the encoder reads ``"The Usual Suspects (1995)"``."""
    match = _ARTICLE.match(title.strip())
    if not match:
        return title.strip()
    return f"{match.group(2)} {match.group(1)}{match.group(3) or ''}"


def texts_hash(texts: Sequence[str]) -> str:
    """Stable sha256 of the texts (order matters): the cache key of their embeddings."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def embed_texts_cached(texts: Sequence[str], cache_dir: Path | None = DEFAULT_CACHE, batch_size: int = 64,
                       model: str = PACKAGED_MODEL) -> np.ndarray:
    """Embeddings of ``texts`` by ``model`` (a base-model name, folder or Hugging Face id) at the scoring path's
    precision, read from / written to ``cache_dir/<model>-<precision>-<hash>.npz``.

    Args:
        texts: n sentences.
        cache_dir: cache folder (outside the repo); None disables caching.
        batch_size: encoder batch size.
        model: the sentence encoder (``recsys.item_text_model``); default the packaged all-MiniLM-L6-v2.

    Returns:
        float32 array (n, d), rows L2-normalised (d = 384 for MiniLM, 768 for mpnet).
    """
    from lam_models.devices import pick_device, pick_precision

    precision = pick_precision(pick_device())
    slug = "minilm" if model == PACKAGED_MODEL else re.sub(r"[^A-Za-z0-9.-]+", "_", model.strip("/"))[-60:]
    path = None if cache_dir is None else Path(cache_dir) / f"{slug}-{precision}-{texts_hash(texts)[:24]}.npz"
    if path is not None and path.is_file():
        with np.load(path) as cached:
            return cached["embeddings"]
    vectors = _embed(list(texts), model, batch_size, precision)
    if path is not None:
        with replacing(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, embeddings=vectors)
    return vectors


def _embed(texts: list[str], model: str, batch_size: int, precision: str) -> np.ndarray:
    """Mean-pooled, L2-normalised vectors from the shared scoring encoder."""
    from lam_models.scoring.encoder import Encoder

    encoder = Encoder(resolve_model_path(model), token_budget=batch_size * 64, precision=precision)
    return encoder.encode(texts).embeddings
