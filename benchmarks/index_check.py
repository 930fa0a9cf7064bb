"""Check a store's catalogue index (kg.store_index) against the store itself, row by row.

Usage:
  python benchmarks/index_check.py STORE [--pages N] [--no-terms] [--term NAME=TERM ...] [--index FILE]

`drug-outcome-summary` from the index (every row, `limit=0`) against the query's text run on
the whole store (every term of every row, in order), and the page pick from the index against
`kg.query.page_of_articles` (every article IRI read out of Oxigraph), page after page from the
first (all of them, or the first N). The term table: every (source, graph, concept) row
against the source pattern's pairs read out of Oxigraph (`--no-terms` skips it: ~1 CPU-minute
at 100k). The closure table: each numbered concept's rows against the nodes
`<concept> rdfs:subClassOf* ?a` reaches in the vocabulary graph. `--term NAME=TERM`
(repeatable, e.g. `evidence=HP:0000118`): the term query's pages picked from the index against
kg.term_pages' SPARQL pick (no index, the rest of the query run as written), page after page:
the same graphs, the same next value and the same rows. `--index FILE`: check that index file
instead of the store's own (a copy built elsewhere, e.g. of a new schema: the store is never
written). Prints what it compared and CPU seconds; exits
1 on the first difference, 2 when the store has no clean index. Opens the store read-only.
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
    ap.add_argument("--no-terms", action="store_true", help="do not compare the term table with the store")
    ap.add_argument("--term", action="append", default=[], metavar="NAME=TERM", help="page through a term query both ways")
    ap.add_argument("--index", type=Path, default=None, help="an index file to use instead of the store's")
    args = ap.parse_args()
    if args.index is not None:
        use_index_file(args.index)

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
        print(f"pages of 100 articles: {pages:,} identical; {time.process_time() - started:.1f} s CPU", flush=True)
        if not args.no_terms:
            check_term_table(args.store, st.reader)
            print(f"term table identical; {time.process_time() - started:.1f} s CPU", flush=True)
        check_closure(args.store, st.reader)
        print(f"closure table identical; {time.process_time() - started:.1f} s CPU", flush=True)
        for spec in args.term:
            name, _, term = spec.partition("=")
            pages = check_term_pages(args.store, st.reader, cat, name, term, args.pages)
            print(f"{name} ({term}): {pages:,} pages identical; {time.process_time() - started:.1f} s CPU", flush=True)


def check_term_table(store_dir: Path, store) -> None:  # noqa: ANN001
    """Every row of the index's term table against the source patterns read out of Oxigraph."""
    import sqlite3

    from kg.store_index import TERM_SOURCES, index_path

    conn = sqlite3.connect(f"{index_path(store_dir).resolve().as_uri()}?mode=ro", uri=True)
    try:
        for number, pattern in enumerate(TERM_SOURCES):
            got = set(conn.execute("SELECT t.graph, c.term FROM term t JOIN concept c ON c.id = t.concept WHERE t.source = ?",
                                   (number,)))
            want = {(r[0].value, str(r[1])) for r in store.query(f"SELECT DISTINCT ?g ?c WHERE {{ GRAPH ?g {{ {pattern} }} }}")}
            if got != want:
                print(f"term table, source {number}: {len(got - want):,} rows too many, {len(want - got):,} missing")
                sys.exit(1)
            print(f"term source {number}: {len(got):,} (graph, concept) rows identical", flush=True)
    finally:
        conn.close()


def use_index_file(path: Path) -> None:
    """Make kg.store_index (and so kg.query, kg.term_pages) read `path` as every store's index."""
    import kg.store_index

    path = path.resolve()
    kg.store_index.index_path = lambda _store_dir: path


def check_closure(store_dir: Path, store) -> None:  # noqa: ANN001
    """Each numbered concept's closure rows against the nodes it reaches by rdfs:subClassOf* in
    the vocabulary graph (a concept absent from the vocabulary graph, which Oxigraph's
    zero-length path does not give, has its own row only)."""
    import sqlite3

    from kg.rdf import VOCAB_GRAPH
    from kg.store_index import index_path

    conn = sqlite3.connect(f"{index_path(store_dir).resolve().as_uri()}?mode=ro", uri=True)
    try:
        if not dict(conn.execute("SELECT key, value FROM meta")).get("vocabulary"):
            print("closure table: off (a blank node in the vocabulary's edges)")
            return
        got: dict[str, set[str]] = {term: set() for (term,) in conn.execute("SELECT term FROM concept")}
        for term, ancestor in conn.execute("SELECT c.term, l.ancestor FROM closure l JOIN concept c ON c.id = l.concept"):
            got[term].add(ancestor)
    finally:
        conn.close()
    # one walk of the whole vocabulary graph (Oxigraph's property path, not the index's code)
    walked: dict[str, set[str]] = {}
    for r in store.query(f"SELECT ?c ?a WHERE {{ GRAPH <{VOCAB_GRAPH}> {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?a }} }}"):
        term = str(r[0])
        if term in got:
            walked.setdefault(term, set()).add(str(r[1]))
    rows = 0
    for term, ancestors in got.items():
        want = walked.get(term) or {term}
        if ancestors != want:
            print(f"closure of {term}: {len(ancestors - want):,} rows too many, {len(want - ancestors):,} missing")
            sys.exit(1)
        rows += len(want)
    print(f"closure: {len(got):,} concepts, {rows:,} (ancestor, concept) rows identical", flush=True)


def check_term_pages(store_dir: Path, store, cat, name: str, term: str, limit: int) -> int:  # noqa: ANN001
    """Page through a term query: the page from the index's term table and the one kg.term_pages
    picks by SPARQL (no index) have the same graphs, next value and rows. Returns the pages."""
    import pyoxigraph as ox

    from kg.query import _execute, bind, query_text
    from kg import term_pages
    from kg.store_index import open_reader
    from kg.term_pages import choose_term_page

    qdef = cat.get(name)
    key = next(p.name for p in qdef.params if p.name not in ("after", "limit"))
    after, pages = "", 0
    while not limit or pages < limit:
        params = {key: term, **({"after": f"<{after}>"} if after else {})}
        subs, text = bind(qdef, params), query_text(qdef, params)
        with open_reader(store_dir) as index:
            fast = choose_term_page(store, text, subs, after, qdef.page, index=index)
        cut, term_pages._redundant_resolution = term_pages._redundant_resolution, lambda *a, **k: None
        try:  # the reference runs the rest of the query as written
            slow = choose_term_page(store, text, subs, after, qdef.page)
        finally:
            term_pages._redundant_resolution = cut
        if fast is None or slow is None or (fast.graphs, fast.next_after) != (slow.graphs, slow.next_after):
            print(f"{name} ({term}): the page after {after!r} differs")
            sys.exit(1)
        rows = [_execute(store, qdef, subs, page.text, graphs=[ox.NamedNode(g) for g in page.graphs]).rows for page in (fast, slow)]
        if rows[0] != rows[1]:
            print(f"{name} ({term}): the rows of the page after {after!r} differ ({len(rows[0])} / {len(rows[1])})")
            sys.exit(1)
        pages += 1
        if fast.next_after is None:
            break
        after = fast.next_after
    return pages


if __name__ == "__main__":
    main()
