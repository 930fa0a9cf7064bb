"""Check a store's catalogue index (kg.store_index) against the store itself, row by row.

Usage:
  python benchmarks/index_check.py STORE [--pages N]

`drug-outcome-summary` from the index (every row, `limit=0`) against the query's text run on
the whole store (every term of every row, in order), and the page pick from the index against
`kg.query.page_of_articles` (every article IRI read out of Oxigraph), page after page from the
first (all of them, or the first N). Prints what it compared and CPU seconds; exits 1 on the
first difference, 2 when the store has no clean index. Opens the store read-only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--pages", type=int, default=0, help="compare only the first N pages (0: all)")
    args = ap.parse_args()

    from kg.query import Catalogue, _execute, bind, choose_page, query_text, run
    from kg.store import Store
    from kg.store_index import open_reader

    started = time.process_time()
    with Store(args.store, read_only=True) as st:
        index = open_reader(args.store)
        if index is None:
            print(f"{args.store}: no clean catalogue index", file=sys.stderr)
            sys.exit(2)
        index.close()
        cat = Catalogue()
        qdef = cat.get("drug-outcome-summary")
        params = {"limit": "0"}
        fast = run(st, qdef.name, params, catalogue=cat)
        slow = _execute(st.reader, qdef, bind(qdef, params), query_text(qdef, params))
        if fast.variables != slow.variables or fast.rows != slow.rows:
            bad = next((i for i, (a, b) in enumerate(zip(fast.rows, slow.rows)) if a != b), min(len(fast.rows), len(slow.rows)))
            print(f"drug-outcome-summary differs at row {bad} ({len(fast.rows)} rows from the index, {len(slow.rows)} from the query)")
            sys.exit(1)
        print(f"drug-outcome-summary: {len(fast.rows):,} rows identical")
        after, pages = "", 0
        while not args.pages or pages < args.pages:
            index = open_reader(args.store)
            got = choose_page(st.reader, after, 100, index=index)
            if index is not None:
                index.close()
            want = choose_page(st.reader, after, 100)
            if got != want:
                print(f"page after {after!r} differs")
                sys.exit(1)
            pages += 1
            if got[1] is None:
                break
            after = got[1]
        print(f"pages of 100 articles: {pages:,} identical; {time.process_time() - started:.1f} s CPU")


if __name__ == "__main__":
    main()
