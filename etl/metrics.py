"""Derived frames, computed once in the ETL so the dashboard only filters.

All functions are pure (frame in, frame out). Shares divide by the reporter's World row of the
same source and vintage, never by a sum of partners, and never mix reporter- and partner-declared
figures. Growth compares a period with the same months one year earlier, on the same basis.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from etl import countries, labels, periods, registry, sources, visa_checks
from etl.groups import group_codes

SERIES = ["source", "reporter", "partner", "commodity", "flow"]
PERIOD = ["basis", "period_start", "period_end"]


def latest_vintage(trade: pd.DataFrame) -> pd.DataFrame:
    """One row per series and period: the newest vintage (vintage labels sort by edition)."""
    key = [*SERIES, *PERIOD]
    # Stable: with categorical text (etl.categories) the same order as pandas' str sort gives.
    ordered = trade.sort_values("vintage", kind="stable")
    return ordered.drop_duplicates(key, keep="last").reset_index(drop=True)


def _key_columns(trade: pd.DataFrame, rows: pd.Series, columns: list[str]) -> pd.DataFrame:
    """`rows` of `trade` with the series, period and vintage and `columns` only: with a large
    source a million rows, where every copy of all the columns costs a few hundred MB."""
    keep = dict.fromkeys([*SERIES, *PERIOD, "vintage", *columns])
    return trade.loc[rows, list(keep)]


def _cited(prefix: str, citations: pd.Series) -> pd.Series:
    """`prefix` + each citation; categorical citations (a large source's) stay categorical, the
    prefix added once per distinct citation instead of 190 characters on each of a million rows."""
    if isinstance(citations.dtype, pd.CategoricalDtype):
        return citations.cat.rename_categories([prefix + c for c in citations.cat.categories])
    return prefix + citations


def _derived_rows(base: pd.DataFrame, derivation: str) -> pd.DataFrame:
    out = base.copy()
    out["derivation"] = derivation
    return out


FLOW_PAIR = ["export", "import"]


def turnover_from_flows(
    trade: pd.DataFrame, published_turnover: set[str] | None = None
) -> pd.DataFrame:
    """Turnover = exports + imports for series whose source publishes only the two flows.

    `published_turnover`: the sources that publish turnover, when `trade` is one batch of a run
    (etl.derive); by default those with a turnover row in `trade`.
    """
    key = [c for c in [*SERIES, *PERIOD, "vintage"] if c != "flow"]
    if published_turnover is None:
        published_turnover = set(trade.loc[trade["flow"] == "turnover", "source"])
    flows = trade[trade["flow"].isin(FLOW_PAIR) & ~trade["source"].isin(list(published_turnover))]
    if flows.empty:
        return trade.iloc[0:0].assign(derivation=pd.Series(dtype=str))
    first, pair = _flow_pair(flows, key, ["value", "value_usd"])
    # Only where both flows have a value (a run without imports, or a EUR-only run without USD
    # values, gives no turnover, or turnover without USD).
    both = ~np.isnan(pair["value", "export"]) & ~np.isnan(pair["value", "import"])
    rest = [c for c in flows.columns if c not in key]
    out = flows.iloc[first[both]][[*key, *rest]].reset_index(drop=True)
    out["flow"] = "turnover"
    out["value"] = pair["value", "export"][both] + pair["value", "import"][both]
    out["value_usd"] = pair["value_usd", "export"][both] + pair["value_usd", "import"][both]
    out["value_original"] = out["value"]
    out["unit_original"] = out["currency"]
    out["valuation"] = "unknown"
    # No flag, typed like the input's flags (a bare None made the column object).
    out["flag"] = pd.Series(None, index=out.index, dtype=out["flag"].dtype)
    out["citation"] = _cited("Derived: exports + imports. ", out["citation"])
    return _derived_rows(out, "turnover = export + import")


def ytd_from_months(trade: pd.DataFrame) -> pd.DataFrame:
    """Jan–X cumulative sums from single months, only where every month Jan..X is present."""
    months = trade[trade["basis"] == "month"]
    if months.empty:
        return trade.iloc[0:0].assign(derivation=pd.Series(dtype=str))
    group = [*SERIES, "vintage", "_year"]
    m = months.assign(_year=months["period_start"].dt.year, _month=months["period_start"].dt.month)
    m = m.sort_values([*group, "_month"])
    g = m.groupby(group, observed=True, sort=False)
    m["_complete"] = g["_month"].cumcount() + 1 == m["_month"]
    m["value"] = g["value"].cumsum()
    m["value_usd"] = g["value_usd"].cumsum()
    m = m[m["_complete"]].copy()
    m["basis"] = "ytd"
    m["period_start"] = pd.to_datetime(dict(year=m["_year"], month=1, day=1))
    m["value_original"] = m["value"]
    m["unit_original"] = m["currency"]
    m["citation"] = _cited("Derived: sum of monthly values Jan–X. ", m["citation"])
    return _derived_rows(
        m.drop(columns=["_year", "_month", "_complete"]), "ytd = cumulative sum of months"
    )


def months_from_ytd(trade: pd.DataFrame) -> pd.DataFrame:
    """Single months by differencing Jan–X cumulative releases (Jan–Apr minus Jan–Mar = Apr)."""
    ytd = trade[trade["basis"] == "ytd"]
    if ytd.empty:
        return trade.iloc[0:0].assign(derivation=pd.Series(dtype=str))
    group = [*SERIES, "vintage", "_year"]
    y = ytd.assign(_year=ytd["period_end"].dt.year, _month=ytd["period_end"].dt.month)
    y = y.sort_values([*group, "_month"])
    g = y.groupby(group, observed=True, sort=False)
    prev_month = g["_month"].shift(1)
    consecutive = (y["_month"] == 1) | (prev_month == y["_month"] - 1)
    out = y[consecutive].copy()
    out["value"] = (y["value"] - g["value"].shift(1).fillna(0))[consecutive]
    out["value_usd"] = (y["value_usd"] - g["value_usd"].shift(1).fillna(0))[consecutive]
    out["basis"] = "month"
    out["period_start"] = pd.to_datetime(dict(year=out["_year"], month=out["_month"], day=1))
    out["value_original"] = out["value"]
    out["unit_original"] = out["currency"]
    out["citation"] = _cited("Derived: Jan–X minus Jan–(X-1). ", out["citation"])
    return _derived_rows(out.drop(columns=["_year", "_month"]), "month = difference of cumulative")


def shares(trade: pd.DataFrame) -> pd.DataFrame:
    """Partner share of the World row and rank among countries, per source/reporter/flow/period."""
    columns = ["partner_is_aggregate", "value", "currency", "citation"]
    t = latest_vintage(_key_columns(trade, trade["commodity"] == "TOTAL", columns))
    key = ["source", "reporter", "flow", *PERIOD]
    world = t.loc[t["partner"] == "WLD", [*key, "value", "vintage"]].rename(
        columns={"value": "world_value", "vintage": "world_vintage"}
    )
    out = t.merge(world, on=key, how="inner")
    # One source, one vintage: a revised World total is never set against an older partner row.
    out = out[(out["vintage"] == out["world_vintage"]) & (out["world_value"] > 0)]
    out = out.reset_index(drop=True)
    out["share"] = out["value"] / out["world_value"]
    out["rank"] = _country_ranks(out, key)
    cols = [
        "source",
        "reporter",
        "partner",
        "partner_is_aggregate",
        "flow",
        *PERIOD,
        "vintage",
        "value",
        "world_value",
        "currency",
        "share",
        "rank",
        "citation",
    ]
    return _by_reporter(out[cols])


def _country_ranks(out: pd.DataFrame, key: list[str]) -> pd.arrays.IntegerArray:
    """Rank of each country row's value within its `key` (1 = largest, ties share the lower
    rank); missing for aggregates. Grouped on one integer a row rather than on `key`."""
    is_country = ~out["partner_is_aggregate"].to_numpy(dtype=bool)
    group, missing = group_codes(out, key)
    values = out["value"].to_numpy()[is_country]
    ranks = pd.Series(values).groupby(group[is_country]).rank(method="min", ascending=False)
    # As a groupby on `key` ranks them: not a row missing a part of it (the cast then refuses).
    ranks[missing[is_country]] = np.nan
    rank = np.zeros(len(out), dtype=np.int64)
    rank[is_country] = ranks.astype("int64").to_numpy()
    return pd.arrays.IntegerArray(rank, ~is_country)


def _shift_year(ts: pd.Series, years: int, month_end: bool = False) -> pd.Series:
    """The first of the month (or its last day) `years` later; periods are whole months.
    In numpy months: a tenth of the time of building dates from year and month columns."""
    month = ts.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]") + 12 * years
    if month_end:
        day = (month + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    else:
        day = month.astype("datetime64[D]")
    return pd.Series(day.astype("datetime64[us]"), index=ts.index)


def _comparison_labels(frame: pd.DataFrame) -> pd.Series:
    """'Jan–Apr 2024 vs Jan–Apr 2023', computed once per distinct period."""
    if frame.empty:  # object, as an empty list gives
        return pd.Series([], index=frame.index, dtype=object)
    group = frame.groupby(PERIOD, observed=True, sort=False, dropna=False).ngroup().to_numpy()
    keys = frame[PERIOD].drop_duplicates()
    labels = [
        f"{periods.label(b, s, e)} vs "
        f"{periods.label(b, s.replace(year=s.year - 1), e - pd.DateOffset(years=1))}"
        for b, s, e in keys.itertuples(index=False)
    ]
    # str, as a list of strings gives
    return pd.Series(np.array(labels, dtype=object)[group], index=frame.index, dtype="str")


def growth(trade: pd.DataFrame) -> pd.DataFrame:
    """Change on the same period a year earlier; balance (exports - imports) included as a flow."""
    columns = ["value", "currency", "citation"]
    t = latest_vintage(_key_columns(trade, trade["commodity"] == "TOTAL", columns))
    bal = balance(t)
    t = pd.concat([t, bal], ignore_index=True)
    out = _with_previous_year(t)
    denom = out["previous_value"].abs().replace(0, np.nan)
    out["yoy_growth"] = (out["value"] - out["previous_value"]) / denom
    out["comparison"] = _comparison_labels(out)
    constant = _constant_basis_growth(t, out)
    if len(constant):  # else none: out as it is (its own types, which concat would keep)
        out = pd.concat([out, constant], ignore_index=True)
    cols = [
        *SERIES[:-2],
        "flow",
        *PERIOD,
        "value",
        "previous_value",
        "yoy_growth",
        "currency",
        "comparison",
    ]
    return _by_reporter(out[cols])


# A group a source published under another membership the year before: code now -> (code the
# year before, members it had then that the group now lacks). BNS's «Страны ЕС» is EU28 (with the
# United Kingdom) to 2022 and EUU (EU-27) from 2023; see etl/sources/bns_trade_by_country.py.
GROUP_SUCCESSION: dict[str, tuple[str, tuple[str, ...]]] = {"EUU": ("EU28", ("GBR",))}


def _constant_basis_growth(t: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    """Growth of a group whose membership changed, against last year's group less the members
    it has lost (EU-27 2023 vs EU-28 2022 minus the United Kingdom), never the unlike total."""
    key = [c for c in [*SERIES, *PERIOD] if c != "partner"]
    parts = []
    present = set(t.loc[t["partner"].isin(list(GROUP_SUCCESSION)), "partner"].unique())
    for now, (before, lost) in GROUP_SUCCESSION.items():
        if now not in present:
            continue  # nothing to compare (most batches: the group is one source's)
        done = matched.loc[matched["partner"] == now, [*key]].assign(_done=True)
        cur = t[t["partner"] == now].merge(done, on=key, how="left")
        cur = cur[cur["_done"].isna()].drop(columns="_done")
        old = t[t["partner"] == before].set_index(key)["value"]
        gone = t[t["partner"].isin(lost)].groupby(key, observed=True)["value"]
        # every lost member must be there, else the constant basis cannot be built
        gone = gone.sum()[gone.size() == len(lost)]
        prev = (old - gone).dropna().rename("previous_value").reset_index()
        if cur.empty or prev.empty:
            continue
        prev["period_start"] = _shift_year(prev["period_start"], 1)
        prev["period_end"] = _shift_year(prev["period_end"], 1, month_end=True)
        out = cur.merge(prev, on=key, how="inner")
        if out.empty:
            continue
        out["yoy_growth"] = (out["value"] - out["previous_value"]) / out[
            "previous_value"
        ].abs().replace(0, np.nan)
        less = " and ".join(countries.label(c) for c in lost)
        out["comparison"] = (
            _comparison_labels(out)
            + f" on a constant basis: the earlier year is {countries.label(before)} less {less}"
        )
        parts.append(out)
    return pd.concat(parts, ignore_index=True) if parts else matched.iloc[0:0]


def _with_previous_year(t: pd.DataFrame) -> pd.DataFrame:
    """`t`'s rows (one a series and period) that have the same series' same period a year
    earlier, with its value as `previous_value`: `t.merge(t shifted a year, on=SERIES + PERIOD)`
    (in `t`'s order), matched on one integer a row."""
    series, _ = group_codes(t, [*SERIES, "basis"])
    # Rows now, then the same rows a year on: one key space for both.
    both = pd.DataFrame({"series": np.r_[series, series]})
    for c in PERIOD[1:]:
        now = t[c].to_numpy(dtype="datetime64[ns]")
        before = _shift_year(t[c], 1, month_end=c == "period_end").to_numpy("datetime64[ns]")
        both[c] = np.r_[now, before]
    keys, _ = group_codes(both, list(both.columns))
    now_keys, before_keys = keys[: len(t)], keys[len(t) :]
    index = pd.Index(before_keys)
    if index.is_unique:
        found = index.get_indexer(now_keys)
        at = np.flatnonzero(found >= 0)
        row = found[at]
    else:  # many to many: what merge gives
        pairs = pd.DataFrame({"k": now_keys, "at": np.arange(len(t))}).merge(
            pd.DataFrame({"k": before_keys, "row": np.arange(len(t))}), on="k"
        )
        at, row = pairs["at"].to_numpy(), pairs["row"].to_numpy()
    out = t.iloc[at].reset_index(drop=True)
    out["previous_value"] = t["value"].to_numpy()[row]
    return out


def balance(trade: pd.DataFrame) -> pd.DataFrame:
    """Exports minus imports per series and period (negative = deficit); same source only."""
    key = [c for c in [*SERIES, *PERIOD] if c != "flow"]
    flows = trade[trade["flow"].isin(["export", "import"])]
    first, pair = _flow_pair(flows, key, ["value"])
    exports, imports = pair["value", "export"], pair["value", "import"]
    if np.isnan(exports).all() or np.isnan(imports).all():
        return trade.iloc[0:0]  # pivot_table drops a flow with no value anywhere
    both = ~np.isnan(exports) & ~np.isnan(imports)
    out = flows.iloc[first[both]][[*key, "currency", "vintage", "citation"]].reset_index(drop=True)
    out["value"] = exports[both] - imports[both]
    out["flow"] = "balance"
    return out


def _flow_pair(
    flows: pd.DataFrame, key: list[str], values: list[str]
) -> tuple[np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """What `flows.pivot_table(index=key, columns="flow", values=values, aggfunc="first")` and
    `flows.drop_duplicates(key)` say, per group of `key` in sorted order (a key with a missing
    part in none): the position of the group's first row, and for each value and flow of
    FLOW_PAIR the group's first value that is not missing (NaN where there is none)."""
    group = flows.groupby(key, observed=True, sort=True).ngroup().fillna(-1).to_numpy("int64")
    n = int(group.max()) + 1 if len(group) else 0
    keyed = group >= 0
    first = _first_rows(group, keyed, n)
    pair = {}
    for flow in FLOW_PAIR:
        rows = keyed & (flows["flow"] == flow).to_numpy(dtype=bool)
        for value in values:
            column = flows[value].to_numpy(dtype="float64", na_value=np.nan)
            pair[value, flow] = _first_per_group(group, column, rows & ~np.isnan(column), n)
    return first, pair


def _first_rows(group: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1, the position of its first row among `rows` (-1: none)."""
    where = np.flatnonzero(rows)
    found, first = np.unique(group[where], return_index=True)  # a stable sort: first rows
    out = np.full(n, -1, dtype=np.int64)
    out[found] = where[first]
    return out


def _first_per_group(group: np.ndarray, values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1, the value of its first row among `rows` (NaN: none)."""
    first = _first_rows(group, rows, n)
    out = np.full(n, np.nan)
    out[first >= 0] = values[first[first >= 0]]
    return out


TOP_PARTNERS_FOR_CAGR = 25


def cagr(trade: pd.DataFrame, shares_: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compound annual growth for every window start < end of annual series with both ends > 0.

    Every pair of years is kept so any window can be selected; to bound the size (IMF DOTS has
    60 years x 200 partners per reporter) only the World row, the EU and partners that ranked in
    the top 25 of their source in some year get windows.
    """
    rows = (trade["basis"] == "year") & (trade["commodity"] == "TOTAL")
    annual = latest_vintage(_key_columns(trade, rows, ["value", "currency"]))
    a = annual.assign(year=annual["period_start"].dt.year)[
        ["source", "reporter", "partner", "flow", "year", "value", "currency"]
    ]
    a = a[a["value"] > 0]
    if shares_ is not None and len(shares_):
        top = shares_.loc[
            shares_["rank"] <= TOP_PARTNERS_FOR_CAGR, ["source", "reporter", "partner"]
        ]
        keep = pd.concat([top, a.loc[a["partner"].isin(["WLD", "EUU", "EU28"]), top.columns]])
        a = a.merge(keep.drop_duplicates(), on=["source", "reporter", "partner"])
    pairs = a.merge(
        a, on=["source", "reporter", "partner", "flow", "currency"], suffixes=("_start", "_end")
    )
    pairs = pairs[pairs["year_end"] > pairs["year_start"]].copy()
    n = pairs["year_end"] - pairs["year_start"]
    pairs["cagr"] = (pairs["value_end"] / pairs["value_start"]) ** (1 / n) - 1
    plural = np.where(n == 1, " year)", " years)")
    pairs["window"] = (
        pairs["year_start"].astype(str)
        + "–"
        + pairs["year_end"].astype(str)
        + " ("
        + n.astype(str)
        + plural
    )
    return _by_reporter(
        pairs.rename(
            columns={
                "year_start": "start_year",
                "year_end": "end_year",
                "value_start": "start_value",
                "value_end": "end_value",
            }
        )
    )


def _by_reporter(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame`'s rows by source and reporter, in their order within each (a stable sort): so one
    batch of reporters after another gives the whole run's frame (etl.derive)."""
    return frame.sort_values(["source", "reporter"], kind="stable").reset_index(drop=True)


def fdi_cumulative(fdi: pd.DataFrame) -> pd.DataFrame:
    """Sums of annual flows over every window, labelled with the concept and years covered.

    Stocks are positions, never summed. A window with missing years says how many are missing.
    """
    flows = fdi[(fdi["basis"] == "year") & fdi["measure"].isin(list(labels.FDI_CUMULATIVE_TITLE))]
    flows = flows.sort_values("vintage").drop_duplicates(
        ["source", "host", "investor", "measure", "period_start"], keep="last"
    )
    f = flows.assign(year=flows["period_start"].dt.year)
    notes = f["note"] if "note" in f else pd.Series(None, index=f.index, dtype=object)
    f = f.assign(_method=notes.astype(object).map(_methodology))
    rows = []
    for key, g in f.groupby(["source", "host", "investor", "measure", "currency"], observed=True):
        g = g.sort_values("year")
        years = g["year"].to_numpy()
        values = g["value"].to_numpy()
        methods = g["_method"].tolist()
        csum = np.cumsum(values)
        for i, start in enumerate(years):
            for j in range(i, len(years)):
                end = years[j]
                total = csum[j] - (csum[i - 1] if i else 0.0)
                span = end - start + 1
                mixed = _mixed_methods(years[i : j + 1], methods[i : j + 1])
                rows.append((*key, start, end, total, j - i + 1, span - (j - i + 1), mixed))
    cols = [
        "source",
        "host",
        "investor",
        "measure",
        "currency",
        "start_year",
        "end_year",
        "value",
        "years_covered",
        "years_missing",
        "_mixed",
    ]
    out = pd.DataFrame(rows, columns=cols)
    out["label"] = [
        f"{labels.FDI_CUMULATIVE_TITLE[m]} {s}–{e}"
        + (f" ({'; '.join(x for x in (mix, f'{miss} years missing' if miss else '') if x)})"
           if mix or miss else "")
        for m, s, e, miss, mix in zip(
            out["measure"],
            out["start_year"],
            out["end_year"],
            out["years_missing"],
            out["_mixed"],
            strict=True,
        )
    ]  # fmt: skip
    return out.drop(columns="_mixed")


# A row's balance-of-payments manual, as its reader writes it in `note` ("BPM5 basis.").
_METHOD = re.compile(r"\b(BPM\d) basis\b")


def _methodology(note: object) -> str | None:
    found = _METHOD.search(note) if isinstance(note, str) else None
    return found[1] if found else None


def _mixed_methods(years: np.ndarray, methods: list[str | None]) -> str:
    """'sums BPM5 (2005–2012) and BPM6 (2013–2021) years' when a window mixes manuals, else ''."""
    spans: dict[str, list[int]] = {}
    for year, method in zip(years.tolist(), methods, strict=True):
        if method:
            spans.setdefault(method, []).append(year)
    if len(spans) < 2:
        return ""
    parts = [f"{m} ({min(y)}–{max(y)})" for m, y in sorted(spans.items(), key=lambda x: x[1][0])]
    return f"sums {', '.join(parts[:-1])} and {parts[-1]} years"


def missing_month_is_zero(source: str) -> bool:
    """True when `source`'s reader says a month without a row means zero (it omits zeros)."""
    try:
        modules = sources.readers(source)
    except KeyError:
        return False
    return any(getattr(m, "MISSING_MONTH_IS_ZERO", False) for m in modules)


def _joined(values: list) -> str | None:
    """Distinct places, in order, joined: 'a.xlsx, sheet 'S', row 3; a.xlsx, sheet 'S', row 9'."""
    seen = dict.fromkeys(v for v in values if isinstance(v, str) and v)
    return "; ".join(seen) or None


def _places(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """`key` + `location`: the distinct places of each group joined by "; " (see `_joined`).

    Most groups have one place (one consulate row, one line of a monthly file), so they skip the
    per-group Python join; `location` values may already be joined lists.
    """
    d = frame.loc[frame["location"].notna(), [*key, "location"]].drop_duplicates()
    size = d.groupby(key, observed=True)["location"].transform("size")
    multi = d[size > 1]
    if multi.empty:
        return d.reset_index(drop=True)
    joined = multi.groupby(key, observed=True, as_index=False)["location"].agg(
        lambda s: _joined([p for x in s.tolist() for p in x.split("; ")])
    )
    return pd.concat([d[size == 1], joined], ignore_index=True)


def _zero_months(monthly: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """Rows of count 0 for the months a source published but a series has no row in.

    Only for sources whose reader sets MISSING_MONTH_IS_ZERO, and only up to the source's last
    month of that year: a month the source did not publish at all stays missing.
    """
    zero = [s for s in monthly["source"].unique() if missing_month_is_zero(s)]
    m = monthly[monthly["source"].isin(zero)]
    if m.empty:
        return monthly.iloc[0:0]
    published = m[["source", "_year", "_month"]].drop_duplicates()
    series = m[group].drop_duplicates()
    grid = series.merge(published, on=["source", "_year"])
    have = m[[*group, "_month"]].assign(_have=True)
    grid = grid.merge(have, on=[*group, "_month"], how="left")
    grid = grid[grid["_have"].isna()].drop(columns="_have")
    if grid.empty:
        return monthly.iloc[0:0]
    grid["period_start"] = pd.to_datetime(dict(year=grid["_year"], month=grid["_month"], day=1))
    grid["period_end"] = grid["period_start"] + pd.offsets.MonthEnd(0)
    grid["basis"] = "month"
    grid["count"] = 0
    grid["location"] = None
    grid["_excess"] = False
    return grid[monthly.columns]


def visa_summary(visas: pd.DataFrame) -> pd.DataFrame:
    """Counts per issuer x consulate country (all consulates) or nationality, with issuance rate.

    Monthly sources also get Jan–X sums, labelled as sums of monthly reports. A month without a
    row counts as 0 for a source whose reader sets MISSING_MONTH_IS_ZERO (US NIV omits zero
    months), else the Jan–X sums stop before it. `location` lists the source-table rows each
    summary row adds up ("; "-separated); `issued_exceeds_applied` is True when one of them
    issued more visas (uniform: plus LTVs) than it received applications (`etl.visa_checks`).
    """
    key = [
        "source",
        "issuer",
        "consulate_country",
        "nationality",
        "visa_category",
        "measure",
        *PERIOD,
    ]
    row_key = [k for k in key if k != "measure"]
    v = visas.copy()
    v["consulate_country"] = v["consulate_country"].fillna("")
    v["nationality"] = v["nationality"].fillna("")
    if "location" not in v:
        v["location"] = None
    flagged = visa_checks.issued_exceeds_applied(visas)
    flagged_keys = set(zip(flagged["location"], flagged["visa_category"], strict=True))
    v["_excess"] = [
        (loc, cat) in flagged_keys
        for loc, cat in zip(v["location"], v["visa_category"], strict=True)
    ]
    totals = v.groupby(key, observed=True, as_index=False).agg(
        count=("count", "sum"), _excess=("_excess", "any")
    )
    totals = totals.merge(_places(v, key), on=key, how="left")
    monthly = totals[totals["basis"] == "month"].copy()
    if not monthly.empty:
        monthly["_year"] = monthly["period_start"].dt.year
        monthly["_month"] = monthly["period_start"].dt.month
        group = [k for k in key if k not in PERIOD] + ["_year"]
        monthly = pd.concat([monthly, _zero_months(monthly, group)], ignore_index=True)
        monthly = monthly.sort_values([*group, "_month"])
        g = monthly.groupby(group, observed=True, sort=False)
        monthly["_complete"] = g["_month"].cumcount() + 1 == monthly["_month"]
        monthly["count"] = g["count"].cumsum()
        monthly["_excess"] = g["_excess"].cummax()
        monthly["location"] = _cumulative_join(monthly["location"], g.ngroup())
        monthly = monthly[monthly["_complete"]]
        monthly["basis"] = "ytd"
        monthly["period_start"] = pd.to_datetime(dict(year=monthly["_year"], month=1, day=1))
        totals = pd.concat(
            [totals, monthly[[*key, "count", "location", "_excess"]]], ignore_index=True
        )
    places = totals.groupby(row_key, observed=True, as_index=False).agg(
        issued_exceeds_applied=("_excess", "any")
    )
    places = places.merge(_places(totals, row_key), on=row_key, how="left")
    wide = totals.pivot_table(
        index=row_key, columns="measure", values="count", aggfunc="sum"
    ).reset_index()
    wide = wide.merge(places, on=row_key, how="left")
    for m in ("applied", "issued", "not_issued"):
        if m not in wide:
            wide[m] = np.nan
    wide["issuance_rate"] = wide["issued"] / wide["applied"].replace(0, np.nan)
    prev = wide[
        [
            *[k for k in key if k not in ("measure", *PERIOD)],
            "basis",
            "period_start",
            "period_end",
            "issued",
        ]
    ].copy()
    prev["period_start"] = _shift_year(prev["period_start"], 1)
    prev["period_end"] = _shift_year(prev["period_end"], 1, month_end=True)
    prev = prev.rename(columns={"issued": "issued_previous"})
    wide = wide.merge(prev, on=[c for c in prev.columns if c != "issued_previous"], how="left")
    wide["issued_yoy_growth"] = (wide["issued"] - wide["issued_previous"]) / wide[
        "issued_previous"
    ].replace(0, np.nan)
    for col in ("consulate_country", "nationality"):
        wide[col] = wide[col].replace("", None)
    zero = wide["source"].isin([x for x in wide["source"].unique() if missing_month_is_zero(x)])
    wide["label"] = np.where(
        wide["basis"] != "ytd",
        "",
        np.where(
            zero,
            "sum of monthly reports; a month without a row counts as 0",
            "sum of monthly reports",
        ),
    )
    wide["issued_exceeds_applied"] = wide["issued_exceeds_applied"].fillna(False).astype(bool)
    return wide


def _cumulative_join(locations: pd.Series, groups: pd.Series) -> list[str | None]:
    """Running `_joined` of `locations` within each group, in the frame's order."""
    out: list[str | None] = []
    current: dict[str, None] = {}
    last = None
    for loc, grp in zip(locations.tolist(), groups.tolist(), strict=True):
        if grp != last:
            current, last = {}, grp
        if isinstance(loc, str) and loc:
            current.update(dict.fromkeys(loc.split("; ")))
        out.append("; ".join(current) or None)
    return out


_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)")


def stated_tolerance(value_as_stated: str, value: float) -> float:
    """Half a unit of the last digit the document printed: '6.4 billion' -> 0.05e9."""
    m = _NUMBER.search(value_as_stated.replace(",", ""))
    if not m:
        return abs(value) * 0.005
    text = m.group(1)
    decimals = len(text.split(".")[1]) if "." in text else 0
    printed = float(text)
    scale = value / printed if printed else 1.0
    return 0.5 * 10 ** (-decimals) * abs(scale)


def facts_check(
    facts: pd.DataFrame,
    trade: pd.DataFrame,
    shares_: pd.DataFrame,
    fdi_cum: pd.DataFrame,
    visas_sum: pd.DataFrame,
    reference_source: str = "bns-kz-trade-by-country",
) -> pd.DataFrame:
    """Each curated figure beside the value computed from official data, with a verdict.

    status: 'consistent' (within the precision the document printed), 'contradicted',
    'partial' (official data cover only part of the figure), or 'not checkable'.
    """
    rows = []
    columns = ["value", "value_usd", "currency", "citation"]
    latest = latest_vintage(_key_columns(trade, slice(None), columns))
    for f in facts.itertuples(index=False):
        computed, source, note, status = np.nan, "", "", "not checkable"
        if f.topic == "trade" and f.measure in ("value", "share", "rank"):
            if f.measure == "value":
                hit = latest[
                    (latest["source"] == reference_source)
                    & (latest["reporter"] == f.reporter)
                    & (latest["partner"] == f.partner)
                    & (latest["flow"] == f.flow)
                    & (latest["basis"] == f.basis)
                    & (latest["period_start"] == f.period_start)
                    & (latest["period_end"] == f.period_end)
                ]
                if len(hit):
                    computed, source = float(hit["value_usd"].iloc[0]), hit["citation"].iloc[0]
            else:
                grp = shares_[
                    (shares_["source"] == reference_source)
                    & (shares_["reporter"] == f.reporter)
                    & (shares_["flow"] == f.flow)
                    & (shares_["basis"] == f.basis)
                    & (shares_["period_start"] == f.period_start)
                    & (shares_["period_end"] == f.period_end)
                ]
                hit = grp[grp["partner"] == f.partner]
                if len(hit):
                    source = hit["citation"].iloc[0]
                    if f.measure == "share":
                        computed = float(hit["share"].iloc[0])
                    else:
                        computed = float(hit["rank"].iloc[0])
                        above = grp[grp["rank"] < computed].sort_values("rank")["partner"]
                        note = "after " + " and ".join(countries.label(c) for c in above)
            if np.isnan(computed):
                note = note or "no official figure for this period in the bundled sources"
        elif f.topic == "fdi" and f.measure == "gross_inflow_cumulative" and len(fdi_cum):
            cand = fdi_cum[
                (fdi_cum["measure"] == "gross_inflow")
                & (fdi_cum["host"] == f.reporter)
                & (fdi_cum["investor"] == f.partner)
                & (fdi_cum["start_year"] == f.period_start.year)
            ]
            if len(cand):
                best = cand.sort_values("end_year").iloc[-1]
                computed, source = float(best["value"]), f"{best['source']}: {best['label']}"
                if best["end_year"] < f.period_end.year:
                    status = "partial"
                    note = (
                        f"official gross inflows cover {best['start_year']}–{best['end_year']} "
                        "only "
                        f"(USD {best['value'] / 1e9:.2f} bn); the release's window runs to "
                        f"{f.period_end.year}"
                    )
        elif f.topic == "visas":
            note = (
                "the bundled official visa data are annual counts by consulate (European "
                "Commission), not Jan–May counts by nationality; see the annual figures"
            )
        if status == "not checkable" and not np.isnan(computed):
            tol = 0.0 if f.unit == "rank" else stated_tolerance(f.value_as_stated, f.value)
            if f.qualifier == "over":
                ok = computed >= f.value - tol
            else:
                ok = abs(computed - f.value) <= tol
            status = "consistent" if ok else "contradicted"
            if status == "contradicted" and f.measure == "share":
                note = _share_explanation(f, facts, latest) or note
        diff = (f.value - computed) / computed if computed and not np.isnan(computed) else np.nan
        rows.append(
            {
                "fact_id": f.fact_id,
                "statement": f.statement,
                "topic": f.topic,
                "measure": f.measure,
                "reporter": f.reporter,
                "partner": f.partner,
                "basis": f.basis,
                "period_start": f.period_start,
                "period_end": f.period_end,
                "stated_value": f.value,
                "unit": f.unit,
                "value_as_stated": f.value_as_stated,
                "computed_value": computed,
                "computed_source": source,
                "difference_rel": diff,
                "status": status,
                "note": note,
                "citation": f.citation,
            }
        )
    return pd.DataFrame(rows)


def _short(source: str) -> str:
    try:
        return registry.info(source).short
    except (KeyError, OSError):
        return source


def _share_explanation(fact, facts: pd.DataFrame, latest: pd.DataFrame) -> str:
    """For a share the data contradict, test whether it fits another period the document cites.

    Releases often quote a year-to-date share beside annual values; dividing the document's own
    year-to-date partner value by the official year-to-date World total shows whether it does.
    """
    ytd_facts = facts[
        (facts["topic"] == "trade")
        & (facts["measure"] == "value")
        & (facts["basis"] == "ytd")
        & (facts["reporter"] == fact.reporter)
        & (facts["partner"] == fact.partner)
        & (facts["flow"] == fact.flow)
    ]
    for alt in ytd_facts.itertuples(index=False):
        world = latest[
            (latest["reporter"] == fact.reporter)
            & (latest["partner"] == "WLD")
            & (latest["flow"] == fact.flow)
            & (latest["basis"] == "ytd")
            & (latest["period_start"] == alt.period_start)
            & (latest["period_end"] == alt.period_end)
        ]
        world = world[world["currency"] == "USD"]
        if world.empty:
            continue
        share = alt.value / float(world["value"].iloc[0])
        period = periods.label("ytd", alt.period_start, alt.period_end)
        return (
            f"the document's own {period} figure ({alt.value_as_stated}) is {share:.2%} of the "
            f"official {period} total ({_short(world['source'].iloc[0])}): the stated share may "
            f"refer to "
            f"{period}, not to {fact.period_start.year}"
        )
    return ""
