"""URL state: validation of query values, round trips, fitting to a page, control updates, CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import plotly.graph_objects as go
import pytest

from dashboard import controls as options
from dashboard import layout as shell
from dashboard.callbacks import downloads, pages
from dashboard.data import CleanData, Store
from dashboard.ids import Control
from dashboard.pages import PAGES
from dashboard.state import ViewState, parse

CODES = {"KAZ", "ITA", "CHN", "RUS", "WLD"}
YEARS = range(1992, 2027)
SOURCES = {"bns-kz-trade-by-country", "imf-dots-annual"}

BAD = [
    ({"partner": "<script>alert(1)</script>"}, "partner"),
    ({"partner": "ita" * 10_000}, "partner"),
    ({"partner": "XXX"}, "partner"),
    ({"year": "20x3"}, "year"),
    ({"year": "1066"}, "year"),
    ({"flow": "DROP TABLE"}, "flow"),
    ({"source": "../../etc/passwd"}, "source"),
    ({"aggregates": "maybe"}, "aggregates"),
    ({"reporter": 42}, "reporter"),
    ({"start": ["<b>", "2019"]}, "start"),
]


@pytest.mark.parametrize(("query", "field"), BAD)
def test_invalid_values_give_the_default_and_a_notice_that_echoes_nothing(query, field) -> None:
    state = parse(query, CODES, YEARS, SOURCES)
    default = ViewState()
    assert getattr(state, field) == getattr(default, field)
    assert state.notices
    raw = str(next(iter(query.values())))
    for notice in state.notices:
        assert "<" not in notice and raw[:20] not in notice


def test_lists_take_the_first_value() -> None:
    assert parse({"partner": ["CHN", "RUS"]}, CODES, YEARS, SOURCES).partner == "CHN"


def test_codes_are_case_insensitive_and_trimmed() -> None:
    assert parse({"partner": " chn "}, CODES, YEARS, SOURCES).partner == "CHN"


@pytest.mark.parametrize(
    "state",
    [
        ViewState(),
        ViewState(partner="CHN", year=2021, flow="export"),
        ViewState(reporter="ITA", partner="KAZ", source="imf-dots-annual", aggregates=True),
        ViewState(start=2019, end=2023, flow="import"),
    ],
)
def test_a_link_reproduces_the_view(state: ViewState) -> None:
    query = {k: v[0] for k, v in parse_qs(urlsplit(shell.search(state)).query).items()}
    assert parse(query, CODES, YEARS, SOURCES) == state


def test_defaults_are_left_out_of_the_url() -> None:
    assert shell.search(ViewState()) == ""
    assert shell.search(ViewState(partner="CHN")) == "?partner=CHN"


def test_controls_overlay_the_carried_query() -> None:
    carried = {"partner": "CHN", "year": "2021", "flow": "export"}
    values = {Control.YEAR: None, Control.FLOW: "import", Control.AGGREGATES: ["true"]}
    query = pages.query_from_controls(carried, values)
    assert query == {"partner": "CHN", "flow": "import", "aggregates": "true"}


def test_csv_of_a_figure_is_exactly_its_traces() -> None:
    fig = go.Figure(
        [
            go.Bar(x=[2022, 2023], y=[14.9081, 16.0755], name="Turnover"),
            go.Scatter(x=[2022, 2023], y=[1.05, None], name="Imports"),
        ]
    )
    fig.update_yaxes(title="USD bn")
    fig.add_annotation(text="Source: BNS, annual (2024 edition) · Data as of 2026-12-02")
    rows = list(csv.DictReader(io.StringIO(downloads.figure_csv(fig, "v1"))))
    assert [(r["series"], r["year"], r["value"], r["unit"]) for r in rows] == [
        ("Turnover", "2022", "14.9081", "USD bn"),
        ("Turnover", "2023", "16.0755", "USD bn"),
        ("Imports", "2022", "1.05", "USD bn"),
        ("Imports", "2023", "", "USD bn"),
    ]
    assert {r["source"] for r in rows} == {"BNS, annual (2024 edition)"}
    assert {r["edition"] for r in rows} == {"data as of 2026-12-02; version v1"}


def test_csv_of_horizontal_bars_puts_the_label_apart_from_the_number() -> None:
    """Issue 14 item 12: the CAGR file had the number under `x` and the label under `y`."""
    fig = go.Figure(go.Bar(y=["Turnover", "Exports"], x=[3.989, 4.799], orientation="h"))
    fig.update_xaxes(title="% a year")
    rows = list(csv.DictReader(io.StringIO(downloads.figure_csv(fig))))
    assert [(r["category"], r["value"], r["unit"]) for r in rows] == [
        ("Turnover", "3.989", "% a year"),
        ("Exports", "4.799", "% a year"),
    ]


def test_csv_of_a_treemap_has_labels_and_values() -> None:
    fig = go.Figure(go.Treemap(labels=["China", "Other"], parents=["", ""], values=[30.1, 50.2]))
    rows = list(csv.DictReader(io.StringIO(downloads.figure_csv(fig))))
    assert [(r["category"], r["value"]) for r in rows] == [("China", "30.1"), ("Other", "50.2")]


# ---- on the real clean data -------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


@pytest.mark.shared_data
def test_a_year_the_source_lacks_falls_back_with_a_notice(data: CleanData) -> None:
    state = shell.state_from_query("overview", data, {"source": "imf-dots-annual", "year": "2023"})
    assert state.source == "imf-dots-annual" and state.year == 2020
    assert any("2023" in n for n in state.notices)


@pytest.mark.shared_data
def test_the_default_source_stays_out_of_the_url(data: CleanData) -> None:
    state = shell.state_from_query("overview", data, {"source": "bns-kz-trade-by-country"})
    assert state.source is None and not state.notices


@pytest.mark.shared_data
def test_script_in_the_partner_gives_the_top_partner_and_a_notice(data: CleanData) -> None:
    state = shell.state_from_query("partner", data, {"partner": "<script>alert(1)</script>"})
    assert state.partner == "CHN"  # the default: Kazakhstan's top partner in 2023 (BNS)
    assert state.notices and all("<" not in n for n in state.notices)
    assert "script" not in str(shell.page_content("partner", data, {"partner": "<script>"}))


@pytest.mark.shared_data
def test_partner_window_outside_the_data_is_reset(data: CleanData) -> None:
    state = shell.state_from_query("partner", data, {"start": "1995", "end": "2023"})
    assert (state.start, state.end) == (2018, 2023)
    assert state.notices


@pytest.mark.shared_data
def test_changing_partner_updates_charts_url_and_choices(data: CleanData) -> None:
    values = {
        Control.REPORTER: "KAZ",
        Control.PARTNER: "CHN",
        Control.FLOW: "turnover",
        Control.SOURCE: "bns-kz-trade-by-country",
        Control.START: 2018,
        Control.END: 2023,
    }
    out = pages.update("partner", data, {}, values, Control.PARTNER)
    assert out["search"] == "?partner=CHN&start=2018&end=2023"
    first = out["charts"][0].children[0].figure
    assert "China" in first["layout"]["title"]["text"]  # figures travel as plain dicts
    assert out["options:partner"] is pages.no_update  # partner choices depend on reporter only
    assert out["value:partner"] is pages.no_update  # unchanged values are not sent back


@pytest.mark.shared_data
def test_switching_reporter_refreshes_dependent_choices(data: CleanData) -> None:
    values = {
        Control.REPORTER: "ITA",
        Control.YEAR: 2023,
        Control.FLOW: "turnover",
        Control.SOURCE: "bns-kz-trade-by-country",
        Control.AGGREGATES: [],
    }
    out = pages.update("overview", data, {}, values, Control.REPORTER)
    assert [o["value"] for o in out["options:source"]] == ["imf-dots-annual"]
    assert out["value:source"] == "imf-dots-annual"
    assert out["value:year"] == 2020
    assert "reporter=ITA" in out["search"]


@pytest.mark.shared_data
def test_every_control_has_choices_containing_its_value(data: CleanData) -> None:
    for page in PAGES:
        state = shell.state_from_query(page, data, {})
        choices = options.options(page, data, state)
        for ctl in PAGES[page].controls:
            value = options.control_value(ctl, data, state)
            if value in (None, []):
                continue
            offered = {o["value"] for o in choices[ctl]}
            listed = set(value) if isinstance(value, list) else {value}
            assert listed <= offered, (page, ctl)


@pytest.mark.shared_data
def test_chart_csv_equals_the_plotted_values(data: CleanData) -> None:
    text, filename = downloads.chart_csv("partner", data, {"partner": "ITA"}, "flows")
    assert filename == "partner_KAZ-ITA_2023_flows.csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    turnover = {int(r["year"]): float(r["value"]) for r in rows if r["series"] == "Turnover"}
    assert turnover[2023] == pytest.approx(16.0755)
    # Issue 14 item 12: no blank column; source and edition on every row.
    assert all(r["year"] and r["unit"] == "USD bn" for r in rows)
    assert all(r["source"].startswith("BNS, ") for r in rows)
    assert all(r["edition"].endswith(f"version {data.version}") for r in rows)


@pytest.mark.shared_data
def test_briefing_text_follows_the_partner(data: CleanData) -> None:
    values = {Control.REPORTER: "KAZ", Control.PARTNER: "CHN", Control.YEAR: None}
    out = pages.update("briefing", data, {}, values, Control.PARTNER)
    text = str(out["text"])
    assert "China" in text and "Italy" not in text
