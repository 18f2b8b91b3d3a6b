"""BNS monthly totals reader on small exports.csv / imports.csv files (CRLF, thousand USD)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl import schemas
from etl.errors import InputError
from etl.sources import bns_monthly_totals as bns

HEADER = "date,value,transformation"


def write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\r\n".join([HEADER, *lines]) + "\r\n").encode())
    return path


def folder(tmp_path: Path, exports: list[str], imports: list[str] | None = None) -> Path:
    write(tmp_path / "exports.csv", exports)
    if imports is not None:
        write(tmp_path / "imports.csv", imports)
    return tmp_path


EXPORTS = ["2024-01-01,5351587.74833999,level", "2024-02-01,4559264.1,level"]
IMPORTS = ["2024-01-01,2295045.3,level", "2024-02-01,3000000,level", "2024-03-01,1.5,level"]


def by_flow(df: pd.DataFrame, flow: str) -> pd.Series:
    rows = df[df["flow"] == flow]
    return rows.set_index(rows["period_start"].dt.month)["value"]


def test_values_are_usd_single_months_kazakhstan_to_world(tmp_path: Path) -> None:
    result = bns.load(folder(tmp_path, EXPORTS, IMPORTS))
    df = result.frames["trade"]
    schemas.Trade.validate(df, lazy=True)
    assert by_flow(df, "export")[1] == pytest.approx(5_351_587_748.33999)
    assert by_flow(df, "import")[3] == pytest.approx(1_500)
    assert set(df["reporter"]) == {"KAZ"} and set(df["partner"]) == {"WLD"}
    assert set(df["partner_label"]) == {"Total (Republic of Kazakhstan)"}
    assert df["partner_is_aggregate"].all()
    assert set(df["basis"]) == {"month"} and set(df["currency"]) == {"USD"}
    assert set(df["unit_original"]) == {"thousand USD"}
    assert (df["value_usd"] == df["value"]).all()
    assert set(df["vintage"]) == {"data to 2024-03"}  # the month the data end with
    valuation = df.drop_duplicates("flow").set_index("flow")["valuation"].to_dict()
    assert valuation == {"export": "FOB", "import": "CIF", "turnover": "unknown"}
    feb = df[(df["flow"] == "export") & (df["period_start"].dt.month == 2)]
    assert feb["period_end"].item() == pd.Timestamp(2024, 2, 29)
    assert feb["value_original"].item() == pytest.approx(4_559_264.1)
    assert result.rows_in == 5


def test_turnover_only_for_months_with_both_flows(tmp_path: Path) -> None:
    df = bns.load(folder(tmp_path, EXPORTS, IMPORTS)).frames["trade"]
    turnover = by_flow(df, "turnover")
    assert list(turnover.index) == [1, 2]  # March has imports only
    assert turnover[2] == pytest.approx((4_559_264.1 + 3_000_000) * 1000)
    row = df[(df["flow"] == "turnover") & (df["period_start"].dt.month == 2)]
    assert row["value_original"].item() == pytest.approx(7_559_264.1)
    assert "exports.csv + imports.csv" in row["citation"].item()


def test_exports_alone_give_no_turnover(tmp_path: Path) -> None:
    df = bns.load(folder(tmp_path, EXPORTS)).frames["trade"]
    assert set(df["flow"]) == {"export"}


def test_empty_value_is_dropped_and_the_gap_warned(tmp_path: Path) -> None:
    exports = ["2024-01-01,1,level", "2024-02-01,,level", "2024-03-01,3,level"]
    result = bns.load(folder(tmp_path, exports))
    assert list(by_flow(result.frames["trade"], "export").index) == [1, 3]
    assert [(d.file, d.location) for d in result.dropped] == [("exports.csv", "line 3")]
    assert result.warnings and "2024-02" in result.warnings[0]


@pytest.mark.parametrize(
    ("bad_line", "column", "rule"),
    [
        ("2024-03-01,5,pct_change", "transformation", "only 'level' is supported"),
        ("2024-03-15,5,level", "date", "first day of the month"),
        ("03/2024,5,level", "date", "expected a date YYYY-MM-01"),
        ("2024-01-01,5,level", "date", "month given twice (also at line 2)"),
        ("2024-03-01,n/a,level", "value", "not a number (thousand USD)"),
        ("2024-03-01,-5,level", "value", "not negative"),
    ],
)
def test_bad_lines_are_reported(tmp_path: Path, bad_line: str, column: str, rule: str) -> None:
    folder(tmp_path, [*EXPORTS, bad_line])
    with pytest.raises(InputError) as err:
        bns.load(tmp_path)
    [problem] = err.value.problems
    assert (problem.file, problem.location, problem.column) == ("exports.csv", "line 4", column)
    assert rule in problem.rule


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    folder(tmp_path, ["2024-01-15,x,level"], ["2024-01-01,1,index"])
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError) as err:
        bns.load(tmp_path)
    found = {(p.file, p.column) for p in err.value.problems}
    assert found == {
        ("exports.csv", "date"),
        ("exports.csv", "value"),
        ("imports.csv", "transformation"),
        ("notes.csv", "-"),
    }
    assert "cannot tell the flow from the file name" in str(err.value)


def test_semicolons_and_missing_columns_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "exports.csv").write_text("date;value;transformation\n2024-01-01;1;level\n")
    with pytest.raises(InputError, match="separated by semicolons"):
        bns.load(tmp_path)
    (tmp_path / "exports.csv").write_text("date,value\n2024-01-01,1\n")
    with pytest.raises(InputError, match=r"missing column\(s\) \['transformation'\]"):
        bns.load(tmp_path)
