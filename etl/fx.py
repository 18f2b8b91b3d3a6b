"""value_usd from an exchange-rate table (etl.schemas.FxRates), every conversion cited.

No rate is ever typed in code: rates come from a published table read by a reader (ECB euro
reference rates, NSC/NBKR som rates), and each converted row says which rate it used.

Which rate a row gets:
- flows (trade values, FDI flows) at the AVERAGE of the row's own period: a month's average for
  a month, a quarter's for a quarter, a year's for a year;
- a year-to-date Jan–X row at the average of the daily rates of Jan–X, computed as the mean of
  the monthly averages weighted by their number of daily rates (n_days), which equals the mean
  of all daily rates of the period. Converting the monthly values one by one and summing them
  would weight each month's rate by that month's trade instead; where monthly rows exist, that
  sum is what add_usd gives the monthly rows, and the two differ by well under 1 % for the
  EUR/USD rate;
- stocks (FDI 'inward_stock') at the rate of the period's last working day ('..._end').
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl import periods, registry

USD = "USD"
STOCK_MEASURES = frozenset({"inward_stock"})
# A row's basis -> the rate basis used for a flow and for a stock of that period.
FLOW_RATE = {"month": "month", "quarter": "quarter", "year": "year", "ytd": "ytd"}
STOCK_RATE = {
    "month": "month_end",
    "quarter": "quarter_end",
    "year": "year_end",
    "ytd": "month_end",
}
RATE_WORDS = {
    "month": "monthly average",
    "quarter": "quarterly average",
    "year": "annual average",
    "ytd": "average",
    "month_end": "end-of-month rate",
    "quarter_end": "end-of-quarter rate",
    "year_end": "end-of-year rate",
}
_LOOKUP_KEY = ["currency", "rate_basis", "period_start", "period_end"]


def add_usd(frame: pd.DataFrame, rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """`frame` with value_usd: the value for USD rows, the value converted at a cited rate for
    other currencies (with columns fx_rate, fx_basis, fx_source), NaN where no rate exists.

    Without `rates` (the pipeline's call until it loads the rate tables) non-USD rows keep
    value_usd NaN and no fx columns are added, as before. With `rates` (an FxRates frame), a row
    without a matching rate keeps value_usd NaN and fx_basis says which rate was missing.
    fx_rate is USD per 1 unit of the row's currency (for EUR: the ECB's USD per EUR).
    """
    out = frame.copy()
    usd = out["currency"] == USD
    out["value_usd"] = out["value"].where(usd)
    if rates is None:
        return out
    stock = (
        out["measure"].isin(STOCK_MEASURES)
        if "measure" in out
        else pd.Series(False, index=out.index)
    )
    wanted = pd.DataFrame(
        {
            "currency": out["currency"],
            "rate_basis": np.where(
                stock, out["basis"].map(STOCK_RATE), out["basis"].map(FLOW_RATE)
            ),
            "period_start": out["period_start"],
            "period_end": out["period_end"],
        },
        index=out.index,
    )
    # A Jan–X stock takes the end rate of month X: its period in the table is month X.
    ytd_stock = stock & (out["basis"] == "ytd")
    wanted.loc[ytd_stock, "period_start"] = out.loc[ytd_stock, "period_end"].map(
        lambda end: pd.Timestamp(end.year, end.month, 1)
    )
    table = usd_rates(rates)
    hit = wanted.reset_index().merge(table, on=_LOOKUP_KEY, how="left").set_index("index")
    hit = hit.reindex(out.index)
    found = hit["usd_per_unit"].notna() & ~usd
    out["fx_rate"] = hit["usd_per_unit"].where(found)
    out["fx_source"] = hit["source"].where(found)
    out["value_usd"] = out["value_usd"].where(usd, out["value"] * out["fx_rate"])
    missing = ~usd & ~found
    basis = hit["description"].where(found, None).astype(object)
    if missing.any():
        basis.loc[missing] = [
            _missing_words(c, b, s, e)
            for c, b, s, e in wanted.loc[missing, _LOOKUP_KEY].itertuples(index=False)
        ]
    out["fx_basis"] = basis.where(~usd, None)
    return out


def usd_rates(rates: pd.DataFrame) -> pd.DataFrame:
    """USD per unit of each currency, keyed by currency, rate basis and period, described.

    Pairs quoted the other way round (KGS per USD) are inverted; Jan–X averages ('ytd') are
    derived from the monthly averages. When two sources give the same pair and period, the
    pair quoted directly against USD wins, then the first row of `rates`.
    """
    if rates.empty:
        return pd.DataFrame(columns=[*_LOOKUP_KEY, "usd_per_unit", "source", "description"])
    direct = rates[rates["quote_currency"] == USD].assign(
        currency=lambda d: d["base_currency"], usd_per_unit=lambda d: d["rate"], _order=0
    )
    inverse = rates[rates["base_currency"] == USD].assign(
        currency=lambda d: d["quote_currency"], usd_per_unit=lambda d: 1.0 / d["rate"], _order=1
    )
    both = pd.concat([direct, inverse], ignore_index=True).rename(columns={"basis": "rate_basis"})
    both = pd.concat([both, _ytd_averages(both)], ignore_index=True)
    both = both.sort_values("_order", kind="stable").drop_duplicates(_LOOKUP_KEY)
    both["description"] = [_describe(r) for r in both.itertuples(index=False)]
    return both[[*_LOOKUP_KEY, "usd_per_unit", "source", "description"]]


def _ytd_averages(monthly: pd.DataFrame) -> pd.DataFrame:
    """Jan–X averages from the monthly averages of one source and pair, weighted by n_days.

    Only where every month Jan..X is present with its n_days: a gap would bias the average.
    """
    months = monthly[(monthly["rate_basis"] == "month") & monthly["n_days"].notna()]
    rows = []
    group_key = ["source", "currency", "base_currency", "quote_currency", "_order"]
    for key, group in months.groupby(group_key, sort=False):
        group = group.sort_values("period_start")
        for year, one in group.groupby(group["period_start"].dt.year):
            one = one.set_index(one["period_start"].dt.month)
            for last in range(1, 13):
                if not set(range(1, last + 1)) <= set(one.index):
                    break
                part = one.loc[1:last]
                days = part["n_days"].astype(float)
                mean = float((part["rate"] * days).sum() / days.sum())  # as the source quotes
                start, end = periods.ytd_period(int(year), last)
                rows.append(
                    dict(zip(group_key, key, strict=True))
                    | {
                        "rate_basis": "ytd",
                        "period_start": start,
                        "period_end": end,
                        "rate": mean,
                        "usd_per_unit": mean if key[-1] == 0 else 1.0 / mean,
                        "n_days": int(days.sum()),
                    }
                )
    return pd.DataFrame.from_records(rows)


def _describe(r: object) -> str:
    """'ECB, USD per EUR, monthly average of 21 daily rates, Apr 2024'."""
    short = registry.info(r.source).short if r.source in registry.sources() else r.source
    words = RATE_WORDS.get(r.rate_basis, r.rate_basis)
    if r.rate_basis in ("month", "quarter", "year", "ytd") and pd.notna(r.n_days):
        words += f" of {int(r.n_days)} daily rates"
    basis = r.rate_basis.removesuffix("_end")
    label = periods.label(basis if basis in periods.BASES else "ytd", r.period_start, r.period_end)
    return f"{short}, {r.quote_currency} per {r.base_currency}, {words}, {label}"


def _missing_words(currency: str, basis: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    words = RATE_WORDS.get(basis, str(basis))
    shape = "ytd" if basis == "ytd" else str(basis).removesuffix("_end")
    label = periods.label(shape, start, end) if shape in periods.BASES else f"{start}–{end}"
    return f"no {currency}/USD {words} for {label} in the rate tables: value_usd left empty"
