"""Are the learned MACCROBAT tables stale? Per-fold tables learned in one tree, scored in another.

`python -m kg.nlp.finding_type cv --joint=1` learns the case_terms table and the finding-type
weights per fold, so it never reads the shipped tables and cannot tell whether they went stale
when the lexicon or tokenizer changed. This script splits its two halves:

    # in an old tree (git archive OLD | tar -x -C /tmp/old), the tables each fold would have had:
    PYTHONPATH=/tmp/old python benchmarks/table_staleness.py learn /tmp/folds_old
    # in today's tree, each fold scored with those tables (then with tables learned here):
    python benchmarks/table_staleness.py score /tmp/folds_old
    python benchmarks/table_staleness.py learn /tmp/folds_new && python benchmarks/table_staleness.py score /tmp/folds_new

Folds, thresholds and training are those of `cross_validate_joint` (document i in fold i % 5), so
`learn` then `score` in one tree reproduces the joint CV figures exactly; prints overlap F1 per fold
and the summed report (MACCROBAT train profile).
"""

import argparse
from pathlib import Path

from kg import gold
from kg.evaluate import PROFILES, Report, evaluate_docs, format_report, predictor_from_pipeline
from kg.nlp import case_terms, finding_type

FOLDS = 5
_TYPES = ("Manifestation", "Disease", "Drug", "Dose")


def learn(out: Path) -> None:
    """OUT/ct_K.tsv and OUT/ft_K.tsv, learned on the folds other than K by the tree on PYTHONPATH."""
    from kg.nlp.pipeline import build_nlp_before

    out.mkdir(parents=True, exist_ok=True)
    params = dict(finding_type.PARAMS)
    margin, threshold = params.pop("margin"), params.pop("threshold")
    pre, upto = build_nlp_before("casekg_case_terms"), build_nlp_before("casekg_finding_type")
    parsed = [(d, pre(d.text)) for d in gold.maccrobat_train()]
    for k in range(FOLDS):
        training = [p for i, p in enumerate(parsed) if i % FOLDS != k]
        case_terms.write_table(case_terms.learn_rows(training, pre.tokenizer), out / f"ct_{k}.tsv")
        upto.get_pipe("casekg_case_terms").table = case_terms.read_table(
            out / f"ct_{k}.tsv", case_terms.CURATED, tokenizer=upto.tokenizer)
        ex = finding_type.examples((d, upto(d.text)) for d, _ in training)
        model = finding_type.Model(finding_type.train(ex, **params), margin, threshold)
        finding_type.write_model(model, out / f"ft_{k}.tsv", f"fold {k} of {FOLDS}: {len(ex)} spans")
        print(f"fold {k}: {len(ex)} finding spans", flush=True)


def score(tables: Path) -> Report:
    """Each held-out fold through today's full pipeline with that fold's tables from `tables`."""
    from kg.nlp.pipeline import build_nlp

    full, docs = build_nlp(), gold.maccrobat_train()
    total = Report(name=f"{FOLDS}-fold CV, tables from {tables}")
    for k in range(FOLDS):
        full.get_pipe("casekg_case_terms").table = case_terms.read_table(
            tables / f"ct_{k}.tsv", case_terms.CURATED, tokenizer=full.tokenizer)
        full.get_pipe("casekg_finding_type").model = finding_type.read_model(tables / f"ft_{k}.tsv")
        held = [d for i, d in enumerate(docs) if i % FOLDS == k]
        rep = evaluate_docs(held, predictor_from_pipeline(full), PROFILES["maccrobat-train"])
        print(f"fold {k}: " + "  ".join(f"{t} {rep.overlap[t].f1:.3f}" for t in _TYPES), flush=True)
        for mine, theirs in ((total.strict, rep.strict), (total.overlap, rep.overlap)):
            for typ, counts in theirs.items():
                mine[typ].add(counts)
        total.n_docs += rep.n_docs
    return total


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("learn", "score"))
    ap.add_argument("folder", type=Path)
    a = ap.parse_args()
    if a.command == "learn":
        learn(a.folder)
    else:
        print(format_report(score(a.folder)))
