"""An item tower that learns from behaviour: the frozen MiniLM embedding (+ attributes) -> LightFM's item space.

Why: the ridge projector (``projector.fit_projector``) regresses every latent dimension with equal
weight, whatever the dimension does for ranking. The tower instead trains on what users did: a
residual MLP on top of a ridge base (started at zero, so training begins exactly at the frozen
projector) is fitted with BPR against the users' LightFM vectors, so items the same users consume
are pulled towards the same users, and therefore towards each other, from their text alone.

Early stopping uses a validation co-interaction metric on warm items the tower never trains on
(``validation_auc``: how well each user's interactions with them rank above the ones they skipped),
and the base ridge is fitted without those items, so epoch 0 is the frozen projector's score on the
same items. Training uses torch (one thread); scoring is numpy on the saved arrays, so a loaded
version places items bit-identically to the one that was trained.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import erf

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.projector import fit_projector

ARRAY_NAMES = ("base", "w1", "b1", "w2", "b2")


@dataclass(frozen=True)
class TextTower:
    """Item design rows -> [latent vector, bias]: ``x @ base[:-1] + base[-1] + gelu(x @ w1 + b1) @ w2 + b2``."""

    base: np.ndarray  # float32 (p + 1, c + 1): ridge coefficients, then the intercept row
    w1: np.ndarray  # float32 (p, h)
    b1: np.ndarray  # float32 (h,)
    w2: np.ndarray  # float32 (h, c + 1)
    b2: np.ndarray  # float32 (c + 1,)

    def __call__(self, design: np.ndarray) -> np.ndarray:
        """float32 (n, c + 1) latent vectors and biases (last column) of n design rows (n, p)."""
        design = np.asarray(design, dtype=np.float32)
        hidden = design @ self.w1 + self.b1
        hidden = 0.5 * hidden * (1.0 + erf(hidden / np.sqrt(2.0)))  # exact GELU, as torch.nn.GELU()
        return (design @ self.base[:-1] + self.base[-1] + hidden.astype(np.float32) @ self.w2 + self.b2).astype(np.float32)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {f"tower_{k}": getattr(self, k) for k in ARRAY_NAMES}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> TextTower | None:
        """The tower saved by :meth:`to_arrays`, or None for a version without one."""
        if "tower_base" not in arrays:
            return None
        return cls(**{k: np.asarray(arrays[f"tower_{k}"]) for k in ARRAY_NAMES})


def validation_auc(out: np.ndarray, user_vectors: np.ndarray, seen: sp.csr_matrix, items: np.ndarray) -> float:
    """Mean per-user AUC of the scores ``out`` gives ``items``: interacted items above the others.

    Args:
        out: float (n_items, c + 1) placed vectors and biases (catalogue order).
        user_vectors: float (n_users, c); seen: (n_users, n_items) interactions.
        items: int (m,) catalogue indices of the validation items.
    """
    scores = user_vectors @ out[items, :-1].T + out[items, -1]
    truth = seen[:, items].toarray() > 0
    n_pos = truth.sum(1)
    ok = (n_pos > 0) & (n_pos < len(items))
    ranks = scores[ok].argsort(1).argsort(1) + 1.0
    pos_rank_sum = (ranks * truth[ok]).sum(1)
    n_pos, n_neg = n_pos[ok], len(items) - n_pos[ok]
    return float(np.mean((pos_rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))) if ok.any() else float("nan")


def fit_text_tower(
    design: np.ndarray, targets: np.ndarray, weights: np.ndarray, warm: np.ndarray,
    user_vectors: np.ndarray, seen: sp.csr_matrix, config: RecsysConfig,
) -> tuple[TextTower, list[tuple[int, float]]]:
    """Train the tower on warm items; keep the epoch with the best :func:`validation_auc`.

    Args:
        design: float32 (n_items, p) projector input of every catalogue item.
        targets: float (n_items, c + 1) LightFM [vector, bias] (rows of warm items are used).
        weights: float (n_items,) ridge row weights (log1p interaction counts).
        warm: bool (n_items,) items with interactions.
        user_vectors: float (n_users, c) LightFM user vectors (fixed).
        seen: (n_users, n_items) training interactions: the BPR positives.
        config: ``tower_*`` settings, ``projector_alpha`` and ``seed``.

    Returns:
        (tower, validation curve [(epoch, auc)], epoch 0 = the frozen ridge base).
    """
    import torch

    torch.set_num_threads(1)  # tiny matrices: more threads only spin on a shared machine
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    warm_items = np.flatnonzero(warm)
    val = np.sort(rng.permutation(warm_items)[: int(len(warm_items) * config.tower_validation_fraction)])
    fit_items = np.setdiff1d(warm_items, val)
    base = fit_projector(design[fit_items], targets[fit_items], config.projector_alpha, weights[fit_items])
    x = torch.tensor(design, dtype=torch.float32)
    users = torch.tensor(np.asarray(user_vectors, dtype=np.float32))
    mlp = torch.nn.Sequential(torch.nn.Linear(design.shape[1], config.tower_hidden), torch.nn.GELU(),
                              torch.nn.Linear(config.tower_hidden, targets.shape[1]))  # fmt: skip
    torch.nn.init.zeros_(mlp[2].weight)
    torch.nn.init.zeros_(mlp[2].bias)
    optimiser = torch.optim.AdamW(mlp.parameters(), lr=config.tower_learning_rate, weight_decay=config.tower_weight_decay)
    positives = seen[:, fit_items].tocoo()
    pos_users, pos_items = positives.row, fit_items[positives.col]

    def snapshot() -> TextTower:
        w1, b1, w2, b2 = (p.detach().numpy().astype(np.float32).copy() for p in mlp.parameters())
        return TextTower(base, w1.T.copy(), b1, w2.T.copy(), b2)

    best = snapshot()
    curve = [(0, round(validation_auc(best(design), user_vectors, seen, val), 5))]
    best_auc, best_epoch = curve[0][1], 0
    for epoch in range(1, config.tower_epochs + 1):
        order = rng.permutation(len(pos_users))
        for start in range(0, len(order), config.tower_batch_size):
            batch = order[start : start + config.tower_batch_size]
            u = users[pos_users[batch]]
            pos, neg = torch.as_tensor(pos_items[batch]), torch.as_tensor(rng.choice(fit_items, len(batch)))
            s_pos, s_neg = (_score(u, x[i], mlp, base) for i in (pos, neg))
            loss = -torch.nn.functional.logsigmoid(s_pos - s_neg).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        tower = snapshot()
        curve.append((epoch, round(validation_auc(tower(design), user_vectors, seen, val), 5)))
        if curve[-1][1] > best_auc + 1e-4:
            best, best_auc, best_epoch = tower, curve[-1][1], epoch
        elif epoch - best_epoch >= config.tower_patience:
            break
    return best, curve


def _score(users, design, mlp, base: np.ndarray):  # torch tensors in, (b,) scores out
    import torch

    out = design @ torch.as_tensor(base[:-1]) + torch.as_tensor(base[-1]) + mlp(design)
    return (users * out[:, :-1]).sum(1) + out[:, -1]
