"""What every reader returns, and small helpers readers share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.errors import Problem


@dataclass(frozen=True)
class Dropped:
    """A row read from a file and deliberately not published, with the reason."""

    file: str
    location: str
    reason: str
    content: str


@dataclass
class SourceResult:
    """Tidy frames from one source folder, keyed by clean table ('trade', 'fdi', 'visas')."""

    source: str
    frames: dict[str, pd.DataFrame]
    files: list[Path]
    rows_in: int
    dropped: list[Dropped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
