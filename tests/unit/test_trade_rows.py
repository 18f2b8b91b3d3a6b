"""The shared Trade-frame builder: the rules every national-table reader relies on."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.sources.trade_rows import sheet_citations, trade_frame


def _rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partner": ["ITA", "WLD"],
            "partner_label": ["Италия", "Всего"],
            "flow": ["export", "export"],
            "value_original": ["1.5", "10"],
            "location": ["f.xls, row 3", "f.xls, row 2"],
        },
        index=[7, 9],
    )


def _frame(currency: object, factor: object = 1000) -> pd.DataFrame:
    return trade_frame(
        _rows(), source="s", reporter="KAZ", factor=factor, unit_original="thousand USD",
        currency=currency, valuation="FOB", basis="year", period_start=pd.Timestamp("2023-01-01"),
        period_end=pd.Timestamp("2023-12-31"), vintage="v", citation="c", flag=None,
    )  # fmt: skip


def test_value_is_original_times_factor_and_keeps_the_readers_index():
    out = _frame("USD")
    assert out.index.tolist() == [7, 9]
    assert out["value"].tolist() == [1500.0, 10000.0]
    assert out["value_original"].tolist() == [1.5, 10.0]
    assert out["value_usd"].tolist() == [1500.0, 10000.0]
    assert out["partner_is_aggregate"].tolist() == [False, True]
    assert set(out["commodity"]) == {"TOTAL"}


def test_value_usd_only_for_usd_rows():
    out = _frame(pd.Series(["EUR", "USD"], index=[7, 9]), factor=pd.Series([1, 2], index=[7, 9]))
    assert out["value_usd"].isna().tolist() == [True, False]
    assert out["value"].tolist() == [1.5, 20.0]


def test_a_missing_column_is_named():
    with pytest.raises(TypeError, match="missing \\['reporter', 'unit_original'"):
        trade_frame(_rows(), source="s", factor=1)


def test_sheet_citations_one_per_row():
    got = sheet_citations("bns-kz-trade-by-country", ["a.xls", "a.xls"], ["2023", "2022"])
    assert len(got) == 2 and "sheet '2023'" in got[0] and "sheet '2022'" in got[1]
