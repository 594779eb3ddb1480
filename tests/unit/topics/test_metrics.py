"""NPMI coherence, topic diversity, outlier share and AMI on hand-made cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lam_models.topics.metrics import adjusted_mutual_info, npmi_coherence, outlier_share, topic_diversity


def test_npmi_is_one_for_terms_that_always_appear_together():
    docs = [["a", "b"], ["a", "b"], ["c"], ["d"]]
    assert npmi_coherence([["a", "b"]], docs)[0] == pytest.approx(1.0, abs=1e-6)


def test_npmi_is_near_minus_one_for_terms_never_together():
    """With gensim's epsilon (1e-12) in the joint probability the limit -1 is approached, not reached."""
    docs = [["a"], ["b"], ["a"], ["b"]]
    expected = math.log(1e-12 / 0.25) / -math.log(1e-12)
    assert npmi_coherence([["a", "b"]], docs)[0] == pytest.approx(expected) and expected < -0.9


def test_npmi_is_zero_for_independent_terms():
    docs = [["a", "b"], ["a"], ["b"], []]  # P(a)=P(b)=1/2, P(a,b)=1/4
    assert npmi_coherence([["a", "b"]], docs)[0] == pytest.approx(0.0, abs=1e-9)


def test_npmi_by_the_formula_and_averaged_over_pairs():
    docs = [["a", "b", "c"], ["a", "b"], ["a"], ["c"], ["b"]]
    p = {"a": 3 / 5, "b": 3 / 5, "c": 2 / 5}
    joint = {("a", "b"): 2 / 5, ("a", "c"): 1 / 5, ("b", "c"): 1 / 5}
    expected = np.mean([math.log(j / (p[x] * p[y])) / -math.log(j) for (x, y), j in joint.items()])
    assert npmi_coherence([["a", "b", "c"]], docs)[0] == pytest.approx(expected, abs=1e-9)


def test_npmi_skips_unknown_terms_and_is_nan_below_two_known_terms():
    docs = [["a", "b"], ["a", "b"], ["c"]]
    scores = npmi_coherence([["a", "b", "zzz"], ["a", "zzz"]], docs)
    assert scores[0] == pytest.approx(1.0, abs=1e-6) and np.isnan(scores[1])


def test_diversity_and_outlier_share():
    assert topic_diversity([["a", "b"], ["b", "c"]]) == 0.75
    assert outlier_share(np.array([-1, 0, 1, -1])) == 0.5


def test_ami_is_one_for_the_same_partition_under_any_naming():
    truth = ["earnings"] * 5 + ["m&a"] * 5 + ["legal"] * 5
    assert adjusted_mutual_info(truth, [7] * 5 + [3] * 5 + [11] * 5) == pytest.approx(1.0)


def test_ami_is_about_zero_for_random_topics():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 5, 3000).astype(str)
    assert abs(adjusted_mutual_info(truth, rng.integers(0, 5, 3000))) < 0.01


def test_ami_can_leave_outliers_out():
    truth = ["a"] * 4 + ["b"] * 4
    pred = [0, 0, 0, -1, 1, 1, 1, -1]
    assert adjusted_mutual_info(truth, pred) < 1.0
    assert adjusted_mutual_info(truth, pred, ignore_outliers=True) == pytest.approx(1.0)


def test_ami_refuses_misaligned_inputs():
    with pytest.raises(ValueError, match="one label per row"):
        adjusted_mutual_info(["a", "b"], [0])
