#!/usr/bin/env python3
"""Run the README's DuckDB funnel query on a `chronicle export` file (pip install duckdb).

Usage: python3 Fixtures/duckdb_funnel.py EXPORT.ndjson [README.md]
Takes the ```sql block of the README's "For analysts" section, so the README is what is tested,
reads EXPORT.ndjson where the README reads funnel.ndjson, and prints the stage counts as one JSON
object in stage order: {"discovery": 12, ..., "won": 3, "lost": 1}.
"""
import json
import pathlib
import re
import sys

import duckdb

README_FILE = "funnel.ndjson"


def readme_sql(readme):
    section = re.search(r"^## For analysts\n(.*?)(?=^## )", readme, re.S | re.M)
    if not section:
        sys.exit("README.md has no '## For analysts' section")
    block = re.search(r"^```sql\n(.*?)^```", section.group(1), re.S | re.M)
    if not block:
        sys.exit("the README's 'For analysts' section has no ```sql block")
    return block.group(1)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    export = sys.argv[1]
    readme = pathlib.Path(sys.argv[2] if len(sys.argv) == 3 else pathlib.Path(__file__).parent.parent / "README.md")
    sql = readme_sql(readme.read_text())
    if f"'{README_FILE}'" not in sql:
        sys.exit(f"the README's query does not read '{README_FILE}'")
    sql = sql.replace(f"'{README_FILE}'", "'" + export.replace("'", "''") + "'")
    print(json.dumps(dict(duckdb.sql(sql).fetchall())))


if __name__ == "__main__":
    main()
