"""`casekg_drug_use`: whether each Drug span of a case report names a drug the patient received.

A case report names many chemicals that nobody gave the patient: a contrast agent in an imaging
sentence, a stain or marker in a pathology report, a drug discussed from the literature ("weekly
high-dose X has been reported to ..."), a drug class in a history ("no regular medication").
MACCROBAT marks as Medication, roughly, what the patient was given or took, and that is also
what the graph wants as an exposure. The lexicon and `kg.nlp.case_terms` already flag chemicals
read as lab analytes (`_.attrs["role"] = "analyte"`); this component decides the rest.

For every Drug span of a case-report narrative (`kg.nlp.genre.is_case_narrative`; abstracts are
not touched) that is not already an analyte, a logistic regression (the learner of
`kg.nlp.finding_type`) gives P(administered) from sparse features: the span's words and head,
where its concept comes from (DrugBank, MeSH, none), whether a dose, route or frequency is
attached, cue words in its sentence (given / started / treated; CT / contrast / uptake;
staining / positive for; level / serum; reported / studies / et al.; citations), the words
around it, where in the report the sentence is, and whether the same drug has a dose elsewhere
in the report. Below the threshold the span keeps its Drug type and concept but gets
`_.attrs["role"] = kg.model.NAMED_ROLE` ("named": a chemical named, not given): the relation
builder makes no exposure of it, and the MACCROBAT profile does not count it as a Medication,
as with analytes.

Recall: chemotherapy regimens named by acronym ("R-CHOP", "FOLFOX", "ABVD") are drugs the
patient received, but no drug vocabulary lists them; `kg/data/regimens.tsv` (written from general
oncology knowledge, ambiguous acronyms left out) names them with their component drugs, and in a
case report each one no Drug span covers becomes a Drug span without concept ID, its components
in `_.attrs["regimen"]`, before the decision above.

The weights are learned from the 128 MACCROBAT *training* documents of our split, with settings
chosen by 5-fold CV on them: `python -m kg.nlp.drug_use build` writes
`kg/data/drug_use_maccrobat.tsv`, `python -m kg.nlp.drug_use cv [--l2=X --threshold=X]` prints
the CV figures (docs/quality-s5-medications.md).

The shipped pipeline runs it with `decide=False` (regimens only): at the CV-chosen settings the
decision raised train CV (medication overlap 0.871 -> 0.886) but lowered dev (0.807 -> 0.792),
mostly by flagging parenthesised short forms of drugs given ("cyclosporine A (CsA)").
"""

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.model import DOSE, DRUG, NAMED_ROLE, NOT_ADMINISTERED_ROLES
from kg.nlp import extensions, genre
from kg.nlp.doctext import doc_text
from kg.nlp import finding_type
from kg.nlp.finding_type import Model, _word_features, read_model, train  # noqa: F401 - read_model for callers

DATA = Path(__file__).resolve().parent.parent / "data" / "drug_use_maccrobat.tsv"
REGIMENS = DATA.with_name("regimens.tsv")
LEFT, RIGHT = 4, 2  # token window inside the sentence
# Cue words anywhere in the span's sentence, one feature per group. Stems match word starts.
_CUES = {
    "give": ("giv", "administ", "treat", "start", "initiat", "receiv", "prescri", "commenc", "infus", "inject",
             "discontinu", "stopp", "withdr", "switch", "continu", "taper", "taking", "took", "added", "replac",
             "resum", "began", "placed", "on"),
    "regimen": ("dose", "dosage", "regimen", "course", "cycle", "medicat", "therap", "manag"),
    "image": ("ct", "mri", "scan", "contrast", "enhanc", "angiogra", "tomograph", "imaging", "uptake", "pet",
              "scintigra", "echocardiogra", "radiogra", "ultrasound", "fdg", "avid", "suv"),
    "pathology": ("stain", "immunohisto", "immunostain", "positiv", "negativ", "biopsy", "histolog", "specimen",
                  "marker", "express", "tumor", "tumour", "cells"),
    "lab": ("level", "serum", "plasma", "concentrat", "measur", "test", "assay", "mmol", "range", "urine", "urinary"),
    "literature": ("report", "stud", "literature", "cases", "trial", "review", "previous", "known", "may", "can",
                   "should", "recommend", "is", "are", "been", "effect", "associat", "induc", "patients"),
    "negation": ("no", "not", "without", "denied", "refus", "never", "none"),
    "history": ("history", "prior", "years", "ago", "previously", "long-term", "chronic"),
}
# words matched whole, not as stems ("on" must not match "one", "is" not "ischemia")
_WHOLE = frozenset(("on", "ct", "mri", "pet", "fdg", "suv", "is", "are", "may", "can", "been", "no", "not", "none",
                    "cases", "years", "ago", "taking", "took", "added", "began", "placed", "cells", "known"))
# Agents given to image or stain, not to treat: contrast media, radiotracers, histological stains
# (general knowledge; matched on the span's lower-case words, any of them).
_DIAGNOSTIC = re.compile(
    r"\b(?:contrast|gadolinium|gado\w+|iohexol|iopamidol|iodixanol|iopromide|ioversol|iomeprol|barium|lipiodol|"
    r"fluorodeoxyglucose|fdg|technetium|99mtc|tc-99m|sestamibi|tetrofosmin|mibg|iobenguane|dotatate|dotatoc|"
    r"octreoscan|gallium|thallium|indium|pentetreotide|fluorescein|indocyanine|microbubbles?|sulfur hexafluoride|"
    r"perflutren|hematoxylin|eosin|giemsa|congo|trichrome|prussian|alcian|toluidine|mucicarmine|methenamine|"
    r"grocott|ziehl|auramine|tuberculin|radiotracer|tracer|radioiodine|i-131|131i|18f)\b")
# reference markers of the literature: "[3]", "[3, 8]", "[4–6]", "(12)", "Smith et al."
_CITATION = re.compile(r"\[\d{1,3}(?:\s?[,–-]\s?\d{1,3})*\]|\(\d{1,3}(?:\s?[,–-]\s?\d{1,3})*\)|\bet al\b")
_CUE_MEMO: dict[str, str | None] = {}
_PATIENT = frozenset(("he", "she", "his", "her", "him", "patient", "patient's", "we", "our"))


def _cue(word: str) -> str | None:
    v = _CUE_MEMO.get(word, "")
    if v == "":
        v = None
        for name, stems in _CUES.items():
            if any(word == s or (s not in _WHOLE and word.startswith(s)) for s in stems):
                v = name
                break
        _CUE_MEMO[word] = v
    return v


def _key(s: Span, text: str) -> str:
    return s.kb_id_ or text[s.start_char:s.end_char].lower()


class _Sentences:
    """What the features read from a Doc's tokens, taken once as arrays, and per sentence the
    cue groups, whether it speaks of the patient, and whether it cites the literature."""

    def __init__(self, doc: Doc, text: str) -> None:
        arr = doc.to_array(["LOWER", "IS_SPACE", "SENT_START", "IDX"])
        self.lower_ids = arr[:, 0].tolist()
        self.space = arr[:, 1].tolist()
        self.idx = arr[:, 3].tolist()
        self.n = len(arr)
        self.starts = [0] + [i for i in numpy.flatnonzero(arr[:, 2] == 1).tolist() if i > 0]
        self.strings = doc.vocab.strings
        self.text = text
        self._memo: dict[int, tuple[set[str], bool, bool]] = {}

    # the same reads as kg.nlp.finding_type's view of a Doc (lower_ids, space, strings)
    lower = finding_type._DocView.lower
    words = finding_type._DocView.words

    def bounds(self, start: int) -> tuple[int, int]:
        k = bisect_right(self.starts, start) - 1
        return self.starts[k], self.starts[k + 1] if k + 1 < len(self.starts) else self.n

    def about(self, sent_start: int, sent_end: int) -> tuple[set[str], bool, bool]:
        """Only sentences with a drug are read (most of a report has none)."""
        v = self._memo.get(sent_start)
        if v is None:
            words = [self.lower(i) for i in range(sent_start, sent_end)]
            cues = {c for w in words if (c := _cue(w)) is not None}
            end_char = self.idx[sent_end] if sent_end < self.n else len(self.text)
            v = self._memo[sent_start] = (cues, any(w in _PATIENT for w in words),
                                          _CITATION.search(self.text, self.idx[sent_start], end_char) is not None)
        return v


def doc_features(doc: Doc, spans: Sequence[Span] | None = None) -> list[tuple[Span, list[str]]]:
    """(span, features) for every Drug span of `spans` (default: the Doc's span group) that is
    not already flagged as not administered (an analyte)."""
    if spans is None:
        spans = list(doc.spans.get(extensions.SPAN_GROUP, []))
    drugs = []  # (span, its attrs): one Underscore read per span
    for s in spans:
        if s.label_ == DRUG:
            attrs = s._.attrs or {}
            if attrs.get("role") not in NOT_ADMINISTERED_ROLES:
                drugs.append((s, attrs))
    if not drugs:
        return []
    text = doc_text(doc)
    view = _Sentences(doc, text)
    dose_starts = sorted(s.start for s in spans if s.label_ == DOSE)
    keys = [_key(s, text) for s, _ in drugs]
    # a drug given once with a dose ("erlotinib 150 mg daily") is the patient's drug everywhere
    dosed = {k for k, (_, attrs) in zip(keys, drugs) if "dose" in attrs}
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    bounds = [(s.start, s.end) for s, _ in drugs]
    out = []
    for (s, attrs), key, (start, end) in zip(drugs, keys, bounds):
        sent_start, sent_end = view.bounds(start)
        words = tuple(view.words(start, end))
        src = s.kb_id_.split(":", 1)[0] if s.kb_id_ else "regimen" if "regimen" in attrs else "none"
        f = ["bias", f"src={src}", *_word_features(words or ("",))]
        for a in ("dose", "route", "frequency"):
            if a in attrs:
                f.append(f"has={a}")
        if attrs.get("source"):
            f.append(f"via={attrs['source']}")
        if _DIAGNOSTIC.search(" ".join(words)):
            f.append("diagnostic_agent")
        if key in dosed:
            f.append("dosed_in_doc")
        f.append(f"count={min(counts[key], 3)}")
        surface = text[s.start_char:s.end_char]
        # a regimen is always written in capitals: that says nothing of its use here
        if surface[:1].isupper() and src != "regimen":
            f.append("capital")
        if surface.isupper() and len(surface) <= 8 and src != "regimen":
            f.append("short_form")
        j = bisect_right(dose_starts, sent_start - 1)
        if j < len(dose_starts) and dose_starts[j] < sent_end:
            f.append("sent_dose")
        left = view.words(max(sent_start, start - LEFT), start)
        right = view.words(end, min(sent_end, end + RIGHT))
        f.append(f"l1={left[-1] if left else '<s>'}")
        f.append(f"r1={right[0] if right else '</s>'}")
        f += [f"lw={w}" for w in left if w.isalpha()]
        f += [f"rw={w}" for w in right if w.isalpha()]
        cues, patient, citation = view.about(sent_start, sent_end)
        f += [f"cue={c}" for c in sorted(cues)]
        if patient:
            f.append("patient")
        elif "literature" in cues:
            f.append("general")  # a statement about a drug, not about this patient
        if any((a, b) != (start, end) and a < end + 3 and start < b + 3 and a >= sent_start for a, b in bounds):
            f.append("near_drug")  # in a list of drugs ("furosemide, lisinopril and warfarin")
        if right and right[0][:1].isdigit() and "dose" not in attrs:
            f.append("number_after")
        if left and left[-1] == "(":
            f.append("in_parens")
        if citation:
            f.append("citation")
        f.append(f"pos={min(4, 5 * s.start_char // max(1, len(text)))}")
        out.append((s, f))
    return out


def write_model(model: Model, path: Path | str, note: str = "") -> None:
    """kg.nlp.finding_type's weights file, with this model's header (positive = administered)."""
    finding_type.write_model(model, path, note)
    lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    Path(path).write_text("# feature\tweight (logistic regression, positive = administered; kg.nlp.drug_use)\n"
                          + "".join(lines[1:]), encoding="utf-8")


def p_given(model: Model, feats: Iterable[str]) -> float:
    """P(administered) = sigmoid(sum of the weights of the span's features): the shared
    regression's probability of its positive class (named for finding_type's Disease)."""
    return model.p_disease(feats)


def read_regimens(path: Path | str = REGIMENS) -> dict[str, str]:
    """Regimen acronym -> its component drugs ("R-CHOP" -> "rituximab;cyclophosphamide;...")."""
    rows = (line.split("\t") for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#"))
    return {cols[0]: cols[1] for cols in rows}


def regimen_pattern(names: Iterable[str]) -> re.Pattern:
    """The acronyms as written, longest first, with a cycle-length or version suffix ("R-CHOP-21",
    "FOLFOX4", "mFOLFOX6"); capitals must match (a "chop" is no regimen), mixed-case names
    ("Hyper-CVAD", "GemCis") match in any case. Not inside a longer word or hyphenated name."""
    alts = [re.escape(n) if n.isupper() else f"(?i:{re.escape(n)})"
            for n in sorted(names, key=len, reverse=True)]
    return re.compile(r"(?<![\w-])(?:m(?=FOLF))?(?P<name>" + "|".join(alts) + r")(?:-?\d{1,2})?(?![\w-])")


# A regimen acronym is read as one only in a sentence about treatment: most acronyms of the
# table also stand for something else in some report.
_REGIMEN_CONTEXT = ("chemo", "regimen", "cycle", "course", "protocol", "induction", "salvage", "adjuvant",
                    "neoadjuvant", "line", "therap", "treat", "receiv", "given", "administ", "start", "initiat",
                    "switch", "continu", "discontinu", "dose", "infus")


def _regimen_word(word: str) -> bool:
    return word.startswith(_REGIMEN_CONTEXT)


def _with_regimens(doc: Doc, spans: list[Span], regimens: dict[str, str], pattern: re.Pattern) -> list[Span]:
    """`spans` plus a Drug span (no concept ID; `attrs["regimen"]`: the component drugs) for each
    regimen acronym that no Drug span covers; Drug spans inside it ("R-" of "R-CHOP") give way."""
    text = doc_text(doc)
    found = []
    lookup = {k.lower(): k for k in regimens}
    for m in pattern.finditer(text):
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is None or any(s.label_ == DRUG and s.start <= span.start and span.end <= s.end for s in spans):
            continue  # already a drug (a short form the report defines), or inside a longer drug name
        if not any(_regimen_word(t.lower_) for t in span.sent):
            continue  # an acronym of something else ("ECF" a fistula, "CVP" a venous pressure)
        name = lookup[m.group("name").lower()]
        r = Span(doc, span.start, span.end, label=DRUG)
        r._.concept_label = name
        r._.attrs = {"regimen": regimens[name]}
        found.append(r)
    if not found:
        return spans
    inside = {(r.start, r.end) for r in found}
    kept = [s for s in spans if not (s.label_ == DRUG and any(a <= s.start and s.end <= b for a, b in inside))]
    return sorted(kept + found, key=lambda s: (s.start, s.end))


class DrugUse(finding_type.FindingType):
    def __init__(self, name: str, path: str, regimens: str, decide: bool = True) -> None:
        super().__init__(name, path or str(DATA))
        self.decide = decide
        self.regimens = read_regimens(regimens or REGIMENS)
        self.regimen_re = regimen_pattern(self.regimens)

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans.get(extensions.SPAN_GROUP)
        if not group or len(doc) < genre.MIN_WORDS or not genre.is_case_narrative(doc):
            return doc
        spans = list(group)
        if self.regimens:
            new = _with_regimens(doc, spans, self.regimens, self.regimen_re)
            if new is not spans:
                doc.spans[extensions.SPAN_GROUP] = spans = new
        if not self.decide:
            return doc
        for s, feats in doc_features(doc, spans):
            if p_given(self.model, feats) < self.model.threshold:
                s._.attrs = {**(s._.attrs or {}), "role": NAMED_ROLE}
        return doc


@Language.factory("casekg_drug_use", default_config={"path": "", "regimens": "", "decide": True})
def make_drug_use(nlp: Language, name: str, path: str, regimens: str, decide: bool) -> DrugUse:
    """`path`: the weights file ("" = the shipped `kg/data/drug_use_maccrobat.tsv`); `regimens`:
    the regimen table ("" = the shipped `kg/data/regimens.tsv`); `decide`: False adds the regimen
    spans only and flags nothing (the shipped pipeline, see docs/quality-s5-medications.md)."""
    return DrugUse(name, path, regimens, decide)


# --------------------------------------------------------------------------- learning the weights


def examples(parsed: Iterable[tuple]) -> list[tuple[list[str], int]]:
    """Training examples from (kg.gold.GoldDoc, Doc parsed by the pipeline up to this component):
    every candidate Drug span of a case-report narrative, 1 if it overlaps a gold Medication."""
    out = []
    for d, doc in parsed:
        if not genre.is_case_narrative(doc):
            continue
        gold = [(m.start, m.end) for m in d.mentions if m.type == DRUG]
        for s, feats in doc_features(doc):
            out.append((feats, int(any(a < s.end_char and s.start_char < b for a, b in gold))))
    return out


def cross_validate(docs: Sequence, pre: Language, full: Language, folds: int = 5, threshold: float = 0.5,
                   **params: float):  # noqa: ANN201
    """`folds`-fold CV (kg.evaluate.cross_validate_component's folds): weights learned on the other
    folds' spans, `full` scores the held-out fold. Returns one kg.evaluate.Report."""
    from kg.evaluate import cross_validate_component

    comp = full.get_pipe("casekg_drug_use")
    comp.decide = True  # the decision is what is measured, whatever the shipped config says

    def fit(training: list[tuple]) -> None:
        comp.model = Model(train(examples(training), **params), 0.0, threshold)

    return cross_validate_component(docs, pre, full, fit, folds)


# Chosen by `python -m kg.nlp.drug_use cv` on the 128 train documents (medication overlap F1).
# Grid (l2 1-30, threshold 0.3-0.8): a plateau of 0.881-0.890 around these (without: 0.871).
PARAMS = {"l2": 3.0, "threshold": 0.5}


def _pipeline_before() -> Language:
    from kg.nlp.pipeline import PIPELINE, build_nlp

    names = [n for n, _ in PIPELINE]
    return build_nlp(PIPELINE[:names.index("casekg_drug_use")])


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    from kg import gold
    from kg.nlp.pipeline import build_nlp

    parser = argparse.ArgumentParser(prog="python -m kg.nlp.drug_use",
                                     description="Learn (build) or cross-validate (cv) the weights on MACCROBAT train.")
    parser.add_argument("command", choices=("build", "cv"))
    parser.add_argument("out", nargs="?", default=str(DATA), help="weights file written by build")
    parser.add_argument("--l2", type=float, default=PARAMS["l2"])
    parser.add_argument("--threshold", type=float, default=PARAMS["threshold"])
    a = parser.parse_args(argv)
    docs, pre = gold.maccrobat_train(), _pipeline_before()
    if a.command == "cv":
        from kg.evaluate import format_report

        print(format_report(cross_validate(docs, pre, build_nlp(), threshold=a.threshold, l2=a.l2)))
        return
    ex = examples((d, pre(d.text)) for d in docs)
    write_model(Model(train(ex, l2=a.l2), 0.0, a.threshold), a.out,
                f"Learned from {len(ex)} Drug spans of the 128 MACCROBAT train documents of our split; l2 {a.l2}")
    print(f"weights from {len(ex)} spans -> {a.out}")


if __name__ == "__main__":
    main()
