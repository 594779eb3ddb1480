"""Replay buffers over (text, label) rows: a seeded reservoir sampler and a class-balanced buffer (pure)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Literal

import numpy as np

from lam_models.sentiment.data import LabelledTexts

Row = tuple[str, int]


class ReservoirSampler:
    """Algorithm R: a uniform sample of ``size`` rows from a stream of unknown length, seeded."""

    def __init__(self, size: int, seed: int = 0) -> None:
        if size < 0:
            raise ValueError(f"size must be >= 0, got {size}")
        self.size = size
        self.seen = 0
        self.rows: list[Row] = []
        self._rng = random.Random(seed)

    def add(self, row: Row) -> None:
        self.seen += 1
        if len(self.rows) < self.size:
            self.rows.append(row)
            return
        j = self._rng.randrange(self.seen)
        if j < self.size:
            self.rows[j] = row

    def extend(self, rows: Iterable[Row]) -> ReservoirSampler:
        for row in rows:
            self.add(row)
        return self


class ClassBalancedBuffer:
    """One reservoir per class; ``sample`` takes equal shares per class, topping up from the rest.

    A class with fewer rows than its share gives all it has; the free slots go to the other
    classes round-robin, so the buffer is as balanced as the data allows and exactly ``size``
    rows long when at least ``size`` rows were seen.
    """

    def __init__(self, size: int, seed: int = 0) -> None:
        if size < 0:
            raise ValueError(f"size must be >= 0, got {size}")
        self.size = size
        self.seed = seed
        self._per_class: dict[int, ReservoirSampler] = {}

    def extend(self, rows: Iterable[Row]) -> ClassBalancedBuffer:
        for text, label in rows:
            label = int(label)
            if label not in self._per_class:
                self._per_class[label] = ReservoirSampler(self.size, self.seed + 7919 * (label + 1))
            self._per_class[label].add((text, label))
        return self

    def sample(self) -> list[Row]:
        """The balanced buffer, classes in label order (shuffle with :func:`mix`)."""
        pools = {k: list(v.rows) for k, v in sorted(self._per_class.items())}
        quota = {k: 0 for k in pools}
        left = min(self.size, sum(len(p) for p in pools.values()))
        while left > 0:
            open_classes = [k for k in pools if quota[k] < len(pools[k])]
            for k in open_classes:
                if left == 0:
                    break
                quota[k] += 1
                left -= 1
        return [row for k, pool in pools.items() for row in pool[: quota[k]]]


def build_replay(data: LabelledTexts, size: int, strategy: Literal["balanced", "reservoir"] = "balanced",
                 seed: int = 0) -> LabelledTexts:
    """A replay buffer of ``size`` rows of ``data`` (all of it when smaller)."""
    rows = zip(data.texts, (int(x) for x in data.labels), strict=True)
    if strategy == "balanced":
        picked = ClassBalancedBuffer(size, seed).extend(rows).sample()
    elif strategy == "reservoir":
        picked = ReservoirSampler(size, seed).extend(rows).rows
    else:
        raise ValueError(f"strategy must be balanced|reservoir, got {strategy!r}")
    return _to_texts(picked, f"replay[{data.source}]")


def mix(new: LabelledTexts, replay: LabelledTexts, seed: int = 0) -> LabelledTexts:
    """New rows + replay rows, shuffled with ``seed`` (duplicates of a new text in replay dropped)."""
    new_texts = set(new.texts)
    rows = list(zip(new.texts, map(int, new.labels), strict=True))
    rows += [(t, int(y)) for t, y in zip(replay.texts, replay.labels, strict=True) if t not in new_texts]
    random.Random(seed).shuffle(rows)
    return _to_texts(rows, f"mix[{new.source}+{replay.source}]")


def concat(parts: list[LabelledTexts], source: str) -> LabelledTexts:
    """Rows of ``parts`` one after the other."""
    texts = [t for p in parts for t in p.texts]
    labels = np.concatenate([p.labels for p in parts]) if parts else np.zeros(0, np.int64)
    return LabelledTexts(texts, labels.astype(np.int64), source)


def _to_texts(rows: list[Row], source: str) -> LabelledTexts:
    return LabelledTexts([t for t, _ in rows], np.asarray([y for _, y in rows], dtype=np.int64), source)
