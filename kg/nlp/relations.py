"""Per-patient statements from sentence-level rules.

Every finding in a patient's sentence becomes a statement with its ConText status (negated
findings are kept as negated, never dropped). Links between a drug and a finding come from
cue words in the same sentence; when a sentence names an outcome but no drug, the drug most
recently started for that patient is used ("...the erythema completely regressed within 5
months"), because case narratives report the response a sentence or two after the switch.
"""

import re

from spacy.attrs import LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.model import ANTIBODY, DISEASE, DRUG, MANIFESTATION, NOT_ADMINISTERED_ROLES, OUTCOME
from kg.nlp import genre
from kg.nlp.abstract_terms import MODIFIER_ROLE
from kg.nlp.doctext import SpanExtensions, doc_text, sentence_at
from kg.nlp.extensions import SPAN_GROUP, register

_STOP_VERBS = {"terminated", "discontinued", "stopped", "withdrawn", "ceased", "halted", "interrupted",
               "suspended", "withheld", "abandoned", "discontinue", "stop", "withdraw", "cease",
               "discontinuing", "stopping", "withdrawing", "withholding", "withhold"}
# between an active stop verb and its object drug: "stopped her X", "discontinued all X"
_OBJECT_DETERMINERS = {"her", "his", "their", "the", "all", "its", "this", "that", "these", "further"}
_STOP_NOUNS = {"discontinuation", "termination", "withdrawal", "cessation", "interruption", "suspension"}
# A taper or a dose or route change keeps the drug going ("prednisone was tapered to 5 mg", "switched
# to oral", "the dose was reduced"): a dose_change statement, not a discontinuation. Only a taper
# *off* ("tapered off", "weaned off", "tapered to discontinuation") ends it.
_TAPER_WORDS = {"tapered", "tapering", "taper", "weaned", "weaning"}
_TAPER_OFF = {"off", "out"}
_DOSE_VERBS = {"reduced": "reduced", "decreased": "reduced", "lowered": "reduced", "halved": "reduced",
               "increased": "increased", "raised": "increased", "doubled": "increased", "escalated": "increased",
               "uptitrated": "increased", "adjusted": "changed", "titrated": "changed", "modified": "changed"}
_DOSE_ONLY = {"dose", "doses", "dosage", "dosages", "dosing"}
_DOSE_NOUNS = _DOSE_ONLY | {"route", "administration", "form", "formulation", "preparation"}
# words that follow a predicate cue ("resolved within", "improved and", "subsided after"), not a noun it modifies
_AFTER_PREDICATE = {"and", "or", "but", "with", "within", "over", "after", "in", "by", "on", "at", "during", "following",
                    "without", "to", "from", "for", "since", "until", "when", "while", "as", "again", "too", "further",
                    "thereafter", "afterwards", "later", "soon", "almost", "entirely", "there", "the", "a", "an", "so",
                    "despite", "under", "upon", "before", "between", "throughout", "spontaneously", "rapidly", "gradually",
                    "well", "then", "now"}
_BE = {"was", "were", "is", "are", "be", "been", "being"}
# between a drug and the outcome verb it is the subject of: "X treatment improved", "X alone reduced"
_AGENT_NOUNS = {"treatment", "therapy", "pretreatment", "administration", "alone", "also", "both", "infusion",
                "injection", "injections", "infusions", "monotherapy", "therapies", "treatments", "each"}
# where the phrase after "refractory to" / "despite" ends: a new clause
_RESIST_BREAKS = frozenset(("so", "but", "which", "who", "then", "when", "until", "after", "before",
                            "because", "therefore", "thus", "hence", "was", "were", "is", "are", "had", "has"))
# words that open a list of what was resisted ("other drugs, notably X", "drugs including X, Y and Z")
_LIST_INTRO = frozenset(("including", "notably", "namely", "especially", "particularly", "such", "like", "e.g."))
_ADVERB_BREAKS = {"then", "subsequently", "thereafter"}
_PASSIVE_AUX = _BE | {"has", "have", "had", "then", "further", "subsequently"}
# a clause opener between a drug and a later "weaned off": the weaned drug is another one
_SUBORDINATORS = {"after", "before", "when", "while", "until", "once", "as", "because", "since", "following"}
# what a switch "to" names when it changes how the drug is given, not which drug
_NOT_A_DRUG_SWITCH = {"oral", "orally", "intravenous", "intravenously", "iv", "i.v.", "po", "p.o.", "subcutaneous",
                      "subcutaneously", "sc", "intramuscular", "im", "enteral", "topical", "inhaled",
                      "lower", "higher", "reduced", "maintenance", "daily", "weekly", "monthly", "once", "twice",
                      "every", "alternate", "half", "low", "high", "full"}
_REASON_CUES = [("due", "to"), ("because", "of"), ("owing", "to"), ("secondary", "to"), ("as", "a", "result", "of"),
                ("in", "view", "of"), ("on", "account", "of"), ("following",), ("after", "developing"),
                ("after", "the", "development", "of"), ("because",), ("as", "a", "consequence", "of")]
_START_WORDS = {"started", "initiated", "initiation", "commenced", "began", "begun", "introduced", "added",
                "switched", "changed", "reinitiated", "reinitiating", "restarted", "received", "administered",
                "given", "treated", "started", "start", "initiate", "therapy", "treatment", "escalated"}
_INTERRUPT = {"interruption", "interrupted", "discontinuation", "discontinued", "withdrawal", "withdrawn",
              "cessation", "stopped", "stopping", "tapering", "tapered", "pause", "paused", "holding", "held"}
_AE_AFTER = [("induced", "by"), ("caused", "by"), ("attributed", "to"), ("related", "to"), ("secondary", "to"),
             ("due", "to"), ("triggered", "by"), ("associated", "with"), ("as", "a", "side", "effect", "of"),
             ("as", "an", "adverse", "effect", "of"), ("as", "an", "adverse", "event", "of"),
             ("as", "an", "adverse", "reaction", "to"), ("as", "a", "complication", "of")]
_AE_HYPHEN = {"induced", "associated", "related", "triggered", "caused"}
# "lidocaine (50 mg/kg)-induced convulsions": the dose in brackets between the drug and "-induced"
_BRACKET_HYPHEN = re.compile(r"[ \t]*\([^()\n]{1,40}\)[ \t]*[-–][ \t]*(?:induced|associated|related|triggered|caused)\b", re.I)
_SIDE_EFFECT = re.compile(r"\b(?:side[- ]?effects?|adverse\s+(?:events?|effects?|reactions?|drug\s+reactions?)|toxicit(?:y|ies)|complications?)\b", re.I)
_TOLERATED = re.compile(r"\b(?:well\s+tolerated|was\s+tolerated|were\s+tolerated|tolerated\s+well)\b", re.I)
_EXCEPT = re.compile(r"\b(?:except(?:\s+for)?|apart\s+from|aside\s+from|other\s+than|besides|with\s+the\s+exception\s+of|but\s+for)\b", re.I)
_DEVELOP = {"developed", "develop", "developing", "experienced", "occurred", "appeared", "suffered", "noted",
            "outbreak", "onset", "emergence", "occurrence", "episode", "presented"}
_TEMPORAL = {"after", "following", "during", "under", "while", "on", "since"}
_INTOLERANCE = re.compile(r"\b(?:not\s+(?:well\s+)?tolerated|poorly\s+tolerated|did\s+not\s+tolerate|intolerance\s+(?:to|of))\b", re.I)
_CLAUSE_BREAK = {";", "whereas", "while", "but", "although", "thereafter", "subsequently", "then"}
_FINDINGS = (MANIFESTATION, DISEASE)
_DOSE_ATTRS = ("dose", "unit", "frequency", "route", "dose_level")


_PRONOUNS = {"he", "she", "it", "his", "her", "we", "they", "him", "i", "us", "was", "is", "as", "an", "or"}
_MEASURE_AFTER = {"level", "levels", "concentration", "concentrations", "count", "counts", "value", "values",
                  "titer", "titre", "index", "ratio", "clearance", "excretion", "was", "were", "of", ":", "=", "(",
                  "<", ">", "≥", "≤"}
_MEASURE_BEFORE = {"serum", "plasma", "blood", "urine", "urinary", "fasting", "total", "direct", "indirect", "ionized",
                   "arterial", "venous", "capillary", "cerebrospinal", "csf", "glycated", "low", "high"}


# Procedures that can be what made a finding go away (general clinical English): the nouns, and
# the suffixes of operations ("cholecystectomy", "thoracotomy", "pericardiocentesis").
_PROCEDURE_NOUNS = frozenset((
    "surgery", "surgeries", "resection", "excision", "drainage", "removal", "operation", "tamponade", "embolization",
    "embolisation", "ablation", "transplantation", "transplant", "debridement", "dialysis", "hemodialysis",
    "haemodialysis", "plasmapheresis", "radiotherapy", "irradiation", "decompression", "stenting", "angioplasty",
    "cardioversion", "evacuation", "curettage", "ligation", "aspiration", "enucleation", "packing", "compression",
    "ventilation", "intubation"))
_PROCEDURE_SUFFIXES = ("ectomy", "otomy", "ostomy", "plasty", "centesis", "pexy", "ectomies", "otomies")
# what may stand right before a stop noun that names no thing of its own ("the gradual withdrawal of X")
_BEFORE_STOP_NOUN = frozenset((
    "the", "a", "an", "its", "their", "his", "her", "drug", "drugs", "treatment", "therapy", "medication",
    "medications", "complete", "gradual", "abrupt", "temporary", "subsequent", "permanent", "prompt", "immediate",
    "early", "eventual", "after", "upon", "following", "with", "of", "and", "or", "to", "by", "in", "on", "for",
    "required", "requiring", "necessitated", "necessitating", "led", "prompted", "caused", "resulted", "due",
    "until", "before", "since", "at", "recommended", "advised", "underwent", "was", "were", "is", "dose", "slow",
    "rapid", "sudden", "final", "total", "partial", "transient", "planned", "further", "then", "without"))
_AFTER_CUE = frozenset(("after", "following", "once", "upon"))
# a drug the finding's course called for ("required oxygen") is no treatment it worsened under (session 9)
_NEED_WORDS = frozenset(("required", "requiring", "needed", "needing", "necessitated", "necessitating"))
_NO_GAIN = frozenset(("worsened", "relapsed", "unchanged"))
_PROCEDURE_PREPS = frozenset(("after", "following", "by", "with", "post", "via", "through", "to"))


def _is_procedure(word: str) -> bool:
    return word in _PROCEDURE_NOUNS or word.endswith(_PROCEDURE_SUFFIXES)


def _dose_starts(doc: Doc) -> set[int]:
    return {s.start for s in doc.spans[SPAN_GROUP] if s.label_ == "Dose"}


def _not_an_exposure(span: Span, dose_starts: set[int] | None = None, sent: Span | None = None) -> bool:
    """A drug-dictionary hit that is a lab analyte ("hemoglobin 12.8 g/dL", "serum calcium") or a pronoun.

    `dose_starts`: start tokens of the doc's Dose spans (`_dose_starts`), when the caller has them;
    `sent`: `span.sent`, when the caller has it (Span.sent walks the tokens on every call).
    """
    doc = span.doc
    if span.text.lower() in _PRONOUNS or (span._.attrs or {}).get("role") in NOT_ADMINISTERED_ROLES:
        return True  # chemicals read as lab values ("serum zinc level") or named, not given (kg.nlp.drug_use)
    if sent is None:
        sent = span.sent
    nxt = [t for t in doc[span.end:min(span.end + 3, sent.end)] if not t.is_space]
    doses = (dose_starts if dose_starts is not None else _dose_starts(doc)) if nxt else set()
    if nxt and (nxt[0].i in doses or (nxt[0].text == "(" and len(nxt) > 1 and nxt[1].i in doses)):
        return False  # "IVIG 2 g/kg", "diazepam (2 mg/kg)": a dose, so an exposure
    if span.start >= sent.start + 2 and doc[span.start - 1].lower_ == "of" and doc[span.start - 2].lower_ in _DOSE_ONLY:
        return False  # "the dose of X was reduced": a drug given, not a lab value
    if nxt and (nxt[0].like_num or (nxt[0].lower_ in _MEASURE_AFTER and (
            nxt[0].lower_ not in ("was", "were", "of", "(") or (len(nxt) > 1 and (nxt[1].like_num or nxt[1].lower_ in (
                "elevated", "increased", "decreased", "normal", "low", "high", "raised", "reduced")))))):
        return True
    if span.start > sent.start and doc[span.start - 1].lower_ in _MEASURE_BEFORE:
        return True
    return False


def _sent_text(sent: Span) -> str:
    """`sent.text`, sliced from the doc's cached text instead of rebuilt from its tokens."""
    return doc_text(sent.doc)[sent.start_char:sent.end_char]


def _ref(span: Span) -> tuple[int, int, str]:
    return (span.start_char, span.end_char, span.label_)


def _match_seq(low: list[str], i: int, seq: tuple[str, ...], end: int) -> bool:
    """`seq` at `low[i:]`, ending by `end` (`low`: a sentence's lower-case token texts)."""
    return i + len(seq) <= end and all(low[i + k] == w for k, w in enumerate(seq))


def _by_first_word(seqs: list[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    """The word sequences by their first word, each list in the original order: at a token only
    the sequences starting with its word can match, and the first of those wins, as before."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for seq in seqs:
        out.setdefault(seq[0], []).append(seq)
    return out


_REASON_BY_FIRST = _by_first_word(_REASON_CUES)
_AE_AFTER_BY_FIRST = _by_first_word(_AE_AFTER)


# LOWER hash -> string, per process: the same few thousand words recur in every report.
_LOWER_TEXT: dict[int, str] = {}


def _lower_texts(doc: Doc) -> list[str]:
    """`[t.lower_ for t in doc]`, from one LOWER array instead of a Token object per token."""
    strings, known = doc.vocab.strings, _LOWER_TEXT
    out = []
    for h in doc.to_array(LOWER).tolist():
        text = known.get(h)
        if text is None:
            if len(known) > 1 << 18:
                known.clear()  # bounded across a long build
            text = known[h] = strings[h]
        out.append(text)
    return out


class RelationExtractor:
    def __init__(self, nlp: Language, name: str, carry_sentences: int) -> None:
        register()
        self.carry_sentences = carry_sentences

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans[SPAN_GROUP]) if SPAN_GROUP in doc.spans else []
        sent_patient = doc._.sent_patient or {}
        has_patients = bool(doc._.patients)
        sents = list(doc.sents)
        by_sent: dict[int, list[Span]] = {}
        starts = [s.start for s in sents]
        for span in spans:
            by_sent.setdefault(starts[sentence_at(starts, span.start)], []).append(span)  # span.sent.start
        self._dose_starts = _dose_starts(doc) if spans else set()
        self._low = _lower_texts(doc) if spans else []
        self._ext = SpanExtensions(doc).get  # span._ values without an accessor object per read
        out: list[dict] = []
        last_started: dict[str | None, tuple[int, Span]] = {}
        last_target: dict[str | None, tuple[int, Span]] = {}
        for si, sent in enumerate(sents):
            patient = sent_patient.get(sent.start)
            if has_patients and patient is None:
                continue
            items = sorted(by_sent.get(sent.start, []), key=lambda s: (s.start, s.end, s.label_))
            if not items:
                continue
            self._sentence(doc, sent, si, patient, items, out, last_started, last_target)
        # one statement per fact and sentence; evidence order stays the text order
        seen = set()
        unique = []
        for st in out:
            key = (st["kind"], st["patient"], st["subject"], st["target"], st["value"], st["sentence"])
            if key in seen:
                continue
            seen.add(key)
            unique.append(st)
        doc._.statements = unique
        return doc

    # ------------------------------------------------------------------------------------
    def _sentence(self, doc: Doc, sent: Span, si: int, patient: str | None, items: list[Span], out: list[dict],
                  last_started: dict, last_target: dict) -> None:
        # a finding named as a gene's modifier ("the VHL gene", abstract_terms.mark_named) is nobody's finding
        items = [s for s in items if s.label_ not in _FINDINGS or (self._ext(s, "attrs") or {}).get("role") != MODIFIER_ROLE]
        drugs = [s for s in items if s.label_ == DRUG and not _not_an_exposure(s, self._dose_starts, sent)]
        # lower-case token texts of the sentence, for the keyword scans below
        low = self._low[sent.start : sent.end]
        base = sent.start
        findings = [s for s in items if s.label_ in _FINDINGS]
        outcomes = [s for s in items if s.label_ == OUTCOME]

        def add(kind: str, subject: Span, target: Span | None = None, value: str | None = None,
                status: str | None = None, cue: str | None = None, attrs: dict | None = None) -> None:
            st = status or self._ext(subject, "status") or "present"
            out.append({"kind": kind, "patient": patient, "subject": _ref(subject),
                        "target": _ref(target) if target is not None else None, "value": value,
                        "status": st, "cue": cue if cue is not None else (self._ext(subject, "cue") if st != "present" else None),
                        "sentence": si, "attrs": dict(attrs or {})})

        for span in items:
            if span.label_ == DRUG and span not in drugs:
                continue
            if span.label_ == DRUG:
                attrs = {k: v for k, v in (self._ext(span, "attrs") or {}).items() if k in _DOSE_ATTRS}
                add("exposure", span, attrs=attrs)
            elif span.label_ == MANIFESTATION:
                add("phenotype", span)
            elif span.label_ == DISEASE:
                add("disease", span)
            elif span.label_ == ANTIBODY:
                add("antibody", span, value=(self._ext(span, "attrs") or {}).get("polarity", "positive"))

        self._switched_to: set[int] = set()
        self._caused: set[tuple[int, int]] = set()  # (drug, finding) start chars of this sentence's adverse events
        stopped = self._discontinuations(doc, sent, low, drugs, findings, outcomes, add)
        self._adverse_events(doc, sent, low, drugs, findings, outcomes, stopped, add)

        present_drugs = [d for d in drugs if self._ext(d, "status") == "present" and d.start_char not in stopped]
        # the drug a later "...regressed within 5 months" refers to
        start_toks = [base + k for k, w in enumerate(low) if w in _START_WORDS]
        if present_drugs:
            if start_toks:
                nearest = min(present_drugs, key=lambda d: (min(abs(d.start - t) for t in start_toks), -d.start))
                last_started[patient] = (si, nearest)
            elif patient not in last_started:
                last_started[patient] = (si, present_drugs[-1])
        if patient in last_started and last_started[patient][1].start_char in stopped:
            del last_started[patient]

        self._outcomes(doc, sent, low, si, patient, present_drugs, drugs, findings, outcomes, stopped, add,
                       last_started, last_target)

    # ------------------------------------------------------------------------------------
    def _clause_bounds(self, sent: Span, i: int) -> tuple[int, int]:
        doc = sent.doc
        a = i
        while a > sent.start and doc[a - 1].lower_ not in _CLAUSE_BREAK:
            a -= 1
        b = i
        while b < sent.end and doc[b].lower_ not in _CLAUSE_BREAK:
            b += 1
        return a, b

    def _discontinuations(self, doc: Doc, sent: Span, low: list[str], drugs: list[Span], findings: list[Span],
                          outcomes: list[Span], add) -> set[int]:
        stopped: set[int] = set()
        changes: list[tuple[list[Span], str]] = []  # (drugs, dose_change value), added after the stops
        base = sent.start
        verbs = [base + k for k, w in enumerate(low) if w in _STOP_VERBS or w in _STOP_NOUNS]
        triggers: list[tuple[int, str]] = [(v, "stop") for v in verbs]
        for k, w in enumerate(low):
            # "X was changed/switched to Y because of Z": X is stopped, Y is the new drug
            if w in ("changed", "switched", "converted", "transitioned") and k + 1 < len(low) and low[k + 1] in ("to", "from"):
                triggers.append((base + k, "switch"))
            elif w in _TAPER_WORDS:
                nxt = low[k + 1:k + 3]
                if nxt and (nxt[0] in _TAPER_OFF or nxt == ["to", "off"] or any(
                        w in _STOP_VERBS or w in _STOP_NOUNS for w in low[k + 1:k + 5])):
                    # "tapered off", "weaned off", "tapered and then stopped" ("then" ends the stop's clause)
                    triggers.append((base + k, "stop_near"))
                else:
                    triggers.append((base + k, "dose"))  # "to discontinuation" is a stop noun of its own
            elif w in _DOSE_VERBS:
                how = self._dose_words(low, k)
                if how:
                    # "CRP decreased to 5 mg/L after prednisone": a bare number needs the drug right before
                    triggers.append((base + k, "dose" if how == "word" else "dose_near"))
        for m in _INTOLERANCE.finditer(_sent_text(sent)):
            tok = doc.char_span(sent.start_char + m.start(), sent.start_char + m.end(), alignment_mode="expand")
            if tok is not None:
                triggers.append((tok.end - 1, "intolerance"))
        for v, mode in triggers:
            a, b = self._clause_bounds(sent, v)
            if a > sent.start and low[a - 1 - base] in _ADVERB_BREAKS and all(w in _PASSIVE_AUX for w in low[a - base:v - base]):
                # "X was then / subsequently discontinued": the adverb does not open a new clause here
                a = self._clause_bounds(sent, a - 2)[0] if a - 1 > sent.start else sent.start
            if mode == "intolerance":
                a = sent.start  # "X was started but was not well tolerated": the drug sits before "but"
            before = [d for d in drugs if a <= d.start < v and self._ext(d, "status") != "negated"]
            after = [d for d in drugs if v < d.start < b and self._ext(d, "status") != "negated"]
            if doc[v].lower_ in _STOP_NOUNS and v + 1 < b and low[v + 1 - base] == "of" and any(
                    v + 2 <= f.start <= v + 4 for f in findings):
                continue  # "cessation of epistaxis": the finding stopped (kg.nlp.outcomes), not a drug
            if (doc[v].lower_ in _STOP_NOUNS and v > sent.start and doc[v - 1].is_alpha
                    and low[v - 1 - base] not in _BEFORE_STOP_NOUN and not low[v - 1 - base].endswith(("ed", "ing"))
                    and not any(d.end == v for d in drugs)):
                continue  # "orotracheal tube withdrawal", "ventilator discontinuation": the word before names what
            if doc[v].lower_ in _STOP_NOUNS or doc[v].lower_ in ("discontinue", "stop", "withdraw", "cease",
                                                                   "discontinuing", "stopping", "withdrawing",
                                                                   "withholding", "withhold"):
                subjects = after[:1] + [d for d in after[1:] if self._coordinated(doc, after[0], d)
                                        or self._therapy_with(low, base, after[0], d)] if after else before
            elif mode == "switch":
                subjects = [d for d in after if doc[v + 1].lower_ == "from"][:1] or before[-1:]
                if not subjects:
                    continue  # "the therapy was changed to X": nothing named was stopped
                new = [d for d in after if d not in subjects]
                if not new and self._same_drug_switch(low, v - base):
                    # "switched to oral", "the dosage was changed to 500 mg": the same drug, given otherwise
                    changes.append((subjects, "changed"))
                    continue
                self._switched_to.update(d.start_char for d in new)
            elif mode == "stop_near":
                # "X was weaned off", "weaned off X"; not "started on Y after the inotropes were weaned off"
                # "X was changed to oral form and slowly tapered off": the clause's drug, with no opener between
                subjects = ([d for d in before if v - d.end <= 3][-1:]
                            or [d for d in before[-1:] if not any(w in _SUBORDINATORS for w in low[d.end - base:v - base])]
                            or [d for d in after if d.start - v <= 4][:1])
            elif mode in ("dose", "dose_near"):
                if mode == "dose_near":
                    subjects = [d for d in before if v - d.end <= 3][-1:]
                else:
                    subjects = self._run_before(doc, before) or after[:1]
                if subjects:
                    changes.append((subjects, _DOSE_VERBS.get(low[v - base], "tapered")))
                continue
            elif before and any(before[-1].end <= f.start and v - 2 <= f.end <= v for f in findings):
                continue  # "X was given, and the hematemesis ceased": the finding stopped, not X
            elif mode == "stop" and after and v > sent.start and low[v - 1 - base] not in _PASSIVE_AUX and all(
                    w in _OBJECT_DETERMINERS for w in low[v + 1 - base:after[0].start - base]):
                # "she self-discontinued her X", "we stopped all X": an active verb's object, not the drug before it
                subjects = [after[0]] + [d for d in after[1:] if self._coordinated(doc, after[0], d)]
            elif before:
                # "X and Y was terminated": the coordinated run just before the verb
                subjects = self._run_before(doc, before)
                if mode == "intolerance":
                    subjects = [before[-1]]
            else:
                # "we stopped X", "Y (was) stopped in favour of": the drug after the verb
                subjects = after[:1]
            if not subjects:
                continue
            reason_start = None
            for i in range(a, b):
                for seq in _REASON_BY_FIRST.get(low[i - base], ()):
                    if _match_seq(low, i - base, seq, b - base):
                        reason_start = (i, i + len(seq))
                        break
                if reason_start:
                    break
            reasons: list[Span] = []
            reason_text = None
            if reason_start is not None and reason_start[1] <= v < min(s.start for s in subjects):
                reason_start = None  # "due to withholding aspirin": the stop is what the reason cue introduces
            if reason_start is not None:
                ra, rb = reason_start
                if ra > v:
                    lo, hi = rb, b
                else:  # "Because of X, Y was stopped"
                    lo, hi = rb, min(s.start for s in subjects)
                reasons = [f for f in findings if lo <= f.start < hi and self._ext(f, "status") != "negated"]
                reason_text = doc[lo:hi].text.strip(" ,.;") or None
                # worsening or relapse as the reason is inefficacy, not an adverse event
                inefficacy = any(lo <= o.start < hi and self._ext(o, "attrs").get("outcome") in ("worsened", "relapsed", "unchanged")
                                 for o in outcomes)
            else:
                inefficacy = False
            for d in subjects:
                stopped.add(d.start_char)
                if reasons:
                    for r in reasons:
                        add("discontinuation", d, target=r, value=reason_text, status=self._ext(d, "status"))
                else:
                    add("discontinuation", d, value=reason_text, status=self._ext(d, "status"))
                if mode in ("stop", "switch") and not inefficacy:
                    for r in reasons:
                        if r.label_ == MANIFESTATION or r.label_ == DISEASE:
                            add("adverse_event", d, target=r, status=self._ext(r, "status"), cue=doc[reason_start[0]:reason_start[1]].text)
        for subjects, value in changes:
            for d in subjects:
                if d.start_char not in stopped:  # "tapered and discontinued": the stop says it all
                    attrs = {k: v for k, v in (self._ext(d, "attrs") or {}).items() if k in _DOSE_ATTRS}
                    add("dose_change", d, value=value, status=self._ext(d, "status"), attrs=attrs)
        return stopped

    def _run_before(self, doc: Doc, before: list[Span]) -> list[Span]:
        """The coordinated run of drugs ending with the last of `before` ("X and Y were stopped")."""
        if not before:
            return []
        run = [before[-1]]
        for d in reversed(before[:-1]):
            if self._coordinated(doc, d, run[0]):
                run.insert(0, d)
        return run

    @staticmethod
    def _dose_words(low: list[str], k: int) -> str | None:
        """Whether the verb at sentence position `k` ("reduced", "increased", ...) changes a dose:
        "word" when a dose is its passive subject ("the dose of X was reduced", "X dosage was
        increased") or its object ("we reduced the dose of X"), "number" for a passive verb with a
        bare amount after it ("X was reduced to 5 mg"), else None. Not "doses of X reduced Y" or
        "administration of X increased the incidence", which say what the drug did."""
        j, passive = k - 1, False
        while j >= 0 and (low[j] in _PASSIVE_AUX or (len(low[j]) > 4 and low[j].endswith("ly"))):
            passive = passive or low[j] in _BE
            j -= 1
        if passive and j >= 0:
            if low[j] in _DOSE_ONLY or any(low[i] == "of" and low[i - 1] in _DOSE_ONLY for i in range(max(1, j - 3), j)):
                return "word"
        nxt = low[k + 1:k + 4]
        if any(w in _DOSE_ONLY for w in nxt):
            return "word"
        if passive and len(nxt) > 1 and nxt[0] in ("to", "by", "from") and nxt[1][:1].isdigit():
            return "number"
        return None

    @staticmethod
    def _same_drug_switch(low: list[str], k: int) -> bool:
        """Whether "changed/switched to" at sentence position `k` names a route, form or amount, not
        another drug: "switched to oral", "changed to intravenous administration", "to 500 mg"."""
        nxt = low[k + 2:k + 5] if k + 1 < len(low) and low[k + 1] == "to" else []
        return bool(nxt) and (nxt[0][:1].isdigit() or nxt[0] in _NOT_A_DRUG_SWITCH
                              or any(w in _NOT_A_DRUG_SWITCH or w in _DOSE_NOUNS for w in nxt))

    @staticmethod
    def _therapy_with(low: list[str], base: int, left: Span, right: Span) -> bool:
        """"chemotherapy with gemcitabine": the drug that names what the therapy before it was."""
        return right.start == left.end + 1 and low[left.end - base] == "with"

    @staticmethod
    def _coordinated(doc: Doc, left: Span, right: Span) -> bool:
        between = doc[left.end:right.start]
        return all(t.lower_ in (",", "and", "or", "/", "plus", "as", "well") or t.is_space for t in between)

    def _adverse_events(self, doc: Doc, sent: Span, low: list[str], drugs: list[Span], findings: list[Span],
                        outcomes: list[Span], stopped: set[int], add) -> None:
        present = [f for f in findings if self._ext(f, "status") != "negated" and f.label_ == MANIFESTATION or
                   (f.label_ == DISEASE and self._ext(f, "status") != "negated")]
        usable = [d for d in drugs if self._ext(d, "status") != "negated" and d.start_char not in self._switched_to]
        if not present or not usable:
            return
        pairs: list[tuple[Span, Span, str]] = []
        explicit = 0  # pairs[:explicit] say in so many words that the drug caused the finding
        # "X-induced Y"
        for d in usable:
            j = d.end
            if j + 1 < sent.end and doc[j].text in ("-", "–") and doc[j + 1].lower_ in _AE_HYPHEN:
                for f in present:
                    if j + 2 <= f.start <= j + 5:
                        pairs.append((d, f, doc[j:j + 2].text))
            elif j < sent.end and doc[j].lower_ in ("induced", "associated", "related"):
                for f in present:
                    if j + 1 <= f.start <= j + 4:
                        pairs.append((d, f, doc[j].text))
            elif j < sent.end and doc[j].text == "(":
                m = _BRACKET_HYPHEN.match(doc_text(doc), d.end_char)
                if m:
                    for f in present:
                        if m.end() <= f.start_char <= m.end() + 40 and f.start < sent.end:
                            pairs.append((d, f, m.group(0).rpartition(")")[2].strip()))
        # "Y induced by X", "Y as a side effect of X"
        for f in present:
            for i in range(f.end, min(f.end + 4, sent.end)):
                for seq in _AE_AFTER_BY_FIRST.get(low[i - sent.start], ()):
                    if _match_seq(low, i - sent.start, seq, len(low)):
                        after = [d for d in usable if i + len(seq) <= d.start <= i + len(seq) + 4]
                        for d in after[:1]:
                            pairs.append((d, f, doc[i:i + len(seq)].text))
        explicit = len(pairs)
        # "Except for an outbreak of Y, therapy with X was well tolerated"
        stext = _sent_text(sent)
        tol = _TOLERATED.search(stext)
        exc = _EXCEPT.search(stext)
        if tol and exc and exc.start() < tol.start():
            lo, hi = sent.start_char + exc.end(), sent.start_char + tol.start()
            for f in present:
                if lo <= f.start_char < hi:
                    for d in usable:
                        if d.start_char < sent.start_char + tol.start() or d.start_char > hi:
                            pairs.append((d, f, stext[exc.start():exc.end()]))
        # "developed Y after starting X", "during therapy with X she developed Y", "side effects of X: Y"
        develop = [sent.start + k for k, w in enumerate(low) if w in _DEVELOP]
        temporal = [sent.start + k for k, w in enumerate(low) if w in _TEMPORAL]
        side = _SIDE_EFFECT.search(stext)
        if (develop and temporal) or side:
            for f in present:
                if self._near_outcome(f, outcomes):
                    continue
                for d in usable:
                    if d.start_char in stopped:
                        continue
                    lo, hi = min(f.end, d.end), max(f.start, d.start)
                    if any(t.lower_ in _CLAUSE_BREAK for t in doc[lo:hi]):
                        continue  # "developed Y after X, but recovered after Z": Z is the treatment
                    if side or any(min(f.start, d.start) <= t < max(f.start, d.start) or t < d.start for t in temporal):
                        cue = side.group(0) if side else doc[develop[0]].text
                        pairs.append((d, f, cue))
        seen = set()
        for n, (d, f, cue) in enumerate(pairs):
            if n < explicit:
                self._caused.add((d.start_char, f.start_char))
            if (d.start, f.start) in seen:
                continue
            seen.add((d.start, f.start))
            add("adverse_event", d, target=f, status=self._ext(f, "status"), cue=cue)

    @staticmethod
    def _near_outcome(f: Span, outcomes: list[Span]) -> bool:
        return any(abs(o.start - f.end) <= 4 or abs(f.start - o.end) <= 4 for o in outcomes)

    def _outcomes(self, doc: Doc, sent: Span, low: list[str], si: int, patient: str | None, present_drugs: list[Span],
                  drugs: list[Span], findings: list[Span], outcomes: list[Span], stopped: set[int], add,
                  last_started: dict, last_target: dict) -> None:
        if not outcomes:
            return
        listed = {f.start: f.end for f in findings}  # a list of findings may be a cue's subject
        manifs = [f for f in findings if f.label_ == MANIFESTATION and self._ext(f, "status") != "negated"
                  and not (f.start > sent.start and doc[f.start - 1].lower_ in ("residual", "remaining", "persistent"))]
        if not manifs:
            manifs = [f for f in findings if f.label_ == DISEASE and self._ext(f, "status") != "negated"
                      and any(abs(o.start - f.end) <= 6 or abs(f.start - o.end) <= 6 for o in outcomes)]
        else:
            # beside manifestations, a disease only as a cue's own subject or complement ("no recurrence
            # of DIC or hemorrhage", "both pleural effusion and ascites resolved")
            manifs += [f for f in findings if f.label_ == DISEASE and self._ext(f, "status") != "negated"
                       and any(self._says_outcome(doc, f, o, listed) for o in outcomes)]
            manifs.sort(key=lambda f: f.start)
        # each finding goes to its nearest cue ("X resolved ..., Y showed no remission")
        assigned: dict[int, list[Span]] = {id(o): [] for o in outcomes}
        for f in manifs:
            best = min(outcomes, key=lambda o: (self._distance(f, o), 0 if o.start >= f.end else 1))
            assigned[id(best)].append(f)
        interrupted = [sent.start + k for k, w in enumerate(low) if w in _INTERRUPT]
        prev_targets: list[Span] = []
        prev_end = -100
        for o in outcomes:
            value = self._ext(o, "attrs").get("outcome")
            targets = assigned[id(o)]
            if not targets and prev_targets and (0 <= o.start - prev_end <= 4 or self._relative_clause(doc, prev_targets, o)):
                targets = prev_targets  # "the panniculitis improved, and resolved"
            if not targets and not manifs and patient in last_target and si - last_target[patient][0] <= self.carry_sentences and value in (
                    "remission_maintained", "relapsed", "resolved", "improved", "unchanged"):
                targets = [last_target[patient][1]]  # "remission was maintained by X"
            if not targets:
                continue
            prev_targets, prev_end = targets, o.end
            withdrawn = [d for d in drugs if d.start_char in stopped]
            if self._ext(o, "attrs").get("by") == "procedure" or self._procedure_agent(doc, sent, o):
                # "the mass was removed", "after resection the mass resolved", "cessation of epistaxis by
                # nasal tamponade": a procedure did it, so no drug is credited (nor one carried over)
                subjects = []
            elif value == "relapsed" and interrupted and withdrawn:
                subjects = withdrawn  # "withdrawal of X led to a relapse of Y"
            elif present_drugs and (resisted := self._resisted(doc, sent, o, value, present_drugs)) is not None:
                # "refractory to X and Y, so Z was started": what the finding resisted, not what came next;
                # "refractory to conventional therapy, treated with Z" names no drug that failed; "resistant
                # to X-induced Y" resisted Y, which X caused
                subjects = [d for d in resisted if not any((d.start_char, t.start_char) in self._caused for t in targets)]
            elif present_drugs:
                # the drug the cue's verb governs ("diazepam decreased the incidence of lidocaine-induced
                # convulsions", "hyperthermia was attenuated by dantrolene"), else every drug given in the
                # sentence but one that caused the finding ("her methotrexate-induced pneumonitis improved
                # with prednisone"; a worsening or relapse under it is still its outcome)
                subjects = self._agents(doc, sent, o, present_drugs) or [
                    d for d in present_drugs if (value in ("relapsed", "worsened")
                                                 or not any((d.start_char, t.start_char) in self._caused for t in targets))
                    and not (value in _NO_GAIN and self._needed(doc, sent, d))]
            elif value == "relapsed" and not interrupted:
                subjects = []  # a flare with no treatment change named is not a drug outcome
            elif (patient in last_started and si - last_started[patient][0] <= self.carry_sentences
                  and self._ext(o, "attrs").get("carry") != "no"
                  and value in ("improved", "resolved", "remission_maintained", "unchanged", "relapsed")):
                # a response reported a sentence or two after the drug was started
                subjects = [last_started[patient][1]]
            else:
                subjects = []
            after = next((k for k in range(max(sent.start, o.start - 3), o.start) if low[k - sent.start] in _AFTER_CUE), None)
            if after is not None:
                # "X was started after cessation of Y", "X was continued following resolution of the rash":
                # what came after the outcome did not bring it about
                subjects = [d for d in subjects if d.start > after or d.start < sent.start]
            for d in subjects:
                for t in targets:
                    add("outcome", d, target=t, value=value, status=self._ext(t, "status") if self._ext(t, "status") != "present" else self._ext(d, "status"),
                        cue=o.text)
            if (not subjects and value and targets is assigned[id(o)]
                    and (patient is not None or genre.is_case_narrative(doc))):
                # "the fever subsided", "her rash resolved spontaneously": what happened to the
                # finding, with no drug to credit (it says the finding went away, not that nothing
                # helped); the cue's own findings, not a chained "persisted after recovery"; only
                # findings of this sentence (the evidence),
                # and not a cue that names the finding ("decreased visual acuity", "progressive
                # renal failure"). Case narratives only: an abstract's "improvement in parkinsonian
                # signs in all patients" is a cohort's, not a patient's (a report with an identified
                # patient, or one genre reads as a case narrative; decided once per doc).
                for t in targets:  # a hypothetical (or a relative's) finding cannot go away
                    if t.start >= sent.start and self._ext(t, "status") != "hypothetical" and self._says_outcome(doc, t, o, listed):
                        add("finding_outcome", t, value=value, status=self._ext(t, "status"), cue=o.text)
            last_target[patient] = (si, targets[-1])

    @staticmethod
    def _resisted(doc: Doc, sent: Span, o: Span, value: str, drugs: list[Span]) -> list[Span] | None:
        """For a no-change cue followed by "to" or "despite" ("refractory to X", "persisted despite
        X and Y"): the drugs of that phrase, up to its first comma not followed by a drug, semicolon,
        colon or clause word; [] when the phrase names no drug of ours ("to conventional therapy").
        None for any other cue: the caller then looks for the cue's agent."""
        if value != "unchanged" or o.end >= sent.end or doc[o.end].lower_ not in ("to", "despite"):
            return None
        starts = {d.start: d for d in drugs}
        out: list[Span] = []
        listing = False  # after "including", a comma separates the list's items
        i = o.end + 1
        while i < sent.end and i < o.end + 12:
            if i in starts:
                out.append(starts[i])
                i = starts[i].end
                continue
            w = doc[i]
            if w.text in (";", ":", ".") or w.lower_ in _RESIST_BREAKS or (
                    w.text == "," and not listing and i + 1 not in starts and i + 1 < sent.end
                    and doc[i + 1].lower_ not in _LIST_INTRO and not (i + 2 in starts and doc[i + 1].lower_ in ("and", "or"))):
                break
            listing = listing or w.lower_ in _LIST_INTRO
            i += 1
        return out

    @staticmethod
    def _needed(doc: Doc, sent: Span, d: Span) -> bool:
        """Whether the sentence gives drug `d` as what the finding's course called for ("was aggravated
        such that he required 7 L/min of oxygen", "persisted, necessitating steroids"): a consequence
        of the worsening, not a treatment it happened under."""
        for k in range(d.start - 1, max(sent.start, d.start - 7) - 1, -1):
            w = doc[k].lower_
            if w in _NEED_WORDS:
                return True
            if w in (",", ";", "and", "but", "despite", "under", "with", "on", "after"):
                return False
        return False

    @staticmethod
    def _agents(doc: Doc, sent: Span, o: Span, drugs: list[Span]) -> list[Span]:
        """The drugs that outcome cue `o` has for its grammatical agent: the passive's "by X"
        ("was attenuated by dantrolene") or the active verb's subject, a coordinated run of drugs
        right before the cue ("naloxone attenuated", "pretreatment with X and Y (2 mg/kg)
        significantly reduced"); [] when the sentence does not say which drug acted."""
        by_end = {d.end: d for d in drugs}
        by_start = {d.start: d for d in drugs}
        j = o.end
        if j < sent.end and doc[j].lower_ == "by" and j + 1 in by_start:
            agents = [by_start[j + 1]]
            while True:  # "by X and Y", "by X, Y or Z"
                k = agents[-1].end
                while k < sent.end and doc[k].lower_ in (",", "and", "or", "plus"):
                    k += 1
                if k == agents[-1].end or k not in by_start:
                    return agents
                agents.append(by_start[k])
        if o.start > sent.start and doc[o.start - 1].lower_ in _BE | {"has", "have", "had"}:
            return []  # "the rash was improved": a passive without an agent names no drug
        run: list[Span] = []
        joined = False  # a comma joins a list only left of its "and": "X, Y and Z", not "After X, Y reduced"
        i = o.start  # walk left over what may sit between a subject and its verb
        while i > sent.start:
            t = doc[i - 1]
            if i in by_end:
                run.insert(0, by_end[i])
                i = by_end[i].start
            elif t.text == ")":
                k = i - 1  # a bracket after a drug: its dose or short form
                while k > sent.start and doc[k].text != "(" and i - k < 12:
                    k -= 1
                if doc[k].text != "(":
                    break
                i = k
            elif run and (t.lower_ in ("and", "or", "plus") or (t.text == "," and joined)):
                joined = True
                i -= 1
            elif not run and (t.lower_ in _AGENT_NOUNS or (len(t) > 4 and t.lower_.endswith("ly"))):
                i -= 1
            else:
                break
        return run

    @staticmethod
    def _says_outcome(doc: Doc, f: Span, o: Span, listed: dict[int, int] | None = None) -> bool:
        """Whether cue `o` says what happened to finding `f`, read strictly since no drug anchors it:
        the finding is the cue's subject ("the rash resolved", "her dyspnea had decreased", "arthritis
        of the ankles resolved") or the cue noun's complement ("resolution of the ascites", "no
        recurrence of X", "improvement in constipation"). Not a cue used as a modifier ("decreased
        breath sounds", "progressive fatigue", "reduced serum zinc and fatigue"), nor one inside or
        right before the finding's name ("flared metaphysis", "became unresponsive"). `listed` (the
        start -> end of the sentence's findings) lets a finding be one of a list that is the subject
        ("the infiltration, hydrothorax, and pericardial effusion were absorbed")."""
        nxt = doc[o.end] if o.end < len(doc) else None
        if f.end <= o.start:
            # a comma right before `f`: `f` is inside a list ("the X, f, and Z"; X need not be one of ours)
            comma_only = bool(listed) and f.start > 1 and doc[f.start - 1].text == ","
            k = f.end
            while listed and k < o.start and o.start - f.end <= 30:  # over ", Y, and Z" to the list's last finding
                j = k
                while j < o.start and doc[j].lower_ in (",", "and", "or"):
                    j += 1
                if j == k or j not in listed:
                    break
                comma_only = comma_only or (j - k == 1 and doc[k].text == ",")
                k = listed[j]
            # a list has a bare comma between two of its items ("X, Y and Z"); "he had X, and Y resolved"
            # is two clauses
            between = doc[k if comma_only else f.end:o.start]
            if len(between) > 5 or any(t.is_punct or t.lower_ in ("which", "that", "who", "with") for t in between):
                return False
            # "pain and decreased breathing sounds": a cue followed by a content word modifies it
            return nxt is None or not nxt.is_alpha or nxt.lower_ in _AFTER_PREDICATE or (len(nxt) > 4 and nxt.lower_.endswith("ly"))
        if o.end <= f.start:
            # "resolution of the posterior-basal atelectasis"; "she no longer reports neck pain"
            complement = nxt is not None and (nxt.lower_ in ("of", "in") or (o[0].lower_ == "no" and len(o) == 2))
            return (complement and f.start - o.end <= 5
                    and not any(t.is_punct and t.text != "-" for t in doc[o.end:f.start]))
        return False

    @staticmethod
    def _procedure_agent(doc: Doc, sent: Span, o: Span) -> bool:
        """Whether a procedure, not a drug, is what cue `o` reports the effect of: "resolved after
        drainage", "cessation of epistaxis by nasal tamponade", "after surgical resection, the mass
        regressed" (a preposition and a procedure noun within a few words of the cue)."""
        def procedure_after(i: int, stop: int) -> bool:
            return any(_is_procedure(doc[k].lower_) for k in range(i, min(i + 4, stop)))
        for k in range(o.end, min(o.end + 5, sent.end)):
            if doc[k].lower_ in _PROCEDURE_PREPS and procedure_after(k + 1, sent.end):
                return True
        for k in range(max(sent.start, o.start - 10), o.start):  # not "to": "prior to surgery, ... resolved"
            if doc[k].lower_ in _PROCEDURE_PREPS and doc[k].lower_ != "to" and procedure_after(k + 1, o.start):
                return True
        return False

    @staticmethod
    def _relative_clause(doc: Doc, targets: list[Span], o: Span) -> bool:
        """"a flare of Y that was effectively controlled": the later cue is about the same Y."""
        end = max(t.end for t in targets)
        between = doc[end:o.start]
        return 0 <= len(between) <= 3 and all(t.lower_ in ("that", "which", "who", "was", "were", "has", "had", "been", "then")
                                             for t in between)

    @staticmethod
    def _distance(f: Span, o: Span) -> float:
        if o.start >= f.end:
            return o.start - f.end
        if f.start >= o.end:
            # "flare of Y", "resolution of Y": the finding is the cue's complement
            bonus = 1.5 if o.end < len(o.doc) and o.doc[o.end].lower_ in ("of", "in") else 0.0
            return f.start - o.end - bonus
        return 0


@Language.factory("casekg_relations", default_config={"carry_sentences": 3})
def make_relations(nlp: Language, name: str, carry_sentences: int) -> RelationExtractor:
    return RelationExtractor(nlp, name, carry_sentences)
