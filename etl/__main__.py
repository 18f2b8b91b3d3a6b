"""python -m etl [--raw DIR] [--clean DIR]: build data/clean/ from the raw sources."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl import paths
from etl.atomic import EtlBusy
from etl.errors import InputError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
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
    args = parser.parse_args(argv)

    from etl import pipeline  # heavy imports after argument parsing keeps --help instant

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


if __name__ == "__main__":
    sys.exit(main())
