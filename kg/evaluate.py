"""Score a recogniser against gold corpora (kg.gold): span and identifier P/R/F1 per type.

`evaluate(gold_docs, predict)` runs `predict(text)` on every document. A prediction is
`(start, end, type, curie)` or `(start, end, type, curie, xrefs)`; its identifiers are the curie
plus the xrefs, so a drug linked to DrugBank with a verified MeSH xref scores against MeSH gold.

Measures, per gold entity type:
- strict: exact (start, end) match, one-to-one;
- overlap: a prediction counts as correct if it overlaps any gold mention of the type, a gold
  mention as found if any prediction overlaps it (the usual lenient measure);
- id (mention level): a gold mention with an ID is found if an overlapping prediction carries
  one of its IDs; precision over predictions carrying an ID in the gold's namespaces (prefixes);
- id (document level): sets of (document, ID) pairs, same namespace restriction.

Where the gold carries assertion status (brat `POLARITY`, MACCROBAT), `Report.assertion` also
scores our statuses on the gold entities a prediction overlaps (see `Assertion`), and
`Report.assertion_graph` scores them under the "graph" convention (see `ASSERTION_CONVENTIONS`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from kg.gold import GoldDoc
from kg.model import NOT_ADMINISTERED_ROLES

# (start, end, type, curie), optionally followed by xrefs, our assertion status, its cue and the
# graph's notes on the mention (`graph_notes`)
Prediction = tuple
# Our predictors report a Drug span flagged `attrs["role"]` "analyte" or "named" (a chemical
# measured or merely named, not a medication given; kg.model.NOT_ADMINISTERED_ROLES) under this
# pseudo-type, so each corpus profile can decide: BC5CDR (all chemicals) counts it as Drug,
# MACCROBAT (Medication) does not.
ANALYTE = "Drug:analyte"
Predictor = Callable[[str], Iterable[Prediction]]


@dataclass
class Counts:
    tp_pred: int = 0  # predictions judged correct (precision numerator)
    tp_gold: int = 0  # gold items found (recall numerator)
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp_pred += other.tp_pred
        self.tp_gold += other.tp_gold
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold


@dataclass
class ErrorItem:
    doc_id: str
    kind: str  # "FP" or "FN"
    type: str
    start: int
    end: int
    text: str
    id: str | None
    context: str


# Gold POLARITY values -> the class our statuses are scored against. MACCROBAT's UNCERTAIN
# ("suspected of", "risk factors for", "to determine if") and MAYBE_POS ("suggestive of",
# "highly suspicious of") both say "not asserted as present, maybe there", which is what our
# hypothetical and uncertain statuses say, so both are one class. MAYBE_NEG marks a finding that
# was there and faded ("improvement in the edema", "resolution of infiltrates", "treated the
# seizures effectively"): neither absent nor hypothetical, and our outcome statements, not the
# status, record it, so those entities are left out of both scores (counted apart). POS and no
# attribute are asserted findings.
GOLD_ASSERTION = {"NEG": "negated", "UNCERTAIN": "uncertain", "MAYBE_POS": "uncertain", "MAYBE_NEG": None, "POS": "present"}
# Our statuses -> the same classes: a historical finding was present, so it is neither.
OUR_ASSERTION = {"negated": "negated", "hypothetical": "uncertain", "uncertain": "uncertain",
                 "resolved": "negated", "stopped": "negated"}  # the last two: "graph" convention only
ASSERTION_CLASSES = ("negated", "uncertain")
STATUSES = ("present", "negated", "hypothetical", "uncertain", "historical")

# Assertion conventions (`kg evaluate --assertion-convention`). "plain" reads our status alone.
# "graph" reads the mention as the graph does: MACCROBAT marks NEG a finding that resolved ("the
# rash resolved") and a drug that was stopped ("aspirin was discontinued"), where casekg keeps the
# finding or the drug present and records the change as a statement about it (an outcome
# statement with value resolved or remission_maintained - "no recurrence of X" - whose target is
# the finding; a discontinuation statement whose subject is the drug). Under "graph" such a
# mention with status present or historical reads "resolved" or "stopped", both scored as
# negated, whatever the gold says (a resolution we record where the gold has no NEG is a
# negated-FP), so the figure says how far the two conventions, not the two readings, differ.
ASSERTION_CONVENTIONS = ("plain", "graph")
GONE_OUTCOMES = ("resolved", "remission_maintained")
GRAPH_STATUSES = ("resolved", "stopped")


@dataclass
class Assertion:
    """Our assertion statuses against gold POLARITY, over the gold entities of the assertion
    types (findings and drugs; doses carry no status) that some prediction overlaps; the
    prediction with the widest overlap speaks for the entity, whatever its type.

    `scores[cls][type]`: P/R/F1 of predicting class `cls` (ASSERTION_CLASSES) for gold of that
    class (`GOLD_ASSERTION`), per gold type and "all"; `unmatched[(cls, type)]`: gold entities
    of a class that no prediction overlaps (not extracted at all); `confusion[(gold, ours)]`:
    gold value ("present", "NEG", "UNCERTAIN", ...) against our status, matched entities only.
    """

    scores: dict[str, dict[str, Counts]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counts)))
    unmatched: Counter = field(default_factory=Counter)
    gold: Counter = field(default_factory=Counter)  # (class, type) -> gold entities, matched or not
    confusion: Counter = field(default_factory=Counter)
    errors: list[ErrorItem] = field(default_factory=list)  # kind "negated-FP", "uncertain-FN", ...


@dataclass
class Report:
    name: str = ""
    strict: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    overlap: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    id_mention: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    id_document: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    errors: list[ErrorItem] = field(default_factory=list)
    n_docs: int = 0
    n_chars: int = 0
    assertion: Assertion | None = None  # set where the gold has assertion status (brat)
    assertion_graph: Assertion | None = None  # the same under the "graph" convention


def _prefix(curie: str) -> str:
    return curie.split(":", 1)[0] if ":" in curie else ""


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    return f"{left}[{text[start:end]}]{right}"


def _norm_pred(p: Prediction, type_map: dict[str, str | None] | None) -> tuple[int, int, str, frozenset[str]] | None:
    start, end, typ, curie = p[0], p[1], p[2], p[3]
    xrefs = p[4] if len(p) > 4 else ()
    if type_map is not None:
        if typ not in type_map:
            return None
        typ = type_map[typ]
        if typ is None:
            return None
    ids = frozenset(i for i in (curie, *xrefs) if i)
    return int(start), int(end), typ, ids


def evaluate(
    gold_docs: Sequence[GoldDoc],
    predict: Predictor,
    *,
    types: Iterable[str] | None = None,
    type_map: dict[str, str | None] | None = None,
    name: str = "",
    id_normalize: Callable[[str], str] | None = None,
    drop_nested: bool = False,
) -> Report:
    """Score `predict` on `gold_docs`.

    `types`: gold types to score (default: every type in the gold). `type_map`: predicted type
    -> gold type (None or absent drops the prediction), e.g. {"Manifestation": "Disease",
    "Disease": "Disease"} for BC5CDR, whose Disease class includes symptoms. `id_normalize`
    maps predicted and gold IDs before comparison (e.g. HPO alternative IDs to current ones).
    `drop_nested`: after type mapping, drop a prediction inside a longer one of the same type
    (for corpora that annotate only outermost mentions, where Manifestation and Disease merge).
    """
    norm = id_normalize or (lambda x: x)
    wanted = set(types) if types is not None else {m.type for d in gold_docs for m in d.mentions}
    rep = Report(name=name)
    # Namespaces the gold uses per type: predicted IDs elsewhere are not judged at ID level.
    spaces: dict[str, set[str]] = defaultdict(set)
    for d in gold_docs:
        for m in d.mentions:
            for i in m.ids:
                spaces[m.type].add(_prefix(i))

    for doc in gold_docs:
        rep.n_docs += 1
        rep.n_chars += len(doc.text)
        raw = list(predict(doc.text))
        normed = [(q, p) for q, p in ((_norm_pred(p, type_map), p) for p in raw) if q and q[2] in wanted]
        preds = list(dict.fromkeys(q for q, _ in normed))  # duplicates count once
        if doc.has_polarity:
            if rep.assertion is None:
                rep.assertion, rep.assertion_graph = Assertion(), Assertion()
            _score_assertion(rep.assertion, doc, wanted, normed)
            _score_assertion(rep.assertion_graph, doc, wanted, normed, "graph")
        if drop_nested:
            preds = [
                p
                for p in preds
                if not any(q[2] == p[2] and q[0] <= p[0] and p[1] <= q[1] and (q[0], q[1]) != (p[0], p[1]) for q in preds)
            ]
        for typ in wanted:
            gold = [m for m in doc.mentions if m.type == typ]
            pr = [p for p in preds if p[2] == typ]
            _score_type(rep, doc, typ, gold, pr, spaces[typ], norm)
    return rep


def _score_type(rep: Report, doc: GoldDoc, typ: str, gold, preds, spaces: set[str], norm) -> None:  # noqa: ANN001
    gold_spans = {(m.start, m.end) for m in gold}
    pred_spans = {(p[0], p[1]) for p in preds}
    s = rep.strict[typ]
    s.n_gold += len(gold_spans)
    s.n_pred += len(pred_spans)
    hit = gold_spans & pred_spans
    s.tp_gold += len(hit)
    s.tp_pred += len(hit)

    def overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
        return a0 < b1 and b0 < a1

    o = rep.overlap[typ]
    o.n_gold += len(gold_spans)
    o.n_pred += len(pred_spans)
    o.tp_gold += sum(any(overlaps(g0, g1, p0, p1) for p0, p1 in pred_spans) for g0, g1 in gold_spans)
    o.tp_pred += sum(any(overlaps(g0, g1, p0, p1) for g0, g1 in gold_spans) for p0, p1 in pred_spans)

    if spaces:
        im = rep.id_mention[typ]
        gold_ids = [(m, {norm(i) for i in m.ids}) for m in gold if m.ids]
        im.n_gold += len(gold_ids)
        for m, ids in gold_ids:
            if any(overlaps(m.start, m.end, p[0], p[1]) and ids & {norm(i) for i in p[3]} for p in preds):
                im.tp_gold += 1
        for p in preds:
            pids = {norm(i) for i in p[3] if _prefix(i) in spaces}
            if not pids:
                continue
            im.n_pred += 1
            if any(overlaps(m.start, m.end, p[0], p[1]) and pids & ids for m, ids in gold_ids):
                im.tp_pred += 1
        idoc = rep.id_document[typ]
        gset = {i for _, ids in gold_ids for i in ids}
        # A composite gold mention ("D001|D002") is satisfied by either ID at document level
        # only through its own IDs, so count gold by distinct ID.
        pset = {norm(i) for p in preds for i in p[3] if _prefix(i) in spaces}
        idoc.n_gold += len(gset)
        idoc.n_pred += len(pset)
        idoc.tp_gold += len(gset & pset)
        idoc.tp_pred += len(gset & pset)

    for m in gold:
        if (m.start, m.end) not in pred_spans:
            rep.errors.append(ErrorItem(doc.id, "FN", typ, m.start, m.end, m.text, m.id, _context(doc.text, m.start, m.end)))
    for p0, p1 in sorted(pred_spans - gold_spans):
        ids = sorted({i for p in preds if (p[0], p[1]) == (p0, p1) for i in p[3]})
        rep.errors.append(
            ErrorItem(doc.id, "FP", typ, p0, p1, doc.text[p0:p1], "|".join(ids) or None, _context(doc.text, p0, p1))
        )


ASSERTION_TYPES = ("Drug", "Manifestation", "Disease")


def _status(p: Prediction) -> str:
    """A prediction's own assertion status ("present" where it carries none)."""
    return p[5] if len(p) > 5 and p[5] else "present"


def _graph_status(p: Prediction) -> str:
    """A prediction's status as the graph reads it (see ASSERTION_CONVENTIONS): a present or
    historical mention that a resolution or a stop is recorded about reads "resolved"/"stopped"."""
    status = _status(p)
    notes = p[7] if len(p) > 7 else ()
    if status in ("present", "historical"):
        for note in GRAPH_STATUSES:
            if note in notes:
                return note
    return status


def _score_assertion(a: Assertion, doc: GoldDoc, wanted: set[str], normed: list[tuple], convention: str = "plain") -> None:
    """Add one document's gold entities to `a` (see `Assertion`) under `convention`."""
    types = [t for t in ASSERTION_TYPES if t in wanted]
    status_of = _graph_status if convention == "graph" else _status
    cands = [(q[0], q[1], status_of(p), p[6] if len(p) > 6 else None) for q, p in normed if q[2] in types]
    for m in doc.mentions:
        if m.type not in types:
            continue
        value = m.polarity or "POS"
        cls = GOLD_ASSERTION.get(value, "present")
        if cls is not None:
            a.gold[(cls, m.type)] += 1
        best, width = None, 0
        for c in cands:
            w = min(m.end, c[1]) - max(m.start, c[0])
            if w > width:
                best, width = c, w
        if best is None:
            if cls is not None:
                a.unmatched[(cls, m.type)] += 1
            continue
        status, cue = best[2], best[3]
        a.confusion[("present" if value == "POS" else value, status)] += 1
        if cls is None:
            continue
        ours = OUR_ASSERTION.get(status, "present")
        for k in ASSERTION_CLASSES:
            for typ in (m.type, "all"):
                c = a.scores[k][typ]
                c.n_gold += cls == k
                c.n_pred += ours == k
                c.tp_gold += cls == k == ours
                c.tp_pred += cls == k == ours
            if (cls == k) != (ours == k):
                kind = f"{k}-FN" if cls == k else f"{k}-FP"
                note = f"{value}/{status}" + (f" cue={cue!r}" if cue else "")
                a.errors.append(ErrorItem(doc.id, kind, m.type, m.start, m.end, m.text, note,
                                          _context(doc.text, m.start, m.end, 60)))


def format_assertion(a: Assertion, errors: int = 0, convention: str = "plain", plain: Assertion | None = None) -> str:
    """The assertion table of `a` (and, if `errors` > 0, that many errors per kind); under the
    "graph" `convention` it names the convention and, given the `plain` table, its F1 figures."""
    lines = ["assertion: gold Drug/Manifestation/Disease entities overlapped by a prediction, our status vs POLARITY"
             " (NEG -> negated; UNCERTAIN, MAYBE_POS -> uncertain; ours: hypothetical, uncertain -> uncertain;"
             " MAYBE_NEG left out)"]
    if convention == "graph":
        lines.append("convention: graph (ours: a present mention with a resolved/remission_maintained outcome or a"
                     " discontinuation recorded -> resolved/stopped -> negated)")
        if plain is not None:
            lines.append("plain convention: " + ", ".join(
                f"{k} F1 {plain.scores[k]['all'].f1:.3f} (P {plain.scores[k]['all'].precision:.3f}"
                f" / R {plain.scores[k]['all'].recall:.3f})" for k in ASSERTION_CLASSES))
    lines += [
             f"{'class':<10} {'gold type':<14} {'P':>6} {'R':>6} {'F1':>6} {'pred':>6} {'gold':>6} {'unextracted':>11}"]
    for k in ASSERTION_CLASSES:
        for typ in ("all", *sorted(t for t in a.scores[k] if t != "all")):
            c = a.scores[k][typ]
            missed = sum(n for (cls, t), n in a.unmatched.items() if cls == k and typ in ("all", t))
            if typ != "all" and not (c.n_pred or c.n_gold or missed):
                continue
            lines.append(f"{k:<10} {typ:<14} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.n_pred:6d} {c.n_gold:6d} {missed:11d}")
    values = sorted({g for g, _ in a.confusion}, key=lambda v: (v != "present", v))
    statuses = STATUSES + (GRAPH_STATUSES if convention == "graph" else ())
    corner = "gold \\ ours"
    lines.append(f"{corner:<12}" + "".join(f" {s:>12}" for s in statuses))
    for v in values:
        lines.append(f"{v:<12}" + "".join(f" {a.confusion[(v, s)]:12d}" for s in statuses))
    if errors:
        for kind in (f"{k}-{e}" for k in ASSERTION_CLASSES for e in ("FP", "FN")):
            items = [e for e in a.errors if e.kind == kind][:errors]
            if items:
                lines.append(f"-- {kind} (first {len(items)})")
            for e in items:
                lines.append(f"{kind} {e.type:<13} {e.doc_id:<10} {e.id:<30} {e.context}")
    return "\n".join(lines)


def format_report(report: Report, errors: int = 0, assertion_convention: str = "plain") -> str:
    """A plain-text table (and, if `errors` > 0, that many FP/FN lines per kind); the assertion
    table, where the gold has one, under `assertion_convention` (ASSERTION_CONVENTIONS)."""
    lines = []
    title = f"{report.name}: {report.n_docs} documents" if report.name else f"{report.n_docs} documents"
    lines.append(title)
    lines.append(f"{'type':<14} {'measure':<12} {'P':>6} {'R':>6} {'F1':>6} {'pred':>6} {'gold':>6}")
    for typ in sorted(report.strict):
        for measure, table in (
            ("strict", report.strict),
            ("overlap", report.overlap),
            ("id-mention", report.id_mention),
            ("id-document", report.id_document),
        ):
            c = table.get(typ)
            if c is None or not (c.n_gold or c.n_pred):
                continue
            lines.append(
                f"{typ:<14} {measure:<12} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.n_pred:6d} {c.n_gold:6d}"
            )
    if errors:
        for kind in ("FP", "FN"):
            items = [e for e in report.errors if e.kind == kind][:errors]
            if items:
                lines.append(f"-- {kind} (first {len(items)})")
            for e in items:
                lines.append(f"{kind} {e.type:<13} {e.doc_id:<10} {e.id or '-':<22} {e.context}")
    if assertion_convention not in ASSERTION_CONVENTIONS:
        raise ValueError(f"unknown assertion convention {assertion_convention!r} (expected one of {ASSERTION_CONVENTIONS})")
    if assertion_convention == "graph" and report.assertion_graph is not None:
        lines.append(format_assertion(report.assertion_graph, errors, "graph", report.assertion))
    elif report.assertion is not None:
        lines.append(format_assertion(report.assertion, errors))
    return "\n".join(lines)


def _pred(s, notes: dict | None = None) -> Prediction:  # noqa: ANN001 - a spaCy Span
    typ = s.label_
    if typ == "Drug" and (s._.attrs or {}).get("role") in NOT_ADMINISTERED_ROLES:
        typ = ANALYTE
    key = (s.start_char, s.end_char, s.label_)
    return (s.start_char, s.end_char, typ, s.kb_id_, tuple(s._.xrefs or ()), s._.status, s._.cue,
            frozenset((notes or {}).get(key, ())))


def graph_notes(statements: Iterable[dict]) -> dict[tuple[int, int, str], set[str]]:
    """What the graph records about a mention beyond its status, from the relation component's
    statements (`doc._.statements`): (start_char, end_char, label) -> {"resolved"} for the target
    of an outcome statement with a GONE_OUTCOMES value, {"stopped"} for the subject of a
    discontinuation statement. The "graph" assertion convention reads these."""
    notes: dict[tuple[int, int, str], set[str]] = defaultdict(set)
    for st in statements:
        if st["kind"] == "outcome" and st.get("value") in GONE_OUTCOMES and st.get("target"):
            notes[tuple(st["target"])].add("resolved")
        elif st["kind"] == "finding_outcome" and st.get("value") in GONE_OUTCOMES:
            notes[tuple(st["subject"])].add("resolved")  # no drug named: the finding is the subject
        elif st["kind"] == "discontinuation":
            notes[tuple(st["subject"])].add("stopped")
    return notes


def lexicon_predictor(types: Iterable[str] | None = None) -> Predictor:
    """A predictor running only the lexicon component on spacy.blank("en") + sentencizer, with the
    pipeline's own tokenizer rules (so its tokens are the full pipeline's)."""
    import spacy

    import kg.nlp.lexicons  # noqa: F401 - registers the factory
    from kg.nlp.pipeline import customize_tokenizer

    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    nlp.add_pipe("sentencizer")
    cfg = {"types": list(types)} if types is not None else {}
    nlp.add_pipe("casekg_lexicon", config=cfg)

    def predict(text: str) -> list[Prediction]:
        doc = nlp(text)
        return [_pred(s) for s in doc.spans.get("casekg", [])]

    return predict


def predictor_from_pipeline(nlp=None) -> Predictor:  # noqa: ANN001 - a spaCy Language
    """A predictor running the FULL pipeline (`kg.nlp.pipeline.get_nlp()` unless `nlp` is given).

    Yields every span of `doc.spans["casekg"]` (Drug, Manifestation, Disease, Antibody, Dose,
    Outcome, ...), whatever its `_.status`: the corpora annotate negated mentions too.
    """
    if nlp is None:
        from kg.nlp.pipeline import get_nlp

        nlp = get_nlp()

    def predict(text: str) -> list[Prediction]:
        doc = nlp(text)
        notes = graph_notes(doc._.statements or ()) if doc.has_extension("statements") else {}
        return [_pred(s, notes) for s in doc.spans.get("casekg", [])]

    return predict


@dataclass(frozen=True)
class Profile:
    """How to score one corpus: gold types scored, predicted -> gold type map, nesting policy."""

    types: tuple[str, ...] | None
    type_map: dict[str, str | None]
    drop_nested: bool = False
    # For HPO corpora: any prediction carrying an HPO ID (as CURIE or xref), whatever its type,
    # is an HPO mention - e.g. "ulcerative colitis", a Disease with its HPO term as xref.
    hpo_mentions: bool = False


_HPO = Profile(("Manifestation",), {"Manifestation": "Manifestation"}, hpo_mentions=True)
_NCBI = Profile(("Disease",), {"Disease": "Disease", "Manifestation": "Disease"}, drop_nested=True)
_BC5CDR = Profile(
    ("Drug", "Disease"),
    {"Drug": "Drug", ANALYTE: "Drug", "Disease": "Disease", "Manifestation": "Disease"},
    drop_nested=True,
)
_MACCROBAT = Profile(
    ("Drug", "Dose", "Manifestation", "Disease"),
    {"Drug": "Drug", "Dose": "Dose", "Manifestation": "Manifestation", "Disease": "Disease"},
)
PROFILES: dict[str, Profile] = {
    "gsc-plus-dev": _HPO,
    "ncbi-disease-dev": _NCBI,
    "bc5cdr-dev": _BC5CDR,
    "maccrobat-dev": _MACCROBAT,
    "maccrobat-train": _MACCROBAT,
}
# Kept for callers of the earlier API: which predicted types count for which gold type.
CORPUS_TYPE_MAPS: dict[str, dict[str, str | None]] = {k: v.type_map for k, v in PROFILES.items()}
CORPUS_DROP_NESTED = {k: v.drop_nested for k, v in PROFILES.items()}
CORPUS_TYPES: dict[str, tuple[str, ...] | None] = {k: v.types for k, v in PROFILES.items()}


def evaluate_docs(docs, predict: Predictor, profile: Profile, name: str = "") -> Report:  # noqa: ANN001
    """`evaluate` with a corpus profile and HPO alternative-ID normalisation."""
    if profile.hpo_mentions:
        predict = _hpo_view(predict)
    return evaluate(
        docs,
        predict,
        types=profile.types,
        type_map=profile.type_map,
        name=name,
        id_normalize=_hpo_normalize,
        drop_nested=profile.drop_nested,
    )


def cross_validate_component(docs: Sequence[GoldDoc], pre, full, fit: Callable[[list[tuple]], None],  # noqa: ANN001
                             folds: int = 5, profile: str = "maccrobat-train") -> Report:
    """`folds`-fold cross-validation of a component learned from gold: document i is in fold
    i % folds; `fit` gets the other folds as (GoldDoc, Doc parsed by `pre`, the pipeline up to
    the component) and sets the component of `full` from them; `full` then scores the held-out
    fold. Returns one Report summed over the folds (strict and overlap counts)."""
    parsed = [(d, pre(d.text)) for d in docs]
    total = Report(name=f"{folds}-fold CV")
    for k in range(folds):
        fit([p for i, p in enumerate(parsed) if i % folds != k])
        rep = evaluate_docs([d for i, d in enumerate(docs) if i % folds == k], predictor_from_pipeline(full), PROFILES[profile])
        for mine, theirs in ((total.strict, rep.strict), (total.overlap, rep.overlap)):
            for typ, counts in theirs.items():
                mine[typ].add(counts)
        total.n_docs += rep.n_docs
    return total


def _hpo_view(predict: Predictor) -> Predictor:
    """Predictions with an HPO ID become Manifestations carrying that ID first."""

    def view(text: str) -> list[Prediction]:
        out = []
        for p in predict(text):
            ids = [i for i in (p[3], *(p[4] if len(p) > 4 else ())) if i]
            hp = [i for i in ids if i.startswith("HP:")]
            if hp and p[2] != "Manifestation":
                out.append((p[0], p[1], "Manifestation", hp[0], tuple(i for i in ids if i != hp[0])))
            else:
                out.append(p)
        return out

    return view


def evaluate_dev(
    predict: Predictor, corpora: Iterable[str] | None = None, root: str | None = None, *, train: bool = False
) -> list[Report]:
    """Score `predict` on each development corpus (kg.gold.dev_sets) with its profile, or on the
    training corpora (kg.gold.train_sets) with `train`."""
    from kg import gold

    sets = gold.train_sets(root) if train else gold.dev_sets(root)
    return [
        evaluate_docs(docs, predict, PROFILES[name.replace("-train", "-dev")], name)
        for name, docs in sets.items()
        if corpora is None or name in corpora
    ]


def evaluate_path(path, fmt: str, predict: Predictor) -> list[Report]:  # noqa: ANN001 - str | Path
    """Score `predict` on a user's gold file or folder in format `fmt` (kg.gold.GOLD_FORMATS).

    Returns one Report per kind of gold found: `pubtator` is scored like BC5CDR (Drug, Disease;
    our Manifestations count as Disease; nested predictions dropped); `phenotagger-tsv` splits
    into HPO documents (scored as Manifestation) and disease documents (scored like NCBI
    disease); `brat` is scored like MACCROBAT (Drug, Dose, Manifestation, Disease, overlapping
    spans allowed). Raises kg.errors.InputError for unusable gold.
    """
    from pathlib import Path

    from kg import gold

    docs = gold.read_gold(path, fmt)
    name = Path(path).name
    if fmt == "pubtator":
        return [evaluate_docs(docs, predict, _BC5CDR, name)]
    if fmt == "brat":
        return [evaluate_docs(docs, predict, _MACCROBAT, name)]
    # One file is one corpus: decide by all its mentions, so a document without any mention
    # (which GSC+ has) is still scored with its corpus instead of forming a corpus of its own.
    if any(m.type == "Manifestation" for d in docs for m in d.mentions):
        return [evaluate_docs(docs, predict, _HPO, f"{name} (HPO)")]
    return [evaluate_docs(docs, predict, _NCBI, f"{name} (disease)")]


def evaluate_files(path, fmt: str, *, lexicon_only: bool = False) -> list[Report]:  # noqa: ANN001
    """`evaluate_path` with our own predictor: the full pipeline, or only the lexicon component."""
    return evaluate_path(path, fmt, lexicon_predictor() if lexicon_only else predictor_from_pipeline())


def _hpo_normalize(curie: str) -> str:
    if curie.startswith("HP:"):
        from kg import vocab

        return vocab.normalize(curie)
    return curie


if __name__ == "__main__":
    import sys

    # python -m kg.evaluate [N_ERRORS] [CORPUS,...] [--lexicon-only] [--train] [--assertion-convention=graph]
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_err = int(args[0]) if args else 0
    corpora = args[1].split(",") if len(args) > 1 else None
    convention = next((a.partition("=")[2] for a in sys.argv if a.startswith("--assertion-convention=")), "plain")
    pred = lexicon_predictor() if "--lexicon-only" in sys.argv else predictor_from_pipeline()
    for r in evaluate_dev(pred, corpora, train="--train" in sys.argv):
        print(format_report(r, n_err, convention))
        print()
