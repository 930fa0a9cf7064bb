"""Error budget of the MACCROBAT finding spans (Sign_symptom, Disease_disorder) under the joint CV.

`python benchmarks/finding_errors.py [--cache FILE] [--t_X=V ...] [--l2=X ...]` runs the joint
5-fold CV of `kg.nlp.finding_type` (case_terms table and finding-type weights learned on four
folds, the full pipeline run on the fifth; the same folds as `finding_type cv --joint=1`), keeps
every predicted span of the held-out documents, and sorts the overlap errors against the full
brat annotation (all 41 MACCROBAT types, events' POLARITY attributes):

FN (a gold finding no right-typed prediction overlaps):
  a  no predicted span touches it at all
  b  touched only by a finding span of the other finding type (mistyped), or by a span of
     another type (Drug, Outcome, Dose, ...)
  c  a right-typed span within 3 characters that does not overlap it (boundaries)
FP (a predicted finding that overlaps no gold finding of its type):
  d  overlaps a gold finding of the other type (mistyped)
  e  overlaps a gold annotation of another MACCROBAT type (which types), or none at all

The first table sorts the same errors into four buckets, each what one kind of change could fix:
type confusion (a finding we type the other way), boundary (a right-typed span within 3
characters, not overlapping: overlap scoring counts any overlap, so only these are boundary
errors), missed (no span of ours over the gold finding, or only a span of a non-finding type) and
spurious (we mark a finding where MACCROBAT annotates none: another of its types, or nothing).

With `--cache FILE` the predictions are written to (or read from, when it exists) a JSON file,
so the analysis can be rerun without the pipeline. `--folds=1` prints each fold's sign and
disease overlap F1 as well (the spread is the noise a change must beat); `--boundaries=1` the
words by which right-typed overlapping spans miss MACCROBAT's exact boundaries. `--partition=
block|shuffle` puts the reports into other folds (contiguous blocks; a fixed shuffle) than the
`i % 5` of `finding_type cv`: a change that only helps under one partition is noise (a cache
holds one partition's predictions: use one cache file per partition). Train only: dev is never
read.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

FINDING = {"Sign_symptom": "Manifestation", "Disease_disorder": "Disease"}
OTHER = {"Manifestation": "Disease", "Disease": "Manifestation"}


def read_ann(path: Path) -> list[dict]:
    """Text-bound annotations of one .ann file: type, start, end, text, negated (POLARITY NEG
    on the event or on the entity)."""
    ents: dict[str, dict] = {}
    event_of: dict[str, str] = {}
    neg: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if line.startswith("T") and len(cols) >= 3:
            typ, _, offsets = cols[1].partition(" ")
            pieces = [tuple(map(int, seg.split())) for seg in offsets.split(";")]
            ents[cols[0]] = {"type": typ, "start": min(a for a, _ in pieces), "end": max(b for _, b in pieces),
                             "text": cols[2], "negated": False}
        elif line.startswith("E") and len(cols) >= 2:
            trig = cols[1].split()[0].split(":")[1]
            event_of[cols[0]] = trig
        elif line.startswith("A") and len(cols) >= 2:
            parts = cols[1].split()
            if parts[0] == "POLARITY" and parts[-1] == "NEG":
                neg.add(parts[1])
    for x in neg:
        t = event_of.get(x, x)
        if t in ents:
            ents[t]["negated"] = True
    return list(ents.values())


def fold_of(n: int, folds: int = 5, partition: str = "mod") -> list[int]:
    """The fold of each of `n` documents: `i % folds` (as kg.evaluate's CVs), contiguous blocks,
    or a fixed shuffle (seed 7) dealt round-robin."""
    if partition == "mod":
        return [i % folds for i in range(n)]
    if partition == "block":
        return [i * folds // n for i in range(n)]
    if partition == "shuffle":
        order = list(range(n))
        random.Random(7).shuffle(order)
        out = [0] * n
        for rank, i in enumerate(order):
            out[i] = rank % folds
        return out
    raise ValueError(f"unknown partition {partition!r}")


def cv_predictions(folds: int = 5, table_params: dict | None = None, partition: str = "mod",
                   **params: float) -> dict[str, list[dict]]:
    """doc id -> the held-out pipeline's spans (start, end, label, source, status, text)."""
    from kg import gold
    from kg.nlp import case_terms, finding_type
    from kg.nlp.pipeline import build_nlp, build_nlp_before

    docs = gold.maccrobat_train()
    params = {**finding_type.PARAMS, **params}
    margin, threshold = params.pop("margin"), params.pop("threshold")
    pre = build_nlp_before("casekg_case_terms")
    upto = build_nlp_before("casekg_finding_type")
    full = build_nlp()
    parsed = [(d, pre(d.text)) for d in docs]
    fold = fold_of(len(docs), folds, partition)
    out: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fold.tsv"
        for k in range(folds):
            training = [p for i, p in enumerate(parsed) if fold[i] != k]
            case_terms.write_table(case_terms.learn_rows(training, pre.tokenizer, **(table_params or {})), path)
            table = case_terms.read_table(path, case_terms.CURATED, tokenizer=full.tokenizer)
            full.get_pipe("casekg_case_terms").table = upto.get_pipe("casekg_case_terms").table = table
            ex = finding_type.examples((d, upto(d.text)) for d, _ in training)
            full.get_pipe("casekg_finding_type").model = finding_type.Model(finding_type.train(ex, **params), margin, threshold)
            for i, d in enumerate(docs):
                if fold[i] != k:
                    continue
                doc = full(d.text)
                out[d.id] = [{"start": s.start_char, "end": s.end_char, "label": s.label_, "kb": s.kb_id_,
                              "source": (s._.attrs or {}).get("source", ""), "status": s._.status, "text": s.text}
                             for s in doc.spans.get("casekg", [])]
    return out


def _touch(a: dict, b: dict) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def fold_scores(preds: dict[str, list[dict]], folds: int = 5, partition: str = "mod") -> list[tuple[float, float]]:
    """(sign, disease) overlap F1 of each held-out fold, scored by kg.evaluate (MACCROBAT profile)
    from the cached spans; document i of `kg.gold.maccrobat_train()` is in fold `fold_of(...)[i]`."""
    from kg import gold
    from kg.evaluate import PROFILES, evaluate_docs

    docs = gold.maccrobat_train()
    rows = {d.text: [(s["start"], s["end"], s["label"], s["kb"], (), s["status"], None, frozenset()) for s in preds[d.id]]
            for d in docs}
    fold = fold_of(len(docs), folds, partition)
    out = []
    for k in range(folds):
        rep = evaluate_docs([d for i, d in enumerate(docs) if fold[i] == k], rows.__getitem__, PROFILES["maccrobat-train"])
        out.append((rep.overlap["Manifestation"].f1, rep.overlap["Disease"].f1))
    return out


def boundaries(preds: dict[str, list[dict]], root: Path, top: int = 25) -> str:
    """Right-typed predicted findings that overlap a gold finding of their type without matching
    it exactly: how many, by which side, and the words in between (the widest-overlap gold)."""
    sides: Counter = Counter()
    words: dict[str, Counter] = defaultdict(Counter)
    for doc_id, spans in sorted(preds.items()):
        anns = read_ann(root / f"{doc_id}.ann")
        text = (root / f"{doc_id}.txt").read_text(encoding="utf-8")
        for s in spans:
            gs = [g for g in anns if FINDING.get(g["type"]) == s["label"] and _touch(s, g)]
            if not gs or any((g["start"], g["end"]) == (s["start"], s["end"]) for g in gs):
                sides["exact" if gs else ""] += bool(gs)
                continue
            g = max(gs, key=lambda g: min(g["end"], s["end"]) - max(g["start"], s["start"]))
            for name, a, b in (("ours longer on the left", s["start"], g["start"]), ("gold longer on the left", g["start"], s["start"]),
                               ("ours longer on the right", g["end"], s["end"]), ("gold longer on the right", s["end"], g["end"])):
                if a < b:
                    sides[name] += 1
                    words[name][text[a:b].strip().lower()] += 1
    lines = ["\n## Boundaries (right type, overlapping): " + ", ".join(f"{k} {v}" for k, v in sides.most_common() if k)]
    for name, c in words.items():
        lines.append(f"{name}: " + ", ".join(f"{w} {n}" for w, n in c.most_common(top)))
    return "\n".join(lines)


def buckets(preds: dict[str, list[dict]], root: Path) -> str:
    """FN and FP of each finding type in four buckets: type confusion, boundary, missed, spurious
    (see the module docstring). Counts are spans, as in `budget`."""
    rows: dict[str, Counter] = {t: Counter() for t in OTHER}
    for doc_id, spans in sorted(preds.items()):
        anns = read_ann(root / f"{doc_id}.ann")
        for g in anns:
            ours = FINDING.get(g["type"])
            if ours is None:
                continue
            touching = [s for s in spans if _touch(s, g)]
            if any(s["label"] == ours for s in touching):
                continue
            if any(s["label"] == OTHER[ours] for s in touching):
                rows[ours]["FN type confusion"] += 1
            elif touching:
                rows[ours]["FN missed (only a span of a non-finding type)"] += 1
            elif any(s["label"] == ours and _near(s, g) for s in spans):
                rows[ours]["FN boundary"] += 1
            else:
                rows[ours]["FN missed (no span)"] += 1
        for s in spans:
            if s["label"] not in OTHER:
                continue
            gold_touch = [g for g in anns if _touch(s, g)]
            if any(FINDING.get(g["type"]) == s["label"] for g in gold_touch):
                continue
            if any(FINDING.get(g["type"]) == OTHER[s["label"]] for g in gold_touch):
                rows[s["label"]]["FP type confusion"] += 1
            elif any(FINDING.get(g["type"]) == s["label"] and _near(s, g) for g in anns):
                rows[s["label"]]["FP boundary"] += 1
            elif gold_touch:
                rows[s["label"]]["FP spurious (another MACCROBAT type)"] += 1
            else:
                rows[s["label"]]["FP spurious (nothing annotated)"] += 1
    keys = ["FN type confusion", "FN boundary", "FN missed (no span)", "FN missed (only a span of a non-finding type)",
            "FP type confusion", "FP boundary", "FP spurious (another MACCROBAT type)", "FP spurious (nothing annotated)"]
    lines = ["\n## Buckets\t" + "\t".join(OTHER)]
    lines += [k + "\t" + "\t".join(str(rows[t][k]) for t in OTHER) for k in keys]
    return "\n".join(lines)


def _near(a: dict, b: dict) -> bool:
    """Within 3 characters of each other without overlapping."""
    return 0 <= b["start"] - a["end"] <= 3 or 0 <= a["start"] - b["end"] <= 3


def budget(preds: dict[str, list[dict]], root: Path, examples: int = 0) -> str:
    lines = []
    fn: dict[str, Counter] = defaultdict(Counter)
    fp: dict[str, Counter] = defaultdict(Counter)
    fp_other_types: dict[str, Counter] = defaultdict(Counter)
    fn_words: dict[str, Counter] = defaultdict(Counter)
    fp_words: dict[str, Counter] = defaultdict(Counter)
    neg = Counter()
    totals = Counter()
    for doc_id, spans in sorted(preds.items()):
        anns = read_ann(root / f"{doc_id}.ann")
        text = (root / f"{doc_id}.txt").read_text(encoding="utf-8")
        for g in anns:
            ours = FINDING.get(g["type"])
            if ours is None:
                continue
            totals[f"gold {ours}"] += 1
            touching = [s for s in spans if _touch(s, g)]
            right = [s for s in touching if s["label"] == ours]
            if g["negated"]:
                neg[f"{ours} gold negated"] += 1
                neg[f"{ours} gold negated found"] += bool(right)
            if right:
                continue
            if not touching:
                near = [s for s in spans if s["label"] == ours and _near(s, g)]
                kind = "c boundary (right type within 3 chars)" if near else "a untouched"
            elif any(s["label"] == OTHER[ours] for s in touching):
                kind = "b mistyped (other finding type)"
            else:
                kind = "b other type: " + "/".join(sorted({s["label"] for s in touching}))
            fn[ours][kind] += 1
            fn_words[ours][(kind[0], g["text"].lower().split()[-1] if g["text"].split() else "")] += 1
        for s in spans:
            if s["label"] not in OTHER:
                continue
            totals[f"pred {s['label']}"] += 1
            gold_touch = [g for g in anns if _touch(s, g)]
            if any(FINDING.get(g["type"]) == s["label"] for g in gold_touch):
                continue
            if s["status"] != "present":
                fp[s["label"]]["(of which ours not present: " + s["status"] + ")"] += 1
            if any(FINDING.get(g["type"]) == OTHER[s["label"]] for g in gold_touch):
                kind = "d mistyped (gold other finding type)"
            elif gold_touch:
                # the widest gold annotation it touches names the category
                g = max(gold_touch, key=lambda g: min(g["end"], s["end"]) - max(g["start"], s["start"]))
                kind = "e other MACCROBAT type"
                fp_other_types[s["label"]][g["type"]] += 1
            else:
                kind = "e not annotated at all"
            fp[s["label"]][kind] += 1
            fp[s["label"]]["  source " + (s["source"] or ("lexicon " + s["kb"].split(":")[0] if s["kb"] else "lexicon"))] += 1
            fp_words[s["label"]][(kind[0], s["text"].lower())] += 1
        del text
    for typ in ("Manifestation", "Disease"):
        n_fn, n_fp = sum(v for k, v in fn[typ].items()), sum(v for k, v in fp[typ].items() if k[0] in "de")
        lines.append(f"\n## {typ}: gold {totals['gold ' + typ]}, predicted {totals['pred ' + typ]}, FN {n_fn}, FP {n_fp}")
        for k, v in sorted(fn[typ].items()):
            lines.append(f"FN {k}\t{v}")
        for k, v in sorted(fp[typ].items()):
            lines.append(f"FP {k}\t{v}")
        lines.append("FP e by gold type: " + ", ".join(f"{t} {n}" for t, n in fp_other_types[typ].most_common()))
        lines.append(f"gold negated {neg[typ + ' gold negated']}, found {neg[typ + ' gold negated found']}")
        if examples:
            for cat in "abc":
                top = [(w, n) for (c, w), n in fn_words[typ].most_common() if c == cat][:examples]
                lines.append(f"FN {cat} top heads: " + ", ".join(f"{w} {n}" for w, n in top))
            for cat in "de":
                top = [(w, n) for (c, w), n in fp_words[typ].most_common() if c == cat][:examples]
                lines.append(f"FP {cat} top: " + ", ".join(f"{w} {n}" for w, n in top))
    return "\n".join(lines)


if __name__ == "__main__":
    from kg import gold

    args = dict(a.lstrip("-").split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    cache = Path(args.pop("cache")) if "cache" in args else None
    n_examples = int(args.pop("examples", 0))
    want_folds, want_boundaries = args.pop("folds", "0") != "0", args.pop("boundaries", "0") != "0"
    partition = args.pop("partition", "mod")
    if cache and cache.exists():
        predictions = json.loads(cache.read_text())
    else:
        table = {k[2:]: float(v) for k, v in args.items() if k.startswith("t_")}
        predictions = cv_predictions(table_params=table, partition=partition,
                                     **{k: float(v) for k, v in args.items() if not k.startswith("t_")})
        if cache:
            cache.write_text(json.dumps(predictions))
    root = gold.gold_root() / "maccrobat-train"
    print(buckets(predictions, root))
    print(budget(predictions, root, n_examples))
    if want_folds:
        scores = fold_scores(predictions, partition=partition)
        print("\nper fold overlap F1, sign: " + " ".join(f"{a:.3f}" for a, _ in scores)
              + "; disease: " + " ".join(f"{b:.3f}" for _, b in scores))
    if want_boundaries:
        print(boundaries(predictions, root))
