"""p50/p99 latency of every catalogue query on an existing store, optionally against rdflib.

Usage:
  python benchmarks/query_latency.py STORE [--repeat N] [--extra] [--rdflib N_ARTICLES]

Every query in queries/ runs once to warm the caches, then --repeat times with the sample
parameters of `benchmarks/build_scale.py` (SAMPLE_PARAMS); --extra adds the broad-term and
specific-drug cases (EXTRA_CASES). Wall milliseconds (p50, p99) and CPU milliseconds
(`time.process_time`, p50: the machine is shared, so CPU time is the steadier figure) are
printed with the row count, so an A/B of two query shapes can check the rows too.
`--rdflib N` copies the first N article graphs into a small store and times rdflib's
in-memory engine against Oxigraph on it, same run (`build_scale.rdflib_compare`).
Prints figures; never gates anything.
"""

from __future__ import annotations

import argparse
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
]


def cases(extra: bool) -> list[tuple[str, dict[str, str]]]:
    from kg.paths import queries_dir
    from kg.query import Catalogue

    out = [(q.name, SAMPLE_PARAMS.get(q.name, {})) for q in Catalogue(queries_dir())]
    return out + (EXTRA_CASES if extra else [])


def measure(store: Path, repeat: int, extra: bool) -> list[dict]:
    from kg.query import run
    from kg.store import Store

    rows = []
    with Store(store, read_only=True) as st:
        for name, params in cases(extra):
            n = len(run(st, name, params))  # warm-up, and the row count
            wall, cpu = [], []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                run(st, name, params)
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
    ap.add_argument("--rdflib", type=int, default=0, metavar="N_ARTICLES", help="compare with rdflib on the first N articles")
    ap.add_argument("--rdflib-timeout", type=float, default=120)
    args = ap.parse_args()

    from kg.store import Store

    with Store(args.store, read_only=True) as st:
        print(f"{args.store}: {len(st.oxigraph):,} quads, {len(st.articles()):,} articles; {args.repeat} runs per query")
    print(f"| query (parameters) | rows | p50 ms | p99 ms | CPU p50 ms |\n| --- | ---: | ---: | ---: | ---: |")
    for r in measure(args.store, args.repeat, args.extra):
        params = ", ".join(f"{v}" for v in r["params"].values() if v)
        label = f"{r['query']} ({params})" if params else r["query"]
        print(f"| {label} | {r['rows']:,} | {r['p50']:.1f} | {r['p99']:.1f} | {r['cpu_p50']:.1f} |", flush=True)
    if args.rdflib:
        with tempfile.TemporaryDirectory(prefix="kg-rdflib-") as tmp:
            rdflib_compare(args.store, args.rdflib, args.rdflib_timeout, Path(tmp))


if __name__ == "__main__":
    main()
