"""Offset-range planning: committed -> latest, retention gaps, and time windows."""

from __future__ import annotations

import json

from lam_models.ingest.ranges import OffsetRange, plan_incremental, plan_time_window, spark_offset_options


def test_incremental_starts_at_committed_and_skips_empty_partitions():
    ranges = plan_incremental(committed={0: 5, 1: 7}, earliest={0: 0, 1: 0, 2: 0}, latest={0: 9, 1: 7, 2: 3})
    assert ranges == [OffsetRange(0, 5, 9), OffsetRange(2, 0, 3)]


def test_incremental_never_starts_before_retained_data():
    assert plan_incremental({0: 2}, {0: 10}, {0: 12}) == [OffsetRange(0, 10, 12)]


def test_time_window_starts_at_first_offset_at_or_after_start():
    ranges = plan_time_window({0: 4, 1: None}, {0: 10, 1: 8})
    assert ranges == [OffsetRange(0, 4, 10)]


def test_spark_options_name_exact_partitions_and_offsets():
    options = spark_offset_options("news", [OffsetRange(0, 5, 9), OffsetRange(2, 0, 3)])
    assert json.loads(options["assign"]) == {"news": [0, 2]}
    assert json.loads(options["startingOffsets"]) == {"news": {"0": 5, "2": 0}}
    assert json.loads(options["endingOffsets"]) == {"news": {"0": 9, "2": 3}}
