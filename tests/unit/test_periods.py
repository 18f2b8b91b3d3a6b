import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl import periods


def test_ytd_period_covers_january_to_the_month_end():
    start, end = periods.ytd_period(2024, 2)
    assert (start, end) == (pd.Timestamp(2024, 1, 1), pd.Timestamp(2024, 2, 29))


def test_labels_read_like_a_briefing():
    assert periods.label("ytd", *periods.ytd_period(2024, 4)) == "Jan–Apr 2024"
    assert periods.label("year", *periods.year_period(2023)) == "2023"
    assert periods.label("month", *periods.month_period(2024, 5)) == "May 2024"
    assert periods.label("quarter", *periods.quarter_period(2024, 2)) == "Q2 2024"


@pytest.mark.parametrize("month", [0, 13])
def test_impossible_months_are_refused(month):
    with pytest.raises(ValueError):
        periods.ytd_period(2024, month)


@given(st.integers(1990, 2100), st.integers(1, 12))
def test_basis_of_generated_periods_round_trips(year, month):
    assert "month" in periods.expected_basis(*periods.month_period(year, month))
    assert "ytd" in periods.expected_basis(*periods.ytd_period(year, month))
    assert periods.expected_basis(*periods.year_period(year)) == {"year", "ytd"}


def test_a_period_that_is_not_whole_months_has_no_basis():
    assert periods.expected_basis(pd.Timestamp(2024, 1, 2), pd.Timestamp(2024, 1, 31)) == set()
    assert periods.expected_basis(pd.Timestamp(2023, 12, 1), pd.Timestamp(2024, 1, 31)) == set()


@given(
    st.integers(1990, 2100), st.integers(1, 12), st.integers(1, 12), st.sampled_from(periods.BASES)
)
def test_the_schema_basis_check_agrees_with_expected_basis(year, m1, m2, basis):
    from etl.schemas import _basis_matches

    start = pd.Timestamp(year, min(m1, m2), 1)
    end = pd.Timestamp(periods.month_end(year, max(m1, m2)))
    frame = pd.DataFrame({"basis": [basis], "period_start": [start], "period_end": [end]})
    assert bool(_basis_matches(frame).iloc[0]) == (basis in periods.expected_basis(start, end))
