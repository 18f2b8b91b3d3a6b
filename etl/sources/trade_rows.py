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
# What a reader must give, as a keyword or as a column of its rows of the same name.
GIVEN = (
    "reporter", "partner", "partner_label", "flow", "value_original", "unit_original", "currency",
    "valuation", "basis", "period_start", "period_end", "vintage", "citation", "location", "flag",
)  # fmt: skip


def trade_frame(
    rows: pd.DataFrame, *, source: str, factor: Column, **given: Column
) -> pd.DataFrame:
    """Trade rows on `rows`' index (callers that sort by their own columns keep it).

    Each name in GIVEN is the keyword's value when given (a scalar repeated on every row, or one
    item per row), else the column of `rows` of that name."""
    missing = [n for n in GIVEN if n not in given and n not in rows.columns]
    unknown = set(given) - set(GIVEN)
    if missing or unknown:
        raise TypeError(f"trade_frame: missing {missing}, unknown {sorted(unknown)}")
    col = {n: given[n] if n in given else rows[n] for n in GIVEN}
    partner = pd.Series(col["partner"], index=rows.index)
    original = pd.Series(col["value_original"], index=rows.index).astype(float)
    value = original * (factor.astype(float) if isinstance(factor, pd.Series) else float(factor))
    is_usd = pd.Series(col["currency"], index=rows.index).eq("USD")
    return pd.DataFrame(
        {
            "source": source,
            "reporter": col["reporter"],
            "partner": partner,
            "partner_label": col["partner_label"],
            "partner_is_aggregate": partner.map(countries.is_aggregate).astype(bool),
            "commodity": TOTAL,
            "flow": col["flow"],
            "value": value,
            "value_original": original,
            "unit_original": col["unit_original"],
            "currency": col["currency"],
            "value_usd": value.where(is_usd),
            "valuation": col["valuation"],
            "basis": col["basis"],
            "period_start": col["period_start"],
            "period_end": col["period_end"],
            "vintage": col["vintage"],
            "citation": col["citation"],
            "flag": col["flag"],
            "location": col["location"],
        },
        index=rows.index,
    )


def sheet_citations(source: str, files: Iterable[str], sheets: Iterable[str]) -> list[str]:
    """The registry's citation of each row's file and sheet ("..., sheet '2023'"), built once per
    distinct sheet: a table has thousands of rows and a handful of sheets."""
    keys = list(zip(files, sheets, strict=True))
    cited = {(f, s): registry.citation(source, f, f"sheet {s!r}") for f, s in dict.fromkeys(keys)}
    return [cited[k] for k in keys]
