"""Seeded SYNTHETIC UN Comtrade files, in the 47-column layout of `etl.sources.comtrade.COLUMNS`.

    python -m tests.benchmarks.generate_comtrade --rows 1000000 --out DIR --seed 42

Shape: ~200 reporters x up to ~230 partners x HS chapters 01..97 (77 is reserved in the HS and
left out) plus "TOTAL" x exports/imports x months (or years with --freq A), generated period by
period and reporter by reporter. Each reporter trades a size-dependent share of partner x chapter
pairs (big economies nearly all, small ones a few), so some partners are missing; values are
lognormal around a Pareto size of reporter, partner and chapter. Every reporter-period block has
World (partner 0) rows = sum of its partners and TOTAL rows = sum of its chapters, as Comtrade
does, so the tidy frame passes the "partners <= World" check. A few rows are re-exports (RX/RM),
"Areas, nes" (899), Taiwan (490) and residual areas (Bunkers 837, Special Categories 839) so the
reader's drop paths are exercised. Quantity columns are mostly empty, as in HS2 extracts.

Writing is vectorised (numpy -> pyarrow dictionary arrays -> pyarrow.csv.CSVWriter), one chunk of
~`--chunk-rows` rows at a time, so 20M rows are written with flat memory. Given the same seed, the
first N rows are the same whatever --rows is. A README.md in the output folder says the values are
SYNTHETIC and not official statistics.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pycountry

from etl.sources.comtrade import COLUMNS, code_table

CHAPTERS = [f"{c:02d}" for c in range(1, 98) if c != 77]
N_REPORTERS = 200
# Partners that are not countries but appear in real extracts: (code, ISO as Comtrade+ writes it).
SPECIAL_PARTNERS = {"899": "_X", "837": "_X", "839": "_X"}
COMTRADE_ISO = {"0": "W00", "490": "S19"}  # how Comtrade+ fills partnerISO for these codes
DEFAULT_ROWS_PER_FILE = 5_000_000
UNINHABITED = {"ATA", "BVT", "HMD", "SGS", "IOT", "ATF", "UMI", "PCN", "CCK", "CXR", "NFK"}


@dataclass(frozen=True)
class Universe:
    """Fixed actors of the synthetic world, drawn once from the seed."""

    reporters: np.ndarray  # Comtrade codes (str)
    reporter_size: np.ndarray
    partners: np.ndarray  # Comtrade codes (str), World excluded
    partner_size: np.ndarray
    chapter_weight: np.ndarray
    iso: dict[str, str]
    label: dict[str, str]


def universe(rng: np.random.Generator) -> Universe:
    table = code_table()
    # Current countries only: one Comtrade code per ISO code, no former states.
    seen: set[str] = set()
    countries: list[str] = []
    for code, iso3 in sorted(table.iso3.items(), key=lambda kv: int(kv[0])):
        if not iso3 or iso3.startswith("X") or iso3 in ("WLD", "EUU") or iso3 in seen:
            continue
        if pycountry.countries.get(alpha_3=iso3) is None or iso3 in UNINHABITED:
            continue  # former states, historic codes and places without trade statistics
        seen.add(iso3)
        countries.append(code)
    countries_arr = np.array(countries)
    size = rng.pareto(1.1, len(countries_arr)) + 0.05
    size /= np.median(size)  # a median country trades a median partner with probability ~25%
    order = np.argsort(-size)
    reporters = countries_arr[np.sort(order[:N_REPORTERS])]
    partners = np.concatenate([countries_arr, np.array(list(SPECIAL_PARTNERS))])
    partner_size = np.concatenate([size, np.full(len(SPECIAL_PARTNERS), 0.3)])
    iso = {c: table.iso3[c] or "_X" for c in table.iso3} | SPECIAL_PARTNERS | COMTRADE_ISO
    return Universe(
        reporters=reporters,
        reporter_size=size[np.sort(order[:N_REPORTERS])],
        partners=partners,
        partner_size=partner_size,
        chapter_weight=rng.lognormal(0.0, 1.2, len(CHAPTERS)),  # median 1
        iso=iso,
        label=table.label,
    )


@dataclass
class Block:
    """Rows of one reporter x period, as parallel arrays (codes, not text)."""

    partner: np.ndarray  # index into Universe.partners, -1 = World
    chapter: np.ndarray  # index into CHAPTERS, -1 = TOTAL
    flow: np.ndarray  # 0 X, 1 M, 2 RX, 3 RM
    value: np.ndarray


FLOW_CODES = ["X", "M", "RX", "RM"]
FLOW_DESC = ["Export", "Import", "Re-export", "Re-import"]


def block(rng: np.random.Generator, u: Universe, r: int) -> Block:
    """One reporter-period: sparse partner x chapter x flow values plus World and TOTAL sums."""
    rs = u.reporter_size[r]
    intensity = rs * u.partner_size[:, None] * u.chapter_weight[None, :]
    p_present = 1.0 - np.exp(-0.3 * intensity)  # big pairs nearly always, small ones rarely
    p_present[u.partners == u.reporters[r]] = 0.0  # no trade with itself
    present = rng.random((2, *p_present.shape)) < p_present[None]
    f, p, c = np.nonzero(present)
    value = np.round(
        1e6 * intensity[p, c] * rng.lognormal(0.0, 1.5, len(p)) * np.where(f == 0, 0.9, 1.1), 3
    )
    # Comtrade adds World (0) and TOTAL rows: sums over partners, chapters, and both.
    n_p, n_c = p_present.shape
    cube = np.zeros((2, n_p + 1, n_c + 1))
    np.add.at(cube, (f, p, c), value)
    cube[:, n_p, :] = cube[:, :n_p, :].sum(axis=1)
    cube[:, :, n_c] = cube[:, :, :n_c].sum(axis=2)
    agg = np.zeros(cube.shape, dtype=bool)
    agg[:, n_p, :] = cube[:, n_p, :] > 0
    agg[:, :, n_c] = cube[:, :, n_c] > 0
    fa, pa_, ca = np.nonzero(agg)
    parts = [  # (partner, chapter, flow, value), as the fields of Block
        (p, c, f, value),
        (np.where(pa_ == n_p, -1, pa_), np.where(ca == n_c, -1, ca), fa, cube[fa, pa_, ca]),
    ]
    if len(p) and rng.random() < 0.15:  # some reporters publish re-exports/re-imports
        pick = rng.choice(len(p), size=max(1, len(p) // 50), replace=False)
        parts.append((p[pick], c[pick], 2 + f[pick], np.round(value[pick] * 0.1, 3)))
    return Block(*(np.concatenate(x) for x in zip(*parts, strict=True)))


def periods(freq: str, start_year: int) -> Iterator[tuple[str, int, int]]:
    """(period, refYear, refMonth) forever: 201901, 201902, ... or 2000, 2001, ..."""
    year, month = start_year, 1
    while True:
        if freq == "A":
            yield str(year), year, 52
            year += 1
        else:
            yield f"{year}{month:02d}", year, month
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def blocks(rng: np.random.Generator, u: Universe, freq: str, start_year: int) -> Iterator[dict]:
    """Blocks with their period and reporter, period by period, reporter by reporter."""
    for period, year, month in periods(freq, start_year):
        for r in range(len(u.reporters)):
            b = block(rng, u, r)
            yield {"block": b, "r": r, "period": period, "year": year, "month": month}


def _dict(indices: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values))


def _const(value: str, n: int) -> pa.DictionaryArray:
    return _dict(np.zeros(n, np.int32), [value])


def _ints(indices: np.ndarray, values: list[str]) -> pa.Array:
    """Numeric codes written unquoted, as Comtrade's numbers are."""
    return pa.array(np.array([int(v) for v in values], np.int64)[indices])


def _bools(value: bool, n: int) -> pa.Array:
    return pa.array(np.full(n, value))


def table(parts: list[dict], u: Universe, freq: str) -> pa.Table:
    """The 47 Comtrade columns for a list of blocks."""
    n_rows = [len(p["block"].value) for p in parts]
    n = sum(n_rows)
    rep = np.repeat([p["r"] for p in parts], n_rows)
    per_values = sorted({p["period"] for p in parts})
    per = np.repeat([per_values.index(p["period"]) for p in parts], n_rows)
    years = np.repeat([p["year"] for p in parts], n_rows)
    months = np.repeat([p["month"] for p in parts], n_rows)
    partner = np.concatenate([p["block"].partner for p in parts])
    chapter = np.concatenate([p["block"].chapter for p in parts])
    flow = np.concatenate([p["block"].flow for p in parts])
    value = np.concatenate([p["block"].value for p in parts])

    partner_codes = ["0", *u.partners]  # index 0 = World
    pidx = partner + 1
    cmd_codes = ["TOTAL", *CHAPTERS]
    cidx = chapter + 1
    reporter_codes = list(u.reporters)
    is_export = (flow == 0) | (flow == 2)
    has_wgt = (chapter >= 0) & (partner >= 0) & (np.arange(n) % 5 != 0)
    null = pa.nulls(n, pa.float64())
    false = _bools(False, n)
    zeros = np.zeros(n, np.int32)
    ref_ids = [f"{p}0101" if freq == "A" else f"{p}01" for p in per_values]
    columns = {
        "typeCode": _const("C", n),
        "freqCode": _const(freq, n),
        "refPeriodId": _ints(per, ref_ids),
        "refYear": pa.array(years, pa.int32()),
        "refMonth": pa.array(months, pa.int32()),
        "period": _ints(per, per_values),
        "reporterCode": _ints(rep, reporter_codes),
        "reporterISO": _dict(rep, [u.iso[c] for c in reporter_codes]),
        "reporterDesc": _dict(rep, [u.label[c] for c in reporter_codes]),
        "flowCode": _dict(flow, FLOW_CODES),
        "flowDesc": _dict(flow, FLOW_DESC),
        "partnerCode": _ints(pidx, partner_codes),
        "partnerISO": _dict(pidx, [u.iso[c] for c in partner_codes]),
        "partnerDesc": _dict(pidx, [u.label[c] for c in partner_codes]),
        "partner2Code": _ints(zeros, ["0"]),
        "partner2ISO": _const("W00", n),
        "partner2Desc": _const("World", n),
        "classificationCode": _const("H6", n),
        "classificationSearchCode": _const("HS", n),
        "isOriginalClassification": _bools(True, n),
        "cmdCode": _dict(cidx, cmd_codes),
        "cmdDesc": _dict(
            cidx, ["All Commodities", *(f"HS chapter {c} (synthetic label)" for c in CHAPTERS)]
        ),
        "aggrLevel": _ints(np.where(chapter < 0, 0, 1), ["0", "2"]),
        "isLeaf": false,
        "customsCode": _const("C00", n),
        "customsDesc": _const("TOTAL CPC", n),
        "mosCode": _ints(zeros, ["0"]),
        "motCode": _ints(zeros, ["0"]),
        "motDesc": _const("TOTAL MOT", n),
        "qtyUnitCode": _ints(zeros, ["-1"]),
        "qtyUnitAbbr": _const("N/A", n),
        "qty": null,
        "isQtyEstimated": false,
        "altQtyUnitCode": _ints(zeros, ["-1"]),
        "altQtyUnitAbbr": _const("N/A", n),
        "altQty": null,
        "isAltQtyEstimated": false,
        "netWgt": pa.array(np.round(value / 3.7, 1), mask=~has_wgt),
        "isNetWgtEstimated": false,
        "grossWgt": null,
        "isGrossWgtEstimated": false,
        "cifvalue": pa.array(value, mask=is_export),
        "fobvalue": pa.array(np.where(is_export, value, np.round(value * 0.96, 3))),
        "primaryValue": pa.array(value),
        "legacyEstimationFlag": _ints(zeros, ["0"]),
        "isReported": false,
        "isAggregate": _bools(True, n),
    }
    assert tuple(columns) == COLUMNS
    return pa.table(columns)


README = """# SYNTHETIC UN Comtrade-layout data: NOT official statistics

Every value in these files is made up by `tests/benchmarks/generate_comtrade.py` (seed {seed},
{rows:,} rows, frequency {freq}) to benchmark the tradeboard Comtrade reader. The layout follows UN
Comtrade's final-data API/bulk files; the numbers do not describe any real country's trade and
must never be published, charted or quoted as UN Comtrade figures.
"""


def generate(
    rows: int,
    out: Path,
    seed: int = 42,
    freq: str = "M",
    start_year: int = 2019,
    rows_per_file: int = DEFAULT_ROWS_PER_FILE,
    chunk_rows: int = 1_000_000,
) -> list[Path]:
    """Write `rows` rows into out/comtrade_synthetic_NNN.csv files; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(README.format(seed=seed, rows=rows, freq=freq), "utf-8")
    rng = np.random.default_rng(seed)
    u = universe(rng)
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    files: list[Path] = []
    writer: pacsv.CSVWriter | None = None
    in_file = written = 0
    pending: list[dict] = []
    pending_rows = 0
    source = blocks(rng, u, freq, start_year)
    try:
        while written < rows:
            while pending_rows < min(chunk_rows, rows - written, rows_per_file - in_file):
                item = next(source)
                pending.append(item)
                pending_rows += len(item["block"].value)
            t = table(pending, u, freq)
            take = min(t.num_rows, rows - written, rows_per_file - in_file)
            if writer is None:
                files.append(out / f"comtrade_synthetic_{len(files):03d}.csv")
                writer = pacsv.CSVWriter(files[-1], t.schema, write_options=options)
            writer.write_table(t.slice(0, take))
            written += take
            in_file += take
            # Rows past the cut start the next chunk (same rows whatever the chunking).
            rest = t.num_rows - take
            pending, pending_rows = ([], 0) if rest == 0 else (_tail(pending, rest), rest)
            if in_file >= rows_per_file:
                writer.close()
                writer, in_file = None, 0
    finally:
        if writer is not None:
            writer.close()
    return files


def _tail(parts: list[dict], rest: int) -> list[dict]:
    """The last `rest` rows of a list of blocks, as blocks (the first one cut)."""
    out: list[dict] = []
    for item in reversed(parts):
        b = item["block"]
        n = len(b.value)
        if n <= rest:
            out.append(item)
            rest -= n
            if rest == 0:
                break
            continue
        cut = Block(b.partner[n - rest :], b.chapter[n - rest :], b.flow[n - rest :],
                    b.value[n - rest :])  # fmt: skip
        out.append(item | {"block": cut})
        break
    return out[::-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="data rows to write")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--freq", choices=["M", "A"], default="M", help="monthly or annual")
    parser.add_argument("--start-year", type=int, default=2019)
    parser.add_argument("--rows-per-file", type=int, default=DEFAULT_ROWS_PER_FILE)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    files = generate(
        args.rows, args.out, args.seed, args.freq, args.start_year, args.rows_per_file,
        args.chunk_rows,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in files)
    print(
        f"wrote {args.rows:,} SYNTHETIC rows in {len(files)} file(s), {size / 1e6:,.0f} MB, "
        f"to {args.out} in {seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
