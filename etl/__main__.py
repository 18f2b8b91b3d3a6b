"""python -m etl [--raw DIR] [--clean DIR] [--online]: build data/clean/ from the raw sources.

python -m etl add PATH... --source NAME [--edition TEXT] [--into SUBFOLDER] [--replace]: take a
new edition's files into data/raw/<source>/ and record them in data/raw/sources.toml.
python -m etl fetch ...: download live sources into dated snapshots (etl.fetch; --help there).
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from etl import paths
from etl.atomic import EtlBusy
from etl.errors import InputError


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["add"]:
        return add(argv[1:])
    if argv[:1] == ["fetch"]:
        from etl.fetch import cli

        return cli.main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m etl", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--raw",
        type=Path,
        default=None,
        help="folder holding one sub-folder per source (default data/raw, "
        "materialised from the snapshot manifest)",
    )
    parser.add_argument("--clean", type=Path, default=paths.clean_dir(), help="output folder")
    parser.add_argument("--facts", type=Path, default=paths.facts_file())
    parser.add_argument(
        "--mirror",
        type=Path,
        default=None,
        help="local folder to copy missing snapshot files from "
        "(default ../shared/data when it exists)",
    )
    parser.add_argument(
        "--accept-new-vintage",
        action="store_true",
        help="accept snapshot files whose sha256 differs from the manifest",
    )
    parser.add_argument("--only", default=None, help="comma-separated source folders")
    parser.add_argument(
        "--online",
        action="store_true",
        help="first fetch the live sources (python -m etl fetch); a failed fetch is reported "
        "and the ETL runs on the files present",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="where large sources such as UN Comtrade run: a dask.distributed scheduler "
        "(tcp://host:8786) whose workers see --raw and --clean at the same paths; default: a "
        "local pool of worker processes, one per CPU (TRADEBOARD_WORKERS sets how many), no "
        "cluster; 'synchronous' for this process only; 'threads' for threads",
    )
    args = parser.parse_args(argv)
    if args.online:
        from etl.fetch import cli

        if cli.main(["--raw", str(args.raw)] if args.raw else []) != 0:
            print(
                "fetch: some sources could not be fetched (see above); "
                "the ETL runs on the files present",
                file=sys.stderr,
            )

    # Heavy imports after argument parsing keep --help instant. They leave ~170,000 objects that
    # live as long as the process (and ~1,000 garbage ones): collected during the imports and
    # again by every full collection after them, in this process and in each of the engine's
    # forked workers (whose pages each pass copies), they cost a 1,000-row run ~0.25 s of CPU.
    # Frozen, the collector skips them (Python's advice for a parent that forks workers).
    gc.disable()
    try:
        from etl import pipeline
    finally:
        gc.freeze()
        gc.enable()

    manifest = None
    raw = args.raw
    if raw is None:
        raw = paths.raw_dir()
        manifest = paths.manifest()
    mirror = args.mirror
    if mirror is None and paths.shared_data().is_dir():
        mirror = paths.shared_data()
    only = args.only.split(",") if args.only else None
    try:
        report = pipeline.run(
            raw,
            args.clean,
            args.facts,
            manifest=manifest,
            mirror=mirror,
            accept_new_vintage=args.accept_new_vintage,
            only=only,
            scheduler=args.scheduler,
        )
    except InputError as exc:
        print(f"ETL failed; {args.clean} is unchanged.\n{exc}", file=sys.stderr)
        return 1
    except EtlBusy as exc:
        print(f"ETL refused: {exc}", file=sys.stderr)
        return 75
    tables = ", ".join(f"{k} {v:,}" for k, v in report["tables"].items())
    print(f"ETL ok in {report['seconds']:.1f}s -> {args.clean}: {tables}")
    warnings = report["warnings"]
    for w in warnings[:5]:
        print(f"warning: {w}", file=sys.stderr)
    if len(warnings) > 5:
        print(
            f"... {len(warnings) - 5} more warnings in {args.clean / 'report.json'}",
            file=sys.stderr,
        )
    return 0


def add(argv: list[str]) -> int:
    """python -m etl add: copy files into data/raw/<source>/ and record them in the manifest."""
    from etl import snapshots

    parser = argparse.ArgumentParser(
        prog="python -m etl add",
        description="Take a new edition's files into data/raw/<source>/ and record their sha256 "
        "and size in data/raw/sources.toml; `make etl` then reads them.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files to add")
    parser.add_argument(
        "--source", required=True, help="source folder, e.g. bns-kz-trade-by-country"
    )
    parser.add_argument("--edition", default=None, help="the edition's name or date, as published")
    parser.add_argument("--into", default=None, help="sub-folder for readers that read sub-folders")
    parser.add_argument(
        "--replace", action="store_true", help="replace a recorded file of the same name"
    )
    parser.add_argument("--raw", type=Path, default=None, help="raw folder (default data/raw)")
    parser.add_argument("--manifest", type=Path, default=None, help="default data/raw/sources.toml")
    args = parser.parse_args(argv)
    raw = args.raw or paths.raw_dir()
    manifest = args.manifest or paths.manifest()
    try:
        added = snapshots.add_files(
            args.paths, args.source, raw, manifest, args.edition, args.replace, args.into
        )
    except snapshots.AddRefused as exc:
        print(f"etl add refused: {exc}", file=sys.stderr)
        return 2
    for a in added:
        print(f"{a.action}: {raw / args.source / a.name} ({a.bytes:,} bytes, sha256 {a.sha256})")
    print(f"recorded in {manifest}; run `make etl` to read them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
