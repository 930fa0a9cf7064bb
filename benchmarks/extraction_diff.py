"""Dump every extraction (and a digest of its quads) to JSON lines, or diff two dumps.

Usage:
  python benchmarks/extraction_diff.py dump OUT.jsonl [--articles N] [--seed S] [--no-dev] [--sets NAME[:N],...]
  python benchmarks/extraction_diff.py diff A.jsonl B.jsonl
  python benchmarks/extraction_diff.py statements A.jsonl B.jsonl [--kinds K,...]

`--sets` adds gold corpora by name (`kg.gold.dev_sets` and `kg.gold.train_sets`: maccrobat-train,
bc5cdr-train, ...), each optionally cut to its first N documents; with `--no-dev --articles 0`
only those are dumped. `statements` prints every statement found in one dump and not the other,
readably (kind, subject and target text, value, status, cue, evidence sentence), with a count per
kind: what a relation change must be read through.

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


def _documents(n: int, seed: int, dev: bool, sets: tuple[str, ...] = ()) -> Iterator[tuple[str, str, str]]:
    from kg import synth

    for a in synth.articles(n, seed):
        yield "synthetic", a.id, a.text
    if dev:
        from kg.gold import dev_sets

        for name, docs in dev_sets().items():
            for i, d in enumerate(docs):
                yield name, f"{name}-{i}", d.text
    if sets:
        from kg.gold import dev_sets, train_sets

        known = {**dev_sets(), **train_sets()}
        for spec in sets:
            name, _, count = spec.partition(":")
            if name not in known:
                raise SystemExit(f"unknown set {name!r}; known: {', '.join(sorted(known))}")
            docs = known[name][:int(count)] if count else known[name]
            for d in docs:
                yield name, f"{name}-{d.id}", d.text


def dump(out: str, n: int, seed: int, dev: bool, sets: tuple[str, ...] = ()) -> int:
    from kg.extract import extract
    from kg.model import Article, ArticleMeta
    from kg.rdf import article_nquads, article_quads

    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    count = 0
    with open(out, "w", encoding="utf-8") as fh:
        for corpus, doc_id, text in _documents(n, seed, dev, sets):
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


def readable_statements(row: dict) -> list[tuple[str, ...]]:
    """A dump row's statements as (kind, patient, subject text, target text, value, status, cue,
    sentence text): comparable across dumps whose mention ids differ."""
    x = row["extraction"]
    text = {m["id"]: m["text"] for m in x["mentions"]}
    sents = {s["index"]: " ".join(s["text"].split()) for s in x["sentences"]}
    return [(st["kind"], str(st["patient"]), text.get(st["subject"], "?"), text.get(st["target"], "") if st["target"] else "",
             str(st["value"] or ""), st["status"], str(st["cue"] or ""), sents.get(st["sentence"], ""))
            for st in x["statements"]]


def statement_diff(a_path: str, b_path: str, kinds: tuple[str, ...] = ()) -> dict[str, list[int]]:
    """Print the statements only in A ("-") or only in B ("+"), per document; return
    {kind: [lost, gained]}."""
    a, b = _load(a_path), _load(b_path)
    counts: dict[str, list[int]] = {}
    for doc_id in sorted(set(a) & set(b)):
        sa, sb = readable_statements(a[doc_id]), readable_statements(b[doc_id])
        lost = [s for s in sa if s not in sb and (not kinds or s[0] in kinds)]
        gained = [s for s in sb if s not in sa and (not kinds or s[0] in kinds)]
        if not lost and not gained:
            continue
        print(f"== {doc_id}")
        for sign, rows in (("-", lost), ("+", gained)):
            for kind, patient, subj, tgt, value, status, cue, sent in rows:
                counts.setdefault(kind, [0, 0])[sign == "+"] += 1
                print(f"{sign} {kind} {patient} {subj!r} -> {tgt!r} {value} [{status}] cue={cue!r}\n    | {sent[:300]}")
    only = sorted(set(a) ^ set(b))
    if only:
        print(f"in one dump only (not compared): {len(only)}")
    for kind, (lost, gained) in sorted(counts.items()):
        print(f"{kind}: -{lost} +{gained}")
    return counts


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--articles", type=int, default=150)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-dev", action="store_true")
    d.add_argument("--sets", default="", help="gold sets to add, comma-separated, each NAME or NAME:N")
    c = sub.add_parser("diff")
    c.add_argument("a")
    c.add_argument("b")
    st = sub.add_parser("statements")
    st.add_argument("a")
    st.add_argument("b")
    st.add_argument("--kinds", default="", help="only these statement kinds, comma-separated")
    args = ap.parse_args()
    if args.cmd == "dump":
        sets = tuple(x for x in args.sets.split(",") if x)
        print(f"{dump(args.out, args.articles, args.seed, not args.no_dev, sets)} documents -> {args.out}")
    elif args.cmd == "statements":
        statement_diff(args.a, args.b, tuple(k for k in args.kinds.split(",") if k))
    else:
        sys.exit(1 if diff(args.a, args.b) else 0)


if __name__ == "__main__":
    main()
