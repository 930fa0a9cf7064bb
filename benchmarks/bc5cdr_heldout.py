"""BC5CDR scores on a part of the *training* set that the lexicon has not seen.

kg/data/mesh_bc5cdr.tsv is derived from all 500 BC5CDR training abstracts, so the full pipeline
scores ~0.92 on them and they cannot tell whether a change generalises. This script holds out
every 5th training abstract (sorted by PMID, as kg.gold.maccrobat_split does: 400 / 100),
derives the MeSH name list from the other 400 only (kg.gold.derive_mesh_lexicon, the same code
that made the shipped file) and scores the full pipeline on the 100 held-out abstracts with that
list in place of the shipped one. Rule and model settings can then be chosen there, and the
BC5CDR development set stays an evaluation.

    python benchmarks/bc5cdr_heldout.py [N_ERRORS] [--statistical JSON] [--train-model OUT]

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


def split():  # noqa: ANN201 - (train part, held-out part) of kg.gold GoldDocs
    from kg import gold

    docs = gold.read_pubtator(gold.gold_root() / "bc5cdr/CDR_TrainingSet.PubTator.txt")
    return gold.maccrobat_split(docs)


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("errors", nargs="?", type=int, default=0, help="false positives/negatives to list")
    ap.add_argument("--statistical", help="casekg_statistical config (JSON) to add to the pipeline")
    ap.add_argument("--train-model", help="train a Drug/Disease NER on the 400 abstracts, write OUT.cfg/.bin")
    args = ap.parse_args(argv)
    train_part, held = split()
    from kg.gold import mesh_tsv_rows

    rows = mesh_tsv_rows(train_part)
    text = "# mesh_id\ttype\tlabel\tnames\tdrugbank_id  (BC5CDR train minus every 5th abstract)\n" + "\n".join(rows) + "\n"
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
    report = evaluate_docs(held, predictor_from_pipeline(nlp), PROFILES["bc5cdr-dev"], f"bc5cdr-train held-out fifth ({len(held)})")
    print(format_report(report, args.errors))
    print(f"({len(rows)} MeSH rows from {len(train_part)} abstracts; {time.process_time() - t0:.1f} CPU-s)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1:])
