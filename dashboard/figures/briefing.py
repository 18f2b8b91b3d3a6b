"""Briefing page: the key facts as sentences, each number footnoted, curated claims checked.

`briefing_sentences` writes the sentences a press officer would (rank and share, turnover, change
on a year earlier, latest year-to-date, FDI, visas) from the clean frames, for any reporter x
partner, skipping what the data do not cover. A curated figure (data/raw/facts/facts.yaml) that
concerns a sentence is set beside the computed value ("The press release of 25 June 2024 states
14.4%; BNS data give 11.5%"). `briefing_markdown` renders the same sentences, the exported chart
images and the numbered sources as the briefing pack's briefing.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from dashboard.data import CleanData
from dashboard.figures import fdi, visas
from dashboard.figures.common import empty_figure, finish, fmt_amount, fmt_count, fmt_pct
from dashboard.figures.fdi import frame, plain
from dashboard.figures.partner import annual_flows, partner_source
from dashboard.state import ViewState
from dashboard.theme import FLOW_COLOURS
from etl import countries, periods, registry

STATUS_COLOURS = {
    "consistent": "#009E73",
    "contradicted": "#D55E00",
    "partial": "#E69F00",
    "not checkable": "#999999",
}
STATUS_ORDER = ("contradicted", "partial", "not checkable", "consistent")
PAGE_TITLES = {
    "overview": "Overview",
    "partner": "Partner",
    "fdi": "FDI",
    "visas": "Visas",
    "briefing": "Briefing",
}
FLOW_NOUN = {"turnover": "turnover", "export": "exports", "import": "imports"}


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


def _short(source: str) -> str:
    try:
        return registry.info(source).short
    except KeyError:
        return source


def _publisher(source: str) -> str:
    try:
        return registry.info(source).publisher
    except KeyError:
        return source


def _footnote(source: str, citation: str, vintage: str) -> Footnote:
    return Footnote(_publisher(source), str(citation), str(vintage))


def _source_of_citation(text: str) -> str:
    """The short name of the source a facts-check citation refers to ('BNS', 'UNCTAD')."""
    for key, meta in registry.sources().items():
        if text.startswith(key) or text.startswith(meta.publisher):
            return meta.short
    return ""


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
    flow = FLOW_NOUN.get(str(flow), "trade")
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
    from the issuer's (issuer = partner, nationals of the reporter).
    """
    checks = frame(data, "facts_check")
    if checks.empty or "fact_id" not in checks:
        return []
    checks = plain(checks)
    mine = (
        (checks["topic"] != "visas")
        & (checks["reporter"] == state.reporter)
        & (checks["partner"] == state.partner)
    ) | (
        (checks["topic"] == "visas")
        & (checks["reporter"] == state.partner)
        & (checks["partner"] == state.reporter)
    )
    facts = plain(frame(data, "facts"))
    out = []
    for _, row in checks[mine].iterrows():
        computed = row["computed_value"]
        computed = None if pd.isna(computed) else float(computed)
        source = _source_of_citation(str(row.get("computed_source") or ""))
        shown = _format(computed, str(row["unit"]))
        note = str(row.get("note") or "")
        if shown and str(row["unit"]) == "rank" and note.startswith("after "):
            shown = f"{shown} ({note})"  # '3rd (after China and Russia)'

        fact = _fact(facts, str(row["fact_id"]))
        flow = None if fact is None or pd.isna(fact.get("flow")) else str(fact["flow"])
        out.append(
            (
                str(row["topic"]),
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
    shares = frame(data, "shares")
    if shares.empty:
        return None
    group = shares[
        (shares["source"] == source)
        & (shares["reporter"] == state.reporter)
        & (shares["flow"] == "turnover")
        & (shares["basis"] == "year")
    ]
    group = plain(group[group["period_start"].dt.year == year])
    row = group[group["partner"] == state.partner]
    if row.empty:
        return None
    r = row.iloc[0]
    partner, reporter = countries.label(state.partner), countries.label(state.reporter)
    short = _short(source)
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
    return Sentence(text, [_footnote(source, r["citation"], vintage)], topic="trade")


def _turnover(data: CleanData, state: ViewState, source: str, year: int) -> Sentence | None:
    flows = annual_flows(data, source, state.reporter, state.partner)
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
        f"{detail}; {_short(source)}, current prices."
    )
    return Sentence(text, [_footnote(source, t["citation"], t["vintage"])], topic="trade")


def _growth(data: CleanData, state: ViewState, source: str, year: int) -> Sentence | None:
    growth = frame(data, "growth")
    if growth.empty:
        return None
    rows = plain(
        growth[
            (growth["source"] == source)
            & (growth["reporter"] == state.reporter)
            & (growth["partner"] == state.partner)
            & (growth["basis"] == "year")
        ]
    )
    rows = rows[rows["period_start"].dt.year == year].set_index("flow")
    if "turnover" not in rows.index or pd.isna(rows.loc["turnover", "yoy_growth"]):
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
    flows = annual_flows(data, source, state.reporter, state.partner)
    notes = []
    if not flows.empty:
        hit = flows[(flows["year"] == year) & (flows["flow"] == "turnover")]
        prev = flows[(flows["year"] == year - 1) & (flows["flow"] == "turnover")]
        for r in (hit, prev):
            if len(r):
                notes.append(_footnote(source, r["citation"].iloc[0], r["vintage"].iloc[0]))
    return Sentence(text, notes, topic="trade")


def _latest_ytd(data: CleanData, state: ViewState, year: int) -> Sentence | None:
    """The newest Jan–X figure for the pair after the latest full year: the reporter's own if
    published, else the partner's mirror figure, labelled as such (never mixed)."""
    growth = frame(data, "growth")
    if growth.empty:
        return None
    ytd = plain(
        growth[(growth["basis"] == "ytd") & (growth["flow"].isin(["turnover", "export", "import"]))]
    )
    own = ytd[(ytd["reporter"] == state.reporter) & (ytd["partner"] == state.partner)]
    mirror = ytd[(ytd["reporter"] == state.partner) & (ytd["partner"] == state.reporter)]
    for rows, is_mirror in ((own, False), (mirror, True)):
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
        eur = " (EUR, not converted)" if cur == "EUR" else ""
        text = f"{what}: {fmt_amount(r['value'], cur)}{eur} in {period}{change}"
        if is_mirror:
            text += (
                f" — {countries.label(state.partner)}-declared (mirror) figures from "
                f"{_short(src)}, not comparable with {countries.label(state.reporter)}'s "
                "own statistics."
            )
        else:
            text += f" ({_short(src)})."
        trade = frame(data, "trade_all")
        cite = trade[
            (trade["source"] == src)
            & (trade["reporter"] == r["reporter"])
            & (trade["partner"] == r["partner"])
            & (trade["flow"] == r["flow"])
            & (trade["basis"] == "ytd")
            & (trade["period_end"] == r["period_end"])
        ]
        notes = (
            []
            if cite.empty
            else [_footnote(src, cite["citation"].iloc[-1], cite["vintage"].iloc[-1])]
        )
        return Sentence(text, notes, topic="trade")
    return None


def _fdi(data: CleanData, state: ViewState) -> list[Sentence]:
    out = []
    host, partner = state.reporter, state.partner
    window = fdi.cumulative_window(data, host, partner, "gross_inflow", state.start, state.end)
    if window is not None:
        rows = fdi.series(data, host, partner, "gross_inflow", str(window["source"]))
        text = (
            f"Gross FDI inflows from {countries.label(partner)} into "
            f"{countries.label(host)}: {fmt_amount(float(window['value']), window['currency'])}"
            f" ({window['label']}; {_short(str(window['source']))})."
        )
        notes = (
            [_footnote(str(window["source"]), rows["citation"].iloc[-1], rows["vintage"].iloc[-1])]
            if len(rows)
            else []
        )
        out.append(Sentence(text, notes, topic="fdi"))
    net = fdi.series(data, host, partner, "net_inflow")
    stock = fdi.series(data, host, partner, "inward_stock")
    if len(net) or len(stock):
        parts, notes = [], []
        if len(net):
            r = net.iloc[-1]
            parts.append(
                f"net FDI inflows {fmt_amount(r['value'], r['currency'])} in {int(r['year'])}"
            )
            notes.append(_footnote(str(r["source"]), r["citation"], r["vintage"]))
        if len(stock):
            r = stock.iloc[-1]
            parts.append(
                f"inward stock {fmt_amount(r['value'], r['currency'])} at the end of "
                f"{int(r['year'])}"
            )
            if not len(net) or r["citation"] != net.iloc[-1]["citation"]:
                notes.append(_footnote(str(r["source"]), r["citation"], r["vintage"]))
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
            + f"; {', '.join(sorted(_short(s) for s in sources))}."
        )
        out.append(Sentence(text[0].upper() + text[1:], notes, topic="fdi"))
    return out


def _visas(data: CleanData, state: ViewState) -> list[Sentence]:
    out = []
    issuer, country = countries.label(state.partner), countries.label(state.reporter)
    rows = visas.schengen_annual(data, state.partner, state.reporter)
    if not rows.empty:
        r = rows.iloc[-1]
        year = int(r["year"])
        growth = (
            ""
            if pd.isna(r["issued_yoy_growth"])
            else (f", {fmt_pct(r['issued_yoy_growth'], signed=True)} on {year - 1}")
        )
        applied = "" if pd.isna(r["applied"]) else f" from {counted(r['applied'], 'application')}"
        text = (
            f"{visas._possessive(issuer)} consulates in {country} issued "
            f"{counted(r['issued'], 'Schengen visa')} in {year}{growth}{applied} "
            f"(uniform visas counted by place of application, not by nationality; "
            f"{_short(str(r['source']))})."
        )
        cite = _visa_citation(data, str(r["source"]), state.partner, year)
        out.append(Sentence(text, [cite] if cite else [], topic="visas"))
    monthly = visas.nationality_monthly(data, state.partner, state.reporter)
    cmp = visas.ytd_comparison(monthly)
    if cmp is not None:
        text = (
            f"{issuer} issued {counted(cmp['value'], 'visa')} to nationals of {country} in "
            f"{cmp['label']} ({fmt_pct(cmp['growth'], signed=True)} on "
            f"{cmp['previous_label']}; {visas.SUM_OF_MONTHS}, {_short(cmp['source'])})."
        )
        out.append(
            Sentence(
                text,
                [
                    Footnote(
                        _publisher(cmp["source"]), registry_title(cmp["source"]), "monthly reports"
                    )
                ],
                topic="visas",
            )
        )
    return out


def registry_title(source: str) -> str:
    try:
        meta = registry.info(source)
        return f"{meta.publisher}, {meta.title}"
    except KeyError:
        return source


def _visa_citation(data: CleanData, source: str, issuer: str, year: int) -> Footnote | None:
    v = frame(data, "visas")
    if v.empty:
        return None
    hit = v[
        (v["source"] == source)
        & (v["issuer"] == issuer)
        & (v["period_start"] == pd.Timestamp(year, 1, 1))
    ]
    if hit.empty:
        return None
    return _footnote(source, hit["citation"].iloc[0], hit["vintage"].iloc[0])


def briefing_sentences(data: CleanData, state: ViewState) -> list[Sentence]:
    """Key facts for reporter x partner, in reading order; curated claims attached as checks."""
    checks = fact_checks(data, state)
    used: set[str] = set()
    out: list[Sentence] = []
    source = partner_source(data, state)
    flows = annual_flows(data, source, state.reporter, state.partner) if source else pd.DataFrame()
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
            s.checks = _take(
                checks, used, lambda topic, c: topic == "trade" and c.period.startswith("Jan")
            )
            out.append(s)
    for s in _fdi(data, state):
        s.checks = _take(checks, used, lambda topic, c: topic == "fdi")
        out.append(s)
    for s in _visas(data, state):
        s.checks = _take(checks, used, lambda topic, c: topic == "visas")
        out.append(s)
    left = [c for _, c in checks if c.fact_id not in used]
    if left:
        out.append(
            Sentence(
                "Other published figures about this pair, checked against the "
                "bundled official data:",
                [],
                left,
                topic="claims",
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


def briefing_markdown(data: CleanData, state: ViewState, images: dict[str, str]) -> str:
    """The briefing pack's text: sentences with numbered source notes, checks, then the charts.

    `images` maps each image's path (relative to the markdown file) to its caption, in order;
    paths start with the page name ('partner_KAZ-ITA_growth.png').
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
        "",
    ]
    for s in briefing_sentences(data, state):
        refs = ""
        for note in dict.fromkeys(s.footnotes):  # once per sentence, in order
            numbers.setdefault(note, len(numbers) + 1)
            refs += f"[^{numbers[note]}]"
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
                lines += ["", f"### {PAGE_TITLES.get(page, page.capitalize())}"]
            alt = caption.replace("[", "(").replace("]", ")")
            lines += ["", f"![{alt}]({path})"]
    if numbers:
        lines += ["", "## Sources", ""]
        for note, n in numbers.items():
            lines.append(f"[^{n}]: {note.text}")
    return "\n".join(lines) + "\n"


# ---- figures ----------------------------------------------------------------------------------


def turnover(data: CleanData, state: ViewState) -> go.Figure:
    """Exports and imports stacked (= turnover) per year, the latest year's total annotated."""
    reporter, partner = countries.label(state.reporter), countries.label(state.partner)
    title = f"{reporter}–{partner} trade turnover"
    source = partner_source(data, state)
    flows = annual_flows(data, source, state.reporter, state.partner) if source else pd.DataFrame()
    if flows.empty:
        return empty_figure(
            f"No annual trade between {reporter} and {partner} in the bundled sources.", title
        )
    flows = plain(flows)
    wide = flows.pivot_table(index="year", columns="flow", values="value", aggfunc="first")
    currency = str(flows["currency"].iloc[0])
    short = _short(source)
    fig = go.Figure()
    for flow, label in (("export", f"{reporter}'s exports"), ("import", f"{reporter}'s imports")):
        if flow in wide:
            fig.add_trace(
                go.Bar(
                    x=wide.index,
                    y=wide[flow] / 1e9,
                    name=label,
                    marker_color=FLOW_COLOURS[flow],
                    hovertemplate=(
                        f"%{{x}}<br>{label}: {currency} %{{y:,.2f}} bn<br>{short}<extra></extra>"
                    ),
                )
            )
    if "turnover" in wide:
        fig.add_trace(
            go.Scatter(
                x=wide.index,
                y=wide["turnover"] / 1e9,
                name="Turnover",
                mode="markers",
                marker=dict(
                    color=FLOW_COLOURS["turnover"],
                    symbol="line-ew-open",
                    size=30,
                    line=dict(width=2),
                ),
                hovertemplate=(
                    f"%{{x}}<br>Turnover: {currency} %{{y:,.2f}} bn<br>{short}<extra></extra>"
                ),
            )
        )
        year = state.year if state.year in wide.index else int(wide.index.max())
        value = float(wide.loc[year, "turnover"])
        fig.add_annotation(
            x=year,
            y=value / 1e9,
            text=f"<b>{fmt_amount(value, currency)}</b><br>in {year}",
            showarrow=True,
            arrowhead=0,
            ax=0,
            ay=-40,
        )
    years = f"{int(wide.index.min())}–{int(wide.index.max())}"
    fig.update_layout(
        barmode="stack",
        yaxis=dict(title=f"{currency} bn", rangemode="tozero"),
        xaxis=dict(dtick=1),
        legend=dict(orientation="h", y=1.0, x=0.01, yanchor="top", traceorder="normal"),
    )
    subtitle = (
        f"{currency} bn, current prices; exports + imports = turnover; "
        f"{reporter}'s own statistics ({short}), {years}, newest edition per year"
    )
    vintages = flows[["source", "vintage"]].drop_duplicates()
    return finish(
        fig, title=title, subtitle=subtitle, source=fdi.sources_note(vintages), as_of=data.as_of
    )


def facts_chart(data: CleanData, state: ViewState) -> go.Figure:
    """Each curated figure's difference from the official value, coloured by the verdict."""
    reporter, partner = countries.label(state.reporter), countries.label(state.partner)
    title = f"Published claims vs official data: {reporter} and {partner}"
    checks = [c for _, c in fact_checks(data, state)]
    if not checks:
        return empty_figure(f"No curated published figures about {reporter} and {partner}.", title)
    checks = checks[::-1]  # first fact at the top
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        mine = [c for c in checks if c.status == status]
        if not mine:
            continue
        x = [
            0.0
            if c.computed_value in (None, 0)
            else (c.stated_value - c.computed_value) / abs(c.computed_value)
            for c in mine
        ]
        if status == "not checkable":
            x = [0.0] * len(mine)
        texts = [
            f"stated {c.stated} · data {c.computed}"
            if c.computed and status != "partial"
            else f"stated {c.stated} · data {c.computed} (part of the period)"
            if c.computed
            else f"stated {c.stated} · no official figure"
            for c in mine
        ]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[c.label for c in mine],
                mode="markers+text",
                name=status,
                text=texts,
                # labels of far-right points go to their left so they are never cut off
                textposition=["middle left" if v > 0.3 else "middle right" for v in x],
                textfont=dict(size=11),
                marker=dict(
                    color=colour,
                    size=13,
                    symbol="circle-open" if status == "not checkable" else "circle",
                ),
                customdata=[c.text for c in mine],
                hovertemplate="%{y}<br>%{customdata}<extra></extra>",
            )
        )
    fig.add_vline(x=0, line=dict(color="#777", width=1))
    top = max(0.3, *(abs(t) for tr in fig.data for t in tr.x))
    fig.update_layout(
        xaxis=dict(
            title="Stated value vs official value (% difference; 0 = identical)",
            tickformat="+.0%",
            range=[-top * 0.3, top * 1.9],
            zeroline=False,
        ),
        yaxis=dict(categoryorder="array", categoryarray=[c.label for c in checks]),
        # inside the plot, bottom right: the labels run left to right from 0, rarely that far
        legend=dict(
            orientation="h",
            y=0.0,
            x=1,
            xanchor="right",
            yanchor="bottom",
            bgcolor="rgba(255,255,255,0.8)",
        ),
        margin=dict(l=230, r=30),
    )
    docs = sorted({c.document for c in checks})
    subtitle = (
        "Each published figure beside the value computed from the bundled official "
        f"statistics; claims from {', '.join(d[0].lower() + d[1:] for d in docs)}"
    )
    sources = sorted({c.source for c in checks if c.source})
    source = (
        (", ".join(sources) + " (official); claims as published")
        if sources
        else "claims as published"
    )
    return finish(
        fig,
        title=title,
        subtitle=subtitle,
        source=source,
        as_of=data.as_of,
        height=max(520, 38 * len(checks) + 230),
    )


def figures(data: CleanData, state: ViewState) -> dict[str, go.Figure]:
    return {
        "turnover": turnover(data, state),
        "facts_check": facts_chart(data, state),
    }
