"""Text columns as categoricals while etl.metrics derives a large source's frames.

pandas' str columns are Arrow buffers that every filter, sort and merge copies byte for byte: the
metrics make a dozen copies of a million commodity-total rows, each carrying a 190-character
citation, and those copies were most of the ETL's peak memory. A categorical copy is an integer a
row. Categories are kept in sorted order, so sorting or grouping by a categorical gives the order
the strings would (the metrics sort stably), and the published frames stay the same.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa

# Unique on every row ("file.csv, line 12"): nothing to share, stays str.
PLAIN = ("location",)


def _is_text(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return pd.api.types.is_string_dtype(column.cat.categories)
    return isinstance(column.dtype, pd.StringDtype) or (
        column.dtype == object and pd.api.types.infer_dtype(column) in ("string", "empty")
    )


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """`pd.concat(frames, ignore_index=True)` with every text column (but PLAIN) categorical
    over the sorted union of its values; columns and rows in pd.concat's order."""
    first = frames[0].columns
    if all(f.columns.equals(first) for f in frames[1:]):
        columns = first
    else:
        columns = pd.concat([f.iloc[0:0] for f in frames]).columns
    text = [
        c
        for c in columns
        if c not in PLAIN
        and any(c in f.columns and len(f) for f in frames)
        and all(_is_text(f[c]) for f in frames if c in f.columns and len(f))
    ]
    codes = {c: _sorted_values([f[c] for f in frames if c in f.columns]) for c in text}
    parts = [
        f.assign(**{c: _coded(f[c], codes[c]) for c in text if c in f.columns}) for f in frames
    ]
    out = pd.concat(parts, ignore_index=True)
    return out if out.columns.equals(columns) else out[columns]


def _coded(column: pd.Series, codes: pd.Index) -> pd.Series:
    if isinstance(column.dtype, pd.CategoricalDtype):
        same = column.cat.categories.dtype == codes.dtype and column.cat.categories.equals(codes)
        if same and not column.cat.ordered:
            return column  # already over these categories, in this order
        # astype() would keep an unordered categorical's own order (a parquet dictionary's, in
        # the order values were met), as its dtype compares equal to the sorted one.
        return column.cat.set_categories(codes)
    return column.astype(pd.CategoricalDtype(codes))


def _sorted_values(columns: list[pd.Series]) -> pd.Index:
    """The sorted union of the columns' values (a categorical's categories, used or not)."""
    found = [
        c.cat.categories if isinstance(c.dtype, pd.CategoricalDtype) else c.dropna().unique()
        for c in columns
    ]
    first = found[0]
    if (
        isinstance(first, pd.Index)
        and first.dtype == pd.api.types.pandas_dtype("str")  # what pd.Index(..., dtype="str") is
        and first.is_monotonic_increasing
        and first.is_unique
        and all(isinstance(f, pd.Index) and f.equals(first) for f in found[1:])
    ):
        return first  # the common case: one large source's categories, sorted already
    values = np.concatenate([np.asarray(f, dtype=object) for f in found])
    return pd.Index(sorted(set(values.tolist())), dtype="str")


def text_columns(frame: pd.DataFrame) -> list[str]:
    """Categorical columns and columns of Python strings: pandas' str in the published files."""
    return [
        c
        for c in frame.columns
        if isinstance(frame[c].dtype, pd.CategoricalDtype)
        or (frame[c].dtype == object and pd.api.types.infer_dtype(frame[c]) == "string")
    ]


def validate(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame:
    """`model.validate(frame, lazy=True)`, text checked as it comes (`text_as_is`); text held as
    Python strings is then made str, as the model's coercion would."""
    frame = text_as_is(model).validate(frame, lazy=True)
    text = [n for n, col in model.to_schema().columns.items() if "string" in repr(col.dtype)]
    objects = [c for c in text if c in frame.columns and frame[c].dtype == object]
    return frame.astype(dict.fromkeys(objects, "str"))


@cache
def text_as_is(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """`model`'s schema with its text columns checked as they come (str or categorical) rather
    than coerced to str: coercing a million categorical rows to str took more memory than the
    whole derive (`as_str` makes them str when they are written)."""
    schema = model.to_schema()
    text = [n for n, col in schema.columns.items() if "string" in repr(col.dtype)]
    return schema.update_columns({n: {"dtype": None} for n in text})
