"""Dump every extraction (and a digest of its quads) to JSON lines, or diff two dumps.

Usage:
  python benchmarks/extraction_diff.py dump OUT.jsonl [--articles N] [--seed S] [--no-dev]
  python benchmarks/extraction_diff.py diff A.jsonl B.jsonl

For speed work that must not change output: dump with the old code, dump with the new code
(e.g. `PYTHONPATH=/tmp/old-tree` for the old one, so both runs share everyone else's files),
then diff. Each line is one document: its corpus, id, the full `kg.extract.extract` result
(sentences, mentions with status/cue/patient/attrs, patients, statements) and the count and
sha256 of its sorted N-Quads from `kg.rdf.article_quads` with a fixed timestamp, and the sha256 of
the bytes a build worker sends (`kg.rdf.article_nquads`: article graph, then vocabulary graph).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timezone


def _documents(n: int, seed: int, dev: bool) -> Iterator[tuple[str, str, str]]:
    from kg import synth

    for a in synth.articles(n, seed):
        yield "synthetic", a.id, a.text
    if dev:
        from kg.gold import dev_sets

        for name, docs in dev_sets().items():
            for i, d in enumerate(docs):
                yield name, f"{name}-{i}", d.text


def dump(out: str, n: int, seed: int, dev: bool) -> int:
    from kg.extract import extract
    from kg.model import Article, ArticleMeta
    from kg.rdf import article_nquads, article_quads

    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    count = 0
    with open(out, "w", encoding="utf-8") as fh:
        for corpus, doc_id, text in _documents(n, seed, dev):
            art = Article(meta=ArticleMeta(id=doc_id), text=text, sha256="0" * 64)
            x = extract(art)
            quads = sorted(str(q) for q in article_quads(art, x, generated_at=when))
            digest = hashlib.sha256("\n".join(quads).encode()).hexdigest()
            nq = article_nquads(art, x, generated_at=when)
            row = {"corpus": corpus, "id": doc_id, "extraction": dataclasses.asdict(x),
                   "quads": len(quads), "quads_sha256": digest,
                   "nquads_sha256": hashlib.sha256(nq.article + b"\0" + nq.vocabulary).hexdigest()}
            fh.write(json.dumps(row, sort_keys=True) + "\n")
            count += 1
    return count


def _load(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


def diff(a_path: str, b_path: str) -> int:
    """Print every document whose extraction or quads differ; return how many differ."""
    a, b = _load(a_path), _load(b_path)
    bad = 0
    for doc_id in sorted(set(a) | set(b)):
        ra, rb = a.get(doc_id), b.get(doc_id)
        if ra == rb:
            continue
        bad += 1
        if ra is None or rb is None:
            print(f"{doc_id}: only in {'B' if ra is None else 'A'}")
            continue
        for part in ("sentences", "mentions", "patients", "statements"):
            xa, xb = ra["extraction"][part], rb["extraction"][part]
            if xa != xb:
                extra_a = [r for r in xa if r not in xb][:3]
                extra_b = [r for r in xb if r not in xa][:3]
                print(f"{doc_id} {part}: {len(xa)} vs {len(xb)}\n  A only: {extra_a}\n  B only: {extra_b}")
        if (ra["quads"], ra["quads_sha256"]) != (rb["quads"], rb["quads_sha256"]):
            print(f"{doc_id} quads: {ra['quads']} vs {rb['quads']} (digest differs)")
        if ra.get("nquads_sha256") != rb.get("nquads_sha256"):
            print(f"{doc_id}: the worker's N-Quads bytes differ")
    per_corpus: dict[str, int] = {}
    for r in a.values():
        per_corpus[r["corpus"]] = per_corpus.get(r["corpus"], 0) + 1
    print(f"compared {len(set(a) | set(b))} documents ({per_corpus}): {bad} differ")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--articles", type=int, default=150)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-dev", action="store_true")
    c = sub.add_parser("diff")
    c.add_argument("a")
    c.add_argument("b")
    args = ap.parse_args()
    if args.cmd == "dump":
        print(f"{dump(args.out, args.articles, args.seed, not args.no_dev)} documents -> {args.out}")
    else:
        sys.exit(1 if diff(args.a, args.b) else 0)


if __name__ == "__main__":
    main()
