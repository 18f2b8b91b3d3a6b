"""The project's vocabulary, named once: flows, measures and their words.

A leaf module (no imports from the project). Schemas check codes against these lists, readers
map publisher words onto them, and the ETL writes the same words into data/clean/metadata.json
so the dashboard and the export label charts from the data they read, never from literals.
"""

from __future__ import annotations

# Trade flows as stored in the clean frames; 'balance' exists only in derived growth rows.
FLOWS: tuple[str, ...] = ("turnover", "export", "import")
# As a noun phrase inside a sentence: "Kazakhstan's exports by partner".
FLOW_WORD: dict[str, str] = {
    "turnover": "turnover",
    "export": "exports",
    "import": "imports",
    "balance": "balance",
}
# As a control label or a column heading.
FLOW_TITLE: dict[str, str] = {
    "turnover": "Turnover",
    "export": "Exports",
    "import": "Imports",
    "balance": "Balance",
}
# The other side's flow in mirror statistics: A's exports to B are B's imports from A.
OPPOSITE_FLOW: dict[str, str] = {"export": "import", "import": "export", "turnover": "turnover"}

VALUATIONS: tuple[str, ...] = ("FOB", "CIF", "unknown")

# FDI: flows and positions are different series and are never mixed or summed together.
FDI_MEASURES: tuple[str, ...] = ("gross_inflow", "net_inflow", "inward_stock")
FDI_MEASURE_TITLE: dict[str, str] = {
    "gross_inflow": "Gross inflows",
    "net_inflow": "Net inflows",
    "inward_stock": "Inward stock",
}
# What a sum of annual flows over a window is (a cumulative "since 2005" figure).
FDI_CUMULATIVE_TITLE: dict[str, str] = {
    "gross_inflow": "Sum of annual gross FDI inflows",
    "net_inflow": "Sum of annual net FDI inflows",
}

# Visas: administrative counts; "issued" is not "applied".
VISA_MEASURES: tuple[str, ...] = ("issued", "applied", "not_issued")
VISA_MEASURE_TITLE: dict[str, str] = {
    "issued": "Issued",
    "applied": "Applied for",
    "not_issued": "Not issued",
}
VISA_MEASURE_WORD: dict[str, str] = {
    "issued": "issued",
    "applied": "applied for",
    "not_issued": "not issued",
}


def as_metadata() -> dict[str, dict[str, str]]:
    """The words above as plain data, for data/clean/metadata.json."""
    return {
        "flow_word": dict(FLOW_WORD),
        "flow_title": dict(FLOW_TITLE),
        "fdi_measure_title": dict(FDI_MEASURE_TITLE),
        "fdi_cumulative_title": dict(FDI_CUMULATIVE_TITLE),
        "visa_measure_title": dict(VISA_MEASURE_TITLE),
        "visa_measure_word": dict(VISA_MEASURE_WORD),
    }
