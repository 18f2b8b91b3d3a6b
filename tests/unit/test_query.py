"""The query layer: one cache per data version, source names from metadata.json, real values."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard import briefing, query
from dashboard.data import CleanData, Store, load
from dashboard.pages import page_figures
from dashboard.state import ViewState


def empty_data(version: str) -> CleanData:
    return CleanData(version, "2026-09-05", {})


def test_memo_builds_once_per_version_and_drops_older_versions() -> None:
    query.clear()
    calls: list[str] = []
    old, new = empty_data("v-old"), empty_data("v-new")
    assert query.memo(old, "k", lambda: calls.append("old") or 1) == 1
    assert query.memo(old, "k", lambda: calls.append("again") or 2) == 1  # cached
    assert query.memo(new, "k", lambda: calls.append("new") or 3) == 3
    assert calls == ["old", "new"]
    # the new version replaced every entry of the old one
    assert query.memo(old, "k", lambda: calls.append("rebuilt") or 4) == 4
    # other frames under the same version string (tests build such) never get its answers
    assert query.memo(empty_data("v-old"), "k", lambda: 5) == 5
    query.clear()


def test_page_views_are_bounded_and_can_be_switched_off(monkeypatch) -> None:
    query.clear()
    data = empty_data("v1")
    monkeypatch.setattr(query, "VIEW_CACHE_SIZE", 2)
    for i in range(4):
        query.memo(data, ("figures", i), lambda i=i: i, view=True)
    query.memo(data, "lookup", lambda: "kept")
    hits: list[int] = []
    for i in range(4):
        query.memo(data, ("figures", i), lambda i=i: hits.append(i) or i, view=True)
    assert hits[:2] == [0, 1]  # the two least recently used views had been dropped
    assert query.memo(data, "lookup", lambda: "rebuilt") == "kept"  # lookups are not bounded
    monkeypatch.setattr(query, "VIEW_CACHE_SIZE", 0)
    built = []
    query.memo(data, "uncached", lambda: built.append(1), view=True)
    query.memo(data, "uncached", lambda: built.append(1), view=True)
    assert built == [1, 1]
    query.clear()


def test_pair_answers_are_bounded_and_dropped_without_the_lookups(monkeypatch) -> None:
    query.clear()
    data = empty_data("v1")
    monkeypatch.setattr(query, "PAIR_CACHE_SIZE", 2)
    for i in range(3):
        query.memo(data, ("pair", i), lambda i=i: i, pair=True)
    query.memo(data, "lookup", lambda: "kept")
    built: list[int] = []
    assert query.memo(data, ("pair", 2), lambda: built.append(2) or -1, pair=True) == 2
    assert query.memo(data, ("pair", 0), lambda: built.append(0) or 0, pair=True) == 0
    assert built == [0]  # the least recently used pair had been dropped, the newest kept
    query.clear("pair")
    query.memo(data, ("pair", 2), lambda: built.append(2) or 2, pair=True)
    assert built == [0, 2]
    assert query.memo(data, "lookup", lambda: "rebuilt") == "kept"  # lookups stay
    query.clear()


def _clean_folder(tmp_path: Path, metadata: dict | None) -> Path:
    (tmp_path / "report.json").write_text(json.dumps({"run_id": "r1", "finished_utc": "2026"}))
    if metadata is not None:
        (tmp_path / "metadata.json").write_text(json.dumps(metadata))
    return tmp_path


def test_source_names_come_from_metadata_json(tmp_path: Path) -> None:
    bns = {
        "short": "BNS",
        "publisher": "Bureau of National Statistics of Kazakhstan (BNS)",
        "title": "Main indicators of foreign trade",
    }
    data = load(_clean_folder(tmp_path, {"sources": {"bns-kz-trade-by-country": bns}}))
    names = data.sources
    assert names.short("bns-kz-trade-by-country") == "BNS"
    assert names.note("bns-kz-trade-by-country") == "BNS, Main indicators of foreign trade"
    assert names.label("bns-kz-trade-by-country", "2023 edition") == "BNS (2023 edition)"
    assert names.citation("bns-kz-trade-by-country") == (
        "Bureau of National Statistics of Kazakhstan (BNS), Main indicators of foreign trade"
    )
    assert names.short_of_citation("Bureau of National Statistics of Kazakhstan (BNS), x") == "BNS"


def test_without_metadata_json_names_fall_back_to_the_source_key(tmp_path: Path) -> None:
    data = load(_clean_folder(tmp_path, None))
    assert data.metadata == {}
    assert data.sources.short("imf-dots-annual") == "imf-dots-annual"
    assert data.sources.note("imf-dots-annual", "derived") == "imf-dots-annual; derived"


@pytest.mark.shared_data
def test_italys_2023_share_of_kazakh_turnover_through_the_query_layer(clean_dir: Path) -> None:
    data = Store(clean_dir).get()
    state = ViewState()
    source = query.source_for(data, state)
    assert source == "bns-kz-trade-by-country"
    assert query.year_for(data, state, source) == 2023
    shares = query.year_shares(data, state, source)
    italy = shares[(shares["partner"] == "ITA") & (shares["period_start"].dt.year == 2023)]
    assert float(italy["share"].iloc[0]) == pytest.approx(0.1152, abs=0.0001)
    assert int(italy["rank"].iloc[0]) == 3
    flows = query.annual_flows(data, source, "KAZ", "ITA").set_index(["year", "flow"])["value"]
    assert flows[(2023, "turnover")] / 1e9 == pytest.approx(16.08, abs=0.01)
    assert data.sources.short(source) == "BNS"  # metadata.json written by the ETL


# Each per-version index of `query.select`, with a selection a page makes through it.
INDEXED = [
    ("trade_all", {"reporter": "KAZ", "partner": "ITA", "commodity": "TOTAL", "flow": "export"}),
    (
        "shares",
        {
            "source": "bns-kz-trade-by-country",
            "reporter": "KAZ",
            "flow": "turnover",
            "basis": "year",
        },
    ),
    ("growth", {"reporter": "ITA", "partner": "KAZ", "basis": "ytd"}),
    ("fdi_cumulative", {"host": "KAZ", "investor": "ITA", "measure": "gross_inflow"}),
    ("visas", {"issuer": "ITA", "consulate_country": "KAZ"}),
    ("visa_summary", {"consulate_country": "KAZ", "basis": "year"}),
    ("visa_summary", {"issuer": "USA", "nationality": "KAZ", "basis": "month"}),
]


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "equal"), INDEXED, ids=[f"{n}-{len(e)}" for n, e in INDEXED])
def test_an_indexed_selection_gives_the_rows_a_scan_gives(
    clean_dir: Path, name: str, equal: dict
) -> None:
    data = Store(clean_dir).get()
    frame = getattr(data, name)
    mask = pd.Series(True, index=frame.index)
    for col, value in equal.items():
        mask &= frame[col] == value
    expected = frame[mask]
    assert len(expected) > 0, "the case must select rows"
    pd.testing.assert_frame_equal(query.select(name, data, **equal), expected)


@pytest.mark.shared_data
def test_kept_pair_answers_are_not_changed_by_the_pages_that_read_them(clean_dir: Path) -> None:
    """The partner and briefing pages share the pair's kept frames: building them must leave
    those frames as they were, or the next request would show other numbers."""
    data = Store(clean_dir).get()
    state = ViewState(reporter="KAZ", partner="ITA")
    query.clear("pair")
    first = [(s.text, s.footnotes, s.checks) for s in briefing.briefing_sentences(data, state)]
    flows = query.annual_flows(data, "bns-kz-trade-by-country", "KAZ", "ITA").copy()
    for page in ("partner", "briefing", "visas", "fdi"):
        page_figures(page, data, state)
    again = [(s.text, s.footnotes, s.checks) for s in briefing.briefing_sentences(data, state)]
    assert again == first
    assert any("Italy" in text and "%" in text for text, _, _ in first)
    kept = query.annual_flows(data, "bns-kz-trade-by-country", "KAZ", "ITA")
    pd.testing.assert_frame_equal(kept, flows)
    turnover = kept.set_index(["year", "flow"])["value"]
    assert turnover[(2023, "turnover")] / 1e9 == pytest.approx(16.08, abs=0.01)
