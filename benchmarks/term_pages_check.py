"""A paged term query against its previous, unpaged version on one store: CPU time and rows.

Usage:
  python benchmarks/term_pages_check.py STORE NAME TERM --old OLD.rq [--repeat N] [--check]

NAME is a catalogue query that pages by term (evidence, drugs-for-manifestation,
patients-with-antibody, adverse-events with a drug); OLD.rq its previous text (e.g. `git show
20161a0~1:queries/NAME.rq`), which answered whole (with `limit`) instead of by `after`. Prints CPU ms p50 (`time.process_time`: the machine is
shared, CPU time is the steadier figure) of the old query with its default limit and with
limit=0, and of the new query's first page as `kg.query.run` answers it (the page picked by
kg.term_pages, then the rest of the query on the page's graphs). `--check` pages through the
whole answer and compares it, row by row, with the old query's full answer (limit=0) sorted by
the new query's ORDER BY. Prints figures; never gates anything.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

PARAM = {"evidence": "entity", "drugs-for-manifestation": "manifestation", "patients-with-antibody": "antibody", "adverse-events": "drug"}


def cpu_p50(fn, repeat: int) -> tuple[float, object]:  # noqa: ANN001
    result = fn()  # warm-up, and the answer
    times = []
    for _ in range(repeat):
        c = time.process_time()
        fn()
        times.append((time.process_time() - c) * 1000)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("name", choices=sorted(PARAM))
    ap.add_argument("term")
    ap.add_argument("--old", type=Path, required=True, help="the previous text of the query")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--check", action="store_true", help="page through everything and compare with the old answer")
    args = ap.parse_args()

    from kg.query import Catalogue, _execute, bind, parse_query, query_text, run
    from kg.store import Store

    new = Catalogue().get(args.name)
    old_text = args.old.read_text(encoding="utf-8")
    old = parse_query(old_text, args.name)
    # the old query's rows in the new query's order (drugs-for-manifestation and adverse-events now sort by article first)
    resorted = parse_query(old_text[: old_text.rindex("ORDER BY")] + new.text[new.text.rindex("ORDER BY") :], args.name)
    term = {PARAM[args.name]: args.term}
    label = f"{args.name} ({args.term})"
    with Store(args.store, read_only=True) as st:
        oxi = st.reader

        def old_rows(qdef, limit: str | None):  # noqa: ANN001, ANN202
            params = {**term, "limit": limit} if limit is not None and qdef.param("limit") else term
            return _execute(oxi, qdef, bind(qdef, params), query_text(qdef, params)).rows

        for limit in (None, "0"):
            ms, rows = cpu_p50(lambda: old_rows(old, limit), args.repeat)
            print(f"| {label} old, limit {limit or 'default'} | {len(rows):,} rows | CPU p50 {ms:.1f} ms |", flush=True)
        ms, first = cpu_p50(lambda: run(st, args.name, term), args.repeat)
        print(f"| {label} new, first page | {len(first.rows):,} rows | CPU p50 {ms:.1f} ms |", flush=True)
        if args.check:
            want = old_rows(resorted, "0")
            got, after, pages = [], "", 0
            while True:
                result = run(st, args.name, {**term, "after": f"<{after}>"} if after else term)
                got += result.rows
                pages += 1
                if result.next_after is None:
                    break
                after = result.next_after
            print(f"check: {pages} pages, {len(got):,} rows; the old answer {len(want):,} rows; "
                  f"identical row by row: {got == want}")


if __name__ == "__main__":
    main()
