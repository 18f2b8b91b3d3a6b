"""UN Comtrade reader on crafted Comtrade-layout files: codes, periods, drops, errors, streaming.

Comtrade has one path, the pipeline's: etl/engine.py reads each file block by block, validates,
writes partitioned parquet and checks keys across files. The tests go through that path.
"""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from etl import engine
from etl.errors import InputError
from etl.schemas import Trade
from etl.sources import comtrade
from etl.sources.base import SourceResult

DEFAULTS = {
    "typeCode": "C",
    "freqCode": "M",
    "period": "202304",
    "reporterCode": "842",
    "flowCode": "X",
    "partnerCode": "0",
    "partner2Code": "0",
    "classificationCode": "H6",
    "cmdCode": "TOTAL",
    "customsCode": "C00",
    "motCode": "0",
    "qtyUnitCode": "-1",
    "qtyUnitAbbr": "N/A",
    "primaryValue": "1000",
    "isAggregate": "True",
}


def comtrade_text(
    rows: list[dict[str, str]], delimiter: str = ",", columns=comtrade.COLUMNS
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = DEFAULTS | row
        writer.writerow([values.get(c, "") for c in columns])
    return out.getvalue()


def write(folder: Path, rows: list[dict[str, str]], name: str = "data.csv", **kw) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(comtrade_text(rows, **kw), encoding="utf-8")
    return path


def streamed(folder: Path, block_bytes: int = engine.BLOCK_BYTES) -> SourceResult:
    """The folder as the pipeline runs it; frames["trade"] is what trade_large/ holds.

    Raises InputError with every problem, as the pipeline does.
    """
    with tempfile.TemporaryDirectory() as out:
        outcome = engine.run_source(
            comtrade.SOURCE, comtrade, folder, Path(out), "synchronous", block_bytes
        )
        if outcome.problems:
            raise InputError(outcome.problems)
        trade = pd.read_parquet(out) if outcome.result.rows_out["trade_large"] else pd.DataFrame()
        outcome.result.frames["trade"] = trade.drop(columns="year", errors="ignore")
    return outcome.result


def load_trade(folder: Path) -> pd.DataFrame:
    return streamed(folder).frames["trade"]


def one(trade: pd.DataFrame, **match: str) -> pd.Series:
    hit = trade
    for column, value in match.items():
        hit = hit[hit[column].astype(str) == value]
    assert len(hit) == 1, f"{match}: {len(hit)} rows"
    return hit.iloc[0]


# ---- codes -------------------------------------------------------------------------------------


def test_comtrade_numeric_codes_map_to_iso_and_aggregates(tmp_path: Path) -> None:
    write(
        tmp_path,
        [
            {"partnerCode": "0", "primaryValue": "5000"},
            {"partnerCode": "757", "primaryValue": "1200"},
            {"partnerCode": "899", "primaryValue": "100"},
            {"partnerCode": "490", "primaryValue": "900"},
            {"partnerCode": "251", "primaryValue": "700"},
            {"partnerCode": "699", "primaryValue": "600"},
            {"partnerCode": "579", "primaryValue": "500"},
        ],
    )
    trade = load_trade(tmp_path)
    assert set(trade["reporter"].astype(str)) == {"USA"}
    assert set(trade["partner"].astype(str)) == {"WLD", "CHE", "XNS", "TWN", "FRA", "IND", "NOR"}
    world = one(trade, partner="WLD")
    assert world["value"] == 5000.0
    assert world["partner_is_aggregate"]
    assert world["partner_label"] == "World"
    assert one(trade, partner="XNS")["partner_is_aggregate"]
    taiwan = one(trade, partner="TWN")
    assert not taiwan["partner_is_aggregate"]
    assert taiwan["partner_label"] == "Other Asia, nes"  # Comtrade's own words, kept
    assert one(trade, partner="CHE")["value"] == 1200.0


def test_eu_reporter_and_code_written_as_a_decimal(tmp_path: Path) -> None:
    write(tmp_path, [{"reporterCode": "97"}, {"reporterCode": "842.0", "partnerCode": "156.0"}])
    trade = load_trade(tmp_path)
    assert set(trade["reporter"].astype(str)) == {"EUU", "USA"}
    assert one(trade, reporter="USA")["partner"] == "CHN"


def test_unknown_code_is_an_input_error_naming_file_line_column_value(tmp_path: Path) -> None:
    write(tmp_path, [{"partnerCode": "757"}, {"partnerCode": "1234"}, {"partnerCode": "1234"}])
    with pytest.raises(InputError) as err:
        streamed(tmp_path)
    (problem,) = err.value.problems
    assert problem.file == "data.csv"
    assert problem.location == "line 3 (and 1 more rows)"
    assert problem.column == "partnerCode"
    assert problem.value == "1234"
    assert "unknown UN Comtrade partner code" in problem.rule
    assert "comtrade_codes.csv" in str(err.value)


def test_iso_numeric_code_gets_a_hint_to_the_comtrade_code(tmp_path: Path) -> None:
    write(tmp_path, [{"reporterCode": "840"}])
    with pytest.raises(InputError) as err:
        streamed(tmp_path)
    (problem,) = err.value.problems
    assert (problem.location, problem.column, problem.value) == ("line 2", "reporterCode", "840")
    assert "ISO numeric code of United States; Comtrade writes 842" in problem.rule


def test_every_problem_in_every_chunk_is_reported(tmp_path: Path) -> None:
    rows = [{"partnerCode": "757", "cmdCode": f"{i:02d}"} for i in range(1, 9)]
    rows[1]["partnerCode"] = "1111"
    rows[6]["flowCode"] = "Z"
    rows[7]["period"] = "202313"
    path = write(tmp_path, rows)
    with pytest.raises(InputError) as err:
        list(comtrade.iter_chunks(path, chunksize=2, _block_bytes=300))
    found = {(p.location, p.column, p.value) for p in err.value.problems}
    assert found == {
        ("line 3", "partnerCode", "1111"),
        ("line 8", "flowCode", "Z"),
        ("line 9", "period", "202313"),
    }


# ---- commodities, flows, valuation, periods ----------------------------------------------------


def test_cmdcode_stays_a_string_with_its_leading_zero(tmp_path: Path) -> None:
    write(tmp_path, [{"cmdCode": "01"}, {"cmdCode": "TOTAL"}, {"cmdCode": "8517"}])
    trade = load_trade(tmp_path)
    assert sorted(trade["commodity"].astype(str)) == ["01", "8517", "TOTAL"]


def test_exports_fob_imports_cif_in_usd_base_units(tmp_path: Path) -> None:
    write(
        tmp_path,
        [
            {"flowCode": "X", "primaryValue": "419922543423.509"},
            {"flowCode": "M", "primaryValue": "2643.138964"},
        ],
    )
    trade = load_trade(tmp_path)
    exports = one(trade, flow="export")
    assert exports["valuation"] == "FOB"
    assert exports["value"] == pytest.approx(419922543423.509)
    assert exports["value_usd"] == exports["value"] == exports["value_original"]
    assert (exports["currency"], exports["unit_original"]) == ("USD", "USD")
    imports = one(trade, flow="import")
    assert imports["valuation"] == "CIF"
    assert imports["value"] == pytest.approx(2643.138964)


def test_reexports_and_reimports_are_dropped_with_reasons(tmp_path: Path) -> None:
    write(
        tmp_path,
        [{"flowCode": "X"}, {"flowCode": "RX"}, {"flowCode": "M"}, {"flowCode": "RM"}],
    )
    result = streamed(tmp_path)
    assert result.rows_in == 4
    assert sorted(result.frames["trade"]["flow"].astype(str)) == ["export", "import"]
    assert [(d.location, d.reason) for d in result.dropped] == [
        ("line 3", comtrade.REEXPORTS),
        ("line 5", comtrade.REEXPORTS),
    ]
    assert "flowCode=RX" in result.dropped[0].content
    assert result.dropped[0].reason == (
        "re-exports/re-imports are not part of the export/import series"
    )


def test_breakdown_rows_and_residual_areas_are_dropped(tmp_path: Path) -> None:
    write(
        tmp_path,
        [
            {"partnerCode": "757"},
            {"partnerCode": "757", "customsCode": "C01"},
            {"partnerCode": "757", "motCode": "2100"},
            {"partnerCode": "837"},
        ],
    )
    result = streamed(tmp_path)
    assert len(result.frames["trade"]) == 1
    reasons = {d.location: d.reason for d in result.dropped}
    assert reasons["line 3"] == comtrade.BREAKDOWN_REASON
    assert reasons["line 4"] == comtrade.BREAKDOWN_REASON
    assert reasons["line 5"].startswith("partner 'Bunkers' (Comtrade code 837)")


def test_monthly_and_annual_periods(tmp_path: Path) -> None:
    write(
        tmp_path,
        [
            {"freqCode": "M", "period": "202304"},
            {"freqCode": "M", "period": "202402"},
            {"freqCode": "A", "period": "2023"},
        ],
    )
    trade = load_trade(tmp_path).sort_values("period_start")
    got = list(zip(trade["basis"], trade["period_start"], trade["period_end"], strict=True))
    assert got == [
        ("year", pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31")),
        ("month", pd.Timestamp("2023-04-01"), pd.Timestamp("2023-04-30")),
        ("month", pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-29")),
    ]


@pytest.mark.parametrize(
    ("freq", "period", "column", "rule"),
    [
        ("M", "2023", "period", "must be YYYYMM"),
        ("M", "202313", "period", "must be YYYYMM"),
        ("A", "202304", "period", "must be a year"),
        ("Q", "2023", "freqCode", "freqCode must be A (annual) or M (monthly)"),
    ],
)
def test_bad_period_is_an_input_error(
    tmp_path: Path, freq: str, period: str, column: str, rule: str
) -> None:
    write(tmp_path, [{"freqCode": freq, "period": period}])
    with pytest.raises(InputError) as err:
        streamed(tmp_path)
    (problem,) = err.value.problems
    assert (problem.location, problem.column) == ("line 2", column)
    assert rule in problem.rule


# ---- values ------------------------------------------------------------------------------------


def test_text_in_the_value_column_names_its_line(tmp_path: Path) -> None:
    write(tmp_path, [{"primaryValue": "12"}, {"primaryValue": "12 USD"}])
    with pytest.raises(InputError) as err:
        streamed(tmp_path)
    (problem,) = err.value.problems
    assert (problem.location, problem.column, problem.value) == (
        "line 3",
        "primaryValue",
        "12 USD",
    )
    assert problem.rule == "not a number"


def test_negative_and_missing_values_are_input_errors(tmp_path: Path) -> None:
    write(
        tmp_path,
        [{"primaryValue": "-5"}, {"primaryValue": "", "cmdCode": "01"}, {"cmdCode": "02"}],
    )
    with pytest.raises(InputError) as err:
        streamed(tmp_path)
    found = {(p.location, p.value, p.rule) for p in err.value.problems}
    assert found == {
        ("line 2", "-5", "trade value cannot be negative"),
        ("line 3", "", "missing trade value"),
    }


# ---- file layouts ------------------------------------------------------------------------------


def test_tab_separated_bulk_file_with_bom_takes_its_vintage_from_the_name(tmp_path: Path) -> None:
    name = "COMTRADE-FINAL-CM842202304H6[2024-05-01].txt"
    text = comtrade_text([{"partnerCode": "757"}], delimiter="\t")
    (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    trade = load_trade(tmp_path)
    row = one(trade, partner="CHE")
    assert row["vintage"] == "UN Comtrade, published 2024-05-01"
    assert name in row["citation"]


def test_gzip_file_and_default_vintage(tmp_path: Path) -> None:
    text = comtrade_text([{"partnerCode": "757"}, {"partnerCode": "0"}])
    (tmp_path / "extract.csv.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    trade = load_trade(tmp_path)
    assert sorted(trade["partner"].astype(str)) == ["CHE", "WLD"]
    assert set(trade["vintage"]) == {comtrade.DEFAULT_VINTAGE}


def test_header_found_below_a_preamble_in_any_case_with_columns_missing(tmp_path: Path) -> None:
    header = "FreqCode,Period,ReporterCode,PartnerCode,FlowCode,CmdCode,PrimaryValue"
    text = f"UN Comtrade extract\nquery: reporter 842\n{header}\nM,202304,842,757,X,01,42\n"
    (tmp_path / "data.csv").write_text(text, encoding="utf-8")
    result = streamed(tmp_path)
    row = one(result.frames["trade"], partner="CHE")
    assert row["value"] == 42.0
    assert row["commodity"] == "01"


def test_trailing_delimiter_of_the_web_export_is_tolerated(tmp_path: Path) -> None:
    text = comtrade_text([{"partnerCode": "757"}, {"partnerCode": "0"}])
    header, *rows = text.splitlines()
    (tmp_path / "TradeData.csv").write_text(
        "\n".join([header, *(r + "," for r in rows)]) + "\n", encoding="utf-8"
    )
    assert sorted(load_trade(tmp_path)["partner"].astype(str)) == ["CHE", "WLD"]


def test_missing_expected_column_is_an_input_error(tmp_path: Path) -> None:
    columns = [c for c in comtrade.COLUMNS if c != "primaryValue"]
    write(tmp_path, [{}], columns=columns)
    with pytest.raises(InputError) as err:
        streamed(tmp_path)
    (problem,) = err.value.problems
    assert (problem.location, problem.column) == ("line 1", "primaryValue")
    assert "missing expected Comtrade column" in problem.rule


def test_file_without_a_comtrade_header_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no Comtrade header row found"):
        streamed(tmp_path)


def test_truncated_line_is_an_input_error_with_its_line(tmp_path: Path) -> None:
    text = comtrade_text([{"partnerCode": "757"}, {"partnerCode": "0"}])
    cut = text[: text.rindex("\n", 0, len(text) - 1) + 30]  # last line cut after 29 chars
    (tmp_path / "data.csv").write_text(cut, encoding="utf-8")
    with pytest.raises(InputError) as err:
        streamed(tmp_path)
    (problem,) = err.value.problems
    assert problem.location == "line 3"
    assert "the header has 47" in problem.rule


def test_not_utf8_and_empty_files_are_input_errors(tmp_path: Path) -> None:
    text = comtrade_text([{"partnerCode": "757", "cmdCode": "01"}])
    (tmp_path / "latin1.csv").write_bytes(text.replace(",01,", ",\xe901,").encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        streamed(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "data.csv").write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        streamed(empty)


def test_the_same_key_in_two_files_is_refused_once_naming_both_places(tmp_path: Path) -> None:
    write(tmp_path, [{"partnerCode": "0"}, {"partnerCode": "757"}], name="a.csv")
    write(tmp_path, [{"partnerCode": "757"}], name="b.csv")
    with pytest.raises(InputError) as err:
        streamed(tmp_path)
    (problem,) = err.value.problems
    assert problem.file == "a.csv, b.csv"
    assert problem.location == "a.csv, line 3; b.csv, line 2"
    assert problem.value == "USA/CHE/TOTAL/export/Apr 2023"
    assert problem.rule.startswith("repeated key")


def test_the_same_key_twice_in_one_file_across_blocks_is_refused(tmp_path: Path) -> None:
    rows = [{"partnerCode": "757", "cmdCode": f"{i:02d}"} for i in range(1, 6)]
    write(tmp_path, [*rows, rows[1]])
    with pytest.raises(InputError) as err:
        streamed(tmp_path, block_bytes=100)
    (problem,) = err.value.problems
    assert problem.location == "data.csv, line 3; data.csv, line 7"
    assert problem.value == "USA/CHE/02/export/Apr 2023"


def test_every_row_says_its_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, [{"partnerCode": "0", "primaryValue": "5000"}, {"partnerCode": "757"}])
    write(tmp_path, [{"partnerCode": "0", "period": "202305"}], name="may.csv")
    trade = load_trade(tmp_path)
    assert one(trade, partner="CHE")["location"] == "data.csv, line 3"
    assert one(trade, partner="CHE")["value"] == 1000.0
    assert one(trade, partner="WLD", period_start="2023-05-01")["location"] == "may.csv, line 2"
    assert trade["location"].notna().all()


def test_folder_without_files_gives_an_empty_frame_and_a_warning(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("SYNTHETIC", encoding="utf-8")
    (tmp_path / "notes.xlsx").write_bytes(b"PK")
    result = streamed(tmp_path)
    assert result.frames["trade"].empty
    assert result.files == []
    assert "no Comtrade" in result.warnings[0]
    assert result.unread == [{"file": "notes.xlsx", "reason": "not a Comtrade .csv/.txt/.tsv file"}]


# ---- streaming and the schema ------------------------------------------------------------------


def test_chunked_iterator_yields_the_same_rows_as_the_stream(tmp_path: Path) -> None:
    rows = [
        # World rows (code 0) above the sum of partners, as the Trade schema requires
        {"partnerCode": p, "cmdCode": c, "flowCode": f, "primaryValue": str(i + 1000 * (p == "0"))}
        for i, (p, c, f) in enumerate(
            (p, c, f) for p in ("0", "757", "490", "837") for c in ("01", "27", "TOTAL")
            for f in ("X", "M", "RX")
        )
    ]  # fmt: skip
    path = write(tmp_path, rows)
    whole = load_trade(tmp_path)
    dropped = comtrade.DropLog()
    chunks = list(comtrade.iter_chunks(path, chunksize=5, dropped=dropped, _block_bytes=400))
    assert len(chunks) > 3
    assert all(len(c) <= 5 for c in chunks)
    streamed = pd.concat(chunks, ignore_index=True)
    key = ["partner", "commodity", "flow"]
    left = whole.astype({c: str for c in key}).sort_values(key).reset_index(drop=True)
    right = streamed.astype({c: str for c in key}).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left[[*key, "value"]], right[[*key, "value"]])
    assert dropped.count == len(rows) - len(whole) == 12 + 6  # RX rows, then Bunkers X/M rows


def test_small_blocks_and_several_files_equal_one_block(tmp_path: Path) -> None:
    rows = [
        {"partnerCode": p, "cmdCode": c, "primaryValue": "5000" if p == "0" else "1000"}
        for p in ("0", "757", "490")
        for c in ("01", "TOTAL")
    ]
    write(tmp_path, rows, name="a.csv")
    write(tmp_path, [{**r, "period": "202305"} for r in rows], name="b.csv")
    small = streamed(tmp_path, block_bytes=300).frames["trade"]
    whole = streamed(tmp_path).frames["trade"]
    pd.testing.assert_frame_equal(small, whole)
    assert len(small) == 12
    assert isinstance(small["citation"].dtype, pd.CategoricalDtype)
    assert set(small["citation"].cat.categories.str.extract(r"\(([^()]*)\)$")[0]) == {
        "a.csv",
        "b.csv",
    }
    assert len(Trade.validate(small, lazy=True)) == 12


def test_dropped_rows_beyond_the_limit_are_summarised(tmp_path: Path) -> None:
    write(tmp_path, [{"flowCode": "RX", "cmdCode": f"{i:02d}"} for i in range(1, 8)])
    log = comtrade.DropLog(limit=3)
    path = tmp_path / "data.csv"
    for _ in comtrade.iter_chunks(path, dropped=log):
        pass
    records = log.records()
    assert [r.location for r in records] == [
        "line 2",
        "line 3",
        "line 4",
        "4 more rows between lines 2 and 8",
    ]


def test_tidy_frame_validates_against_the_trade_schema(tmp_path: Path) -> None:
    write(
        tmp_path,
        [
            {"partnerCode": "0", "primaryValue": "300"},
            {"partnerCode": "757", "primaryValue": "200"},
            {"partnerCode": "490", "primaryValue": "100"},
            {"partnerCode": "0", "flowCode": "M", "primaryValue": "50"},
        ],
    )
    trade = load_trade(tmp_path)
    valid = Trade.validate(trade, lazy=True)
    assert len(valid) == 4
    assert set(valid["source"]) == {"un-comtrade"}
    assert valid["flag"].isna().all()


def test_read_keeps_the_file_faithful_with_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, [{"partnerCode": "490", "cmdCode": "01", "primaryValue": "7.5"}])
    raw = comtrade.read(path)
    assert raw.loc[0, "partnerCode"] == "490"
    assert raw.loc[0, "cmdCode"] == "01"
    assert raw.loc[0, "primaryValue"] == 7.5
    assert raw.loc[0, "line"] == 2
    tidy = comtrade.normalize(raw, path)
    assert tidy.loc[0, "partner"] == "TWN"
