"""Product concentration of a reporter's trade, and growth by product: pure functions.

HHI is reported on the 0-1 scale (sum of squared shares in [0, 1]), the scale the World Bank
uses for its product concentration index (1 = a single product), not the 0-10,000 scale of
competition authorities; `hhi_normalized` is (HHI - 1/N) / (1 - 1/N), 0 for N equal items.
Shares are taken of the reporter's PUBLISHED total (Products.total_value), not of the sum of the
listed rows: a partial list (Kyrgyz main goods) or a breakdown with an unallocated remainder
(FCS 2022) gives shares summing to less than 1, and an HHI that is a lower bound. Only when a
table has no total and its classification covers every good (HS sections, chapters or groups)
is the sum of the items the denominator, and the output says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from etl import products

# One concentration figure per breakdown: a table's rows for one reporter, flow and period.
GROUP = [
    "source", "reporter", "partner", "flow", "classification", "basis", "period_start",
    "period_end", "vintage",
]  # fmt: skip
SUM_TOLERANCE = 1e-6
# Published items may exceed the published total by rounding (FCS 2023 exports: 425.089 listed
# vs 425.088 total); the Products schema allows 0.1 %, and so does `concentration`.
ROUNDING = 1e-3
PUBLISHED = "published total"
SUM_OF_ITEMS = "sum of items (complete HS breakdown, no total published)"


def _shares(shares: Iterable[float], tolerance: float) -> np.ndarray:
    arr = np.asarray(list(shares), dtype=float)
    if arr.size and (np.isnan(arr).any() or (arr < 0).any() or (arr > 1 + tolerance).any()):
        raise ValueError("shares must lie in [0, 1]")
    if arr.sum() > 1 + tolerance:
        raise ValueError(f"shares sum to {arr.sum():.6f} > 1: take them of the total")
    return arr


def hhi(shares: Iterable[float], tolerance: float = SUM_TOLERANCE) -> float:
    """Herfindahl-Hirschman index on the 0-1 scale: sum of squared shares (shares in [0, 1],
    summing to at most 1 + tolerance). hhi([0.5, 0.3, 0.2]) = 0.38; NaN for no shares."""
    arr = _shares(shares, tolerance)
    return float((arr**2).sum()) if arr.size else float("nan")


def hhi_normalized(shares: Iterable[float], tolerance: float = SUM_TOLERANCE) -> float:
    """(HHI - 1/N) / (1 - 1/N): 0 when N items are equal, 1 for one item; NaN for none."""
    arr = _shares(shares, tolerance)
    n = arr.size
    if n == 0:
        return float("nan")
    if n == 1:
        return 1.0
    return float(((arr**2).sum() - 1 / n) / (1 - 1 / n))


def top_n_share(values: Sequence[float], n: int, total: float | None = None) -> float:
    """Share of the `n` largest values in `total` (the published total; the values' sum when
    None). top_n_share([50, 30, 20], 1) = 0.5; NaN when the total is zero or missing."""
    if n < 1:
        raise ValueError("n must be at least 1")
    arr = np.sort(np.asarray(values, dtype=float))[::-1]
    denominator = arr.sum() if total is None else float(total)
    if not np.isfinite(denominator) or denominator <= 0:
        return float("nan")
    return float(arr[:n].sum() / denominator)


def concentration(frame: pd.DataFrame, by: Sequence[str] = GROUP) -> pd.DataFrame:
    """Per breakdown (`by`, default source, reporter, partner, flow, classification, basis,
    period, vintage): number of items, listed share of the total, HHI, normalised HHI, top-1 and
    top-3 shares and the top item, all against the published total. The 'unallocated' row is
    not a product and is left out of the items (its value stays in the total)."""
    items = frame[frame["product_code"] != products.UNALLOCATED]
    out: list[dict] = []
    for key, rows in items.groupby(list(by), observed=True, sort=True, dropna=False):
        values = rows["value"].to_numpy(dtype=float)
        published = rows["total_value"].dropna().unique()
        complete = products.kind_of(str(rows["classification"].iat[0])) is not None
        if len(published) == 1:
            total, denominator = float(published[0]), PUBLISHED
        elif len(published) == 0 and complete:
            total, denominator = float(values.sum()), SUM_OF_ITEMS
        else:
            total, denominator = float("nan"), "no total published for a partial list"
        shares = values / total if np.isfinite(total) and total > 0 else None
        top = rows.loc[rows["value"].idxmax()] if len(rows) else None
        out.append(
            {
                **dict(zip(by, key, strict=True)),
                "n_items": len(rows),
                "total_value": total,
                "denominator": denominator,
                "listed_share": float(values.sum() / total) if shares is not None else np.nan,
                "hhi": hhi(shares, ROUNDING) if shares is not None else np.nan,
                "hhi_normalized": (
                    hhi_normalized(shares, ROUNDING) if shares is not None else np.nan
                ),
                "top1_share": top_n_share(values, 1, total) if shares is not None else np.nan,
                "top3_share": top_n_share(values, 3, total) if shares is not None else np.nan,
                "top1_code": None if top is None else top["product_code"],
            }
        )
    return pd.DataFrame(out)


def product_growth(frame: pd.DataFrame) -> pd.DataFrame:
    """Change of each product's value against the same period one year earlier, within one
    source, reporter, partner, flow, classification, basis and vintage (a year against a year,
    Jan-Apr against Jan-Apr; never across classifications or bases). Multi-year sums and the
    unallocated remainder are left out. Columns: the key, value, previous_value, growth
    (value / previous - 1; NaN when the previous value is 0)."""
    key = [c for c in GROUP if c not in ("period_start", "period_end")] + ["product_code"]
    # The unallocated remainder is not a product; multi-year sums have no year-earlier twin.
    same_year = frame["basis"].isin(["year", "ytd", "month", "quarter"])
    rows = frame.loc[
        same_year & (frame["product_code"] != products.UNALLOCATED),
        [*key, "period_start", "period_end", "value"],
    ]
    earlier = rows.assign(
        period_start=rows["period_start"] + pd.DateOffset(years=1),
        period_end=rows["period_end"] + pd.DateOffset(years=1) + pd.offsets.MonthEnd(0),
    ).rename(columns={"value": "previous_value"})
    rows = rows.assign(period_end=rows["period_end"] + pd.offsets.MonthEnd(0))
    joined = rows.merge(earlier, on=[*key, "period_start", "period_end"], how="inner")
    previous = joined["previous_value"].where(joined["previous_value"] != 0)
    return joined.assign(growth=joined["value"] / previous - 1).reset_index(drop=True)
