"""Words per CPU-second of a build worker's whole job on real case reports.

Usage:
  python benchmarks/worker_speed.py [--set maccrobat-dev] [--passes 5] [--synthetic N]
                                    [--profile OUT.prof] [--split]

The job is exactly what `kg build` runs per batch in a worker process: `kg.parallel.extract_batch`
(text repair, spaCy pipeline, offsets, RDF, N-Quads bytes), after `warm_pipeline()` (pipeline
loaded, `gc.freeze()`). Time is this process's CPU time (`time.process_time`), so the figure is
per core and holds on a loaded machine. One warm-up pass (lexicon compile, vocabulary memo),
then PASSES timed passes over the same documents; prints each pass and the median.

--set takes a `kg.gold.dev_sets()` or `train_sets()` name ($KG_GOLD or ../shared/gold);
--synthetic N uses N `kg synth` articles (seed 11) instead. --warm-on SET warms up on another
set instead, so that with --passes 1 the timed pass sees its documents for the first time (as
a build does: per-process caches hold only other articles' words and concepts). --profile writes a cProfile of the timed passes;
--split prints where the CPU goes (repair, tokenizer, each component, offsets, RDF N-Quads).
"""

from __future__ import annotations

import argparse
import cProfile
import statistics
import time
from collections import Counter
from datetime import datetime, timezone

from kg.model import Article, ArticleMeta


def documents(name: str, synthetic: int) -> list[Article]:
    if synthetic:
        from kg import synth

        return [Article(meta=ArticleMeta(id=a.id), text=a.text, sha256="0" * 64) for a in synth.articles(synthetic, 11)]
    from kg.gold import dev_sets, train_sets

    sets = dev_sets() if name in dev_sets() else train_sets()
    return [Article(meta=ArticleMeta(id=f"{name}-{i}"), text=d.text, sha256="0" * 64)
            for i, d in enumerate(sets[name])]


def split(arts: list[Article], passes: int, when: datetime) -> None:
    """CPU seconds per stage of the job, each stage timed on its own (sums to ~ the job)."""
    from kg.extract import _to_extraction
    from kg.fingerprint import fingerprint
    from kg.nlp.doctext import make_doc
    from kg.nlp.pipeline import get_nlp
    from kg.rdf import article_nquads
    from kg.text import repair

    nlp = get_nlp()
    per: Counter = Counter()
    clock = time.process_time
    for _ in range(passes):
        for art in arts:
            c = clock()
            rep = repair(art.text)
            per["repair"] += clock() - c
            c = clock()
            doc = make_doc(nlp, rep.text)
            per["tokenizer"] += clock() - c
            for name, proc in nlp.pipeline:
                c = clock()
                doc = proc(doc)
                per[name] += clock() - c
            c = clock()
            x = _to_extraction(art, rep, doc)
            per["offsets (_to_extraction)"] += clock() - c
            c = clock()
            article_nquads(art, x, generated_at=when, fingerprint=fingerprint())
            per["rdf (article_nquads)"] += clock() - c
    total = sum(per.values())
    words = sum(len(a.text.split()) for a in arts) * passes
    print(f"split over {passes} passes: {total:.2f} CPU-s, {words / total:,.0f} words per CPU-second")
    for name, secs in per.most_common():
        print(f"  {name:28} {secs:7.3f} s  {100 * secs / total:5.1f}%")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="maccrobat-dev")
    ap.add_argument("--synthetic", type=int, default=0)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--warm-on", help="warm up on this set instead of the timed one")
    ap.add_argument("--profile")
    ap.add_argument("--split", action="store_true")
    args = ap.parse_args()

    from kg.parallel import extract_batch, warm_pipeline

    arts = documents(args.set, args.synthetic)
    words = sum(len(a.text.split()) for a in arts)
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    warm_pipeline()
    # warm-up: lexicon compile, vocabulary memo, caches
    extract_batch(documents(args.warm_on, 0) if args.warm_on else arts, when)
    label = f"{args.synthetic} synthetic articles" if args.synthetic else args.set
    print(f"{label}: {len(arts)} documents, {words} words")
    if args.split:
        split(arts, args.passes, when)
        return
    prof = cProfile.Profile() if args.profile else None
    figures = []
    for i in range(args.passes):
        if prof:
            prof.enable()
        c = time.process_time()
        results = extract_batch(arts, when)
        cpu = time.process_time() - c
        if prof:
            prof.disable()
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        figures.append(words / cpu)
        print(f"pass {i + 1}: {cpu:.3f} CPU-s  {words / cpu:9,.0f} words per CPU-second")
    print(f"median of {args.passes}: {statistics.median(figures):,.0f} words per CPU-second")
    if prof:
        prof.dump_stats(args.profile)
        print(f"profile -> {args.profile}")


if __name__ == "__main__":
    main()
