"""Build time, peak RSS, store size and catalogue query latency against corpus size.

Usage:
  python benchmarks/build_scale.py --sizes 1000 10000 --jobs 1 2 [--workdir /tmp/kg-bench] [--queries-repeat 20]
  python benchmarks/build_scale.py --sizes 1000 --rdflib 200   # + rdflib in-memory on a 200-article graph

For each size a synthetic corpus (kg.synth, seed 0) is written once under --workdir, then
`kg.build.build(jobs=J)` runs in a child process on a fresh store while this process samples
the resident memory of the child and all its workers (psutil, every 0.1 s): peak RSS is the
peak of that sum. Then every catalogue query runs --queries-repeat times on the largest
store built for that size (p50/p99 in ms). `--rdflib N` runs the same queries with rdflib's
own engine over an in-memory Dataset of the first N articles' graphs, beside Oxigraph on
the same graph, each query in a child process capped at --rdflib-timeout seconds.
Prints figures; never gates anything.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SAMPLE_PARAMS = {
    "adverse-events": {"drug": ""},
    "drugs-for-manifestation": {"manifestation": "muscle weakness"},
    "evidence": {"entity": "rituximab"},
    "patients-with-antibody": {"antibody": "anti-MDA5"},
}

_BUILD_CHILD = """
import json, resource, sys, time
from datetime import datetime, timezone
from kg.build import build
t = time.perf_counter()
s = build(sys.argv[1], sys.argv[2], jobs=int(sys.argv[3]), now=datetime(2026, 1, 1, tzinfo=timezone.utc))
wall = time.perf_counter() - t
# CPU of this process and of its (reaped) worker processes: on a shared machine the wall time
# is inflated by other load, the CPU time much less so.
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "cpu_parent": me.ru_utime + me.ru_stime,
                  "cpu_workers": kids.ru_utime + kids.ru_stime, "built": s.built, "failed": len(s.failed), "words": s.words,
                  "triples": s.store_triples}))
"""


def tree_rss(proc) -> int:  # noqa: ANN001
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_build(corpus: Path, store: Path, jobs: int) -> dict:
    import psutil

    if store.exists():
        shutil.rmtree(store)
    child = subprocess.Popen([sys.executable, "-c", _BUILD_CHILD, str(corpus), str(store), str(jobs)],
                             stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss(ps))
        time.sleep(0.1)
    out = child.stdout.read()
    if child.returncode != 0:
        raise SystemExit(f"build failed ({child.returncode})")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_mb"] = peak / 2**20
    res["store_mb"] = du(store) / 2**20
    return res


def query_latency(store: Path, repeat: int) -> dict[str, tuple[float, float]]:
    from kg.paths import queries_dir
    from kg.query import Catalogue, run
    from kg.store import Store

    out = {}
    with Store(store, read_only=True) as st:
        for q in Catalogue(queries_dir()):
            params = SAMPLE_PARAMS.get(q.name, {})
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                run(st, q.name, params)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            out[q.name] = (statistics.median(times), times[min(len(times) - 1, int(0.99 * len(times)))])
    return out


_RDFLIB_CHILD = """
import sys, time, rdflib
from kg.paths import queries_dir
from kg.query import Catalogue, resolve, bind
ds = rdflib.Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
q = resolve(sys.argv[2], Catalogue(queries_dir()))
subs = bind(q, __import__("json").loads(sys.argv[3]))
init = {str(k.value if hasattr(k, "value") else k).lstrip("?$"): rdflib.util.from_n3(str(v)) for k, v in (subs or {}).items()}
t = time.perf_counter()
from kg.rdf import PREFIXES
list(ds.query(q.text, initBindings=init, initNs=dict(PREFIXES)))
print((time.perf_counter() - t) * 1000)
"""


def rdflib_compare(store: Path, n_articles: int, timeout: float, workdir: Path) -> None:
    import pyoxigraph as ox

    from kg.paths import queries_dir
    from kg.query import Catalogue, run
    from kg.rdf import graph_iri
    from kg.store import Store

    dump = workdir / f"rdflib-{n_articles}.nq"
    small = workdir / f"store-rdflib-{n_articles}"
    if small.exists():
        shutil.rmtree(small)
    with Store(store, read_only=True) as st:
        ids = st.articles()[:n_articles]
        quads = [q for a in ids for q in st.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri(a)))]
    dump.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    with Store(small) as st:
        st.oxigraph.bulk_load(dump.read_bytes(), format=ox.RdfFormat.N_QUADS)
    print(f"\nrdflib in-memory vs Oxigraph on disk, {n_articles} articles ({len(quads)} quads), one run each, ms:")
    with Store(small, read_only=True) as st:
        for q in Catalogue(queries_dir()):
            params = SAMPLE_PARAMS.get(q.name, {})
            run(st, q.name, params)
            t = time.perf_counter()
            run(st, q.name, params)
            oxi = (time.perf_counter() - t) * 1000
            try:
                r = subprocess.run([sys.executable, "-c", _RDFLIB_CHILD, str(dump), q.name, json.dumps(params)],
                                   capture_output=True, text=True, timeout=timeout)
                rdf = float(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else None
                note = "" if rdf is not None else f"error: {r.stderr.strip().splitlines()[-1:]}"
            except subprocess.TimeoutExpired:
                rdf, note = None, f"> {timeout:.0f} s (timed out)"
            ratio = f"{rdf / oxi:8.0f}x" if rdf is not None else ""
            rdf_s = f"{rdf:10.1f}" if rdf is not None else f"{'':>10}"
            print(f"  {q.name:24} oxigraph {oxi:8.1f}   rdflib {rdf_s} {ratio} {note}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kg-bench")
    ap.add_argument("--queries-repeat", type=int, default=20, help="runs per catalogue query (0: skip queries)")
    ap.add_argument("--rdflib", type=int, default=0, help="articles in the rdflib comparison graph (0: skip)")
    ap.add_argument("--rdflib-timeout", type=float, default=120)
    ap.add_argument("--keep", action="store_true", help="keep the stores")
    args = ap.parse_args()

    from kg.synth import write_corpus

    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        corpus = args.workdir / f"corpus-{n}"
        if not (corpus / ".done").exists():
            info = write_corpus(corpus, n, seed=0)
            (corpus / ".done").write_text(json.dumps(info))
        info = json.loads((corpus / ".done").read_text())
        last = None
        for jobs in args.jobs:
            store = args.workdir / f"store-{n}-j{jobs}"
            res = run_build(corpus, store, jobs)
            rate = res["built"] / res["seconds"]
            print(f"{n:>7} articles ({info['words']:,} words)  --jobs {jobs}: {res['seconds']:7.1f} s  {rate:6.1f} articles/s  "
                  f"{info['words'] / res['seconds']:8,.0f} words/s  CPU {res['cpu_seconds']:7.1f} s "
                  f"(build process {res['cpu_parent']:.1f}, workers {res['cpu_workers']:.1f})  peak RSS {res['peak_rss_mb']:6.0f} MB  "
                  f"store {res['store_mb']:7.0f} MB  {res['triples']:,} quads", flush=True)
            rows.append((n, jobs, res))
            if last is not None and not args.keep:
                shutil.rmtree(last)
            last = store
        if not args.queries_repeat:
            continue
        lat = query_latency(last, args.queries_repeat)
        print(f"  query latency on {n} articles (ms, {args.queries_repeat} runs): "
              + "  ".join(f"{k} {p50:.1f}/{p99:.1f}" for k, (p50, p99) in lat.items()), flush=True)
        rows[-1][2]["latency"] = lat
        if args.rdflib:
            rdflib_compare(last, args.rdflib, args.rdflib_timeout, args.workdir)
    print("\nsize  jobs  build s  store MB  query p50 max (ms)")
    for n, jobs, res in rows:
        lat = res.get("latency")
        worst = f"{max(p for p, _ in lat.values()):.1f}" if lat else ""
        print(f"{n:>6} {jobs:>4} {res['seconds']:8.1f} {res['store_mb']:9.0f} {worst:>10}")


if __name__ == "__main__":
    main()
