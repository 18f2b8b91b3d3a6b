"""Row groups: one number per distinct combination of key columns, for grouping and matching rows
on a single integer instead of on several columns (the schemas' cross-row checks, the metrics'
ranks and year-earlier matches)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _value_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """(code per row, number of codes) with 0 for a missing value; a categorical column's own
    codes, so only plain columns are hashed."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(dtype=np.int64) + 1, len(column.cat.categories) + 1
    codes, uniques = pd.factorize(column)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def group_codes(df: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(group, missing): a number per distinct combination of `columns` for each row (a missing
    value is a value of its own; numbers below the frame's length, not necessarily consecutive),
    and which rows miss a key value (groupby leaves those rows out).

    A groupby on the eight key columns of a 170,000-row block costs ~20 ms of CPU; this ~3 ms.
    """
    combined, size = np.zeros(len(df), dtype=np.int64), 1
    missing = np.zeros(len(df), dtype=bool)
    for name in columns:
        codes, n = _value_codes(df[name])
        missing |= codes == 0
        if size * n >= 2**62:  # renumber before the mixed-radix number could overflow
            combined, distinct = pd.factorize(combined)
            size = len(distinct)
        combined, size = combined * n + codes, size * n
    if size > len(df):  # keep arrays indexed by group no longer than the frame
        combined = pd.factorize(combined)[0].astype(np.int64)
    return combined, missing
