"""Make a bigger graph quickly: copy a store's article graphs N times under renamed article ids.

Usage:
  python benchmarks/replicate_store.py SOURCE_STORE TARGET_STORE --copies 10

For query benchmarks only. Every article graph of SOURCE is written N times into a fresh
TARGET store, copy k with its article ids prefixed `r{k}-` (a string rewrite of the N-Quads:
graph, article, patient, statement, evidence, sentence and mention IRIs all live under the
article IRI, so they are renamed with it); the shared vocabulary graph is copied once, as a
real N-times-larger corpus would mostly reuse the same concepts. Loaded with Oxigraph's bulk
loader. A replicated graph has the source's shape and statistics exactly N times over (same
concepts, same fan-out per concept), so it is a fair yardstick for query plans that scale with
the number of articles, but not for anything that depends on vocabulary growth. Say so when
quoting figures measured on one (docs/scale.md). Ends by writing TARGET's catalogue index
(`kg.store_index`), as `kg build` does.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from kg.rdf import BASE, VOCAB_GRAPH
from kg.store_index import build_index

_PREFIXES = (f"<{BASE}graph/", f"<{BASE}article/")


def _rename(nquads: bytes, copy: int) -> bytes:
    out = nquads
    for prefix in _PREFIXES:
        p = prefix.encode()
        out = out.replace(p, p + f"r{copy}-".encode())
    return out


def replicate(source: Path, target: Path, copies: int) -> int:
    """Write `copies` renamed copies of SOURCE's article graphs and one of its vocabulary
    graph into a fresh TARGET; returns the number of quads in TARGET."""
    if target.exists():
        shutil.rmtree(target)
    src = ox.Store.read_only(str(source))
    vocab = ox.NamedNode(VOCAB_GRAPH)
    articles = [q for q in src.quads_for_pattern(None, None, None, None) if q.graph_name != vocab]
    body = ox.serialize(articles, format=ox.RdfFormat.N_QUADS)
    vocab_body = ox.serialize(src.quads_for_pattern(None, None, None, vocab), format=ox.RdfFormat.N_QUADS)
    del articles, src
    dst = ox.Store(str(target))
    dst.bulk_load(vocab_body, format=ox.RdfFormat.N_QUADS)
    for k in range(copies):
        t = time.perf_counter()
        dst.bulk_load(_rename(body, k), format=ox.RdfFormat.N_QUADS)
        print(f"copy {k + 1}/{copies} loaded in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    dst.flush()
    dst.optimize()
    n = len(dst)
    del dst  # closes RocksDB
    # the catalogue index (kg.store_index): written by kg.store.Store's writes, which this
    # script bypasses; without it the paged listings and the summary fall back to full reads
    t = time.perf_counter()
    build_index(target)
    print(f"catalogue index written in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("target", type=Path)
    ap.add_argument("--copies", type=int, default=10)
    args = ap.parse_args()
    n = replicate(args.source, args.target, args.copies)
    print(f"{args.target}: {n:,} quads ({args.copies} copies of {args.source}'s article graphs + its vocabulary graph)")


if __name__ == "__main__":
    main()
