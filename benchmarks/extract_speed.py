"""Words per second of the casekg_lexicon component, the full pipeline, and the pipeline with
the optional casekg_statistical component (if importable).

Usage: python benchmarks/extract_speed.py [--repeats N] [--mb SIZE]
Runs on the dev corpora (kg.gold.gold_root(): $KG_GOLD or ../shared/gold) and on a synthetic case-report text of about
SIZE MB; prints the median over N repeats. Single process, single thread.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import spacy

import kg.nlp.lexicons  # noqa: F401 - registers the factory

SENTENCES = [
    "A {age}-year-old woman presented with facial erythema, proximal muscle weakness and {finding}.",
    "Laboratory tests showed raised liver enzymes, leucopenia and an elevated creatine kinase.",
    "She was treated with methotrexate (MTX) {dose} mg weekly and prednisolone 1 mg/kg daily.",
    "After three months of IVIG and hydroxychloroquine the rash and dysphagia had resolved.",
    "Skin biopsy revealed panniculitis; there was no evidence of malignancy or interstitial lung disease.",
    "Baricitinib was started because of refractory juvenile dermatomyositis and calcinosis.",
    "Recurrent labial herpes and oedema of the eyelids were noted at follow-up.",
    "The patient denied fever, arthralgia, Raynaud phenomenon or weight loss.",
]
FINDINGS = ["Gottron papules", "heliotrope rash", "dysphonia", "myalgia", "fatigue", "alopecia"]


def synthetic_text(mb: float, seed: int = 7) -> str:
    rnd = random.Random(seed)
    parts, size = [], 0
    while size < mb * 1_000_000:
        para = " ".join(
            rnd.choice(SENTENCES).format(age=rnd.randint(5, 80), finding=rnd.choice(FINDINGS), dose=rnd.choice((10, 15, 20)))
            for _ in range(8)
        )
        parts.append(para)
        size += len(para) + 2
    return "\n\n".join(parts)


def corpus_texts() -> dict[str, list[str]]:
    try:
        from kg.gold import dev_sets

        return {name: [d.text for d in docs] for name, docs in dev_sets().items()}
    except Exception as exc:  # gold corpora absent on this machine
        print(f"(dev corpora unavailable: {exc})")
        return {}


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def time_it(fn, texts: list[str], repeats: int) -> float:  # noqa: ANN001
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(texts)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--mb", type=float, default=1.0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    lex = nlp.add_pipe("casekg_lexicon")
    print(f"lexicon component built in {time.perf_counter() - t0:.2f} s")

    # Tokenise once, then time the component alone on the ready Docs (tokeniser timed apart).
    big = synthetic_text(args.mb)
    chunks = big.split("\n\n")
    sets = {**corpus_texts(), f"synthetic {args.mb:g} MB": chunks}
    print(f"{'corpus':<22} {'words':>9} {'tokenizer w/s':>14} {'lexicon w/s':>12} {'blank+lexicon w/s':>18}")
    for name, texts in sets.items():
        n = words(texts)
        docs = [nlp.make_doc(t) for t in texts]
        t_tok = time_it(lambda ts: [nlp.make_doc(t) for t in ts], texts, args.repeats)

        def run_lex(_ts: list[str], docs=docs) -> None:
            for d in docs:
                d.spans.clear()
                lex(d)

        t_lex = time_it(run_lex, texts, args.repeats)
        t_all = time_it(lambda ts: list(nlp.pipe(ts)), texts, args.repeats)
        print(f"{name:<22} {n:>9} {n / t_tok:>14,.0f} {n / t_lex:>12,.0f} {n / t_all:>18,.0f}")

    try:
        from kg.nlp.pipeline import get_nlp
    except Exception as exc:
        print(f"(full pipeline not importable: {exc.__class__.__name__}: {exc})")
        return
    t0 = time.perf_counter()
    full = get_nlp()
    print(f"full pipeline loaded in {time.perf_counter() - t0:.2f} s: {full.pipe_names}")
    for name, texts in sets.items():
        n = words(texts)
        t = time_it(lambda ts: list(full.pipe(ts)), texts, max(1, args.repeats // 2))
        print(f"{name:<22} full pipeline {n / t:>12,.0f} words/s")

    # The optional trained component (kg/nlp/statistical.py), as docs/quality.md measures it.
    try:
        from kg.nlp.pipeline import PIPELINE, build_nlp
        import kg.nlp.statistical  # noqa: F401 - registers the factory

        cfg = list(PIPELINE)
        cfg.insert([n for n, _ in cfg].index("casekg_dosage") + 1, ("casekg_statistical", {"types": ["Dose"]}))
        stat = build_nlp(cfg)
    except Exception as exc:
        print(f"(statistical component not available: {exc.__class__.__name__}: {exc})")
        return
    for name, texts in sets.items():
        n = words(texts)
        t = time_it(lambda ts: list(stat.pipe(ts)), texts, max(1, args.repeats // 2))
        print(f"{name:<22} pipeline + statistical(Dose) {n / t:>12,.0f} words/s")


if __name__ == "__main__":
    main()
