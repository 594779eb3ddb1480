"""Token-budget packing: every row once, budget respected, shortest first."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from lam_models.scoring.encoder import pack_by_tokens


@given(st.lists(st.integers(1, 128), min_size=1, max_size=300), st.integers(128, 4096))
def test_batches_cover_every_row_once_within_budget(lengths, budget):
    lengths = np.array(lengths)
    batches = pack_by_tokens(lengths, budget)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) == 1 or len(batch) * lengths[batch].max() <= budget
