"""Every pandera schema in one place: tidy clean frames and the frames derived from them.

The tests reuse these models; the pipeline validates with lazy=True so one run reports every
failure. Cross-row rules (turnover = exports + imports, YTD non-decreasing, partners <= World)
are named dataframe checks so their failures say which rule broke.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from etl import countries, periods

FLOWS = ["export", "import", "turnover"]
VALUATIONS = ["FOB", "CIF", "unknown"]
CURRENCIES = ["USD", "EUR"]
FDI_MEASURES = ["gross_inflow", "net_inflow", "inward_stock"]
VISA_MEASURES = ["applied", "issued", "not_issued"]
# FDI values may be negative in every measure: UNCTAD's "gross inflows" for Kazakhstan hold
# negative cells (e.g. Italy 2010), net flows are often negative and BPM6 stocks can be. The
# pipeline reports negative gross inflows as warnings instead of rejecting the published figure.

TRADE_KEY = [
    "source",
    "reporter",
    "partner",
    "commodity",
    "flow",
    "basis",
    "period_start",
    "period_end",
    "vintage",
]
# The tidy FDI columns in the order readers build them (the Fdi model below checks them).
FDI_COLUMNS = [
    "source", "host", "investor", "investor_label", "investor_is_aggregate", "measure", "basis",
    "period_start", "period_end", "value", "value_original", "unit_original", "currency",
    "value_usd", "vintage", "citation", "note",
]  # fmt: skip
FDI_KEY = [
    "source",
    "host",
    "investor",
    "measure",
    "basis",
    "period_start",
    "period_end",
    "vintage",
]
VISA_KEY = [
    "source",
    "issuer",
    "consulate_country",
    "consulate",
    "nationality",
    "visa_category",
    "measure",
    "basis",
    "period_start",
    "period_end",
]


def _known_code(series: pd.Series) -> pd.Series:
    return series.isna() | series.isin(countries.known_codes())


def _basis_matches(df: pd.DataFrame) -> pd.Series:
    """Vectorised `periods.expected_basis`: the check runs on millions of Comtrade rows."""
    start, end = df["period_start"], df["period_end"]
    whole = (
        (start.dt.day == 1) & (end == end + pd.offsets.MonthEnd(0)) & (start.dt.year == end.dt.year)
    )
    n = (end.dt.month - start.dt.month) + 1
    from_january = start.dt.month == 1
    basis = df["basis"]
    ok = (
        ((basis == "year") & from_january & (n == 12))
        | ((basis == "ytd") & from_january)
        | ((basis == "month") & (n == 1))
        | ((basis == "quarter") & (n == 3) & start.dt.month.isin([1, 4, 7, 10]))
    )
    return whole & ok


class _Periodic(pa.DataFrameModel):
    basis: Series[str] = pa.Field(isin=list(periods.BASES))
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]

    @pa.dataframe_check(name="period_end >= period_start")
    def _period_order(cls, df: pd.DataFrame) -> pd.Series:
        return df["period_end"] >= df["period_start"]

    @pa.dataframe_check(name="basis matches the period's length")
    def _basis_length(cls, df: pd.DataFrame) -> pd.Series:
        return _basis_matches(df)


class Trade(_Periodic):
    """One value of goods trade: reporter x partner x flow x period x vintage, in base units."""

    source: Series[str]
    reporter: Series[str]
    partner: Series[str]
    partner_label: Series[str]
    partner_is_aggregate: Series[bool]
    commodity: Series[str]
    flow: Series[str] = pa.Field(isin=FLOWS)
    value: Series[float] = pa.Field(ge=0)
    value_original: Series[float] = pa.Field(ge=0)
    unit_original: Series[str]
    currency: Series[str] = pa.Field(isin=CURRENCIES)
    value_usd: Series[float] = pa.Field(ge=0, nullable=True)
    valuation: Series[str] = pa.Field(isin=VALUATIONS)
    vintage: Series[str]
    citation: Series[str]
    # Where the value stands in the file ("..., sheet '2023', row 38"): traceable to the cell.
    location: Series[str] | None = pa.Field(nullable=True)
    flag: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = "filter"
        coerce = True
        unique = TRADE_KEY

    @pa.check("reporter", "partner", name="ISO 3166 alpha-3 or listed aggregate code")
    def _codes(cls, s: pd.Series) -> pd.Series:
        return _known_code(s)

    @pa.dataframe_check(name="turnover = exports + imports within rounding")
    def _turnover(cls, df: pd.DataFrame) -> pd.Series:
        return turnover_consistent(df)

    @pa.dataframe_check(name="YTD values non-decreasing within a year and vintage")
    def _ytd(cls, df: pd.DataFrame) -> pd.Series:
        return ytd_non_decreasing(df, "value")

    @pa.dataframe_check(name="sum of partners <= World within tolerance")
    def _partners_le_world(cls, df: pd.DataFrame) -> pd.Series:
        return partners_within_world(df)


class Fdi(_Periodic):
    """One FDI value: host x investor x measure x period x vintage; flows and stocks never mixed."""

    source: Series[str]
    host: Series[str]
    investor: Series[str]
    investor_label: Series[str]
    investor_is_aggregate: Series[bool]
    measure: Series[str] = pa.Field(isin=FDI_MEASURES)
    value: Series[float]
    value_original: Series[float]
    unit_original: Series[str]
    currency: Series[str] = pa.Field(isin=CURRENCIES)
    value_usd: Series[float] = pa.Field(nullable=True)
    vintage: Series[str]
    citation: Series[str]
    location: Series[str] | None = pa.Field(nullable=True)
    note: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = "filter"
        coerce = True
        unique = FDI_KEY

    @pa.check("host", "investor", name="ISO 3166 alpha-3 or listed aggregate code")
    def _codes(cls, s: pd.Series) -> pd.Series:
        return _known_code(s)


class Visas(_Periodic):
    """One visa count: issuer x consulate country or nationality x category x measure x period."""

    source: Series[str]
    issuer: Series[str]
    consulate_country: Series[str] = pa.Field(nullable=True)
    consulate: Series[str] = pa.Field(nullable=True)
    nationality: Series[str] = pa.Field(nullable=True)
    visa_category: Series[str]
    measure: Series[str] = pa.Field(isin=VISA_MEASURES)
    count: Series[int] = pa.Field(ge=0)
    vintage: Series[str]
    citation: Series[str]
    location: Series[str] | None = pa.Field(nullable=True)

    class Config:
        strict = "filter"
        coerce = True
        unique = VISA_KEY

    @pa.check("issuer", "consulate_country", "nationality", name="ISO 3166 alpha-3 code")
    def _codes(cls, s: pd.Series) -> pd.Series:
        return _known_code(s)

    @pa.dataframe_check(name="consulate country or nationality is given")
    def _one_axis(cls, df: pd.DataFrame) -> pd.Series:
        return df["consulate_country"].notna() | df["nationality"].notna()


class Facts(pa.DataFrameModel):
    """A curated published figure, value in base units (USD, count, fraction), with its citation."""

    basis: Series[str] = pa.Field(isin=[*periods.BASES, "cumulative"])
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]
    fact_id: Series[str] = pa.Field(unique=True)
    statement: Series[str]
    topic: Series[str] = pa.Field(isin=["trade", "fdi", "visas"])
    measure: Series[str]
    reporter: Series[str]
    partner: Series[str]
    flow: Series[str] = pa.Field(nullable=True)
    value: Series[float]
    unit: Series[str] = pa.Field(isin=["USD", "fraction", "rank", "count"])
    value_as_stated: Series[str]
    qualifier: Series[str] = pa.Field(isin=["exact", "about", "over"])
    publisher: Series[str]
    document: Series[str]
    published: Series[pd.Timestamp]
    url: Series[str] = pa.Field(nullable=True)
    attributed_to: Series[str]
    citation: Series[str]

    class Config:
        strict = "filter"
        coerce = True

    @pa.check("reporter", "partner", name="ISO 3166 alpha-3 or listed aggregate code")
    def _codes(cls, s: pd.Series) -> pd.Series:
        return _known_code(s)

    @pa.dataframe_check(name="period_end >= period_start")
    def _period_order(cls, df: pd.DataFrame) -> pd.Series:
        return df["period_end"] >= df["period_start"]

    @pa.dataframe_check(name="a share lies in [0, 1]")
    def _share(cls, df: pd.DataFrame) -> pd.Series:
        return (df["measure"] != "share") | df["value"].between(0, 1)


class Shares(_Periodic):
    """Partner share of the reporter's World total, numerator and denominator from one source."""

    source: Series[str]
    reporter: Series[str]
    partner: Series[str]
    partner_is_aggregate: Series[bool]
    flow: Series[str] = pa.Field(isin=FLOWS)
    vintage: Series[str]
    value: Series[float] = pa.Field(ge=0)
    world_value: Series[float] = pa.Field(gt=0)
    currency: Series[str]
    share: Series[float] = pa.Field(ge=0, le=1)
    rank: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True)
    citation: Series[str]

    class Config:
        strict = "filter"
        coerce = True
        unique = ["source", "reporter", "partner", "flow", "basis", "period_start", "period_end"]


class Growth(_Periodic):
    """Change against the same period (same basis, same months) one year earlier."""

    source: Series[str]
    reporter: Series[str]
    partner: Series[str]
    flow: Series[str] = pa.Field(isin=[*FLOWS, "balance"])
    value: Series[float]
    previous_value: Series[float]
    yoy_growth: Series[float] = pa.Field(nullable=True)
    currency: Series[str]
    comparison: Series[str]

    class Config:
        strict = "filter"
        coerce = True
        unique = ["source", "reporter", "partner", "flow", "basis", "period_start", "period_end"]


# ---- cross-row rules, shared by the schemas and the tests ------------------------------------


def turnover_consistent(
    df: pd.DataFrame, rel_tol: float = 1e-4, abs_tol: float = 200.0
) -> pd.Series:
    """True for every row unless a turnover row differs from its exports + imports.

    BNS rounds each cell to 0.1 thousand USD (100 USD), so a sum may be off by ~200 USD.
    """
    ok = pd.Series(True, index=df.index)
    if df.empty or not {"export", "import", "turnover"} <= set(df["flow"].unique()):
        return ok
    key = [c for c in TRADE_KEY if c != "flow"]
    wide = df.pivot_table(index=key, columns="flow", values="value", aggfunc="first", observed=True)
    both = wide.dropna(subset=["turnover"])
    parts = both[["export", "import"]].fillna(0).sum(axis=1)
    bad = (both["turnover"] - parts).abs() > (rel_tol * both["turnover"].abs()).clip(lower=abs_tol)
    if not bad.any():
        return ok
    bad_keys = set(both.index[bad])
    rows = df.set_index(key).index
    return pd.Series([k not in bad_keys for k in rows], index=df.index) | (df["flow"] != "turnover")


def ytd_non_decreasing(df: pd.DataFrame, value: str) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    ytd = df[df["basis"] == "ytd"]
    if ytd.empty:
        return ok
    group = [c for c in TRADE_KEY if c not in ("basis", "period_start", "period_end") and c in df]
    ytd = ytd.assign(_year=ytd["period_start"].dt.year).sort_values("period_end")
    decreased = ytd.groupby([*group, "_year"], observed=True)[value].diff() < 0
    ok.loc[decreased[decreased].index] = False
    return ok


def partners_within_world(df: pd.DataFrame, tolerance: float = 0.005) -> pd.Series:
    """Sum of non-aggregate partners must not exceed the World row by more than `tolerance`."""
    ok = pd.Series(True, index=df.index)
    key = [c for c in TRADE_KEY if c != "partner"]
    countries_only = df[~df["partner_is_aggregate"]]
    world = df[df["partner"] == "WLD"].set_index(key)["value"]
    if world.empty:
        return ok
    sums = countries_only.groupby(key, observed=True)["value"].sum()
    joined = pd.concat([sums.rename("sum"), world.rename("world")], axis=1, join="inner")
    over = joined.index[joined["sum"] > joined["world"] * (1 + tolerance) + 1.0]
    if len(over) == 0:
        return ok
    over_set = set(over)
    rows = df.set_index(key).index
    return pd.Series([k not in over_set for k in rows], index=df.index) | (df["partner"] != "WLD")
