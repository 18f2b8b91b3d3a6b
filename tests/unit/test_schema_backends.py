"""etl.schemas answers pandera's backend-type lookups with pandas' types until another backend's
pandera.typing module is imported (so an ETL run does not import dask.dataframe): the schemas
must be the same either way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DUMP = """
import sys
if sys.argv[1] == "with-dask-typing":
    import pandera.typing.dask  # noqa: F401  (pandera's own lookup then answers)
from etl import schemas
for name, model in sorted(schemas.TABLES.items()):
    s = model.to_schema()
    print(name, repr(s), s.strict, s.coerce, s.unique, [c.name for c in s.checks])
    for c, col in s.columns.items():
        checks = [(ch.name, ch.error) for ch in col.checks]
        print(name, c, repr(col.dtype), col.nullable, col.required, col.unique, col.coerce, checks)
print("dask.dataframe imported:", "dask.dataframe" in sys.modules)
"""


def dump(mode: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", DUMP, mode], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def test_schemas_are_the_same_with_or_without_another_backends_types() -> None:
    alone, with_dask = dump("pandas-only"), dump("with-dask-typing")
    assert alone[-1] == "dask.dataframe imported: False"
    assert with_dask[-1] == "dask.dataframe imported: True"
    assert len(alone) > 50  # every table's columns and checks
    assert alone[:-1] == with_dask[:-1]
