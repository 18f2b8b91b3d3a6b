"""Briefing text: the key facts as sentences, each number footnoted, curated claims checked.

`briefing_sentences` writes the sentences a press officer would (rank and share, turnover, change
on a year earlier, latest year-to-date, FDI, visas) from the clean frames, for any reporter x
partner, skipping what the data do not cover. A curated figure (data/raw/facts/facts.yaml) that
concerns a sentence is set beside the computed value ("The press release of 25 June 2024 states
14.4%; BNS data give 11.5%"). `briefing_markdown` renders the same sentences, the exported chart
images and the numbered sources as the briefing pack's briefing.md. Text, not figures: the
briefing page's charts are drawn by dashboard/figures/briefing.py from `briefing_view`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from dashboard import query
from dashboard.data import CleanData
from dashboard.figures import products as product_figures
from dashboard.figures.common import fmt_amount, fmt_count, fmt_pct, possessive_name
from dashboard.figures.visas import SUM_OF_MONTHS
from dashboard.query import frame, plain
from dashboard.state import ViewState
from etl import countries, periods, products
from etl.labels import FLOW_WORD, FLOWS

STATUS_ORDER = ("contradicted", "partial", "not checkable", "consistent")
OTHER_SIDE = "claims"  # topic of a curated figure stated from the other side of the pair
TOPIC_HEADINGS = {
    "trade": "Trade",
    "coverage": "Trade",
    "products": "Products",
    "fdi": "Investment",
    "visas": "Visas",
    OTHER_SIDE: "Other published figures",
}


@dataclass(frozen=True)
class Footnote:
    source: str  # publisher, as in the snapshot manifest
    citation: str  # file and sheet the number was read from
    vintage: str  # edition or download

    @property
    def text(self) -> str:
        vintage = f" Vintage: {self.vintage}." if self.vintage else ""
        return f"{self.citation}.{vintage}"


@dataclass(frozen=True)
class FactCheck:
    """A curated published figure beside the value computed from official data."""

    fact_id: str
    document: str  # "The press release of 25 June 2024"
    stated: str  # as printed: "14.4%"
    stated_value: float
    computed: str  # formatted official value, "" when there is none
    computed_value: float | None
    status: str  # consistent | contradicted | partial | not checkable
    period: str
    source: str  # short name of the official source, "" when none
    note: str = ""
    label: str = ""  # short name of the figure for charts ("Share of turnover 2023")

    @property
    def text(self) -> str:
        head = f"{self.document} states {self.stated} for {self.period}"
        if self.status in ("consistent", "contradicted") and self.computed:
            data = f"{self.source} data give" if self.source else "official data give"
            explained = ""
            if self.status == "contradicted" and self.note and not self.note.startswith("after "):
                explained = f" {self.note[0].upper()}{self.note[1:]}."  # e.g. another period
            return f"{head}; {data} {self.computed}.{explained}"
        detail = f": {self.note}" if self.note else ""
        return f"{head}; {self.status}{detail}."


@dataclass
class Sentence:
    text: str
    footnotes: list[Footnote] = field(default_factory=list)
    checks: list[FactCheck] = field(default_factory=list)
    topic: str = ""
    period: str = ""  # the period its figure covers: checks of another period are not its own

    @property
    def check(self) -> FactCheck | None:
        """The check that matters most here: a contradiction before a confirmation."""
        if not self.checks:
            return None
        return min(
            self.checks,
            key=lambda c: (
                STATUS_ORDER.index(c.status) if c.status in STATUS_ORDER else len(STATUS_ORDER)
            ),
        )


# ---- helpers ----------------------------------------------------------------------------------


def _footnote(data: CleanData, source: str, citation: str, vintage: str) -> Footnote:
    return Footnote(data.sources.publisher(source), str(citation), str(vintage))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def counted(n: float, noun: str) -> str:
    """'1 visa', '25,108 visas'."""
    return f"{fmt_count(n)} {noun}{'' if n == 1 else 's'}"


def _period_text(basis: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    if basis == "cumulative":
        return f"{start.year}–{end.year}"
    return periods.label(basis, start, end)


def _format(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if unit == "USD":
        return fmt_amount(value)
    if unit == "fraction":
        return fmt_pct(value)
    if unit == "rank":
        return ordinal(int(value))
    return fmt_count(value)


def _fact_label(row: pd.Series, flow: str | None) -> str:
    period = _period_text(row["basis"], row["period_start"], row["period_end"])
    measure = str(row["measure"])
    flow = FLOW_WORD[str(flow)] if flow in FLOWS else "trade"
    labels = {
        "value": f"{flow.capitalize()} {period}",
        "share": f"Share of {flow} {period}",
        "rank": f"Rank by {flow} {period}",
        "gross_inflow_cumulative": f"Gross FDI inflows {period} (sum)",
        "net_inflow_cumulative": f"Net FDI inflows {period} (sum)",
        "issued": f"Visas issued {period}",
        "issued_tourist_schengen": f"Tourist Schengen visas {period}",
        "issued_yoy_growth": f"Growth of visas issued {period}",
    }
    return labels.get(measure, f"{measure.replace('_', ' ').capitalize()} {period}")


def _fact(facts: pd.DataFrame, fact_id: str) -> pd.Series | None:
    if facts.empty or "fact_id" not in facts:
        return None
    hit = facts[facts["fact_id"] == fact_id]
    return None if hit.empty else hit.iloc[0]


def _facts_by_id(data: CleanData) -> dict[str, pd.Series]:
    """fact_id -> its first row of the facts table (`_fact` of every id), once per version."""

    def build() -> dict[str, pd.Series]:
        facts = plain(frame(data, "facts"))
        if facts.empty or "fact_id" not in facts:
            return {}
        ids = dict.fromkeys(str(i) for i in facts["fact_id"])
        return {i: hit for i in ids if (hit := _fact(facts, i)) is not None}

    return query.memo(data, "facts-by-id", build)


def _document(fact: pd.Series | None) -> str:
    """'The press release of 25 June 2024' from the facts table."""
    if fact is None:
        return "A published statement"
    doc = str(fact["document"])
    published = pd.Timestamp(fact["published"])
    kind = "press release" if "press release" in doc.lower() else "document"
    return f"The {kind} of {published.day} {published.strftime('%B %Y')}"


def fact_checks(data: CleanData, state: ViewState) -> list[tuple[str, FactCheck]]:
    """(topic, check) for every curated figure about this pair, in the facts file's order.

    Trade and FDI figures are stated from the reporter's side (reporter = host); visa figures
    from the issuer's (issuer = partner, nationals of the reporter). Kept per pair (the page's
    sentences and its chart both list them); the list is shared: callers must not mutate it.
    """
    key = ("fact-checks", state.reporter, state.partner)
    return query.memo(data, key, lambda: _fact_checks(data, state), pair=True)


def _fact_checks(data: CleanData, state: ViewState) -> list[tuple[str, FactCheck]]:
    checks = frame(data, "facts_check")
    if checks.empty or "fact_id" not in checks:
        return []
    checks = plain(checks)
    forward = (checks["reporter"] == state.reporter) & (checks["partner"] == state.partner)
    backward = (checks["reporter"] == state.partner) & (checks["partner"] == state.reporter)
    # A document about the pair concerns it from either side (audit 7: the seed press release
    # on Kazakhstan–Italy is also about Italy–Kazakhstan). Only figures stated from this view's
    # side (issuer = partner for visas) can sit beside a sentence; the rest are listed as claims.
    is_visa = checks["topic"] == "visas"
    own_side = (~is_visa & forward) | (is_visa & backward)
    facts = _facts_by_id(data)
    out = []
    for index, row in checks[forward | backward].iterrows():
        computed = row["computed_value"]
        computed = None if pd.isna(computed) else float(computed)
        source = data.sources.short_of_citation(str(row.get("computed_source") or ""))
        shown = _format(computed, str(row["unit"]))
        note = str(row.get("note") or "")
        if shown and str(row["unit"]) == "rank" and note.startswith("after "):
            shown = f"{shown} ({note})"  # '3rd (after China and Russia)'

        fact = facts.get(str(row["fact_id"]))
        flow = None if fact is None or pd.isna(fact.get("flow")) else str(fact["flow"])
        out.append(
            (
                str(row["topic"]) if own_side[index] else OTHER_SIDE,
                FactCheck(
                    fact_id=str(row["fact_id"]),
                    document=_document(fact),
                    stated=str(row["value_as_stated"]),
                    stated_value=float(row["stated_value"]),
                    computed=shown,
                    computed_value=computed,
                    status=str(row["status"]),
                    period=_period_text(row["basis"], row["period_start"], row["period_end"]),
                    source=source,
                    note=note,
                    label=_fact_label(row, flow),
                ),
            )
        )
    return out


def _take(checks: list[tuple[str, FactCheck]], used: set[str], predicate) -> list[FactCheck]:
    hits = [c for topic, c in checks if c.fact_id not in used and predicate(topic, c)]
    used.update(c.fact_id for c in hits)
    return hits


# ---- sentences --------------------------------------------------------------------------------


def _rank_share(data: CleanData, state: ViewState, source: str, year: int) -> Sentence | None:
    if frame(data, "shares").empty:
        return None
    group = query.select(
        "shares", data, source=source, reporter=state.reporter, flow="turnover", basis="year"
    )
    group = plain(group[group["period_start"].dt.year == year])
    row = group[group["partner"] == state.partner]
    if row.empty:
        return _share_not_computable(data, state, source, year)
    r = row.iloc[0]
    partner, reporter = countries.label(state.partner), countries.label(state.reporter)
    short = data.sources.short(source)
    vintage = str(r["vintage"])
    if pd.isna(r["rank"]):
        text = (
            f"{partner} accounted for {fmt_pct(r['share'])} of {reporter}'s trade turnover "
            f"in {year} ({short}, {vintage})."
        )
    else:
        rank = int(r["rank"])
        above = group[group["rank"] < rank].sort_values("rank")["partner"].tolist()
        after = ""
        if 0 < len(above) <= 4:
            after = (
                " (after "
                + " and ".join(
                    [", ".join(countries.label(c) for c in above[:-1]), countries.label(above[-1])]
                    if len(above) > 1
                    else [countries.label(above[0])]
                )
                + ")"
            )
        place = "largest" if rank == 1 else f"{ordinal(rank)} largest"
        text = (
            f"{partner} is {reporter}'s {place} trading partner{after}, with "
            f"{fmt_pct(r['share'])} of turnover in {year} ({short}, {vintage})."
        )
    flows = query.annual_flows(data, source, state.reporter, state.partner)
    flows = plain(flows[flows["year"] == year]).set_index("flow") if len(flows) else flows
    notes = (
        _flow_notes(data, source, flows, "turnover")
        if "turnover" in getattr(flows, "index", [])
        else [_footnote(data, source, r["citation"], vintage)]
    )
    return Sentence(text, notes, topic="trade", period=str(year))


def _share_not_computable(
    data: CleanData, state: ViewState, source: str, year: int
) -> Sentence | None:
    """The pair's values come from a table with no World row of the same vintage (FCS's main
    partners, published monthly): a share of another table's total would mix editions."""
    flows = query.annual_flows(data, source, state.reporter, state.partner)
    rows = flows[flows["year"] == year] if not flows.empty else flows
    if rows.empty:
        return None
    vintage = str(rows["vintage"].iloc[-1])
    monthly = query.select(
        "trade", data, source=source, reporter=state.reporter, basis="month", vintage=vintage
    )
    named = {str(c) for c in monthly["partner"].unique()} - {query.WORLD} if len(monthly) else set()
    these = f"these {len(named)} partners" if named else "this table"
    text = (
        f"{countries.label(state.partner)}'s share of {countries.label(state.reporter)}'s "
        f"trade in {year}: share not computable: {data.sources.short(source)} publishes no "
        f"total for {these} ({vintage})."
    )
    return Sentence(text, [], topic="trade", period=str(year))


def _flow_notes(data: CleanData, source: str, flows: pd.DataFrame, flow: str) -> list[Footnote]:
    """Footnotes for one flow's value: its own row, or for a derived turnover the export and
    import rows it was added from (never the exports sheet alone)."""
    row = flows.loc[flow]
    derived = "derivation" in flows and isinstance(row.get("derivation"), str)
    parts = ["export", "import"] if flow == "turnover" and derived else [flow]
    if not all(p in flows.index for p in parts):
        parts = [flow]
    notes = [
        _footnote(data, source, flows.loc[p, "citation"], flows.loc[p, "vintage"]) for p in parts
    ]
    return list(dict.fromkeys(notes))


def _turnover(data: CleanData, state: ViewState, source: str, year: int) -> Sentence | None:
    flows = query.annual_flows(data, source, state.reporter, state.partner)
    if flows.empty:
        return None
    flows = plain(flows[flows["year"] == year]).set_index("flow")
    if "turnover" not in flows.index:
        return None
    t = flows.loc["turnover"]
    cur = str(t["currency"])
    reporter, partner = countries.label(state.reporter), countries.label(state.partner)
    parts = []
    if "export" in flows.index:
        parts.append(f"{reporter}'s exports {fmt_amount(flows.loc['export', 'value'], cur)}")
    if "import" in flows.index:
        parts.append(f"imports {fmt_amount(flows.loc['import', 'value'], cur)}")
    detail = f" ({', '.join(parts)})" if parts else ""
    text = (
        f"{reporter}–{partner} trade turnover was {fmt_amount(t['value'], cur)} in {year}"
        f"{detail}; {data.sources.short(source)}, current prices."
    )
    return Sentence(
        text, _flow_notes(data, source, flows, "turnover"), topic="trade", period=str(year)
    )


def _growth(data: CleanData, state: ViewState, source: str, year: int) -> Sentence | None:
    if frame(data, "growth").empty:
        return None
    rows = plain(
        query.select(
            "growth",
            data,
            source=source,
            reporter=state.reporter,
            partner=state.partner,
            basis="year",
        )
    )
    rows = rows[rows["period_start"].dt.year == year].set_index("flow")
    if "turnover" not in rows.index or pd.isna(rows.loc["turnover", "yoy_growth"]):
        rows = _growth_from_flows(data, source, state, year)
    if rows is None or "turnover" not in rows.index or pd.isna(rows.loc["turnover", "yoy_growth"]):
        return None
    t = rows.loc["turnover"]
    cur = str(t["currency"])
    change = float(t["yoy_growth"])
    verb = "rose" if change > 0 else "fell" if change < 0 else "was unchanged"
    text = (
        f"Turnover {verb} {fmt_pct(abs(change))} on {year - 1} "
        f"({fmt_amount(t['previous_value'], cur)})."
    )
    if "balance" in rows.index:
        bal = float(rows.loc["balance", "value"])
        kind = "surplus" if bal >= 0 else "deficit"
        text = text[:-1] + (
            f"; {countries.label(state.reporter)}'s {kind} with "
            f"{countries.label(state.partner)}: {fmt_amount(abs(bal), cur)}."
        )
    flows = query.annual_flows(data, source, state.reporter, state.partner)
    notes = []
    for y in (year, year - 1) if not flows.empty else ():
        rows_y = plain(flows[flows["year"] == y]).set_index("flow")
        if "turnover" in rows_y.index:
            notes += _flow_notes(data, source, rows_y, "turnover")
    return Sentence(text, list(dict.fromkeys(notes)), topic="trade", period=str(year))


def _growth_from_flows(
    data: CleanData, source: str, state: ViewState, year: int
) -> pd.DataFrame | None:
    """Turnover growth on a year earlier from the pair's annual values, where the ETL computed
    none (Jan–Dec sums of FCS months); same source and vintage in both years."""
    flows = query.annual_flows(data, source, state.reporter, state.partner)
    if flows.empty:
        return None
    t = flows[flows["flow"] == "turnover"].set_index("year")
    if year not in t.index or year - 1 not in t.index:
        return None
    if t.loc[year, "vintage"] != t.loc[year - 1, "vintage"]:
        return None
    now, before = float(t.loc[year, "value"]), float(t.loc[year - 1, "value"])
    row = t.loc[year].copy()
    row["previous_value"] = before
    row["yoy_growth"] = (now - before) / before if before else math.nan
    return pd.DataFrame([row]).assign(flow="turnover").set_index("flow")


def _latest_ytd(data: CleanData, state: ViewState, year: int) -> Sentence | None:
    """The newest Jan–X figure for the pair after the latest full year: the reporter's own if
    published, else the partner's mirror figure, labelled as such (never mixed)."""
    if frame(data, "growth").empty:
        return None

    def ytd(reporter: str, partner: str) -> pd.DataFrame:
        rows = plain(query.select("growth", data, reporter=reporter, partner=partner, basis="ytd"))
        return rows[rows["flow"].isin(["turnover", "export", "import"])] if len(rows) else rows

    own = ytd(state.reporter, state.partner)
    mirror = ytd(state.partner, state.reporter)
    for rows, is_mirror in ((own, False), (mirror, True)):
        if rows.empty:
            continue
        rows = rows[rows["period_end"].dt.year > year]
        if rows.empty:
            continue
        latest = rows[rows["period_end"] == rows["period_end"].max()]
        flow_order = {"turnover": 0, "export": 1, "import": 2}
        r = latest.sort_values("flow", key=lambda s: s.map(flow_order)).iloc[0]
        cur, src = str(r["currency"]), str(r["source"])
        period = periods.label("ytd", r["period_start"], r["period_end"])
        who = countries.label(r["reporter"])
        other = countries.label(r["partner"])
        what = {
            "turnover": f"{who}–{other} turnover",
            "export": f"{who}'s exports to {other}",
            "import": f"{who}'s imports from {other}",
        }[str(r["flow"])]
        change = (
            ""
            if pd.isna(r["yoy_growth"])
            else (
                f", {fmt_pct(r['yoy_growth'], signed=True)} on the same months of "
                f"{r['period_end'].year - 1}"
            )
        )
        cite = query.select(
            "trade_all",
            data,
            source=src,
            reporter=str(r["reporter"]),
            partner=str(r["partner"]),
            flow=r["flow"],
            basis="ytd",
            period_end=r["period_end"],
        )
        text = f"{what}: {fmt_amount(r['value'], cur)}{_in_usd(cur, cite)} in {period}{change}"
        if is_mirror:
            text += (
                f" — {countries.label(state.partner)}-declared (mirror) figures from "
                f"{data.sources.short(src)}, not comparable with "
                f"{countries.label(state.reporter)}'s own statistics."
            )
        else:
            text += f" ({data.sources.short(src)})."
        notes = (
            []
            if cite.empty
            else [_footnote(data, src, cite["citation"].iloc[-1], cite["vintage"].iloc[-1])]
        )
        return Sentence(text, notes, topic="trade", period=period)
    return None


def _in_usd(currency: str, rows: pd.DataFrame) -> str:
    """' (USD 866.4 m at ECB monthly average rates)' for a euro figure whose row the ETL
    converted at cited rates; ' (EUR, not converted)' when no rate covers it."""
    if currency == "USD":
        return ""
    usd = rows["value_usd"].dropna() if "value_usd" in rows else pd.Series(dtype=float)
    if usd.empty:
        return f" ({currency}, not converted)"
    basis = str(rows["fx_basis"].dropna().iloc[-1]) if "fx_basis" in rows else ""
    how = "ECB average rates" if basis.startswith("ECB") else "cited rates"
    return f" ({fmt_amount(float(usd.iloc[-1]), 'USD')} at {how})"


def _after_partners(data: CleanData, state: ViewState, source: str, year: int) -> Sentence | None:
    """One plain sentence when the reporter's totals run past its data by partner (FCS: by
    country to 2021, then only continents and totals)."""
    world = query.select(
        "trade_all", data, source=source, reporter=state.reporter, partner=query.WORLD
    )
    if world.empty:
        return None
    world = plain(world[world["flow"].isin(["export", "import"])])
    later = world[world["period_end"].dt.year > year]
    if later.empty:
        return None
    groups = query.select("trade_all", data, source=source, reporter=state.reporter)
    groups = plain(groups[groups["period_end"].dt.year > year])
    continents = sorted(
        {
            countries.label(c)
            for c in groups["partner"]
            if c != query.WORLD and countries.is_aggregate(c)
        }
    )
    spans = []
    for (basis, start, end), g in later.groupby(["basis", "period_start", "period_end"]):
        if basis == "month":
            continue
        total = float(g["value"].sum())
        spans.append((end, f"{periods.label(str(basis), start, end)} {fmt_amount(total, 'USD')}"))
    if not spans:
        return None
    spans.sort()
    short = data.sources.short(source)
    what = f"continents ({', '.join(continents)}) and totals" if continents else "totals only"
    text = (
        f"{short} publishes {countries.label(state.reporter)}'s trade by country only to "
        f"{year}; after that, {what}: exports + imports "
        + ", ".join(t for _, t in spans)
        + f"; {countries.label(state.partner)} is not shown separately."
    )
    last = later.sort_values("period_end").iloc[-1]
    return Sentence(
        text, [_footnote(data, source, last["citation"], last["vintage"])], topic="coverage"
    )


def _fdi(data: CleanData, state: ViewState) -> list[Sentence]:
    out = []
    host, partner = state.reporter, state.partner
    window = query.cumulative_window(data, host, partner, "gross_inflow", state.start, state.end)
    if window is not None:
        rows = query.series(data, host, partner, "gross_inflow", str(window["source"]))
        text = (
            f"Gross FDI inflows from {countries.label(partner)} into "
            f"{countries.label(host)}: {fmt_amount(float(window['value']), window['currency'])}"
            f" ({window['label']}; {data.sources.short(str(window['source']))})."
        )
        notes = (
            [
                _footnote(
                    data, str(window["source"]), rows["citation"].iloc[-1], rows["vintage"].iloc[-1]
                )
            ]
            if len(rows)
            else []
        )
        out.append(Sentence(text, notes, topic="fdi"))
    net = query.series(data, host, partner, "net_inflow")
    stock = query.series(data, host, partner, "inward_stock")
    if len(net) or len(stock):
        parts, notes = [], []
        if len(net):
            r = net.iloc[-1]
            parts.append(
                f"net FDI inflows {fmt_amount(r['value'], r['currency'])} in {int(r['year'])}"
            )
            notes.append(_footnote(data, str(r["source"]), r["citation"], r["vintage"]))
        if len(stock):
            r = stock.iloc[-1]
            parts.append(
                f"inward stock {fmt_amount(r['value'], r['currency'])} at the end of "
                f"{int(r['year'])}"
            )
            if not len(net) or r["citation"] != net.iloc[-1]["citation"]:
                notes.append(_footnote(data, str(r["source"]), r["citation"], r["vintage"]))
        sources = {str(x) for x in pd.concat([net, stock])["source"]}
        currencies = {str(x) for x in pd.concat([net, stock])["currency"]}
        eur = (
            " (EUR, not converted; net = new investment minus disinvestment)"
            if currencies == {"EUR"}
            else " (net = new investment minus disinvestment)"
        )
        text = (
            f"From {countries.label(partner)}: "
            + "; ".join(parts)
            + eur
            + f"; {', '.join(sorted(data.sources.short(s) for s in sources))}."
        )
        out.append(Sentence(text[0].upper() + text[1:], notes, topic="fdi"))
    return out


def _visas(data: CleanData, state: ViewState) -> list[Sentence]:
    out = []
    issuer, country = countries.label(state.partner), countries.label(state.reporter)
    rows = query.schengen_annual(data, state.partner, state.reporter)
    if not rows.empty:
        r = rows.iloc[-1]
        year = int(r["year"])
        growth = (
            ""
            if pd.isna(r["issued_yoy_growth"])
            else (f", {fmt_pct(r['issued_yoy_growth'], signed=True)} on {year - 1}")
        )
        # Audit 13: "+34.8% on 2023 from 26,562 applications" read as growth from applications.
        applied = (
            "" if pd.isna(r["applied"]) else f"; {counted(r['applied'], 'application')} were lodged"
        )
        text = (
            f"{possessive_name(issuer)} consulates in {country} issued "
            f"{counted(r['issued'], 'Schengen visa')} in {year}{growth}{applied} "
            f"(uniform visas counted by place of application, not by nationality; "
            f"{data.sources.short(str(r['source']))})."
        )
        cite = _visa_citation(
            data, str(r["source"]), state.partner, state.reporter, year, str(r["visa_category"])
        )
        out.append(Sentence(text, [cite] if cite else [], topic="visas", period=str(year)))
    monthly = query.nationality_monthly(data, state.partner, state.reporter)
    cmp = query.ytd_comparison(monthly)
    if cmp is not None:
        text = (
            f"{issuer} issued {counted(cmp['value'], 'visa')} to nationals of {country} in "
            f"{cmp['label']} ({fmt_pct(cmp['growth'], signed=True)} on "
            f"{cmp['previous_label']}; {SUM_OF_MONTHS}, {data.sources.short(cmp['source'])})."
        )
        out.append(
            Sentence(
                text,
                [
                    Footnote(
                        data.sources.publisher(cmp["source"]),
                        data.sources.citation(cmp["source"]),
                        "monthly reports",
                    )
                ],
                topic="visas",
            )
        )
    return out


def _visa_citation(
    data: CleanData,
    source: str,
    issuer: str,
    country: str,
    year: int,
    category: str | None = None,
) -> Footnote | None:
    """The rows summed into the sentence's count: the issuer's consulates located in `country`
    (audit 15: filtering by issuer alone cited the issuer's first consulate anywhere)."""
    if frame(data, "visas").empty:
        return None
    hit = query.select(
        "visas",
        data,
        source=source,
        issuer=issuer,
        consulate_country=country,
        period_start=pd.Timestamp(year, 1, 1),
    )
    if category is not None and "visa_category" in hit:
        hit = hit[hit["visa_category"] == category]
    if "measure" in hit:
        hit = hit[hit["measure"] == "issued"] if (hit["measure"] == "issued").any() else hit
    if hit.empty:
        return None
    citation = str(hit["citation"].iloc[0])
    if "location" in hit and hit["location"].nunique() > 1:
        places = "; ".join(dict.fromkeys(str(x) for x in hit["location"]))
        citation = f"{data.sources.citation(source)}; rows summed: {places}"
    return _footnote(data, source, citation, hit["vintage"].iloc[0])


def _products(data: CleanData, state: ViewState) -> Sentence | None:
    """'Mineral products made up 65.1% of Kazakhstan's exports in 2019–2021 (OEC/BACI, HS
    sections (HS92), 3-year sum).': the largest product of the reporter's default export
    breakdown (the products page's), its share of the published total."""
    choice = query.product_choice(data, replace(state, flow="export", level=None, year=None))
    if choice is None or choice.flow != "export":
        return None
    history = query.product_history(data, state.reporter, "export", choice.level)
    rows = history[history["year"] == choice.year]
    items = rows[rows["product_code"] != products.UNALLOCATED]
    if items.empty:
        return None
    total, _ = product_figures.total_of(rows)
    top = items.loc[items["value"].idxmax()]
    own = str(top["product_label"])
    if products.kind_of(str(top["classification"])) == "section" and own.isascii():
        label = own.capitalize()  # OEC's short section name: 'Precious Metals'
    else:
        label = str(top["product_label_en"] or own).split(";")[0].strip()
    r = rows.iloc[0]
    period = product_figures.period_short(r["basis"], r["period_start"], r["period_end"])
    source = str(r["source"])
    how = product_figures.classification_words(str(r["classification"]))
    basis = f", {r['basis']}" if str(r["basis"]) != "year" else ""
    coverage = product_figures.coverage_words(rows, "export")
    text = (
        f"{label[:1].upper()}{label[1:]} made up {fmt_pct(float(top['value']) / total)} of "
        f"{countries.label(state.reporter)}'s exports in {period} "
        f"({fmt_amount(float(top['value']), str(top['currency']))}; "
        f"{data.sources.short(source)}, {how}{basis}"
        f"{'; ' + coverage if coverage else ''})."
    )
    return Sentence(
        text, [_footnote(data, source, str(top["citation"]), str(top["vintage"]))], topic="products"
    )


def briefing_sentences(data: CleanData, state: ViewState) -> list[Sentence]:
    """Key facts for reporter x partner, in reading order; curated claims attached as checks."""
    checks = fact_checks(data, state)
    used: set[str] = set()
    out: list[Sentence] = []
    source = query.partner_source(data, state)
    flows = (
        query.annual_flows(data, source, state.reporter, state.partner)
        if source
        else pd.DataFrame()
    )
    year = None
    if not flows.empty:
        years = sorted(set(flows["year"]))
        year = state.year if state.year in years else int(years[-1])
    if source and year:

        def same_year(kind: str):
            return lambda topic, c, kind=kind: (
                topic == "trade" and c.period == str(year) and c.fact_id and kind(c)
            )

        s = _rank_share(data, state, source, year)
        if s:
            s.checks = _take(
                checks, used, same_year(lambda c: c.label.startswith(("Rank", "Share")))
            )
            out.append(s)
        s = _turnover(data, state, source, year)
        if s:
            s.checks = _take(
                checks, used, same_year(lambda c: not c.label.startswith(("Rank", "Share")))
            )
            out.append(s)
        s = _growth(data, state, source, year)
        if s:
            out.append(s)
        s = _latest_ytd(data, state, year)
        if s:
            # Only claims for the sentence's own months: a BNS Jan–Apr claim does not belong
            # under a Eurostat Jan–Aug figure (it is listed under its own period below).
            s.checks = _take(
                checks, used, lambda topic, c, p=s.period: topic == "trade" and c.period == p
            )
            out.append(s)
        s = _after_partners(data, state, source, year)
        if s:
            out.append(s)
    s = _products(data, state)
    if s:
        out.append(s)
    for s in _fdi(data, state):
        s.checks = _take(checks, used, lambda topic, c: topic == "fdi")
        out.append(s)
    for s in _visas(data, state):
        s.checks = _take(checks, used, lambda topic, c: topic == "visas")
        out.append(s)
    # Claims no sentence took: one item per topic and period, so each sits under its own.
    left: dict[tuple[str, str], list[FactCheck]] = {}
    for topic, c in checks:
        if c.fact_id not in used:
            left.setdefault((topic, c.period), []).append(c)
    for (topic, period), group in left.items():
        what = "Published figures" if topic == OTHER_SIDE else f"Published {topic} figures"
        side = (
            f" (stated for {countries.label(state.partner)}–{countries.label(state.reporter)})"
            if topic == OTHER_SIDE
            else ""
        )
        out.append(
            Sentence(
                f"{what} for {period}{side}, checked against the bundled official data:",
                [],
                group,
                topic=topic if topic != OTHER_SIDE else OTHER_SIDE,
                period=period,
            )
        )
    if not out:
        out.append(
            Sentence(
                f"The bundled sources hold no official figures for "
                f"{countries.label(state.reporter)} and "
                f"{countries.label(state.partner)}.",
                [],
            )
        )
    return out


# ---- markdown ---------------------------------------------------------------------------------


def briefing_markdown(
    data: CleanData,
    state: ViewState,
    images: dict[str, str],
    headings: Mapping[str, str],
) -> str:
    """The briefing pack's text: sentences with numbered source notes, checks, then the charts.

    `images` maps each image's path (relative to the markdown file) to its caption, in order;
    paths start with the page name ('partner_KAZ-ITA_growth.png'); `headings` gives each page's
    section heading (`Page.heading` in the page registry), else the capitalised page name.
    """
    reporter, partner = countries.label(state.reporter), countries.label(state.partner)
    numbers: dict[Footnote, int] = {}
    lines = [
        f"# Briefing: {reporter} – {partner}",
        "",
        f"Data as of {data.as_of} (data version {data.version[:12]}). Every number below "
        "comes from the official source in its note; published claims are shown beside "
        "the official value, never instead of it.",
        "",
        "## Key facts",
    ]
    by_text: dict[str, int] = {}  # one number per source text, however many Footnote objects
    heading = None
    for s in briefing_sentences(data, state):
        this = TOPIC_HEADINGS.get(s.topic, s.topic.capitalize() or "Other")
        if this != heading:  # each claim sits under its own topic's heading
            heading = this
            lines += ["", f"### {heading}", ""]
        refs = ""
        for note in s.footnotes:
            if note.text not in by_text:
                numbers[note] = by_text[note.text] = len(by_text) + 1
            mark = f"[^{by_text[note.text]}]"
            refs += mark if mark not in refs else ""
        lines.append(f"- {s.text}{refs}")
        for c in s.checks:
            mark = {
                "contradicted": "**Contradicted.** ",
                "partial": "**Partly checkable.** ",
                "not checkable": "Not checkable. ",
                "consistent": "Consistent. ",
            }
            lines.append(f"  - {mark.get(c.status, '')}{c.text}")
    if images:
        lines += ["", "## Charts"]
        page = None
        for path, caption in images.items():
            this = path.split("/")[-1].split("_", 1)[0]
            if this != page:
                page = this
                lines += ["", f"### {headings.get(page, page.capitalize())}"]
            alt = caption.replace("[", "(").replace("]", ")")
            lines += ["", f"![{alt}]({path})"]
    if numbers:
        lines += ["", "## Sources", ""]
        for note, n in numbers.items():
            lines.append(f"[^{n}]: {note.text}")
    return "\n".join(lines) + "\n"
