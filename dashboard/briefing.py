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
from dataclasses import dataclass, field

import pandas as pd

from dashboard import query
from dashboard.data import CleanData
from dashboard.figures.common import fmt_amount, fmt_count, fmt_pct, possessive_name
from dashboard.figures.visas import SUM_OF_MONTHS
from dashboard.query import frame, plain
from dashboard.state import ViewState
from etl import countries, periods
from etl.labels import FLOW_WORD, FLOWS

STATUS_ORDER = ("contradicted", "partial", "not checkable", "consistent")


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
        source = data.sources.short_of_citation(str(row.get("computed_source") or ""))
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
    return Sentence(text, [_footnote(data, source, r["citation"], vintage)], topic="trade")


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
    return Sentence(text, [_footnote(data, source, t["citation"], t["vintage"])], topic="trade")


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
    flows = query.annual_flows(data, source, state.reporter, state.partner)
    notes = []
    if not flows.empty:
        hit = flows[(flows["year"] == year) & (flows["flow"] == "turnover")]
        prev = flows[(flows["year"] == year - 1) & (flows["flow"] == "turnover")]
        for r in (hit, prev):
            if len(r):
                notes.append(_footnote(data, source, r["citation"].iloc[0], r["vintage"].iloc[0]))
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
                f"{data.sources.short(src)}, not comparable with "
                f"{countries.label(state.reporter)}'s own statistics."
            )
        else:
            text += f" ({data.sources.short(src)})."
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
            else [_footnote(data, src, cite["citation"].iloc[-1], cite["vintage"].iloc[-1])]
        )
        return Sentence(text, notes, topic="trade")
    return None


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
        applied = "" if pd.isna(r["applied"]) else f" from {counted(r['applied'], 'application')}"
        text = (
            f"{possessive_name(issuer)} consulates in {country} issued "
            f"{counted(r['issued'], 'Schengen visa')} in {year}{growth}{applied} "
            f"(uniform visas counted by place of application, not by nationality; "
            f"{data.sources.short(str(r['source']))})."
        )
        cite = _visa_citation(data, str(r["source"]), state.partner, year)
        out.append(Sentence(text, [cite] if cite else [], topic="visas"))
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
    return _footnote(data, source, hit["citation"].iloc[0], hit["vintage"].iloc[0])


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
                lines += ["", f"### {headings.get(page, page.capitalize())}"]
            alt = caption.replace("[", "(").replace("]", ")")
            lines += ["", f"![{alt}]({path})"]
    if numbers:
        lines += ["", "## Sources", ""]
        for note, n in numbers.items():
            lines.append(f"[^{n}]: {note.text}")
    return "\n".join(lines) + "\n"
