"""world_context: rank and share of each reporter among the reporters of a year and flow."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.world_context import world_context


def rows(*items: tuple[str, str, int, float], partner: str = "WLD") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "reporter": r, "partner": partner, "commodity": "TOTAL", "flow": flow,
                "basis": "year", "period_start": pd.Timestamp(year, 1, 1), "value_usd": v,
            }
            for r, flow, year, v in items
        ]
    )  # fmt: skip


def test_rank_share_and_count_per_year_and_flow() -> None:
    frame = rows(
        ("KAZ", "export", 2023, 30.0), ("CHN", "export", 2023, 60.0),
        ("UZB", "export", 2023, 10.0), ("KAZ", "import", 2023, 5.0),
        ("CHN", "export", 2024, 70.0),
    )  # fmt: skip
    frame = pd.concat([frame, rows(("KAZ", "export", 2023, 1.0), partner="USA")])
    out = world_context(frame).set_index(["year", "flow", "reporter"])
    kaz = out.loc[(2023, "export", "KAZ")]
    assert (kaz["rank"], kaz["share"], kaz["reporters_count"]) == (2, pytest.approx(0.3), 3)
    assert kaz["reported_world_usd"] == 100.0
    assert out.loc[(2023, "import", "KAZ"), "share"] == 1.0
    assert out.loc[(2024, "export", "CHN"), "coverage_note"].startswith("partial: 1 reporters")
    assert kaz["coverage_note"] == ""


def test_two_world_totals_for_one_reporter_are_refused() -> None:
    frame = rows(("KAZ", "export", 2023, 30.0), ("KAZ", "export", 2023, 31.0))
    with pytest.raises(ValueError, match="KAZ has 2 World totals"):
        world_context(frame)
