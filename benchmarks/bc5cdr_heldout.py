"""BC5CDR scores on a part of the *training* set that the lexicon has not seen.

kg/data/mesh_bc5cdr.tsv is derived from all 500 BC5CDR training abstracts, so the full pipeline
scores ~0.92 on them and they cannot tell whether a change generalises. This script holds out
every 5th training abstract (sorted by PMID, as kg.gold.maccrobat_split does: 400 / 100),
derives the MeSH name list from the other 400 only (kg.gold.derive_mesh_lexicon, the same code
that made the shipped file) and scores the full pipeline on the 100 held-out abstracts with that
list in place of the shipped one. Rule and model settings can then be chosen there, and the
BC5CDR development set stays an evaluation.

    python benchmarks/bc5cdr_heldout.py [N_ERRORS] [--fold K] [--cv] [--dump DIR] [--statistical JSON] [--train-model OUT]

`--fold K` holds out fold K instead (document i of the PMID-sorted list is in fold i % 5; the
default, 4, is the fifth above). `--cv` scores every fold this way, each in a process of its
own (the vocabulary is compiled once per process), and prints the pooled strict, overlap and
identifier (mention and document level) counts: cross-fitted figures for all 500 training abstracts, each scored with a MeSH list that
has not seen it (about 70 s CPU). `--dump DIR` also writes each scored fold's disease and
chemical predictions (as scored: BC5CDR types, nested ones dropped) and gold mentions to
DIR/fold-K.json, for error tables (benchmarks/disease_boundaries.py reads them).

`--statistical '{"model": "...", "types": [...], ...}'` adds `casekg_statistical` with that
config after casekg_case_terms; `--train-model OUT` trains a packed NER (kg.train, labels Drug
and Disease) on the 400 training abstracts and writes OUT.cfg/.bin. The compiled vocabulary of
the 400-abstract list is cached in its own directory (under the normal cache dir, or
$KG_CACHE_DIR), so the shipped one is never overwritten.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path


FOLDS = 5


def split(fold: int = FOLDS - 1):  # noqa: ANN201 - (train part, held-out part) of kg.gold GoldDocs
    """Fold `fold` held out; fold 4 is `kg.gold.maccrobat_split`'s dev fifth."""
    from kg import gold

    docs = sorted(gold.read_pubtator(gold.gold_root() / "bc5cdr/CDR_TrainingSet.PubTator.txt"), key=lambda d: d.id)
    return [d for i, d in enumerate(docs) if i % FOLDS != fold], [d for i, d in enumerate(docs) if i % FOLDS == fold]


def dump_fold(path: Path, docs, predict) -> None:  # noqa: ANN001 - GoldDocs, a kg.evaluate Predictor
    """Each document's scored predictions and gold mentions as JSON: {pmid: {"text", "pred", "gold"}}."""
    from kg.evaluate import PROFILES

    type_map = PROFILES["bc5cdr-dev"].type_map
    out = {}
    for d in docs:
        preds = sorted({(p[0], p[1], type_map[p[2]]) for p in predict(d.text) if type_map.get(p[2])})
        preds = [p for p in preds if not any(q[2] == p[2] and q[0] <= p[0] and p[1] <= q[1] and q[:2] != p[:2] for q in preds)]
        out[d.id] = {"text": d.text, "pred": preds, "gold": sorted({(m.start, m.end, m.type) for m in d.mentions})}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out), encoding="utf-8")


def cross_fitted(extra: list[str]) -> None:
    """Every fold held out in turn (one process each); pooled counts per type and measure."""
    import subprocess
    from collections import defaultdict

    total: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for k in range(FOLDS):
        out = subprocess.run([sys.executable, __file__, "--fold", str(k), "--counts", *extra],
                             check=True, capture_output=True, text=True).stdout
        for key, counts in json.loads(out.splitlines()[-1]).items():
            typ, measure = key.split("/")
            total[(typ, measure)] = [a + b for a, b in zip(total[(typ, measure)], counts)]
    print(f"cross-fitted BC5CDR train ({FOLDS} folds, each with a MeSH list from the others)")
    print(f"{'type':<8} {'measure':<8} {'P':>6} {'R':>6} {'F1':>6} {'pred':>6} {'gold':>6}")
    for (typ, measure), (tp_pred, tp_gold, n_pred, n_gold) in sorted(total.items()):
        p, r = tp_pred / n_pred if n_pred else 0.0, tp_gold / n_gold if n_gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{typ:<8} {measure:<8} {p:6.3f} {r:6.3f} {f1:6.3f} {n_pred:6d} {n_gold:6d}")


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("errors", nargs="?", type=int, default=0, help="false positives/negatives to list")
    ap.add_argument("--statistical", help="casekg_statistical config (JSON) to add to the pipeline")
    ap.add_argument("--train-model", help="train a Drug/Disease NER on the 400 abstracts, write OUT.cfg/.bin")
    ap.add_argument("--fold", type=int, default=FOLDS - 1, help="the fold held out (0-4; default 4)")
    ap.add_argument("--cv", action="store_true", help="hold out every fold in turn and pool the counts")
    ap.add_argument("--dump", help="write the scored predictions and gold of each fold to DIR/fold-K.json")
    ap.add_argument("--counts", action="store_true", help=argparse.SUPPRESS)  # one JSON line, for --cv
    args = ap.parse_args(argv)
    if args.cv:
        cross_fitted((["--statistical", args.statistical] if args.statistical else []) + (["--dump", args.dump] if args.dump else []))
        return
    train_part, held = split(args.fold)
    from kg.gold import mesh_tsv_rows

    rows = mesh_tsv_rows(train_part)
    text = f"# mesh_id\ttype\tlabel\tnames\tdrugbank_id  (BC5CDR train minus fold {args.fold})\n" + "\n".join(rows) + "\n"
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    from kg import vocab

    cache = vocab.cache_dir() / f"bc5cdr-heldout-{digest}"
    cache.mkdir(parents=True, exist_ok=True)
    tsv = cache / "mesh_bc5cdr_400.tsv"
    tsv.write_text(text, encoding="utf-8")
    # Before anything compiles the vocabulary: its cache key does not see this file, so it
    # gets a cache directory of its own.
    os.environ["KG_CACHE_DIR"] = str(cache)
    vocab.MESH_TSV = tsv
    if args.train_model:
        from kg.train import train

        res = train(train_part, args.train_model, split="all", labels=("Drug", "Disease"), packed=True, log=print)
        print(f"trained on {res.n_docs} abstracts in {res.seconds:.0f} s -> {res.path}")
    from kg.evaluate import PROFILES, evaluate_docs, format_report, predictor_from_pipeline
    from kg.nlp.pipeline import PIPELINE, build_nlp

    config = list(PIPELINE)
    if args.statistical:
        import kg.nlp.statistical  # noqa: F401 - registers the factory

        at = [name for name, _ in config].index("casekg_case_terms") + 1
        config.insert(at, ("casekg_statistical", json.loads(args.statistical)))
    nlp = build_nlp(config)
    t0 = time.process_time()
    predict = predictor_from_pipeline(nlp)
    if args.dump:  # run each abstract once for the score and the dump
        seen: dict[str, list] = {}
        full = predict

        def predict(text: str) -> list:  # noqa: F811
            if text not in seen:
                seen[text] = list(full(text))
            return seen[text]
    report = evaluate_docs(held, predict, PROFILES["bc5cdr-dev"], f"bc5cdr-train held-out fold {args.fold} ({len(held)})")
    if args.dump:
        dump_fold(Path(args.dump) / f"fold-{args.fold}.json", held, predict)
    if args.counts:
        # documents differ from fold to fold, so document-level ID pairs pool by addition too
        tables = (("strict", report.strict), ("overlap", report.overlap), ("id-ment", report.id_mention), ("id-doc", report.id_document))
        counts = {f"{typ}/{measure}": [c.tp_pred, c.tp_gold, c.n_pred, c.n_gold] for measure, table in tables for typ, c in table.items()}
        print(json.dumps(counts))
        return
    print(format_report(report, args.errors))
    print(f"({len(rows)} MeSH rows from {len(train_part)} abstracts; {time.process_time() - t0:.1f} CPU-s)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1:])
