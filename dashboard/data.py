"""Clean frames loaded once per process, version-stamped, reloaded when data/clean/ is replaced.

The ETL publishes data/clean/ atomically and writes a new run_id into report.json on every run.
`Store.get()` compares that stamp (one small file read, throttled) and swaps in a fully loaded
new `CleanData` under a lock, so a request sees either the old version or the new one, never a mix.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.sources import SourceNames

TABLES = (
    "trade",
    "trade_derived",
    "shares",
    "growth",
    "cagr",
    "fdi",
    "fdi_cumulative",
    "visas",
    "visa_summary",
    "facts",
    "facts_check",
    "products",
)
CATEGORICAL = (
    "source",
    "reporter",
    "partner",
    "flow",
    "basis",
    "currency",
    "vintage",
    "host",
    "investor",
    "measure",
    "issuer",
    "consulate_country",
    "nationality",
    "visa_category",
    "commodity",
    "valuation",
)


class NoCleanData(RuntimeError):
    pass


@dataclass
class CleanData:
    """Every clean frame, with `trade_all` = published + derived trade rows (column derivation)."""

    version: str
    as_of: str
    frames: dict[str, pd.DataFrame]
    report: dict = field(default_factory=dict)
    # data/clean/metadata.json: {"sources": {key: {short, publisher, title, ...}}, "labels": ...}
    metadata: dict = field(default_factory=dict)
    clean: Path | None = None  # the folder it was read from (large sources are read on demand)

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self.frames[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def trade_all(self) -> pd.DataFrame:
        return self.frames["trade_all"]

    @property
    def sources(self) -> SourceNames:
        """Names of every source (short, publisher, title); the key when metadata is absent."""
        return SourceNames(self.metadata.get("sources") or {})


def read_metadata(clean: Path) -> dict:
    """metadata.json, or {} for clean folders written before the ETL wrote it."""
    try:
        meta = json.loads((clean / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _categorise(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column as a categorical: a fraction of the memory, fast equality filters, and
    row takes on plain integer codes (arrow-backed strings make `iloc` on millions of rows slow).
    """
    cols = [
        c for c in frame.columns
        if c in CATEGORICAL or pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object
    ]  # fmt: skip
    cols = [c for c in cols if not isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype({c: "category" for c in cols}) if cols else frame


def read_version(clean: Path) -> str:
    try:
        return json.loads((clean / "report.json").read_text())["run_id"]
    except (OSError, ValueError, KeyError):
        return ""


def load(clean: Path) -> CleanData:
    """Read every frame of one published version of data/clean/."""
    report_path = clean / "report.json"
    if not report_path.exists():
        raise NoCleanData(f"{clean} holds no ETL output; run `make etl` first")
    report = json.loads(report_path.read_text())
    frames = {name: _read(clean / f"{name}.parquet") for name in TABLES}
    derived = frames["trade_derived"]
    trade = frames["trade"].assign(derivation="")
    frames["trade_all"] = pd.concat([trade, derived], ignore_index=True) if len(derived) else trade
    frames = {name: _categorise(frame) for name, frame in frames.items()}
    if report.get("run_id") != read_version(clean):
        raise NoCleanData(f"{clean} was replaced while loading; retry")
    return CleanData(
        report["run_id"],
        report.get("finished_utc", "")[:10],
        frames,
        report,
        read_metadata(clean),
        clean,
    )


# Every row of a large (streamed) source, partitioned year=Y/reporter=R/ (etl.pipeline.LARGE);
# trade.parquet holds only their commodity TOTALs.
LARGE = "trade_large"


def large_trade(data: CleanData, reporter: str, partner: str) -> pd.DataFrame:
    """A pair's rows of the large sources (UN Comtrade by HS commodity), read from
    data/clean/trade_large/ on demand (callers memoise per data version); empty if none."""
    folder = data.clean / LARGE if data.clean is not None else None
    if folder is None or not any(folder.glob(f"year=*/reporter={reporter}")):
        return pd.DataFrame()
    # Both filters pushed down: the reporter picks partitions, the partner rows within them
    # (a pair is a few hundred of a reporter's hundreds of thousands of rows).
    rows = pd.read_parquet(
        folder, filters=[("reporter", "==", reporter), ("partner", "==", partner)]
    )
    return rows.reset_index(drop=True)


class Store:
    """Process-wide holder of the current CleanData; cheap to call from every callback."""

    def __init__(self, clean: Path, check_every: float = 1.0) -> None:
        self.clean = clean
        self.check_every = check_every
        self._data: CleanData | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> CleanData:
        now = time.monotonic()
        data = self._data
        if data is not None and now - self._checked < self.check_every:
            return data
        with self._lock:
            self._checked = now
            version = read_version(self.clean)
            if self._data is None or (version and version != self._data.version):
                for _ in range(3):
                    try:
                        self._data = load(self.clean)
                        break
                    except (NoCleanData, OSError):
                        if self._data is not None:
                            break  # keep serving the previous complete version
                        time.sleep(0.2)
                if self._data is None:
                    self._data = load(self.clean)
            return self._data
