"""EUR -> USD conversion for value_usd.

No exchange-rate table with a citation ships yet, so EUR series stay in EUR: value_usd is left
empty (NaN) rather than filled with an unsourced rate, and charts label such series in EUR.
"""

from __future__ import annotations

import pandas as pd


def add_usd(frame: pd.DataFrame) -> pd.DataFrame:
    """value_usd = value for USD rows; NaN for other currencies (no cited rate table yet)."""
    out = frame.copy()
    usd = out["currency"] == "USD"
    out["value_usd"] = out["value"].where(usd)
    return out
