"""NBK quarterly net FDI inflow reader: the date convention, units and bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.schemas import Fdi
from etl.sources import nbk_fdi

TEXT = """date,value,transformation
2019-04-01,1200.5,level
2019-07-01,-1442.79,level
2019-10-01,500,level
2020-01-01,1000,level
"""


def write(folder: Path, text: str = TEXT) -> Path:
    path = folder / nbk_fdi.FILE_NAME
    path.write_text(text, encoding="utf-8")
    return path


def test_default_convention_reads_a_date_as_the_day_after_its_quarter() -> None:
    assert nbk_fdi.DATE_MARKS == "previous_quarter_end"
    assert nbk_fdi.quarter_of(date(2019, 7, 1)) == (2019, 2)
    assert nbk_fdi.quarter_of(date(2005, 4, 1)) == (2005, 1)
    assert nbk_fdi.quarter_of(date(2020, 1, 1)) == (2019, 4)


def test_quarter_start_convention_reads_a_date_as_its_own_quarter() -> None:
    assert nbk_fdi.quarter_of(date(2019, 7, 1), "quarter_start") == (2019, 3)
    assert nbk_fdi.quarter_of(date(2020, 1, 1), "quarter_start") == (2020, 1)


def test_rows_are_quarterly_net_inflows_in_dollars_with_the_convention_noted(
    tmp_path: Path,
) -> None:
    write(tmp_path)
    result = nbk_fdi.load(tmp_path)
    fdi = result.frames["fdi"]
    Fdi.validate(fdi, lazy=True)
    assert result.rows_in == len(fdi) == 4
    row = fdi.iloc[1]
    assert (row["period_start"], row["period_end"]) == (
        pd.Timestamp(2019, 4, 1),
        pd.Timestamp(2019, 6, 30),
    )
    assert row["value"] == pytest.approx(-1_442_790_000.0)
    assert row["value_original"] == -1442.79
    assert row["value_usd"] == row["value"]
    assert (row["host"], row["investor"], row["measure"], row["basis"]) == (
        "KAZ",
        "WLD",
        "net_inflow",
        "quarter",
    )
    assert bool(row["investor_is_aggregate"])
    assert (row["unit_original"], row["currency"]) == ("USD m", "USD")
    assert "'previous_quarter_end'" in row["note"] and "2019-07-01" in row["note"]


def test_the_convention_is_a_parameter_of_load(tmp_path: Path) -> None:
    write(tmp_path)
    fdi = nbk_fdi.load(tmp_path, date_marks="quarter_start").frames["fdi"]
    assert fdi["period_start"].iloc[1] == pd.Timestamp(2019, 7, 1)
    assert fdi["period_end"].iloc[1] == pd.Timestamp(2019, 9, 30)
    assert fdi["note"].str.contains("'quarter_start'").all()
    with pytest.raises(ValueError, match="date_marks must be one of"):
        nbk_fdi.load(tmp_path, date_marks="month_end")  # type: ignore[arg-type]


def test_header_below_other_lines_and_reordered_columns(tmp_path: Path) -> None:
    write(tmp_path, "# archived series\n\ntransformation,date,value\nlevel,2019-07-01,-1442.79\n")
    fdi = nbk_fdi.load(tmp_path).frames["fdi"]
    assert fdi["value_original"].tolist() == [-1442.79]


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    text = (
        "date,value,transformation\n"
        "2019-05-01,1,level\n"
        "2019-07-01,abc,level\n"
        "2019-10-01,3,yoy\n"
        "01.01.2020,4,level\n"
        "2019-10-01,5,level\n"
    )
    write(tmp_path, text)
    with pytest.raises(InputError) as info:
        nbk_fdi.load(tmp_path)
    message = str(info.value)
    assert "5 problem(s)" in message
    assert (
        "fdi_net_inflow.csv: line 2, column 'date': value '2019-05-01': "
        "date must be the first day of a quarter"
    ) in message
    assert "line 3, column 'value': value 'abc': expected a number in million USD" in message
    assert "line 4, column 'transformation': value 'yoy': only 'level'" in message
    assert "line 5, column 'date': value '01.01.2020': date must be YYYY-MM-DD" in message
    assert "line 6, column 'date': value '2019-10-01': quarter Q3 2019 already given" in message


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    write(tmp_path, "date,value\n2019-07-01,1\n")
    with pytest.raises(InputError, match="column 'transformation': value '': missing expected"):
        nbk_fdi.load(tmp_path)
    with pytest.raises(InputError, match=r"fdi_net_inflow\.csv': file not found"):
        nbk_fdi.load(tmp_path / "nowhere")


def test_truncated_row_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "date,value,transformation\n2019-07-01,1\n")
    with pytest.raises(InputError, match=r"line 2, .*row has 2 cells but the header has 3"):
        nbk_fdi.load(tmp_path)
