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

The decision is cautious by construction, because a wrong flag costs a drug the patient got:
- a span with a dose or route attached, or whose sentence has a given-type word (given,
  received, started, treated, administered, prescribed, took, dose, infused, ...), is never
  flagged by the regression, and the regression is learned only from the spans it may flag;
- a drug in the parentheses right after another drug ("cyclosporine A (CsA)", "(MTX)") takes
  that drug's decision; it and every later span spelt like a short form the report defines for
  a drug (kg.nlp.abbreviations) lose the capital / short-form / in-parentheses features, which
  describe spelling, not use;
- a chemical right before a head noun of something nobody is given ("VP shunt", "titanium mesh",
  "vancomycin levels", "glucagon stimulation test", "growth hormone (GH) deficiency";
  `_NOT_GIVEN_HEADS`) is always flagged, unless a dose is attached; so is saline or water in a
  sentence about rinsing ("irrigated with saline", "lavage", "flushed"), dose or not.

Recall, before the decision (case reports only):
- chemotherapy regimens named by acronym ("R-CHOP", "FOLFOX", "ABVD") are drugs the patient
  received, but no drug vocabulary lists them; `kg/data/regimens.tsv` (written from general
  oncology knowledge, ambiguous acronyms left out) names them with their component drugs, and each
  one no Drug span covers becomes a Drug span without concept ID, its components in
  `_.attrs["regimen"]`;
- undefined drug short forms the dictionaries miss ("INH", "RMP", "IVCY", "mPSL";
  `kg/data/drug_short_forms.tsv`, same conditions) become Drug spans with their drug's concept;
- anti-X class phrases ("anti-TB therapy", "antihelminthic drugs") become Drug spans without
  concept ID where no Drug span overlaps them, and so do classes named by what they do
  (`ClassPhrases`: "under general anaesthesia", "withdrawal of sedation", "vasoactive drugs",
  "muscle relaxant"; "β-blockers" with the beta-blocker concept) where no Drug or finding span
  overlaps them; these are never flagged (they name a treatment by construction);
- oxygen with a flow rate next to it ("4 L/min of oxygen") loses the lexicon's analyte flag.

The weights are learned from the 128 MACCROBAT *training* documents of our split, with settings
chosen by 5-fold CV on them: `python -m kg.nlp.drug_use build` writes
`kg/data/drug_use_maccrobat.tsv`, `python -m kg.nlp.drug_use cv [--l2=X --threshold=X] [--joint=1]`
prints the CV figures (`--joint=1`: the case_terms table learned per fold too) (docs/quality.md, "MACCROBAT session 5: medications").

Session 5 round 1 shipped with `decide=False`: without the two rules above the decision raised
train CV (medication overlap 0.871 -> 0.886) but lowered dev (0.807 -> 0.792) by flagging
parenthesised short forms of drugs given. With them, train CV 0.888 and dev (seen before, so no
longer a clean check) 0.822: the shipped pipeline decides (docs/quality.md, "MACCROBAT session 5: medications").
Session 6 (the head nouns, short forms, class phrases, oxygen): train CV 0.901, dev (seen) 0.825
(docs/quality.md, "MACCROBAT session 6: medications").
Session 9 (classes named by what they do, rinsing saline, lab context): train CV with the
case_terms table learned per fold too (`cv --joint=1`, the honest figure) 0.883 -> 0.902, plain
CV 0.902 -> 0.909 (docs/quality.md, "MACCROBAT session 9: medications").
"""

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy

from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from kg.model import ANALYTE_ROLE, DISEASE, DOSE, DRUG, MANIFESTATION, NAMED_ROLE, NOT_ADMINISTERED_ROLES
from kg.nlp import extensions, genre
from kg.nlp.doctext import doc_text
from kg.nlp import finding_type
from kg.nlp.finding_type import Model, _word_features, read_model, train  # noqa: F401 - read_model for callers
from kg.nlp.tables import table_rows

DATA = Path(__file__).resolve().parent.parent / "data" / "drug_use_maccrobat.tsv"
REGIMENS = DATA.with_name("regimens.tsv")
SHORT_FORMS = DATA.with_name("drug_short_forms.tsv")
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
# Words saying the drug was given in this sentence. A span whose sentence has one is never flagged:
# the decision is meant to catch chemicals merely named, and a wrong flag costs a given drug.
_GIVEN = ("giv", "receiv", "start", "treat", "administ", "prescri", "took", "taking", "dose", "dosage", "dosing",
          "infus", "inject", "initiat", "commenc")
# the short form's spelling: it says nothing of use when the long form is there to decide
_SURFACE = frozenset(("capital", "short_form", "in_parens"))
# Head nouns that make the chemical before them a modifier of something nobody was given: a device
# or material ("VP shunt", "titanium mesh", "gelatin-thrombin matrix"), a test or measurement
# ("glucagon stimulation test", "vitamin levels", "octreotide scintigraphy"), or a property of the
# body ("growth hormone deficiency", "nucleotide position", "insulin receptor"). Written from general
# clinical English, not from a corpus; heads that do mean the drug was given ("heparin infusion",
# "insulin pump", "oxygen therapy", "calcium channel blockers") are left out.
_NOT_GIVEN_HEADS = frozenset((
    "shunt", "shunts", "mesh", "matrix", "stent", "stents", "graft", "grafts", "wool", "sponge", "cement", "plate",
    "plates", "screw", "screws", "wire", "wires", "clip", "clips", "coil", "coils", "position", "positions",
    "receptor", "receptors", "deficiency", "deficiencies", "level", "levels", "concentration", "concentrations",
    "stimulation", "test", "tests", "assay", "scan", "scans", "scintigraphy", "staining", "stain", "stains",
    "uptake", "metabolism", "metabolite", "metabolites", "allergy", "allergies", "antibody", "antibodies",
    "autoantibody", "autoantibodies", "secretion", "production", "synthesis", "pathway", "gene", "genes",
    "mutation", "mutations", "transporter", "transporters", "excess", "overload", "profile", "syndrome"))
_CLOSE = (")", ";", ",", ":")  # what ends a short form's bracket (kg.nlp.abbreviations)
_FINDINGS = frozenset((MANIFESTATION, DISEASE))
CLASS_SOURCE = "class"  # attrs["source"] of a drug-class phrase this component adds
_PATIENT = frozenset(("he", "she", "his", "her", "him", "patient", "patient's", "we", "our"))


def _cue(word: str) -> str | None:
    v = _CUE_MEMO.get(word, "")
    if v == "":
        v = _CUE_MEMO[word] = finding_type.cue_group(word, _CUES, _WHOLE)
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
        self._memo: dict[int, tuple[set[str], bool, bool, bool]] = {}

    # the same reads as kg.nlp.finding_type's view of a Doc (lower_ids, space, strings)
    lower = finding_type._DocView.lower
    words = finding_type._DocView.words

    def bounds(self, start: int) -> tuple[int, int]:
        k = bisect_right(self.starts, start) - 1
        return self.starts[k], self.starts[k + 1] if k + 1 < len(self.starts) else self.n

    def about(self, sent_start: int, sent_end: int) -> tuple[set[str], bool, bool, bool]:
        """(cue groups, speaks of the patient, cites, has a given-type word) of a sentence.
        Only sentences with a drug are read (most of a report has none)."""
        v = self._memo.get(sent_start)
        if v is None:
            words = [self.lower(i) for i in range(sent_start, sent_end)]
            cues = {c for w in words if (c := _cue(w)) is not None}
            end_char = self.idx[sent_end] if sent_end < self.n else len(self.text)
            v = self._memo[sent_start] = (cues, any(w in _PATIENT for w in words),
                                          _CITATION.search(self.text, self.idx[sent_start], end_char) is not None,
                                          any(w.startswith(_GIVEN) for w in words))
        return v


class Candidate(NamedTuple):
    span: Span
    features: list[str]
    long_form: int | None  # index (in the candidate list) of the drug this span is the short form of
    protected: bool  # a dose, route or given-type word in its sentence: never flagged
    modifier: bool = False  # before a head noun of something not given (_NOT_GIVEN_HEADS), or rinsing saline: always flagged


def _short_forms(doc: Doc, bounds: list[tuple[int, int]], surfaces: list[str]) -> tuple[dict[int, int], set[int]]:
    """Short forms of drugs: ({candidate i -> its long form's candidate j}, the candidates read
    as a short form). Linked: a drug in the parentheses right after a drug ("cyclosporine A
    (CsA)", "(MTX)"). Read as a short form: those, and where the bracket defines a short form as
    kg.nlp.abbreviations reads one (alone in the bracket, 2-12 characters, a capital, no space),
    every later drug span spelt like it or its plural; these keep their own decision, as their own
    sentence says more of their use than the definition's (train CV: 0.886 with them linked too,
    0.887 without, before the protection rule). Only the drug spans are compared, not the tokens."""
    by_end: dict[int, int] = {}
    for j, (a, b) in enumerate(bounds):
        by_end.setdefault(b, j)
    links: dict[int, int] = {}
    n = len(doc)
    defined_forms = set()
    for i, (a, b) in enumerate(bounds):
        j = by_end.get(a - 1)
        if j is not None and j != i and doc[a - 1].text == "(":
            links[i] = j
            sf = surfaces[i]
            if b < n and doc[b].text in _CLOSE and 2 <= len(sf) <= 12 and " " not in sf and sf[0].isalnum() \
                    and any(c.isupper() for c in sf):
                defined_forms.add(sf)
    defined = set(links)
    if defined_forms:
        for i, sf in enumerate(surfaces):
            if sf in defined_forms or (sf.endswith("s") and sf[:-1] in defined_forms):
                defined.add(i)
    return links, defined


def _modifies(view: _Sentences, end: int, sent_end: int) -> bool:
    """Whether the word after a span (after its bracketed short form, or after the bracket that
    holds the span: "growth hormone (GH) deficiency") is a head of something not given."""
    j = end
    if j < sent_end and view.lower(j) == "(":
        k = j + 1
        while k < min(sent_end, j + 8) and view.lower(k) != ")":
            k += 1
        j = k + 1
    elif j < sent_end and view.lower(j) == ")":
        j += 1
    return j < sent_end and view.lower(j) in _NOT_GIVEN_HEADS


# Saline or water used to rinse, flush or wash out ("the wound was irrigated with saline", "lavage
# with 150 mL saline", "the catheter was flushed with normal saline") is a tool of the procedure,
# not a medication, whatever the volume; saline for hydration or an infusion is not touched.
# MACCROBAT train: 4 of 4 such spans are not gold Medications, and no gold saline is in such a sentence.
_RINSE_FLUID = re.compile(r"(?:(?:normal|physiological|isotonic|sterile|heparini[sz]ed|warm)\s+)?(?:saline|water|nacl|sodium chloride)")
_RINSE = ("irrigat", "lavag", "flush", "rins", "wash")


def _rinses(view: _Sentences, sent_start: int, sent_end: int) -> bool:
    """Whether the sentence speaks of rinsing or washing out ("irrigated", "lavage", "flushed")."""
    return any(w.startswith(_RINSE) or w == "bal" for w in (view.lower(i) for i in range(sent_start, sent_end)))


# A change of treatment said of the drug itself ("X was tapered", "X was then discontinued",
# "switched from X to Y", "a taper of X"): only a drug the patient had can be tapered or stopped, and
# only one the patient gets can be switched to. Read around the span, not the whole sentence.
_CHANGED_AFTER = ("taper", "wean", "switch", "discontinu", "stopp", "withdr", "withheld", "ceased", "halted",
                  "resum", "restart", "chang", "replac", "convert")
_CHANGED_BEFORE = ("taper", "wean", "switch", "discontinu", "stopp", "withdr", "withheld", "cessation", "chang",
                   "convert", "resum", "restart", "transition")
_SWITCHED = ("switch", "chang", "convert", "transition")
_AUX = frozenset(("was", "were", "is", "are", "been", "had", "has", "have", "then", "subsequently", "later",
                  "also", "finally", "eventually", "thereafter", "therapy", "treatment", "dose", "dosage", "doses"))
_LINK = frozenset(("to", "from", "of", "off", "with", "on"))


def _changed(view: _Sentences, start: int, end: int, sent_start: int, sent_end: int) -> bool:
    """Whether the words around a drug span say its treatment was changed: "X (was) (then) tapered"
    after it, or "switched to X", "taper of X", "discontinued X" before it."""
    j = end
    while j < sent_end and j < end + 4 and (view.lower(j) in _AUX or view.lower(j).endswith("ly")):
        j += 1
    if j < sent_end and view.lower(j).startswith(_CHANGED_AFTER):
        return True
    k = start - 1
    if k >= sent_start and view.lower(k) == "to":  # "switched from X to Y": the drug switched to
        if any(view.lower(i).startswith(_SWITCHED) for i in range(max(sent_start, k - 5), k)):
            return True
    if k >= sent_start and view.lower(k) in _LINK:
        k -= 1
    return k >= sent_start and view.lower(k).startswith(_CHANGED_BEFORE)


def doc_features(doc: Doc, spans: Sequence[Span] | None = None) -> list[tuple[Span, list[str]]]:
    """(span, features) for every Drug span of `spans` (default: the Doc's span group) that is
    not already flagged as not administered (an analyte)."""
    return [(c.span, c.features) for c in candidates(doc, spans)]


def candidates(doc: Doc, spans: Sequence[Span] | None = None) -> list[Candidate]:
    """Every Drug span of `spans` (default: the Doc's span group) that is not already flagged as
    not administered (an analyte), with its features, its long form and whether it is protected."""
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
    links, defined = _short_forms(doc, bounds, [text[s.start_char:s.end_char] for s, _ in drugs])
    out = []
    for n, ((s, attrs), key, (start, end)) in enumerate(zip(drugs, keys, bounds)):
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
        cues, patient, citation, given = view.about(sent_start, sent_end)
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
        if n in defined:
            f = [x for x in f if x not in _SURFACE]
        protected = "dose" in attrs or "route" in attrs or attrs.get("source") == CLASS_SOURCE or bool(given) or _changed(view, start, end, sent_start, sent_end)
        modifier = ("dose" not in attrs and _modifies(view, end, sent_end)) or \
            (_RINSE_FLUID.fullmatch(surface.lower()) is not None and _rinses(view, sent_start, sent_end))
        out.append(Candidate(s, f, links.get(n), protected, modifier))
    return out


def decisions(model: Model, cands: Sequence[Candidate]) -> list[float]:
    """P(administered) of each candidate; a short form takes its long form's, a protected span
    (or the short form of one) gets 1, and a modifier of a device, test or body property 0."""
    p = [0.0 if c.modifier else 1.0 if c.protected else p_given(model, c.features) for c in cands]
    out = []
    for c, own in zip(cands, p):
        out.append(p[c.long_form] if c.long_form is not None and not c.protected and not c.modifier else own)
    return out


def write_model(model: Model, path: Path | str, note: str = "") -> None:
    """kg.nlp.finding_type's weights file, with this model's header (positive = administered)."""
    finding_type.write_model(model, path, note, meaning="positive = administered; kg.nlp.drug_use")


def p_given(model: Model, feats: Iterable[str]) -> float:
    """P(administered) = sigmoid(sum of the weights of the span's features): the shared
    regression's probability of its positive class (named for finding_type's Disease)."""
    return model.p_disease(feats)


def read_regimens(path: Path | str = REGIMENS) -> dict[str, str]:
    """Regimen acronym -> its component drugs ("R-CHOP" -> "rituximab;cyclophosphamide;...")."""
    return {cols[0]: cols[1] for cols in table_rows(path)}


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


def read_short_forms(path: Path | str = SHORT_FORMS) -> dict[str, str]:
    """Short form -> the dictionary name whose concept it takes ("RMP" -> "rifampicin")."""
    return read_regimens(path)


def short_form_concepts(short_forms: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Short form -> (concept ID or "", label): the Drug concept the lexicon gives its name (no
    ID where the dictionaries do not know the name: "S-1" is tegafur/gimeracil/oteracil)."""
    from kg import vocab
    from kg.nlp import lexicons

    trie, tok = lexicons.compiled()["trie"], lexicons._tokenizer()
    out = {}
    for sf, name in short_forms.items():
        leaf = lexicons.lookup(lexicons._name_keys(tok, name), trie) or {}
        curie = leaf[DRUG][0] if DRUG in leaf else ""
        out[sf] = (curie, (vocab.label(curie) if curie else None) or name)
    return out


# A drug class named by what it acts against, with a treatment head ("anti-TB therapy",
# "antihelminthic drugs", "anti-tussive therapy", "anti-VEGF agents"): the dictionaries list some
# classes, not this open-ended family. Not antibodies or antigens ("antinuclear antibody"). The
# pattern starts at "nti" so that the regex engine can search for a literal (15 times faster than
# starting at "[Aa]"); `_anti_classes` checks the "A"/"a" and the word boundary before it.
_ANTI_CLASS = re.compile(r"nti-?(?!bod|gen)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?\s+"
                         r"(?:drugs?|agents?|medications?|medicines?|therap(?:y|ies)|treatments?|regimens?)(?![\w-])")


def _word_char(c: str) -> bool:
    return c.isalnum() or c in "_-"


def _anti_classes(text: str) -> list[tuple[int, int]]:
    """(start, end) of each `_ANTI_CLASS` phrase in `text`."""
    out = []
    for m in _ANTI_CLASS.finditer(text):
        a = m.start() - 1
        if a >= 0 and text[a] in "Aa" and (a == 0 or not _word_char(text[a - 1])):
            out.append((a, m.end()))
    return out


# Drug classes named by what they do rather than what they act against (`_ANTI_CLASS`), written
# from general clinical English: the anaesthesia and sedation a procedure was done under ("under
# general anaesthesia", "withdrawal of sedation"), which means anaesthetics or sedatives were given;
# a class adjective with a treatment head ("vasoactive drugs", "inotropic support", "hemostatic
# agent"); a class noun ("muscle relaxant", "antiseptics", "vasodilators"); and the β spelling of
# beta-blockers, which the dictionaries hold only as "beta". Matched on token LOWER ids, like the
# short forms. MACCROBAT train (pipeline up to this component, case_terms table learned on the other
# folds): 17 of 23 "anaesthesia / sedation" uses are gold Medications, the others a department, a
# verb, a drug not used ("N2O was not used for inhalation anaesthesia") or a second mention.
_CLASS_ALONE = frozenset(("anesthesia", "anaesthesia", "sedation", "sedoanalgesia", "analgosedation", "relaxant",
                          "relaxants", "antiseptic", "antiseptics", "vasodilators", "vasopressors", "inotropes",
                          "sedatives", "anesthetics", "anaesthetics"))
_CLASS_ADJ = frozenset(("vasoactive", "inotropic", "vasopressor", "hemostatic", "haemostatic", "sedative", "hypnotic",
                        "analgesic", "hypoglycemic", "hypoglycaemic", "immunosuppressive", "cytotoxic", "thrombolytic",
                        "fibrinolytic", "bronchodilator", "vasodilator", "anesthetic", "anaesthetic"))
_CLASS_HEAD = frozenset(("drug", "drugs", "agent", "agents", "medication", "medications", "medicine", "medicines",
                         "support", "supports", "therapy", "therapies", "treatment", "treatments"))
# how the anaesthesia or relaxant was given: part of the phrase ("general anaesthesia", "muscle relaxant")
_CLASS_MOD = frozenset(("general", "spinal", "epidural", "regional", "local", "intravenous", "inhalation",
                        "inhalational", "topical", "conscious", "deep", "procedural", "combined", "muscle", "muscular",
                        "neuromuscular"))
# a sign, not a treatment: "excessive sedation", "marked sedation" after a drug
_CLASS_SIGN = frozenset(("excessive", "excess", "marked", "profound", "increased", "oversedation"))
_NUMB = frozenset(("anesthesia", "anaesthesia"))
_NUMB_NEXT = frozenset(("of", "in", "over", "on", "to"))
_BLOCKERS = frozenset(("blocker", "blockers"))
_BETA = frozenset(("β", "ß"))


class ClassPhrases:
    """Finds `_CLASS_ALONE` / `_CLASS_ADJ` + `_CLASS_HEAD` / β-blocker phrases in a Doc."""

    def __init__(self, concepts: dict[str, tuple[str, str]] | None = None) -> None:
        self.concepts = concepts or {}  # label -> (concept ID, label) where the dictionaries know it
        self.trigger = {get_string_id(w) for w in (*_CLASS_ALONE, *_CLASS_ADJ, *_BLOCKERS)}

    def find(self, doc: Doc) -> list[tuple[int, int, str]]:
        """(start, end, label) token spans; the label is the phrase in lower case, β written "beta"."""
        lower = doc.to_array("LOWER")
        if not self.trigger.intersection(lower.tolist()):  # most reports: one set operation
            return []
        n = len(doc)
        out: list[tuple[int, int, str]] = []
        for i in numpy.flatnonzero(numpy.isin(lower, list(self.trigger))).tolist():
            w = doc[i].lower_
            if w in _BLOCKERS:  # "β-blockers", "β blocker"
                a = i - 2 if i >= 2 and doc[i - 1].text == "-" else i - 1
                if a >= 0 and doc[a].text in _BETA:
                    out.append((a, i + 1, "beta-" + w))
                continue
            if w in _CLASS_ADJ:
                if i + 1 < n and doc[i + 1].lower_ in _CLASS_HEAD:
                    b = i + 2
                elif w in _CLASS_ALONE:
                    b = i + 1
                else:
                    continue
            else:
                b = i + 1
            if w in _NUMB and b < n and doc[b].lower_ in _NUMB_NEXT:
                continue  # "anaesthesia of the left foot": numbness, a sign
            a = i
            while a > 0 and doc[a - 1].lower_ in _CLASS_MOD:
                a -= 1
            if a > 0 and doc[a - 1].lower_ in _CLASS_SIGN:
                continue
            if out and out[-1][1] > a:  # "sedative drugs": the adjective's phrase already holds it
                continue
            out.append((a, b, " ".join(t.lower_ for t in doc[a:b])))
        return out


class ShortForms:
    """The short-form table, matched on token strings (a regex alternation over the whole text
    cost more than the rest of the component): capitals as written, mixed-case forms in any case,
    a whole token not joined to a word or hyphen on either side."""

    def __init__(self, concepts: dict[str, tuple[str, str]]) -> None:
        self.concepts = concepts
        self.by_lower = {get_string_id(sf.lower()): sf for sf in concepts}
        self.keys = frozenset(self.by_lower)

    def find(self, doc: Doc, text: str) -> list[tuple[int, str]]:
        """(token index, short form) of each use in `doc`."""
        lower = doc.to_array("LOWER")
        present = self.keys.intersection(lower.tolist())
        if not present:  # most reports: one set operation
            return []
        out = []
        for i in numpy.flatnonzero(numpy.isin(lower, list(present))).tolist():
            t = doc[i]
            sf = self.by_lower[int(lower[i])]
            a, b = t.idx, t.idx + len(t)
            if (sf.isupper() and t.text != sf) or (a > 0 and _word_char(text[a - 1])) or \
                    (b < len(text) and _word_char(text[b])):
                continue
            out.append((i, sf))
        return out


def _with_regimens(doc: Doc, spans: list[Span], regimens: dict[str, str], pattern: re.Pattern,
                   short_forms: ShortForms | None = None, class_phrases: ClassPhrases | None = None) -> list[Span]:
    """`spans` plus Drug spans for what the dictionaries miss in a case report: each regimen
    acronym (no concept ID; `attrs["regimen"]`: the component drugs) and each undefined drug short
    form of the table (its drug's concept) that no Drug span covers, in a sentence about treatment,
    and each drug-class phrase (`_ANTI_CLASS`, `ClassPhrases`; a concept ID only for beta-blockers)
    that no Drug span overlaps (nor, for `ClassPhrases`, a finding span: "sedation" as a sign). Drug spans
    inside a new span ("R-" of "R-CHOP") give way."""
    text = doc_text(doc)
    hits = []  # (span, concept ID, label, attrs)
    lookup = {k.lower(): k for k in regimens}
    for m in pattern.finditer(text):
        name = lookup[m.group("name").lower()]
        hits.append((doc.char_span(m.start(), m.end(), alignment_mode="expand"), "", name, {"regimen": regimens[name]}))
    if short_forms is not None:
        for i, sf in short_forms.find(doc, text):
            curie, label = short_forms.concepts[sf]
            hits.append((doc[i:i + 1], curie, label, {}))
    found = []
    for span, curie, label, attrs in hits:
        if span is None or any(s.label_ == DRUG and s.start <= span.start and span.end <= s.end for s in spans):
            continue  # already a drug (a short form the report defines), or inside a longer drug name
        if not any(_regimen_word(t.lower_) for t in span.sent):
            continue  # an acronym of something else ("ECF" a fistula, "CVP" a venous pressure)
        r = Span(doc, span.start, span.end, label=DRUG, kb_id=curie)
        r._.concept_label = label
        r._.attrs = attrs
        found.append(r)
    classes = []  # (span, concept ID, label, may it overlap a finding span)
    for a, b in _anti_classes(text):
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is not None:
            classes.append((span, "", " ".join(text[a:b].lower().split()), True))
    if class_phrases is not None:
        for a, b, label in class_phrases.find(doc):
            curie, label = class_phrases.concepts.get(label, ("", label))
            classes.append((doc[a:b], curie, label, False))
    for span, curie, label, finding_ok in classes:
        if any(s.start < span.end and span.start < s.end and (s.label_ == DRUG or not finding_ok and s.label_ in _FINDINGS)
               for s in [*spans, *found]):
            continue  # the dictionaries know the class ("antiviral therapy"), a drug is inside, or a sign
        r = Span(doc, span.start, span.end, label=DRUG, kb_id=curie)
        r._.concept_label = label
        r._.attrs = {"source": CLASS_SOURCE}
        found.append(r)
    if not found:
        return spans
    inside = {(r.start, r.end) for r in found}
    kept = [s for s in spans if not (s.label_ == DRUG and any(a <= s.start and s.end <= b for a, b in inside))]
    return sorted(kept + found, key=lambda s: (s.start, s.end))


# Oxygen with a flow rate was given, whatever the lexicon's lab reading of the word ("oxygen
# saturation", "partial pressure of oxygen"): "4 L/min of oxygen", "oxygen via nasal cannula at 2 L/min".
_FLOW = r"\d+(?:\.\d+)?\s*(?:l|L|liters?|litres?)\s*/\s*min(?:ute)?"
_FLOW_BEFORE = re.compile(_FLOW + r"\s+(?:of\s+)?(?:supplemental\s+|nasal\s+|humidified\s+)?$")
_FLOW_AFTER = re.compile(r"^\s+(?:at|via|by|through)\s[^.;]{0,40}?" + _FLOW)
_OXYGEN = frozenset(("oxygen", "o2"))


def _given_oxygen(spans: Iterable[Span], text: str) -> None:
    """Lifts the analyte flag from oxygen with a flow rate next to it."""
    for s in spans:
        if s.label_ == DRUG and (s._.attrs or {}).get("role") == ANALYTE_ROLE and s.text.lower() in _OXYGEN \
                and (_FLOW_BEFORE.search(text, max(0, s.start_char - 40), s.start_char)
                     or _FLOW_AFTER.match(text[s.end_char:s.end_char + 60])):
            s._.attrs = {k: v for k, v in s._.attrs.items() if k != "role"}


class DrugUse(finding_type.FindingType):
    def __init__(self, name: str, path: str, regimens: str, decide: bool = True, short_forms: str = "") -> None:
        super().__init__(name, path or str(DATA))
        self.decide = decide
        self.regimens = read_regimens(regimens or REGIMENS)
        self.regimen_re = regimen_pattern(self.regimens)
        self.short_forms = ShortForms(short_form_concepts(read_short_forms(short_forms or SHORT_FORMS)))
        self.class_phrases = ClassPhrases(short_form_concepts({b: b for b in ("beta-blocker", "beta-blockers")}))

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans.get(extensions.SPAN_GROUP)
        if not group or len(doc) < genre.MIN_WORDS or not genre.is_case_narrative(doc):
            return doc
        spans = list(group)
        _given_oxygen(spans, doc_text(doc))
        new = _with_regimens(doc, spans, self.regimens, self.regimen_re, self.short_forms, self.class_phrases)
        if new is not spans:
            doc.spans[extensions.SPAN_GROUP] = spans = new
        if not self.decide:
            return doc
        cands = candidates(doc, spans)
        for c, p in zip(cands, decisions(self.model, cands)):
            if p < self.model.threshold:
                c.span._.attrs = {**(c.span._.attrs or {}), "role": NAMED_ROLE}
        return doc


@Language.factory("casekg_drug_use", default_config={"path": "", "regimens": "", "decide": True, "short_forms": ""})
def make_drug_use(nlp: Language, name: str, path: str, regimens: str, decide: bool, short_forms: str) -> DrugUse:
    """`path`: the weights file ("" = the shipped `kg/data/drug_use_maccrobat.tsv`); `regimens`:
    the regimen table ("" = the shipped `kg/data/regimens.tsv`); `short_forms`: the drug short-form
    table ("" = the shipped `kg/data/drug_short_forms.tsv`); `decide`: False adds the regimen
    spans only and flags nothing (see docs/quality.md, "MACCROBAT session 5: medications")."""
    return DrugUse(name, path, regimens, decide, short_forms)


# --------------------------------------------------------------------------- learning the weights


def examples(parsed: Iterable[tuple]) -> list[tuple[list[str], int]]:
    """Training examples from (kg.gold.GoldDoc, Doc parsed by the pipeline up to this component):
    every candidate Drug span of a case-report narrative, 1 if it overlaps a gold Medication."""
    out = []
    for d, doc in parsed:
        if not genre.is_case_narrative(doc):
            continue
        gold = [(m.start, m.end) for m in d.mentions if m.type == DRUG]
        for c in candidates(doc):
            # only what the model decides: a short form's decision is its long form's, and a
            # protected span is never flagged (CV 0.886 -> 0.888 with them left out)
            if c.long_form is None and not c.protected and not c.modifier:
                s = c.span
                out.append((c.features, int(any(a < s.end_char and s.start_char < b for a, b in gold))))
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


def cross_validate_joint(docs: Sequence, before: Language, upto: Language, full: Language, folds: int = 5,
                         threshold: float = 0.5, **params: float):  # noqa: ANN201
    """`cross_validate` with the case_terms table learned on the training folds too. The plain CV
    scores each fold with the shipped table, learned from all 128 documents, that fold included:
    its `add Drug` rows ("sedation", "vasoactive drugs", a brand name seen in one report) and
    `nonmed` rows then count as known in the held-out fold (session 9: 0.902 plain, 0.883 joint).
    `before`: the pipeline up to casekg_case_terms; `upto`: up to this component."""
    import tempfile

    from kg.evaluate import cross_validate_component
    from kg.nlp import case_terms

    comp = full.get_pipe("casekg_drug_use")
    comp.decide = True
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fold.tsv"

        def fit(training: list[tuple]) -> None:
            case_terms.write_table(case_terms.learn_rows(training, before.tokenizer), path)
            table = case_terms.read_table(path, case_terms.CURATED, tokenizer=full.tokenizer)
            full.get_pipe("casekg_case_terms").table = upto.get_pipe("casekg_case_terms").table = table
            comp.model = Model(train(examples((d, upto(d.text)) for d, _ in training), **params), 0.0, threshold)

        return cross_validate_component(docs, before, full, fit, folds)


# Chosen by `python -m kg.nlp.drug_use cv` on the 128 train documents (medication overlap F1).
# Grid (l2 1-30, threshold 0.3-0.8): a plateau of 0.881-0.890 around these (without: 0.871).
# Round 2 (short forms, protection): l2 1/3/10 x threshold 0.4/0.5/0.6 gave 0.879-0.888, these best.
PARAMS = {"l2": 3.0, "threshold": 0.5}


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    from kg import gold
    from kg.nlp.pipeline import build_nlp, build_nlp_before

    parser = argparse.ArgumentParser(prog="python -m kg.nlp.drug_use",
                                     description="Learn (build) or cross-validate (cv) the weights on MACCROBAT train.")
    parser.add_argument("command", choices=("build", "cv"))
    parser.add_argument("out", nargs="?", default=str(DATA), help="weights file written by build")
    parser.add_argument("--l2", type=float, default=PARAMS["l2"])
    parser.add_argument("--threshold", type=float, default=PARAMS["threshold"])
    parser.add_argument("--joint", type=int, default=0, help="1: learn the case_terms table per fold too")
    a = parser.parse_args(argv)
    docs, pre = gold.maccrobat_train(), build_nlp_before("casekg_drug_use")
    if a.command == "cv":
        from kg.evaluate import format_report

        if a.joint:
            rep = cross_validate_joint(docs, build_nlp_before("casekg_case_terms"), pre, build_nlp(),
                                       threshold=a.threshold, l2=a.l2)
        else:
            rep = cross_validate(docs, pre, build_nlp(), threshold=a.threshold, l2=a.l2)
        print(format_report(rep))
        return
    ex = examples((d, pre(d.text)) for d in docs)
    write_model(Model(train(ex, l2=a.l2), 0.0, a.threshold), a.out,
                f"Learned from {len(ex)} Drug spans of the 128 MACCROBAT train documents of our split; l2 {a.l2}")
    print(f"weights from {len(ex)} spans -> {a.out}")


if __name__ == "__main__":
    main()
