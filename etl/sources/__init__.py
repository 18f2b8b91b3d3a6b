"""One reader per raw source format.

Every module here exposes `SOURCE` (the folder name under data/raw/, as in ../shared/data) and
`load(folder: Path) -> SourceResult`. Internally a reader keeps two steps apart: `read()` returns
the file's content faithfully (original labels and units), `normalize()` makes the tidy frame.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# folder name -> module; the order is the order of the report.
READERS: dict[str, str] = {
    "bns-kz-trade-by-country": "etl.sources.bns_trade_by_country",
    "bns-kz-monthly-trade-totals": "etl.sources.bns_monthly_totals",
    "eurostat-comext-eu-exports-to-kaz-monthly": "etl.sources.eurostat_comext",
    "imf-dots-annual": "etl.sources.imf_dots",
    "unctad-bilateral-fdi": "etl.sources.unctad_fdi",
    "wiiw-fdi-kazakhstan": "etl.sources.wiiw_fdi",
    "nbk-kz-fdi-net-inflow-quarterly": "etl.sources.nbk_fdi",
    "eu-schengen-visa-stats": "etl.sources.schengen_visas",
    "us-visa-niv-by-nationality-monthly": "etl.sources.us_niv_visas",
}

# Sources that are read when present but are not part of the bundled snapshot set.
OPTIONAL_READERS: dict[str, str] = {
    "un-comtrade": "etl.sources.comtrade",
}


def reader(source: str) -> ModuleType:
    name = READERS.get(source) or OPTIONAL_READERS[source]
    return importlib.import_module(name)
