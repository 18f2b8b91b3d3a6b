"""python -m etl.fetch: see etl/fetch/cli.py."""

import sys

from etl.fetch.cli import main

if __name__ == "__main__":
    sys.exit(main())
