"""Words per second per core of the full casekg pipeline on a synthetic corpus.

Usage: python benchmarks/pipeline_speed.py [--articles N] [--repeats R] [--seed S]

Measures CPU time of this process (time.process_time), not wall time, so the figure is
"per core" and holds on a busy machine; wall time is printed beside it. Stages:
  nlp      get_nlp() over the repaired texts (nlp.pipe)
  extract  kg.extract.extract (repair + nlp + offsets back to the original)
  rdf      kg.rdf.article_quads alone, on extractions made beforehand
  +rdf     extract + kg.rdf.article_quads (what a build worker does per article)
and a per-component split of the nlp stage. Prints medians over R repeats. Never gates CI.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from datetime import datetime, timezone


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    from kg import synth
    from kg.extract import extract
    from kg.model import Article, ArticleMeta
    from kg.nlp.pipeline import get_nlp
    from kg.rdf import article_quads
    from kg.text import repair

    nlp = get_nlp()
    arts = [Article(meta=ArticleMeta(id=a.id), text=a.text, sha256="0" * 64) for a in synth.articles(args.articles, args.seed)]
    words = sum(len(a.text.split()) for a in arts)
    repaired = [repair(a.text).text for a in arts]
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    extract(arts[0])  # warm caches (lexicon compile, vocab snapshot)
    print(f"{len(arts)} synthetic articles, {words} words (seed {args.seed})")

    def timed(fn) -> tuple[float, float]:  # noqa: ANN001
        c, w = time.process_time(), time.perf_counter()
        fn()
        return time.process_time() - c, time.perf_counter() - w

    extractions = [extract(a) for a in arts]
    stages = {
        "nlp": lambda: list(nlp.pipe(repaired, batch_size=16)),
        "extract": lambda: [extract(a) for a in arts],
        "rdf": lambda: [article_quads(a, x, generated_at=when) for a, x in zip(arts, extractions)],
        "extract+rdf": lambda: [article_quads(a, extract(a), generated_at=when) for a in arts],
    }
    for name, fn in stages.items():
        runs = [timed(fn) for _ in range(args.repeats)]
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        print(f"{name:12} {words / cpu:9,.0f} words/s per core (CPU)   {words / wall:9,.0f} words/s wall   "
              f"{len(arts) / cpu:6.1f} articles/s per core")

    per = Counter()
    for _ in range(args.repeats):
        for text in repaired:
            doc = nlp.make_doc(text)
            for name, proc in nlp.pipeline:
                c = time.process_time()
                doc = proc(doc)
                per[name] += time.process_time() - c
    total = sum(per.values())
    print("per component (CPU share of the nlp stage, tokenizer excluded):")
    for name, secs in per.most_common():
        print(f"  {name:22} {100 * secs / total:5.1f}%   alone {words * args.repeats / secs:12,.0f} words/s")


if __name__ == "__main__":
    main()
