"""The view a URL describes: validated query parameters with defaults and notices.

Every selection lives in the query string so a link reproduces the view. Anything that is not
a known code or an in-range value falls back to the default and adds a notice; the raw input is
never echoed back into the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from etl.labels import FDI_MEASURES, FLOWS, VISA_MEASURES

_CODE = re.compile(r"^[A-Z]{3}$")
_YEAR = re.compile(r"^\d{4}$")
# Products page: the level of a product breakdown (etl.products.kind_of; None there = national).
PRODUCT_LEVELS = ("chapter", "group", "section", "national")
MAX_COMPARE = 8  # partners on one compare chart: more lines than colours a reader tells apart


@dataclass(frozen=True)
class ViewState:
    reporter: str = "KAZ"
    partner: str | None = None  # None = the reporter's top partner (controls.resolve)
    year: int | None = None  # None = latest year with data
    flow: str = "turnover"
    source: str | None = None  # None = the page's default source
    measure: str = "gross_inflow"  # FDI page
    visa_measure: str = "issued"  # visas page
    start: int | None = None  # CAGR / cumulative window start
    end: int | None = None
    aggregates: bool = False  # overview: show partner aggregates (EU, CIS...) instead of countries
    level: str | None = None  # products page: breakdown level; None = the page's default
    compare: tuple[str, ...] = ()  # compare page: partners; () = the reporter's top partners
    notices: tuple[str, ...] = field(default=(), compare=False)

    def query(self) -> dict[str, str]:
        """The query parameters that reproduce this view (defaults omitted)."""
        base = ViewState()
        out: dict[str, str] = {}
        for name in (
            "reporter",
            "partner",
            "year",
            "flow",
            "source",
            "measure",
            "visa_measure",
            "start",
            "end",
            "aggregates",
            "level",
            "compare",
        ):
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = ",".join(value) or None
            if value != getattr(base, name) and value is not None:
                out[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return out


def parse(
    params: dict[str, object],
    known_codes: set[str],
    years: range | None = None,
    sources: set[str] | None = None,
) -> ViewState:
    """Validate raw query values (strings, lists, anything) into a ViewState with notices."""
    notices: list[str] = []
    state = ViewState()
    changes: dict[str, object] = {}

    def text(name: str) -> str | None:
        value = params.get(name)
        if value is None:
            return None
        if isinstance(value, list):
            if len(value) > 1:
                notices.append(f"Several '{name}' values in the link; using the first one.")
            value = value[0] if value else ""
        if not isinstance(value, str) or len(value) > 64:
            notices.append(f"Ignored an invalid '{name}' value; showing the default.")
            return None
        return value.strip()

    for name in ("reporter", "partner"):
        value = text(name)
        if value is None:
            continue
        code = value.upper()
        if _CODE.match(code) and code in known_codes:
            changes[name] = code
        else:
            notices.append(f"Unknown {name} code; showing the default {name}.")
    for name in ("year", "start", "end"):
        value = text(name)
        if value is None:
            continue
        if _YEAR.match(value) and (years is None or int(value) in years):
            changes[name] = int(value)
        else:
            notices.append(f"'{name}' must be a four-digit year with data; showing the default.")
    choices = {
        "flow": FLOWS,
        "measure": FDI_MEASURES,
        "visa_measure": VISA_MEASURES,
        "level": PRODUCT_LEVELS,
    }
    for name, allowed in choices.items():
        value = text(name)
        if value is None:
            continue
        if value in allowed:
            changes[name] = value
        else:
            notices.append(f"'{name}' must be one of {', '.join(allowed)}; showing the default.")
    value = text("source")
    if value is not None:
        if sources is not None and value in sources:
            changes["source"] = value
        else:
            notices.append("Unknown source; showing the page's default source.")
    value = text("compare")
    if value is not None:
        codes = [c.strip().upper() for c in value.split(",") if c.strip()]
        good = [c for c in dict.fromkeys(codes) if _CODE.match(c) and c in known_codes]
        if len(good) < len(codes):
            notices.append("Ignored unknown or repeated codes in 'compare'.")
        if len(good) > MAX_COMPARE:
            notices.append(f"At most {MAX_COMPARE} partners can be compared; using the first.")
        changes["compare"] = tuple(good[:MAX_COMPARE])
    value = text("aggregates")
    if value is not None:
        if value.lower() in ("true", "false", "1", "0"):
            changes["aggregates"] = value.lower() in ("true", "1")
        else:
            notices.append("'aggregates' must be true or false; showing countries.")
    return replace(state, **changes, notices=tuple(notices))
