"""UNCTAD's original fact-sheet layout (.xls) and country spellings of other host economies.

No UNCTAD original workbook is kept in this project. Each .xls here is written at test time from
a real CSV's grid (R's row-number column and header line removed, the host name back in row 1,
R's NA filler column left empty): it is the real CSV re-saved in the original's layout, not an
UNCTAD original.
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl import countries
from etl.errors import InputError
from etl.sources import unctad_fdi
from tests.conftest import source_folder

xlwt = pytest.importorskip("xlwt", reason="xlwt (a dev dependency) writes the legacy .xls")

HOSTS = ["KAZ", "ITA", "CHN", "KGZ", "NLD", "DEU"]


@pytest.fixture(scope="module")
def real(shared_data: Path) -> Path:
    return source_folder(shared_data, unctad_fdi.SOURCE)


def write_original(csv_path: Path, out: Path, numbers: bool) -> Path:
    """The CSV's grid as a workbook; `numbers` stores values as numbers instead of their text."""
    raw = csv_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # R on Windows wrote some files in Windows-1252, as the reader says
        text = raw.decode("cp1252")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    book = xlwt.Workbook()
    sheet = book.add_sheet("inflows")
    sheet.write(0, 0, lines[0][1])  # the host name R took for its header line
    for r, row in enumerate(lines[1:], start=1):
        for c, text in enumerate(row[1:]):
            if text in ("", "NA"):
                continue
            value: object = text
            if numbers:
                with contextlib.suppress(ValueError):  # '/...' markers, titles stay text
                    value = unctad_fdi.parse_unctad_number(text)
                value = text if value is None else value
            sheet.write(r, c, value)
    book.save(str(out))
    return out


def tidy(folder: Path) -> pd.DataFrame:
    frame = unctad_fdi.load(folder).frames["fdi"].drop(columns=["citation"])
    return frame.sort_values(["investor", "period_start"]).reset_index(drop=True)


@pytest.mark.shared_data
@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("numbers", [False, True], ids=["display-text", "numbers"])
def test_the_original_xls_layout_gives_the_csv_rows(real, tmp_path, host, numbers):
    csv_dir, xls_dir = tmp_path / "csv", tmp_path / "xls"
    csv_dir.mkdir()
    xls_dir.mkdir()
    shutil.copy(real / f"{host}.csv", csv_dir)
    write_original(real / f"{host}.csv", xls_dir / f"webdiaeia2014d3_{host}.xls", numbers)
    from_csv, from_xls = tidy(csv_dir), tidy(xls_dir)
    assert len(from_csv) > 50
    assert set(from_xls["host"]) == {host}
    pd.testing.assert_frame_equal(from_xls, from_csv)
    if host == "KAZ":  # PROVENANCE.md: Italy 2005-2012 sums to 4,559 (USD million, gross)
        italy = from_xls[
            (from_xls["investor"] == "ITA") & (from_xls["period_start"].dt.year >= 2005)
        ]
        assert italy["value_original"].sum() == 4559
        assert set(italy["measure"]) == {"gross_inflow"}


@pytest.mark.shared_data
def test_every_name_in_the_six_files_maps(real):
    for host in HOSTS:
        frame = unctad_fdi.read(real / f"{host}.csv")
        for name in frame["label"].unique():
            assert countries.to_iso3(name, "unctad")  # raises UnknownCountry otherwise


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Korea, Republic of", "KOR"),
        ("Hong Kong, China", "HKG"),
        ("Taiwan Province of China", "TWN"),
        ("Iran, Islamic Republic of", "IRN"),
        ("Côte d'Ivoire", "CIV"),
        ("Côte d' Ivoire", "CIV"),
        ("Curaçao", "CUW"),
        ("Macao, China", "MAC"),
        ("Lao People's Democratic Republic", "LAO"),
        ("Micronesia, Federated States of", "FSM"),
        ("British Virgin Islands", "VGB"),
        ("United Republic of Tanzania", "TZA"),
        ("United Rep. of Tanzania", "TZA"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("Venezuela, Bolivarian Rep. of", "VEN"),
        ("Syrian Arab Republic", "SYR"),
        ("Libya", "LBY"),
        ("Libyan Arab Jamahiriya", "LBY"),
        ("TFYR of Macedonia", "MKD"),
        ("The FYR of Macedonia", "MKD"),
        ("Swaziland", "SWZ"),
        # former states keep their withdrawn ISO codes, as in imf.csv and comtrade_codes.csv
        ("Netherlands Antilles", "ANT"),
        ("Serbia and Montenegro", "SCG"),
        ("Yugoslavia", "YUG"),
        ("Yugoslavia (former)", "YUG"),
        ("Czechoslovakia", "CSK"),
    ],
)
def test_spelling_variants_of_other_fact_sheets_map(name, code):
    assert countries.to_iso3(name, "unctad") == code
    assert code in countries.known_codes() and not countries.is_aggregate(code)


@pytest.mark.shared_data
@pytest.mark.parametrize("suffix", ["csv", "xls"])
def test_an_unknown_name_fails_with_file_line_and_name(real, tmp_path, suffix):
    text = (real / "KAZ.csv").read_text(encoding="utf-8")  # KAZ.csv is UTF-8
    assert '"Austria"' in text
    changed = tmp_path / "KAZ.csv"
    changed.write_text(text.replace('"Austria"', '"Ruritania"'), encoding="utf-8")
    if suffix == "xls":
        write_original(changed, tmp_path / "webdiaeia2014d3_KAZ.xls", numbers=True)
        changed.unlink()
    with pytest.raises(InputError) as err:
        unctad_fdi.load(tmp_path)
    name = "KAZ.csv" if suffix == "csv" else "webdiaeia2014d3_KAZ.xls"
    # CSV line 9 is sheet row 9 of the original (R's header line stands for row 1)
    assert f"{name}: line 9, column 'Region / economy': value 'Ruritania'" in str(err.value)
    assert "unknown country or area name 'Ruritania'" in str(err.value)
