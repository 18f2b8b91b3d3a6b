"""Reference periods: calendar years, months, quarters and Jan–X year-to-date cumulatives."""

from __future__ import annotations

import calendar
from datetime import date

import pandas as pd

BASES = ("year", "month", "quarter", "ytd")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def year_period(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)


def month_period(year: int, month: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(year, month, 1), pd.Timestamp(month_end(year, month))


def quarter_period(year: int, quarter: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, got {quarter}")
    first = 3 * (quarter - 1) + 1
    return pd.Timestamp(year, first, 1), pd.Timestamp(month_end(year, first + 2))


def ytd_period(year: int, last_month: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Jan–`last_month` of `year`, the cumulative periods Kazakh statistics publish."""
    if not 1 <= last_month <= 12:
        raise ValueError(f"last month must be 1..12, got {last_month}")
    return pd.Timestamp(year, 1, 1), pd.Timestamp(month_end(year, last_month))


def months_covered(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def expected_basis(start: pd.Timestamp, end: pd.Timestamp) -> set[str]:
    """Which bases a (start, end) pair can carry; used by the schemas' basis check."""
    full_months = start.day == 1 and end == pd.Timestamp(month_end(end.year, end.month))
    if not full_months or start.year != end.year:
        return set()
    n = months_covered(start, end)
    out: set[str] = set()
    if start.month == 1:
        out.add("ytd")
        if n == 12:
            out.add("year")
    if n == 1:
        out.add("month")
    if n == 3 and start.month in (1, 4, 7, 10):
        out.add("quarter")
    return out


def label(basis: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """Human label: '2023', 'Apr 2024', 'Q2 2024', 'Jan–Apr 2024'."""
    if basis == "year":
        return str(start.year)
    if basis == "month":
        return f"{MONTH_ABBR[start.month - 1]} {start.year}"
    if basis == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if end.month == 1:
        return f"Jan {end.year}"
    return f"Jan–{MONTH_ABBR[end.month - 1]} {end.year}"
