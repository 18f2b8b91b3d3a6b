"""Each reporter in the world's trade: its total with the World, rank and share among reporters.

Pure: a tidy Trade frame in (e.g. Comtrade+ "every reporter x World" downloads), a frame out.
The share is of the *reported* world total, the sum of the World rows of the reporters present
that year and flow, not of true world trade: a year in which fewer countries have reported (2024
in the April 2025 download) gives larger shares and smaller ranks, which `coverage_note` says.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = [
    "year", "flow", "reporter", "value_usd", "rank", "share", "reporters_count",
    "reported_world_usd", "coverage_note",
]  # fmt: skip


def world_context(frame: pd.DataFrame) -> pd.DataFrame:
    """Per calendar year and flow: each reporter's annual total with the World (partner WLD,
    commodity TOTAL, basis year), its rank among reporters (1 = largest), its share of the sum
    of all reporters' totals (0..1), the number of reporters, and a coverage note for a year
    with fewer reporters than the best-covered year of the frame.

    Raises ValueError when a reporter has two World totals for one year and flow (two vintages
    or sources mixed in): the caller must choose one first.
    """
    rows = frame[
        (frame["partner"] == "WLD")
        & (frame["commodity"] == "TOTAL")
        & (frame["basis"] == "year")
        & (frame["reporter"] != "WLD")
    ]
    out = pd.DataFrame(
        {
            "year": pd.to_datetime(rows["period_start"]).dt.year.to_numpy(),
            "flow": rows["flow"].astype(str).to_numpy(),
            "reporter": rows["reporter"].astype(str).to_numpy(),
            "value_usd": rows["value_usd"].astype(float).to_numpy(),
        }
    ).dropna(subset=["value_usd"])
    twice = out[out.duplicated(["year", "flow", "reporter"], keep=False)]
    if len(twice):
        first = twice.iloc[0]
        raise ValueError(
            f"{first['reporter']} has {len(twice)} World totals for {first['flow']} "
            f"{first['year']}: keep one source and vintage before world_context()"
        )
    group = out.groupby(["year", "flow"], sort=True)["value_usd"]
    out["rank"] = group.rank(method="min", ascending=False).astype("int64")
    out["reported_world_usd"] = group.transform("sum")
    out["share"] = out["value_usd"] / out["reported_world_usd"]
    out["reporters_count"] = group.transform("size").astype("int64")
    best = out.groupby("flow")["reporters_count"].transform("max")
    best_year = {
        flow: int(g.loc[g["reporters_count"].idxmax(), "year"]) for flow, g in out.groupby("flow")
    }
    out["coverage_note"] = [
        ""
        if n == m
        else (
            f"partial: {n} reporters had reported ({m} for {best_year[flow]}); ranks and shares "
            "are among reporters only"
        )
        for n, m, flow in zip(out["reporters_count"], best, out["flow"], strict=True)
    ]
    out = out.sort_values(["year", "flow", "rank", "reporter"], ignore_index=True)
    return out[COLUMNS]
