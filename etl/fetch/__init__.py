"""Fetch clients for live sources, each download kept as a dated snapshot (OWID style).

`python -m etl.fetch --source ecb` downloads into data/raw/<folder>/fetched/<YYYY-MM-DD>/ the
files as received plus `snapshot.json` (URL, parameters, fetched_utc, sha256, bytes, HTTP status,
the publisher's release date). Modules: `http` (one GET with bounded retries), `snapshot` (the
dated folder, written atomically), one module per service (`comtrade`, `ecb`, `eurostat`, `imf`),
`cli` (the command line). Nothing here runs at import time.
"""
