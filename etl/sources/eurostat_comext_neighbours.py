"""Eurostat Comext downloads without codes: EU member states' monthly trade with Kyrgyzstan
(exports and imports), Uzbekistan, Russia and Armenia, January 2019 to August 2024.

One relational-view CSV per month in sub-folders named for the flow and partner
(`exports-to-KGZ/`, `imports-from-KGZ/`, ...); the layout is the Kazakhstan extract's without the
codes (`Total`, `EXPORT`, `Aug. 2024`), read by etl.sources.eurostat_comext. Grain: reporter x
partner x flow x month, EUR; EU exports FOB, EU imports CIF; partner-declared (mirror) data for
the partner's trade. Quirk (PROVENANCE.md): `imports-from-KGZ` holds February 2024 twice
(identical rows); the second copy is dropped with a note, and differing copies would be an error.
Each file must hold the flow and partner its sub-folder names, so a file saved in the wrong
folder is refused rather than published under the wrong series.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from etl.errors import InputError, Problem
from etl.sources import eurostat_comext as comext
from etl.sources.base import FileRead, SourceResult, Tidy, read_folder

SOURCE = "eurostat-comext-eu-trade-with-neighbours-monthly"
# One level of sub-folders, named for the flow and the partner (ISO alpha-3).
PATTERNS = ("exports-to-*/*.csv", "imports-from-*/*.csv")
NO_FILES = "no .csv file in sub-folders exports-to-<ISO3>/ or imports-from-<ISO3>/"
EACH_FILE = True
VINTAGE = "2024-11 downloads"  # 2024-11-16 (UZB: 2024-11-25), per the file names
SUBFOLDER = re.compile(r"^(exports-to|imports-from)-([A-Z]{3})$")
FOLDER_FLOW = {"exports-to": "export", "imports-from": "import"}


def read(path: Path) -> pd.DataFrame:
    """comext.read, the file named with its sub-folder ('imports-from-KGZ/Relational_View...')."""
    return comext.read(path, name=f"{path.parent.name}/{path.name}")


def tidy_frames(faithful: pd.DataFrame) -> Tidy:
    got = comext.tidy_for(faithful, SOURCE, VINTAGE)
    problems = _wrong_folder(got.frames["trade"])
    if problems:
        raise InputError(problems)
    return got


def finish(tidy: Tidy, reads: list[FileRead]) -> Tidy:
    return comext.finish(tidy, reads)


def load(folder: Path) -> SourceResult:
    return read_folder(sys.modules[__name__], folder)


def _wrong_folder(trade: pd.DataFrame) -> list[Problem]:
    """Rows whose flow or partner is not the one the file's sub-folder names."""
    problems = []
    for r in trade.itertuples(index=False):
        sub = r.location.split("/", 1)[0]
        match = SUBFOLDER.match(sub)
        if match is None:
            rule = "sub-folder name is not exports-to-<ISO3> or imports-from-<ISO3>"
            problems.append(Problem(r.location, "-", "-", sub, rule))
            break
        flow, partner = FOLDER_FLOW[match.group(1)], match.group(2)
        if (r.flow, r.partner) != (flow, partner):
            file, _, line = r.location.rpartition(": ")
            rule = f"the sub-folder {sub}/ holds {flow}s with {partner}, not {r.flow}s"
            rule += f" with {r.partner}: the file is in the wrong folder"
            problems.append(Problem(file, line, "FLOW/PARTNER", f"{r.flow} {r.partner}", rule))
    return problems
