"""p50/p99 latency of every catalogue query on an existing store, optionally against rdflib.

Usage:
  python benchmarks/query_latency.py STORE [--repeat N] [--extra] [--queries DIR] [--limit N] [--no-index] [--index FILE] [--rdflib N_ARTICLES]

Every query in queries/ runs once to warm the caches, then --repeat times with the sample
parameters of `benchmarks/build_scale.py` (SAMPLE_PARAMS); --extra adds the broad-term and
specific-drug cases (EXTRA_CASES). Wall milliseconds (p50, p99) and CPU milliseconds
(`time.process_time`, p50: the machine is shared, so CPU time is the steadier figure) are
printed with the row count, so an A/B of two query shapes can check the rows too.
`--queries DIR` times another catalogue (e.g. an older one from `git show`); `--limit N`
passes limit=N to the queries that declare a `limit` parameter (default: their own default).
`--no-index` ignores the store's catalogue index (kg.store_index), as on a store without one:
the paged listings read every article IRI and drug-outcome-summary runs its text.
`--index FILE`: use that catalogue index file instead of the store's own (e.g. one of a new
schema built beside a store that must not be written).
`--rdflib N` copies the first N article graphs into a small store and times rdflib's
in-memory engine against Oxigraph on it, same run (`build_scale.rdflib_compare`).
Prints figures; never gates anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_scale import SAMPLE_PARAMS, rdflib_compare  # noqa: E402

# Cases beyond the sample parameters: a broad HPO term (thousands of concepts) and one drug,
# so both query shapes picked by the number of resolved concepts are measured.
EXTRA_CASES = [
    ("adverse-events", {"drug": "methotrexate"}),
    ("drugs-for-manifestation", {"manifestation": "Abnormality of the skin"}),
    ("evidence", {"entity": "HP:0000118"}),
    ("evidence", {"entity": "muscle weakness"}),
    ("drugs-for-manifestation", {"manifestation": "HP:0000118"}),
]


def cases(catalogue, extra: bool, limit: int | None) -> list[tuple[str, dict[str, str]]]:  # noqa: ANN001
    out = [(q.name, SAMPLE_PARAMS.get(q.name, {})) for q in catalogue]
    out += [c for c in EXTRA_CASES if c[0] in catalogue] if extra else []
    if limit is not None:
        out = [(name, {**params, "limit": str(limit)} if catalogue.get(name).param("limit") else params) for name, params in out]
    return out


def measure(store: Path, repeat: int, extra: bool, queries: Path | None = None, limit: int | None = None) -> list[dict]:
    from kg.paths import queries_dir
    from kg.query import Catalogue, run
    from kg.store import Store

    catalogue = Catalogue(queries or queries_dir())
    rows = []
    with Store(store, read_only=True) as st:
        for name, params in cases(catalogue, extra, limit):
            n = len(run(st, name, params, catalogue=catalogue))  # warm-up, and the row count
            wall, cpu = [], []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                run(st, name, params, catalogue=catalogue)
                cpu.append((time.process_time() - c) * 1000)
                wall.append((time.perf_counter() - t) * 1000)
            wall.sort()
            rows.append({"query": name, "params": params, "rows": n, "p50": statistics.median(wall),
                         "p99": wall[min(len(wall) - 1, int(0.99 * len(wall)))], "cpu_p50": statistics.median(cpu)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--extra", action="store_true", help="also the broad-term and specific-drug cases")
    ap.add_argument("--queries", type=Path, default=None, help="catalogue directory (default: the shipped queries/)")
    ap.add_argument("--limit", type=int, default=None, help="limit=N for queries with a limit parameter")
    ap.add_argument("--no-index", action="store_true", help="ignore the store's catalogue index (kg.store_index)")
    ap.add_argument("--index", type=Path, default=None, help="an index file to use instead of the store's")
    ap.add_argument("--rdflib", type=int, default=0, metavar="N_ARTICLES", help="compare with rdflib on the first N articles")
    ap.add_argument("--rdflib-timeout", type=float, default=120)
    args = ap.parse_args()

    from kg.store import Store

    if args.index is not None:
        from index_check import use_index_file

        use_index_file(args.index)
    if args.no_index:
        import kg.store_index

        kg.store_index.open_reader = lambda *_: None  # kg.query and kg.server look it up at each query
    with Store(args.store, read_only=True) as st:
        # no quad count: len() of an on-disk store walks every quad (minutes at 10M)
        from kg.store_index import open_reader

        index = open_reader(args.store)
        state = "no usable catalogue index" if index is None else "catalogue index used"
        if index is not None:
            index.close()
        print(f"{args.store}: {len(st.articles()):,} articles; {args.repeat} runs per query; {state}; "
              f"load average {os.getloadavg()[0]:.1f}")
    print(f"| query (parameters) | rows | p50 ms | p99 ms | CPU p50 ms |\n| --- | ---: | ---: | ---: | ---: |")
    for r in measure(args.store, args.repeat, args.extra, args.queries, args.limit):
        params = ", ".join(f"{k}={v}" if k == "limit" else v for k, v in r["params"].items() if v)
        label = f"{r['query']} ({params})" if params else r["query"]
        print(f"| {label} | {r['rows']:,} | {r['p50']:.1f} | {r['p99']:.1f} | {r['cpu_p50']:.1f} |", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")  # the machine is shared: CPU ms is the steadier figure
    if args.rdflib:
        with tempfile.TemporaryDirectory(prefix="kg-rdflib-") as tmp:
            rdflib_compare(args.store, args.rdflib, args.rdflib_timeout, Path(tmp))


if __name__ == "__main__":
    main()
