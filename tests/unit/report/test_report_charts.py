"""The SVG charts: well-formed, escaped, with one element per bar, cell, line segment and marker."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from lam_models.report import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_nice_ticks_are_round_and_cover_the_range():
    assert charts.nice_ticks(0.0, 1.0, 4) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert charts.nice_ticks(-1.0, 1.0, 4) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert charts.nice_ticks(0, 1234, 5)[-1] <= 1234


def test_time_ticks_pick_calendar_steps_for_the_span():
    start = pd.Timestamp("2024-01-01", tz="UTC")
    assert [t for _, t in charts.time_ticks(start, start + pd.Timedelta(hours=5))][0] == "01-01 00:00"
    months = charts.time_ticks(start, start + pd.Timedelta(days=200))
    assert 2 <= len(months) <= 7 and months[0][1] == "Jan 2024"
    years = charts.time_ticks(start, pd.Timestamp("2034-01-01", tz="UTC"))
    assert len(years) <= 7 and all(label.isdigit() for _, label in years)


def test_time_chart_draws_lines_split_at_gaps_and_numbered_markers():
    x = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC")
    lines = [charts.Line("share", x, [0.1, 0.2, np.nan, 0.3, 0.4, 0.2]), charts.Line("base", x, [0.2] * 6, dashed=True)]
    markers = [charts.Marker(x[1], 0.9, "1", "alert <one> & more"), charts.Marker(x[4], 1.7, "2", "clipped")]
    root = parse(charts.time_chart(lines, markers, kind="t", label="trend", y_domain=(0, 1), percent=True))
    assert root.get("data-chart") == "t"
    assert len(root.findall(f".//{SVG}polyline")) == 3
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "marker"]
    assert [g.get("data-marker") for g in groups] == ["1", "2"]
    assert groups[0].find(f"{SVG}title").text == "alert <one> & more"
    cy = float(groups[1].find(f"{SVG}circle").get("cy"))
    assert cy >= charts._PAD["top"], "a marker above the domain is clamped into the plot"
    assert "100%" in ET.tostring(root, encoding="unicode")


def test_time_chart_without_points_says_so():
    svg = charts.time_chart([charts.Line("x", [], [])], kind="t", label="empty")
    assert "no data" in svg and parse(svg) is not None


def test_bar_charts_and_heatmap_have_one_shape_per_value():
    hbar = parse(charts.hbar_chart([("a <b>", 3), ("c", 1)], kind="h", label="h"))
    assert len(hbar.findall(f".//{SVG}rect")) == 2
    grouped = parse(charts.grouped_bar_chart(["p", "r"], {"m1": [0.5, 0.2], "m2": [0.4, float("nan")]},
                                             kind="g", label="g", highlight="m1"))
    bars = [r for r in grouped.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(bars) == 3 and sum(r.get("stroke") is not None for r in bars) == 2
    heat = parse(charts.heatmap([[5, 1], [0, 4]], ["x", "y"], ["x", "y"], kind="c", label="c"))
    cells = [g for g in heat.iter(f"{SVG}g") if g.get("class") == "cell"]
    assert len(cells) == 4 and cells[0].find(f"{SVG}text").text == "5"
    assert "fill:#ffffff" in cells[0].find(f"{SVG}text").get("style")
