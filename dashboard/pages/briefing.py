"""Briefing page (`/briefing`): key sentences with numbered footnotes, then the charts.

The sentences come from `dashboard.figures.briefing.briefing_sentences(data, state)`: objects
with `.text`, `.footnotes` (objects with `.text`, or strings) and optionally `.checks` (published
figures set beside the computed value, with a `.status`). Footnotes are numbered once per page,
so two sentences citing the same table share a number. A published figure the data contradict
is shown right after the sentence that gives the computed value, flagged by its status.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from dash import html

from dashboard.data import CleanData
from dashboard.pages.shell import page_content
from dashboard.state import ViewState

PAGE = "briefing"
SHOWN_CHECKS = ("contradicted", "partial", "consistent")
log = logging.getLogger(__name__)


def layout(data: CleanData, query: Mapping[str, object]) -> html.Div:
    return page_content(PAGE, data, query)


def _note_text(note: object) -> str:
    for attr in ("text", "citation"):
        value = getattr(note, attr, None)
        if isinstance(value, str):
            return value
    return str(note)


def _check(check: object) -> html.Div | None:
    """A published figure beside the computed one; 'not checkable' ones stay in the chart."""
    status = str(getattr(check, "status", ""))
    if status not in SHOWN_CHECKS:
        return None
    return html.Div(
        [html.Span(status, className="check-status"), html.Span(_note_text(check))],
        className=f"check check-{status}",
    )


def render(data: CleanData, state: ViewState) -> list:
    """Sentences as a list with superscript footnote links, then the numbered footnotes."""
    try:
        from dashboard.figures import briefing
    except ImportError:
        return [html.P("The briefing text is not available in this version.", className="muted")]
    try:
        sentences = list(briefing.briefing_sentences(data, state))
    except Exception:
        log.exception("briefing sentences failed for %s", state)
        return [
            html.P(
                "The briefing text could not be written for this selection; the error "
                "has been logged.",
                className="muted",
            )
        ]
    notes: list[str] = []
    items = []
    for sentence in sentences:
        refs = []
        for note in getattr(sentence, "footnotes", ()) or ():
            text = _note_text(note)
            if text not in notes:
                notes.append(text)
            number = notes.index(text) + 1
            refs.append(
                html.Sup(html.A(str(number), href=f"#fn-{number}", className="fn-ref", title=text))
            )
        checks = [_check(c) for c in getattr(sentence, "checks", ()) or ()]
        items.append(
            html.Li(
                [html.Span(str(getattr(sentence, "text", sentence))), *refs, *filter(None, checks)],
                className="sentence",
            )
        )
    if not items:
        return [html.P("No figures to report for this selection.", className="muted")]
    return [
        html.H2("Key figures"),
        html.Ul(items, className="sentences"),
        html.H3("Sources and notes"),
        html.Ol(
            [html.Li(text, id=f"fn-{i}") for i, text in enumerate(notes, start=1)],
            className="footnotes",
        ),
    ]
