"""The curated facts file (data/raw/facts/facts.yaml): published figures with their citations.

Rows are figures as a document states them, normalised to base units (USD, count, fraction) and
explicit periods. They are never treated as official data; `metrics.facts_check` sets each one
beside the value computed from an official source.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from etl import periods
from etl.errors import InputError, Problem, shorten
from etl.schemas import Facts

REQUIRED = (
    "id",
    "document",
    "statement",
    "topic",
    "measure",
    "reporter",
    "partner",
    "basis",
    "period",
    "value_as_stated",
    "value",
    "unit",
    "qualifier",
    "attributed_to",
)
# libyaml's parser where PyYAML has it: the same documents, ~1 ms instead of ~7 for facts.yaml.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_period(basis: str, text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """'2023' (year), '2024-04' (ytd Jan–Apr or month), '2005..2023' (cumulative window)."""
    text = str(text).strip()
    if basis == "year" and re.fullmatch(r"\d{4}", text):
        return periods.year_period(int(text))
    if basis in ("ytd", "month") and (m := re.fullmatch(r"(\d{4})-(\d{2})", text)):
        year, month = int(m[1]), int(m[2])
        if basis == "ytd":
            return periods.ytd_period(year, month)
        return periods.month_period(year, month)
    if basis == "cumulative" and (m := re.fullmatch(r"(\d{4})\.\.(\d{4})", text)):
        return periods.year_period(int(m[1]))[0], periods.year_period(int(m[2]))[1]
    raise ValueError(f"period {text!r} does not fit basis {basis!r}")


def read(path: Path) -> tuple[dict, list[dict]]:
    """Faithful content: the documents table and the list of fact entries."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(path.name, "whole file", "-", "-", f"not valid YAML: {exc}")]
        ) from None
    if not isinstance(doc, dict) or "facts" not in doc or "documents" not in doc:
        raise InputError(
            [Problem(path.name, "top level", "facts/documents", "-", "expected both keys")]
        )
    return doc["documents"], doc["facts"]


def normalize(path: Path, documents: dict, entries: list[dict]) -> pd.DataFrame:
    problems: list[Problem] = []
    rows = []
    for i, entry in enumerate(entries, start=1):
        where = f"fact #{i} ({entry.get('id', '?')})"
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            problems.append(Problem(path.name, where, ",".join(missing), "-", "required field"))
            continue
        doc = documents.get(entry["document"])
        if doc is None:
            problems.append(
                Problem(
                    path.name, where, "document", shorten(entry["document"]), "unknown document"
                )
            )
            continue
        try:
            start, end = parse_period(entry["basis"], entry["period"])
        except ValueError as exc:
            problems.append(Problem(path.name, where, "period", shorten(entry["period"]), str(exc)))
            continue
        try:
            value = float(entry["value"])
        except (TypeError, ValueError):
            problems.append(Problem(path.name, where, "value", shorten(entry["value"]), "a number"))
            continue
        published = pd.Timestamp(doc["published"])
        rows.append(
            {
                "fact_id": entry["id"],
                "statement": entry["statement"],
                "topic": entry["topic"],
                "measure": entry["measure"],
                "reporter": entry["reporter"],
                "partner": entry["partner"],
                "flow": entry.get("flow"),
                "basis": entry["basis"],
                "period_start": start,
                "period_end": end,
                "value": value,
                "unit": entry["unit"],
                "value_as_stated": str(entry["value_as_stated"]),
                "qualifier": entry["qualifier"],
                "publisher": doc["publisher"],
                "document": doc["document"],
                "published": published,
                "url": doc.get("url"),
                "attributed_to": entry["attributed_to"],
                "citation": f"{doc['publisher']}, {doc['document']}, {published:%d %B %Y}",
            }
        )
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows)


def load(path: Path) -> pd.DataFrame:
    documents, entries = read(path)
    frame = normalize(path, documents, entries)
    return Facts.validate(frame, lazy=True)
