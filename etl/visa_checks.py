"""Plausibility rules on visa counts, shared by the readers (warnings) and `etl.metrics` (flags).

One rule so far: visas issued at a consulate should not exceed the applications it received.
The Schengen consulate tables break it on hundreds of rows (France, Almaty, 2019: 3 uniform visas
applied for, 50 issued), partly because a visa applied for late in one year is issued in the next,
partly because limited-territorial-validity visas (LTVs) are issued on uniform-visa applications.
The rows are published as printed; this module only finds them so they can be warned about and
marked on charts.
"""

from __future__ import annotations

import pandas as pd

# The category whose applications may end in an LTV instead of a uniform visa: its issued count
# is compared with LTVs added (Schengen's 'Data for consulates' lists both on one row).
UNIFORM = "uniform"
LTV = "ltv"
COLUMNS = [
    "location",
    "source",
    "issuer",
    "consulate_country",
    "consulate",
    "visa_category",
    "period_start",
    "applied",
    "issued",
    "ltv_issued",
]


def issued_exceeds_applied(visas: pd.DataFrame) -> pd.DataFrame:
    """Rows of the source table (one per `location`) where issued (+ LTVs for uniform) > applied.

    One output row per source-table row and category with an `applied` count: `issued` and
    `ltv_issued` (0 when none, and always 0 for categories other than uniform) against `applied`.
    Frames without a `location` column, or without applications, give an empty frame.
    """
    if visas.empty or "location" not in visas or not (visas["measure"] == "applied").any():
        return pd.DataFrame(columns=COLUMNS)
    place = ["location", "source", "issuer", "consulate_country", "consulate", "period_start"]
    v = visas[visas["location"].notna()].fillna({"consulate_country": "", "consulate": ""})
    wide = v.pivot_table(
        index=[*place, "visa_category"], columns="measure", values="count", aggfunc="sum"
    ).reset_index()
    for m in ("applied", "issued"):
        if m not in wide:
            wide[m] = pd.NA
    ltv = wide.loc[wide["visa_category"] == LTV, [*place, "issued"]].rename(
        columns={"issued": "ltv_issued"}
    )
    out = wide[wide["applied"].notna() & (wide["visa_category"] != LTV)]
    out = out.merge(ltv, on=place, how="left")
    out["ltv_issued"] = out["ltv_issued"].where(out["visa_category"] == UNIFORM, 0).fillna(0)
    out["issued"] = out["issued"].fillna(0)
    out = out[out["issued"] + out["ltv_issued"] > out["applied"]]
    for col in ("applied", "issued", "ltv_issued"):
        out[col] = out[col].astype("int64")
    return out[COLUMNS].reset_index(drop=True)


def warning(row: pd.Series | dict) -> str:
    """'<file>, sheet 'Data for consulates', row 441: FRA consulate in Almaty (KAZ), 2019: ...'."""
    ltv = int(row["ltv_issued"])
    issued = f"{int(row['issued']):,} {row['visa_category']} visas issued" + (
        f" + {ltv:,} LTVs = {int(row['issued']) + ltv:,}" if ltv else ""
    )
    return (
        f"{row['location']}: {row['issuer']} consulate in {row['consulate']} "
        f"({row['consulate_country']}), {pd.Timestamp(row['period_start']).year}: {issued}, more "
        f"than the {int(row['applied']):,} {row['visa_category']} visa applications (kept as "
        "printed; marked issued_exceeds_applied in visa_summary)"
    )
