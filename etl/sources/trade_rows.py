"""The tidy Trade frame (etl.schemas.Trade) that the national-table readers build, in one place.

Readers differ in how they find partners, periods and units in a publisher's layout. Once they have
them, the columns follow the same rules: the value in base units is the published number times the
unit's factor; `value_usd` is filled for USD rows only (other currencies gain it in etl.fx, at a
cited rate); whether a partner is an aggregate comes from etl.countries; the commodity is the total.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from etl import countries, registry

# Partner tables cover all goods; product tables name their HS codes instead.
TOTAL = "TOTAL"

Column = pd.Series | str | float | list


def trade_frame(
    *,
    source: str,
    reporter: Column,
    partner: pd.Series,
    partner_label: Column,
    flow: Column,
    value_original: pd.Series,
    factor: Column,
    unit_original: Column,
    currency: Column,
    valuation: Column,
    basis: Column,
    period_start: Column,
    period_end: Column,
    vintage: Column,
    citation: Column,
    location: Column,
    flag: Column,
) -> pd.DataFrame:
    """Trade rows on `partner`'s index (callers that sort by their own columns keep it).

    Scalars are repeated on every row; lists and Series must have one item per row."""
    original = value_original.astype(float)
    value = original * (factor.astype(float) if isinstance(factor, pd.Series) else float(factor))
    is_usd = pd.Series(currency, index=partner.index).eq("USD")
    return pd.DataFrame(
        {
            "source": source,
            "reporter": reporter,
            "partner": partner,
            "partner_label": partner_label,
            "partner_is_aggregate": partner.map(countries.is_aggregate).astype(bool),
            "commodity": TOTAL,
            "flow": flow,
            "value": value,
            "value_original": original,
            "unit_original": unit_original,
            "currency": currency,
            "value_usd": value.where(is_usd),
            "valuation": valuation,
            "basis": basis,
            "period_start": period_start,
            "period_end": period_end,
            "vintage": vintage,
            "citation": citation,
            "flag": flag,
            "location": location,
        },
        index=partner.index,
    )


def sheet_citations(source: str, files: Iterable[str], sheets: Iterable[str]) -> list[str]:
    """The registry's citation of each row's file and sheet ("..., sheet '2023'"), built once per
    distinct sheet: a table has thousands of rows and a handful of sheets."""
    keys = list(zip(files, sheets, strict=True))
    cited = {(f, s): registry.citation(source, f, f"sheet {s!r}") for f, s in dict.fromkeys(keys)}
    return [cited[k] for k in keys]
