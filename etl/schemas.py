"""Every pandera schema in one place: tidy clean frames, the frames derived from them, and how a
clean table is validated and its failures reported.

`TABLES` lists the clean tables the pipeline builds (a model registers itself with
`@clean_table("name")`, so a new table is one model here plus a reader). `validate()` checks a
frame with lazy=True so one run reports every failure, each as a Problem naming the row's file and
cell. Cross-row rules (turnover = exports + imports, YTD non-decreasing, partners <= World) are
named dataframe checks so their failures say which rule broke; on a large block they number
keys once (`group_codes`) and judge each distinct period once (`per_distinct`), with the same
verdict on every row as a row-by-row pass. The tests reuse these models.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
import pandera.api.pandas.model as pa_model
import pandera.errors as pa_errors
import pandera.pandas as pa
import pandera.typing as pa_typing
from pandera.typing import Series

from etl import countries, labels, periods
from etl.errors import Problem, shorten
from etl.groups import group_codes

# The vocabulary is named once, in etl/labels.py; schemas check codes against it.
FLOWS = list(labels.FLOWS)
VALUATIONS = list(labels.VALUATIONS)
CURRENCIES = ["USD", "EUR"]
FDI_MEASURES = list(labels.FDI_MEASURES)
VISA_MEASURES = list(labels.VISA_MEASURES)
# FDI values may be negative in every measure: UNCTAD's "gross inflows" for Kazakhstan hold
# negative cells (e.g. Italy 2010), net flows are often negative and BPM6 stocks can be. The
# pipeline reports negative gross inflows as warnings instead of rejecting the published figure.

# pandera, building any model's schema, asks which Series and Index annotation types every
# installed backend has: with dask installed that imports dask.dataframe (and dask.array), a
# quarter of a small ETL run's CPU, though the engine uses dask.delayed only. Another backend's
# Series or Index can only annotate a model once its pandera.typing module is imported; until
# then pandas' own types are pandera's whole answer, so each model builds the same schema.
_OTHER_BACKENDS = tuple(
    f"pandera.typing.{b}" for b in ("dask", "modin", "pyspark", "pyspark_sql", "geopandas")
)


def _pandas_unless_other_backends(
    pandas_type: type, every_backend: Callable[[], set[type]]
) -> Callable[[], set[type]]:
    def types() -> set[type]:
        if any(name in sys.modules for name in _OTHER_BACKENDS):
            return every_backend()
        return {pandas_type}

    return types


# Only pandera's own lookups are replaced (a pandera release that moved them keeps its own).
if getattr(pa_model, "get_series_types", None) is pa_typing.get_series_types:
    pa_model.get_series_types = _pandas_unless_other_backends(
        pa_typing.Series, pa_typing.get_series_types
    )
if getattr(pa_model, "get_index_types", None) is pa_typing.get_index_types:
    pa_model.get_index_types = _pandas_unless_other_backends(
        pa_typing.Index, pa_typing.get_index_types
    )

# Clean table name (the parquet file's stem) -> its model. Filled by @clean_table below.
TABLES: dict[str, type[pa.DataFrameModel]] = {}
M = TypeVar("M", bound=type[pa.DataFrameModel])


def clean_table(name: str) -> Callable[[M], M]:
    """Register a model as the schema of clean table `name` (data/clean/<name>.parquet)."""

    def register(model: M) -> M:
        TABLES[name] = model
        return model

    return register


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


# The columns a period's checks read: a block of millions of rows holds a handful of them.
_PERIOD = ["period_start", "period_end", "basis"]


def per_distinct(
    df: pd.DataFrame, columns: list[str], rule: Callable[[pd.DataFrame], pd.Series]
) -> pd.Series:
    """`rule(df)` computed once per distinct combination of `columns` (the only columns it
    reads) and mapped back to every row: the same verdict per row, without a pass per row."""
    if len(df) == 0:
        return rule(df[columns])
    group, _ = group_codes(df, columns)
    one_row = np.full(group.max() + 1, -1, dtype=np.int64)
    one_row[group] = np.arange(len(df))  # any row of a group stands for it: same values
    present = one_row >= 0
    verdict = np.zeros(len(one_row), dtype=bool)
    verdict[present] = rule(df[columns].iloc[one_row[present]]).to_numpy(dtype=bool)
    return pd.Series(verdict[group], index=df.index)


def _basis_matches(df: pd.DataFrame) -> pd.Series:
    """Vectorised `periods.expected_basis`, row by row (see `per_distinct` for large frames)."""
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


class _Clean(pa.DataFrameModel):
    """What every clean table's model shares: columns it does not declare are dropped and
    values are coerced to the declared types."""

    class Config:
        strict = "filter"
        coerce = True


class _Periodic(_Clean):
    basis: Series[str] = pa.Field(isin=list(periods.BASES))
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]

    @pa.dataframe_check(name="period_end >= period_start")
    def _period_order(cls, df: pd.DataFrame) -> pd.Series:
        return df["period_end"] >= df["period_start"]

    @pa.dataframe_check(name="basis matches the period's length")
    def _basis_length(cls, df: pd.DataFrame) -> pd.Series:
        return per_distinct(df, _PERIOD, _basis_matches)


@clean_table("trade")
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
    # USD per unit of `currency` used for value_usd, and which rate it was (etl/fx.py).
    fx_rate: Series[float] | None = pa.Field(gt=0, nullable=True)
    fx_basis: Series[str] | None = pa.Field(nullable=True)
    valuation: Series[str] = pa.Field(isin=VALUATIONS)
    vintage: Series[str]
    citation: Series[str]
    # Where the value stands in the file ("..., sheet '2023', row 38"): traceable to the cell.
    location: Series[str] | None = pa.Field(nullable=True)
    flag: Series[str] = pa.Field(nullable=True)

    class Config:
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


@clean_table("fdi")
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
    fx_rate: Series[float] | None = pa.Field(gt=0, nullable=True)
    fx_basis: Series[str] | None = pa.Field(nullable=True)
    vintage: Series[str]
    citation: Series[str]
    location: Series[str] | None = pa.Field(nullable=True)
    note: Series[str] = pa.Field(nullable=True)

    class Config:
        unique = FDI_KEY

    @pa.check("host", "investor", name="ISO 3166 alpha-3 or listed aggregate code")
    def _codes(cls, s: pd.Series) -> pd.Series:
        return _known_code(s)


@clean_table("visas")
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
        unique = VISA_KEY

    @pa.check("issuer", "consulate_country", "nationality", name="ISO 3166 alpha-3 code")
    def _codes(cls, s: pd.Series) -> pd.Series:
        return _known_code(s)

    @pa.dataframe_check(name="consulate country or nationality is given")
    def _one_axis(cls, df: pd.DataFrame) -> pd.Series:
        return df["consulate_country"].notna() | df["nationality"].notna()


class Facts(_Clean):
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

    @pa.check("reporter", "partner", name="ISO 3166 alpha-3 or listed aggregate code")
    def _codes(cls, s: pd.Series) -> pd.Series:
        return _known_code(s)

    @pa.dataframe_check(name="period_end >= period_start")
    def _period_order(cls, df: pd.DataFrame) -> pd.Series:
        return df["period_end"] >= df["period_start"]

    @pa.dataframe_check(name="a share lies in [0, 1]")
    def _share(cls, df: pd.DataFrame) -> pd.Series:
        return (df["measure"] != "share") | df["value"].between(0, 1)


# One derived value per source, reporter, partner, flow and period (shares, growth).
DERIVED_KEY = ["source", "reporter", "partner", "flow", "basis", "period_start", "period_end"]


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
        unique = DERIVED_KEY


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
        unique = DERIVED_KEY


# ---- validating a clean table ------------------------------------------------------------------

MAX_PROBLEMS_SHOWN = 200
# Columns that name a row in a message ("KAZ, ITA, turnover, 2023-01-01"), whichever table it is.
_ROW_KEY = ("reporter", "host", "issuer", "partner", "investor", "flow", "measure")


def validate(table: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """`frame` checked against `TABLES[table]`: (validated frame, []) or (frame, problems)."""
    frame = frame.reset_index(drop=True)
    try:
        return TABLES[table].validate(frame, lazy=True), []
    except pa_errors.SchemaErrors as exc:
        return frame, schema_problems(table, frame, exc)


def schema_problems(table: str, frame: pd.DataFrame, exc: pa_errors.SchemaErrors) -> list[Problem]:
    """Turn pandera's failure cases into problems that point at the row's file and cell.

    A row-wise dataframe check fails once per column; those are folded into one problem per
    row and check, naming the row's key instead of every cell.
    """
    cases = exc.failure_cases.copy()
    cases["index"] = cases["index"].astype(object)
    folded = cases.groupby(["check", "index"], dropna=False, sort=False).agg(
        column=("column", "first"), value=("failure_case", "first"), n=("column", "size")
    )
    out = [
        _problem(table, frame, check, idx, case)
        for (check, idx), case in folded.head(MAX_PROBLEMS_SHOWN).iterrows()
    ]
    if len(folded) > MAX_PROBLEMS_SHOWN:
        more = f"... and {len(folded) - MAX_PROBLEMS_SHOWN} more schema failures"
        out.append(Problem(table, "-", "-", "-", more))
    return out


def _problem(table: str, frame: pd.DataFrame, check: str, idx: object, case: pd.Series) -> Problem:
    where, file, column, value = f"{table} row {idx}", table, str(case["column"]), case["value"]
    if idx is not None and not pd.isna(idx) and idx in frame.index:
        row = frame.loc[idx]
        file = str(row.get("citation", table))
        key = [str(row.get(c, "")) for c in _ROW_KEY]
        period = row.get("period_start")
        key.append(str(period.date()) if isinstance(period, pd.Timestamp) else "")
        named = ", ".join(k for k in key if k and k != "nan")
        cell = row.get("location")
        where = f"{cell} ({named})" if isinstance(cell, str) and cell else f"{where} ({named})"
        if case["n"] > 1:  # a whole-row check: show the value that carries the rule
            column = "value" if "value" in frame.columns else column
            value = row.get(column, value)
    return Problem(file, where, column, shorten(value), f"schema check failed: {check}")


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
    bad_rows = df.set_index(key).index.isin(both.index[bad])
    return pd.Series(~bad_rows, index=df.index) | (df["flow"] != "turnover")


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
    """Sum of non-aggregate partners must not exceed the World row by more than `tolerance`:
    False on the World row of each key (everything but the partner) whose partners exceed it.

    Keys are numbered once (`group_codes`) instead of grouped and joined on eight columns; the
    sums are pandas' own (compensated) group sums, so a row on the edge gets the same verdict.
    """
    ok = pd.Series(True, index=df.index)
    is_world = (df["partner"] == "WLD").to_numpy(dtype=bool)
    if not is_world.any():
        return ok
    key = [c for c in TRADE_KEY if c != "partner"]
    group, missing = group_codes(df, key)
    world_rows = np.flatnonzero(is_world)
    if len(pd.unique(group[world_rows])) < len(world_rows):
        # Two World rows for one key: no single World value to compare with. The repeated key
        # is reported by the key check; this rule fails as it always did (pandas' own error).
        raise ValueError("cannot handle a non-unique multi-index!")
    counted = (~df["partner_is_aggregate"]).to_numpy(dtype=bool) & ~missing
    if not counted.any():
        return ok
    sums = df["value"][counted].groupby(group[counted]).sum()
    world = np.full(group.max() + 1, np.nan)
    keyed_world = world_rows[~missing[world_rows]]
    world[group[keyed_world]] = df["value"].to_numpy(dtype=float)[keyed_world]
    limit = world[sums.index] * (1 + tolerance) + 1.0
    over = np.zeros(len(world), dtype=bool)
    over[sums.index] = sums.to_numpy() > limit
    return ok & ~(is_world & ~missing & over[group])


# ---- products: trade by HS section, chapter, group or national product list (issue 11) -------

PRODUCT_KEY = [
    "source", "reporter", "partner", "flow", "classification", "product_code", "basis",
    "period_start", "period_end", "vintage",
]  # fmt: skip
# One breakdown: the rows of one reporter, flow and period in one table, with its total.
PRODUCT_BREAKDOWN = [c for c in PRODUCT_KEY if c != "product_code"]
# A sum over whole calendar years (OEC publishes BACI exports summed over 2019-2021).
MULTI_YEAR_SUM = r"^(\d+)-year sum$"


def _product_basis_matches(df: pd.DataFrame) -> pd.Series:
    """The usual bases, plus 'N-year sum': 1 January of one year to 31 December N-1 years on."""
    years = df["basis"].str.extract(MULTI_YEAR_SUM, expand=False).astype(float)
    start, end = df["period_start"], df["period_end"]
    multi = (
        years.notna()
        & (start.dt.month == 1)
        & (start.dt.day == 1)
        & (end.dt.month == 12)
        & (end.dt.day == 31)
        & (end.dt.year - start.dt.year + 1 == years)
    )
    return multi | (years.isna() & _basis_matches(df))


def products_within_total(
    df: pd.DataFrame, rel_tol: float = 1e-3, abs_tol: float = 1.0
) -> pd.Series:
    """False on the rows of a breakdown whose values add up to more than its published total.

    The rows of one breakdown never overlap (checked separately for HS codes), so their sum
    may not exceed the total by more than rounding: FCS rounds groups to 0.001 bn USD.
    """
    ok = pd.Series(True, index=df.index)
    has_total = df[df["total_value"].notna()]
    if has_total.empty:
        return ok
    grouped = has_total.groupby(PRODUCT_BREAKDOWN, observed=True, dropna=False)
    sums = grouped["value"].transform("sum")
    total = has_total["total_value"]
    over = sums > total * (1 + rel_tol) + abs_tol
    ok.loc[over[over].index] = False
    return ok


def hs_codes_disjoint(df: pd.DataFrame) -> pd.Series:
    """False on HS chapter or group rows whose chapters overlap another row of the breakdown."""
    from etl import products  # products reads only its own label table; no cycle at import

    ok = pd.Series(True, index=df.index)
    kinds = df["classification"].map(products.kind_of)
    hs = df[kinds.isin(["chapter", "group"]) & (df["product_code"] != products.UNALLOCATED)]
    for _, rows in hs.groupby(PRODUCT_BREAKDOWN, observed=True, dropna=False):
        pairs = products.overlapping(list(rows["product_code"]))
        bad = {code for pair in pairs for code in pair}
        if bad:
            ok.loc[rows.index[rows["product_code"].isin(bad)]] = False
    return ok


@clean_table("products")
class Products(_Clean):
    """One value of goods trade in one product: reporter x partner x flow x product x period.

    `value` is in USD base units; `total_value` is the reporter's total for the same flow and
    period as the same table publishes it (null when the table has none) and `coverage` the
    share of that total the listed products hold. A publisher's remainder is its own row
    (product_code 'unallocated'), never spread over products.
    """

    source: Series[str]
    reporter: Series[str]
    partner: Series[str]
    flow: Series[str] = pa.Field(isin=FLOWS)
    classification: Series[str]
    product_code: Series[str]
    product_label: Series[str]
    product_label_en: Series[str]
    is_range: Series[bool]
    basis: Series[str] = pa.Field(str_matches=rf"^(year|month|quarter|ytd)$|{MULTI_YEAR_SUM}")
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]
    value: Series[float] = pa.Field(ge=0)
    value_original: Series[float] = pa.Field(ge=0)
    unit_original: Series[str]
    currency: Series[str] = pa.Field(isin=CURRENCIES)
    total_value: Series[float] = pa.Field(gt=0, nullable=True)
    coverage: Series[float] = pa.Field(ge=0, le=1.001, nullable=True)
    vintage: Series[str]
    citation: Series[str]
    location: Series[str]
    flag: Series[str] = pa.Field(nullable=True)

    class Config:
        unique = PRODUCT_KEY

    @pa.check("reporter", "partner", name="ISO 3166 alpha-3 or listed aggregate code")
    def _codes(cls, s: pd.Series) -> pd.Series:
        return _known_code(s)

    @pa.check("classification", name="HS level or 'national:<publisher list>'")
    def _classification(cls, s: pd.Series) -> pd.Series:
        return s.str.match(r"^(HS-section|HS2 \(chapter\)|HS-group)( \(HS\d{2}\))?$|^national:.+")

    @pa.dataframe_check(name="period_end >= period_start")
    def _period_order(cls, df: pd.DataFrame) -> pd.Series:
        return df["period_end"] >= df["period_start"]

    @pa.dataframe_check(name="basis matches the period's length")
    def _basis_length(cls, df: pd.DataFrame) -> pd.Series:
        return per_distinct(df, _PERIOD, _product_basis_matches)

    @pa.dataframe_check(name="a product breakdown never exceeds its total")
    def _within_total(cls, df: pd.DataFrame) -> pd.Series:
        return products_within_total(df)

    @pa.dataframe_check(name="HS codes of one breakdown do not overlap")
    def _disjoint(cls, df: pd.DataFrame) -> pd.Series:
        return hs_codes_disjoint(df)


FX_BASES = ["day", "month", "quarter", "year", "month_end", "quarter_end", "year_end"]
FX_KEY = ["source", "base_currency", "quote_currency", "basis", "period_start", "period_end"]


@clean_table("fx")
class FxRates(_Clean):
    """One exchange rate: units of quote_currency per 1 base_currency, for a day, an average
    over a period (basis 'month', 'quarter', 'year'; n_days daily rates averaged when known) or
    a period's last working day ('..._end', for stocks), with the publisher's citation."""

    source: Series[str]
    base_currency: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    quote_currency: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    basis: Series[str] = pa.Field(isin=FX_BASES)
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]
    rate: Series[float] = pa.Field(gt=0)
    n_days: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True)
    citation: Series[str]
    vintage: Series[str]

    class Config:
        unique = FX_KEY

    @pa.dataframe_check(name="period_end >= period_start")
    def _period_order(cls, df: pd.DataFrame) -> pd.Series:
        return df["period_end"] >= df["period_start"]

    @pa.dataframe_check(name="base and quote currencies differ")
    def _two_currencies(cls, df: pd.DataFrame) -> pd.Series:
        return df["base_currency"] != df["quote_currency"]

    @pa.dataframe_check(name="a day's rate covers one day")
    def _one_day(cls, df: pd.DataFrame) -> pd.Series:
        return (df["basis"] != "day") | (df["period_start"] == df["period_end"])
