"""The hostile-input corpus through the pipeline: every case ends in the exact problem a user must
see (file, row or line, column, value, rule) and nothing published, or, for a legitimately
readable variant, in correctly published values; the raw folder is never changed."""

from __future__ import annotations

import json
import re
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest

from etl import __main__ as etl_cli
from etl import fx, paths, pipeline
from etl.errors import InputError
from etl.sources import reader
from tests.fixtures.hostile import CASES, bns_monthly, nbk, us_niv
from tests.fixtures.hostile.case import (
    Case,
    Published,
    lying_zip_bomb,
    write_xlsx,
    zip_bomb,
)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes: the raw folder before and after a run."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def params() -> list:
    out = []
    for c in CASES:
        marks = [pytest.mark.shared_data] if c.shared else []
        if c.known_gap:
            marks.append(pytest.mark.xfail(reason=c.known_gap, strict=True))
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


def publish_in_memory(source: str, raw: Path) -> Published:
    """What the pipeline publishes for one source, without deriving or writing (which take most
    of a run's time and read nothing from the input): the reader's frame with USD values added,
    checked by the schema, and the report's dropped rows and warnings."""
    result = reader(source).load(raw / source)
    (table,) = result.frames
    frame = result.frames[table]
    if table in ("trade", "fdi"):
        frame = fx.add_usd(frame)
    empty = pd.DataFrame()
    frames = {"trade": empty, "fdi": empty, "visas": empty, table: frame}
    plausibility = pipeline._plausibility_warnings(frames)
    frame, problems = pipeline.validate(table, frame)
    assert not problems, InputError(problems)
    report = {
        "sources": {
            source: {"dropped": [asdict(d) for d in result.dropped], "warnings": result.warnings}
        },
        "warnings": plausibility,
    }
    return Published(source, frame, report)


def publish(source: str, raw: Path, clean: Path) -> Published:
    report = pipeline.run(raw, clean, paths.facts_file(), only=[source])
    (table,) = report["sources"][source]["rows_out"]
    frame = pd.read_parquet(clean / f"{table}.parquet")
    on_disk = json.loads((clean / "report.json").read_text())
    return Published(source, frame[frame["source"] == source].reset_index(drop=True), on_disk)


@pytest.mark.parametrize("case", params())
def test_hostile_input(case: Case, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    shared = request.getfixturevalue("shared_data") if case.shared else None
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    (raw / case.source).mkdir(parents=True)
    case.build(raw / case.source, shared)
    before = tree(raw)
    if case.errors:
        with pytest.raises(InputError) as caught:
            pipeline.run(raw, clean, paths.facts_file(), only=[case.source])
        problems = caught.value.problems
        missing = [e for e in case.errors if not any(e.matches(p) for p in problems)]
        assert not missing, f"not reported: {missing}\nreported: {caught.value}"
        assert not clean.exists(), "a failed run published something"
    else:
        assert case.check is not None
        if case.end_to_end:
            case.check(publish(case.source, raw, clean))
        else:
            case.check(publish_in_memory(case.source, raw))
    assert tree(raw) == before, "the run changed the raw folder"


# ---- zip bombs: refused fast, with bounded memory ------------------------------------------------

XLSX_READERS = {
    "bns-kz-trade-by-country": "bns_foreign_trade_by_country_2023.xlsx",
    "imf-dots-annual": "dots_kazakhstan.xlsx",
    "eu-schengen-visa-stats": "2019-consulates-schengen-visa-stats.xlsx",
}


@pytest.mark.parametrize("bomb", [zip_bomb, lying_zip_bomb], ids=["declared", "lying"])
@pytest.mark.parametrize("source", list(XLSX_READERS))
def test_a_zip_bomb_fails_in_milliseconds_without_unpacking(
    source: str, bomb: Callable[[Path, Path], Path], tmp_path: Path
) -> None:
    """1 GiB of spaces in a 1 MB .xlsx: refused by the guard on its sizes, not unpacked."""
    folder = tmp_path / source
    folder.mkdir()
    bomb(folder / XLSX_READERS[source], write_xlsx(tmp_path / "t.xlsx", {"2023": [["a", 1]]}))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        reader(source).load(folder)
    seconds = time.perf_counter() - started
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert "zip bomb" in str(caught.value)
    assert XLSX_READERS[source] in str(caught.value)
    assert seconds < 1.0
    assert python_peak < 16 * 2**20
    assert grown < 64 * 2**10  # the bomb unpacked would add 1 GiB


# ---- the CLI never changes the raw folder ------------------------------------------------------


def test_the_cli_never_changes_the_raw_folder_whether_the_run_fails_or_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    folder = raw / bns_monthly.SOURCE
    folder.mkdir(parents=True)
    bns_monthly.monthly()(folder, None)
    argv = ["--raw", str(raw), "--clean", str(clean), "--only", bns_monthly.SOURCE]
    before = tree(raw)
    assert etl_cli.main(argv) == 0
    assert tree(raw) == before
    published = tree(clean)

    bad = bns_monthly.replace(bns_monthly.EXPORTS, 3, "2024-02-01,three million,level")
    bns_monthly.monthly(bad)(folder, None)
    before = tree(raw)
    capsys.readouterr()
    assert etl_cli.main(argv) == 1
    err = capsys.readouterr().err
    assert f"ETL failed; {clean} is unchanged." in err
    assert (
        "exports.csv: line 5, column 'value': value 'three million': not a number (thousand USD)"
        in err
    )
    assert tree(raw) == before
    assert tree(clean) == published


@pytest.mark.parametrize("target", ["raw", "parent of raw"])
def test_a_clean_folder_that_would_replace_the_raw_files_is_refused(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Publishing swaps the clean folder wholesale: `--clean data/raw` would delete the inputs."""
    raw = tmp_path / "data" / "raw"
    (raw / bns_monthly.SOURCE).mkdir(parents=True)
    bns_monthly.monthly()(raw / bns_monthly.SOURCE, None)
    clean = raw if target == "raw" else raw.parent
    before = tree(raw)
    argv = ["--raw", str(raw), "--clean", str(clean), "--only", bns_monthly.SOURCE]
    assert etl_cli.main(argv) == 1
    assert "publishing would delete it" in capsys.readouterr().err
    assert tree(raw) == before


# ---- nothing lost: every line read is published or listed as dropped -----------------------------


def test_every_line_read_is_published_or_listed_as_dropped_in_report_json(tmp_path: Path) -> None:
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    monthly_folder = raw / bns_monthly.SOURCE
    monthly_folder.mkdir(parents=True)
    exports = [*bns_monthly.EXPORTS, "2024-03-01,,level"]  # line 6: not yet published by BNS
    bns_monthly.monthly(exports)(monthly_folder, None)
    niv_folder = raw / us_niv.SOURCE
    niv_folder.mkdir(parents=True)
    us_niv.niv(us_niv.GARBLED)(niv_folder, None)

    pipeline.run(raw, clean, paths.facts_file(), only=[bns_monthly.SOURCE, us_niv.SOURCE])
    report = json.loads((clean / "report.json").read_text())

    def dropped(source: str) -> dict[tuple[str, int], str]:
        out = {}
        for d in report["sources"][source]["dropped"]:
            assert d["reason"], d  # every dropped line says why
            out[(d["file"], int(re.match(r"line (\d+)", d["location"])[1]))] = d["reason"]
        return out

    trade = pd.read_parquet(clean / "trade.parquet")
    published = {
        (file, int(line))
        for file, line in trade["location"].str.extract(r"^(\w+\.csv): line (\d+)$").dropna().values
    }
    for name, lines in (("exports.csv", len(exports)), ("imports.csv", len(bns_monthly.IMPORTS))):
        read = {(name, n) for n in range(2, lines + 2)}
        lost = read - published - set(dropped(bns_monthly.SOURCE))
        assert not lost, f"{name}: lines neither published nor dropped: {sorted(lost)}"
    assert dropped(bns_monthly.SOURCE)[("exports.csv", 6)] == "empty value"

    visas = pd.read_parquet(clean / "visas.parquet")
    published = {
        (us_niv.FILE, int(n))
        for lines in visas["citation"].str.extract(r"lines? ([\d, ]+)\)$")[0]
        for n in lines.split(", ")
    }
    read = {(us_niv.FILE, n) for n in range(1, len(us_niv.GARBLED) + 1)}
    lost = read - published - set(dropped(us_niv.SOURCE))
    assert not lost, f"lines neither published nor dropped: {sorted(lost)}"
    reasons = dropped(us_niv.SOURCE)
    assert reasons[(us_niv.FILE, 7)].startswith("malformed JSON line")
    assert reasons[(us_niv.FILE, 8)] == "repeats line 3 (same nationality, class and count)"
    assert reasons[(us_niv.FILE, 13)].startswith("GRAND TOTAL row")


def test_a_run_without_any_trade_source_publishes(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / nbk.SOURCE).mkdir(parents=True)
    nbk.nbk()(raw / nbk.SOURCE, None)
    report = pipeline.run(raw, tmp_path / "clean", paths.facts_file(), only=[nbk.SOURCE])
    assert report["tables"]["fdi"] == 4
