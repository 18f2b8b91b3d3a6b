"""Earlier EC consulate editions: the legacy .xls layout of 2013 read, the 2009-2012 ones refused.

No original older edition is kept in this project. The legacy workbook is written at test time
from the real 2019 file's rows, re-laid out under the 2013 edition's headings, sheet names and
summary rows (as seen in mogenshobolth/eu-visa-policy input/synthese_2013_with_filters_en.xls):
it is a re-layout of the real 2019 file, not an original 2013 file, and its figures are 2019's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import python_calamine

from etl.errors import InputError
from etl.sources import schengen_visas as sv
from tests.conftest import source_folder

xlwt = pytest.importorskip("xlwt", reason="xlwt (a dev dependency) writes the legacy .xls")

REAL_2019 = "2019-consulates-schengen-visa-stats.xlsx"
# Not an EC file name: a name with one year (2019, the figures' year) that says what it is.
RELAYOUT = "visa_stats_2019_relaid_in_the_older_layout.xls"

# 2019 heading (normalised) -> the 2013 edition's heading for the same column, row 1 of its
# 'Complete data' sheet, spacing and trailing newline as printed there.
HEADINGS_2013 = {
    "schengen state": "Schengen State",
    "country where consulate is located": "Country where consulate is located",
    "consulate": "Consulate",
    "airport transit visas (atvs) applied for": "A Visas applied for ",
    "atvs issued (including multiple)": " A visas issued (including multiple)",
    "multiple atvs issued": "Multiple A visas issued",
    "atvs not issued": "A visas not issued ",
    "not issued rate for atvs": "Not issued rate for A visas",
    "uniform visas applied for": "C visas applied for",
    "total uniform visas issued (including mev)": "Total C uniform visas issued (including MEV) \n",
    "multiple entry uniform visas (mevs) issued": "Multiple entry C uniform visas (MEVs) issued "
    "(for Germany: only MEVs valid for more than 1 year are included)",
    "share of mevs on total number of uniform visas issued": "Share of MEVs on total number of C "
    "uniform visas issued",
    "total ltvs issued": "Total C LTV visas issued",
    "uniform visas not issued": "C visas not issued",
    "not issued rate for uniform visas": "Not issued rate for C visas",
    "total atvs and uniform visas applied for": "Total A and C visas applied for",
    "total atvs and uniform visas issued (including multiple atvs, mevs and ltvs)": "Total A and "
    "C visas issued  (including multiple A visas, multiple-entry C visas and LTVs) ",
    "total atvs and uniform visas not issued": "Total A and C visas not issued",
    "not issued rate for atvs and uniform visas": "Not issued rate for A and C visas ",
}
COUNTED = [h for h in HEADINGS_2013 if "rate" not in h and "share" not in h][3:]


def sheet(path: Path, name: str) -> list[list[object]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def write_xls(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = xlwt.Workbook()
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and value != "":
                    ws.write(r, c, value)
    book.save(str(path))
    return path


def relayout_2019(real: Path, out: Path, worldwide_delta: int = 0) -> Path:
    """The real 2019 'Data for consulates' and 'Totals - third country' in the 2013 layout.

    Consulate rows keep their spreadsheet rows (rows 2-1835 in both). Under them, as in the 2013
    edition (rows 1997-1999): four empty rows, 'Selection Sub total in 2019', 'Total worldwide
    2019' (sums of the rows, plus `worldwide_delta` on uniform visas issued) and 'Share of
    subtotal on worldwide total'; then two empty rows and a footnote in the first column, as the
    2014 edition has.
    """
    rows = sheet(real, "Data for consulates")
    header = [sv.norm(v) for v in rows[0]]
    assert set(header[: len(HEADINGS_2013)]) == set(HEADINGS_2013), header
    width = len(HEADINGS_2013)
    # Consulate rows only: the 2019 file's own summary rows are replaced by the 2013-style ones.
    body = [r[:width] for r in rows[1:] if all(v not in ("", None) for v in r[:3])]
    sums = [
        sum(r[i] for r in body if isinstance(r[i], (int, float))) if header[i] in COUNTED else ""
        for i in range(width)
    ]
    issued = header.index("total uniform visas issued (including mev)")
    worldwide = list(sums)
    worldwide[issued] += worldwide_delta
    summary = [
        *[[""] * width] * 4,
        ["", "", "Selection Sub total in 2019", *sums[3:]],
        ["", "", "Total worldwide 2019", *worldwide[3:]],
        [
            "",
            "",
            "Share of subtotal on worldwide total",
            *[1.0 if s != "" else "" for s in sums[3:]],
        ],
        *[[""] * width] * 2,
        ["1) For Germany: only MEVs valid for more than 1 year are included"],
    ]
    complete = [[HEADINGS_2013[h] for h in header[:width]], *body, *summary]
    # 2013's totals sheet is a pivot: rows 1-3 blank or 'Data', headings 'Sum of ...' in row 4.
    totals = sheet(real, "Totals - third country ")
    t_head = [sv.norm(v) for v in totals[1]]
    country = t_head.index("country where consulate is located")
    t_issued = t_head.index("total uniform visas issued (including mev)")
    pivot = [
        [],
        [],
        ["", "Data"],
        [
            "Country where consulate is located",
            "Sum of Total C uniform visas issued (including MEV) ",
        ],
        *[[r[country], r[t_issued]] for r in totals[2:] if r[country] not in ("", None)],
    ]
    return write_xls(out, {"Complete data": complete, "Totals by third country ": pivot})


@pytest.fixture(scope="module")
def real_2019(shared_data: Path) -> Path:
    path = source_folder(shared_data, sv.SOURCE) / REAL_2019
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def from_xlsx(real_2019: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("xlsx")
    shutil.copy(real_2019, folder)
    return sv.load(folder)


@pytest.fixture(scope="module")
def from_xls(real_2019: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("xls")
    relayout_2019(real_2019, folder / RELAYOUT)
    return sv.load(folder)


KEY = ["issuer", "consulate_country", "consulate", "visa_category", "measure", "period_start"]


def figures(result, sheet_name: str) -> pd.DataFrame:
    frame = result.frames["visas"]
    frame = frame[frame["location"].str.contains(f"sheet '{sheet_name}'", regex=False)]
    out = frame[[*KEY, "count"]].copy()
    out["row"] = frame["location"].str.extract(r"row (\d+)$", expand=False).astype(int)
    return out.sort_values(KEY).reset_index(drop=True)


@pytest.mark.shared_data
def test_the_2013_layout_as_xls_gives_the_same_figures_as_the_2019_xlsx(from_xlsx, from_xls):
    legacy = figures(from_xls, "Complete data")
    current = figures(from_xlsx, "Data for consulates")
    assert len(legacy) == len(current) > 5000
    pd.testing.assert_frame_equal(legacy, current)
    visas = from_xls.frames["visas"]
    italy = visas[
        (visas["issuer"] == "ITA") & (visas["consulate"] == "Almaty")
        & (visas["visa_category"] == "uniform")
    ].set_index("measure")["count"]  # fmt: skip
    assert (italy["applied"], italy["issued"]) == (22073, 20313)  # PROVENANCE.md's check
    kazakhstan = visas[
        (visas["consulate_country"] == "KAZ") & (visas["visa_category"] == "uniform")
        & (visas["measure"] == "issued")
    ]  # fmt: skip
    assert kazakhstan["count"].sum() == 160334
    assert set(visas["vintage"]) == {"2019 edition"}


@pytest.mark.shared_data
def test_summary_rows_and_the_footnote_are_dropped_with_their_reason(from_xls):
    last = int(figures(from_xls, "Complete data")["row"].max())
    dropped = {d.location: d for d in from_xls.dropped}
    for offset, label in ((5, "Selection Sub total in 2019"), (6, "Total worldwide 2019")):
        row = dropped[f"sheet 'Complete data', row {last + offset}"]
        assert row.reason.startswith("subtotal, total or share row")
        assert row.content.startswith(label)
    share = dropped[f"sheet 'Complete data', row {last + 7}"]
    assert share.content.startswith("Share of subtotal on worldwide total")
    note = dropped[f"sheet 'Complete data', row {last + 10}"]
    assert note.reason.startswith("note row")
    assert note.content == "1) For Germany: only MEVs valid for more than 1 year are included"


@pytest.mark.shared_data
def test_the_worldwide_row_and_the_pivot_totals_cross_check_the_rows(from_xls, real_2019, tmp_path):
    checks = [w for w in from_xls.warnings if "add up to" in w or "unknown" in w]
    assert checks == []  # both cross-checks ran and agree
    assert not any("cross-check skipped" in w for w in from_xls.warnings)
    relayout_2019(real_2019, tmp_path / RELAYOUT, worldwide_delta=1)
    warnings = sv.load(tmp_path).warnings
    off = [w for w in warnings if "'Total worldwide 2019'" in w]
    assert len(off) == 1
    assert "but the consulate rows add up to" in off[0]
    assert "Total C uniform visas issued (including MEV)" in off[0]


# ---- layouts refused ---------------------------------------------------------------------------

# Row 1 of the real editions (mogenshobolth/eu-visa-policy legacy/data/bronze/), first columns.
HEADER_2010 = ["Third Country", "Town", "UE / Schengen Country", "A visas issued",
               "Multiple A visas issued", "B visas issued", "C visas issued \n(mev included)",
               "Multiple C visas issued", "Share of MEVs on total C visas issued",
               "C visas applied for"]  # fmt: skip
HEADER_2012 = ["Schengen State ", "World region ", "Country where consulate is located ",
               "Location of consulate ", "A visas issued ", "Multiple A visas issued",
               "A Visas applied for ", "A visas not issued ", "C visas issued (including MEV) \n",
               "Multiple entry C visas issued", "Share of MEVs on issued C visas",
               "C visas applied for", "C visas not issued"]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "sheet_name", "header", "column", "why"),
    [
        ("synthese_2010.xls", "SCHENGEN", HEADER_2010, "UE / Schengen Country", "2009-2010 layout"),
        ("synthese_2012.xls", "Sheet1", HEADER_2012, "C visas issued (including MEV)",
         "leaves out applications for LTVs"),
    ],
)  # fmt: skip
def test_the_2009_to_2012_layouts_are_refused_with_the_reason(
    tmp_path, name, sheet_name, header, column, why
):
    write_xls(tmp_path / name, {sheet_name: [header]})
    with pytest.raises(InputError) as err:
        sv.load(tmp_path)
    message = str(err.value)
    assert f"{name}: sheet '{sheet_name}', row 1, column '{column}'" in message
    assert why in message
    assert "take it out of the folder" in message


# ---- counts stored with a rounding error -------------------------------------------------------


def test_a_whole_number_stored_with_a_rounding_error_is_read_with_a_warning(tmp_path):
    # 2014 edition, 'Data for consulates' row 129 stores 26591.999999999996 applications.
    header = [HEADINGS_2013[h] for h in HEADINGS_2013]
    row = ["Italy", "KAZAKHSTAN", "ALMATY", *[""] * 5, 26591.999999999996, 26000.0]
    write_xls(tmp_path / "legacy_2013.xls", {"Complete data": [header, row]})
    result = sv.load(tmp_path)
    counts = result.frames["visas"].set_index("measure")["count"].to_dict()
    assert counts == {"applied": 26592, "issued": 26000}
    assert any("1 counts stored as floats" in w and "26591.999999999996" in w
               for w in result.warnings)  # fmt: skip
    row[8] = 26591.5
    write_xls(tmp_path / "legacy_2013.xls", {"Complete data": [header, row]})
    with pytest.raises(InputError, match=r"value '26591.5': a count must be a whole number"):
        sv.load(tmp_path)


def test_the_column_map_cites_a_real_source_for_every_spelling():
    import csv

    with sv.COLUMN_MAP.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    earlier = [r for r in rows if r["editions"] and not r["editions"].startswith("2019")]
    assert {r["header"] for r in earlier} >= {"c visas applied for", "total c ltv visas issued"}
    uncited = [r["header"] for r in earlier if not r["note"] and "2024" not in r["editions"]]
    assert uncited == []
