"""Outcome cues: phrases that say what happened to a finding under treatment.

Negated outcomes are their own cues ("no improvement" -> unchanged, "no relapse" ->
remission_maintained) so that ConText never has to flip an outcome; the longest cue wins.
"""

import re
from bisect import bisect_right

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.model import DISEASE, MANIFESTATION, OUTCOME
from kg.nlp.doctext import doc_text
from kg.nlp.extensions import SPAN_GROUP, register

_NEG = r"(?:no|not|without|never|did\s+not|didn't|does\s+not|failed\s+to|lack\s+of|absence\s+of)"
_ADV = r"(?:\w+ly\s+)?"  # "completely", "markedly", "gradually"

# (outcome value, regex); the longest match over all rules wins where they overlap.
OUTCOME_CUES: list[tuple[str, str]] = [
    # negated forms first: they must outrank the positive words they contain
    ("unchanged", rf"\b{_NEG}\s+(?:\w+[- ]?\w*\s+){{0,2}}(?:remission|improvement|response|resolution|regression|benefit|effect|change)\b"),
    ("unchanged", rf"\b{_NEG}\s+{_ADV}(?:improve|respond|resolve|regress|change|benefit)\w*\b"),
    ("unchanged", r"\b(?:unchanged|unresponsive|refractory|resistant|persisted|persisting|remained\s+(?:unchanged|stable|active|refractory)|ineffective|not\s+effective|inadequate\s+response|insufficient\s+response|stable\s+disease)\b"),
    ("remission_maintained", rf"\b{_NEG}\s+(?:further\s+|new\s+|signs?\s+of\s+)?(?:relapses?|recurrences?|flares?|relapsed|recurred|flared|reactivation|progression)\b"),
    ("remission_maintained", r"\bremission\s+(?:was|has\s+been|is|were)\s+(?:\w+ly\s+)?(?:maintained|sustained|preserved|kept)\b|\b(?:maintained|sustained|sustaining|maintaining|persistent|durable|long-term|lasting|stable)\s+(?:complete\s+|clinical\s+)?remission\b|\bremained\s+(?:in\s+)?(?:remission|relapse-free|free\s+of\s+relapse|disease-free|symptom-free)\b"),
    ("resolved", rf"\b(?:{_ADV}(?:resolved|resolution|disappeared|disappearance|cleared|clearance|healed|healing|vanished|abated|remitted|normali[sz]ed|normali[sz]ation|cured)|complete(?:ly)?\s+(?:\w+\s+)?(?:regressed|regression|resolved|resolution|remission|response|healing|healed|clearance|cleared|disappeared|recovery|recovered)|went\s+into\s+remission|returned\s+to\s+normal|full\s+recovery|recovered\s+(?:completely|fully)|fully\s+(?:improved|recovered))\b"),
    ("improved", rf"\b(?:{_ADV}(?:improved|improvement|improving|ameliorat\w+|alleviat\w+|attenuated|diminished|subsided|receded|regressed|regression|responded|relief|recovered|recovery|decreased|reduction|reduced)|(?:partial(?:ly)?|partly|slightly|somewhat|mildly|temporarily)\s+(?:\w+\s+)?(?:remission|response|regressed|regression|resolved|resolution|improved|relieved)|(?:\w+ly\s+|well\s+|successfully\s+)?controlled|(?:good|excellent|marked|dramatic|rapid|favou?rable|clinical|significant)\s+(?:\w+\s+)?response|(?:was|were)\s+effective|beneficial\s+effect|better|remission)\b"),
    ("worsened", rf"\b{_ADV}(?:worsened|worsening|deteriorat\w+|progressed|progression|progressive|exacerbat\w+|aggravat\w+|(?:became|got)\s+worse)\b"),
    ("relapsed", r"\b(?:flares?|flared|flare-ups?|relapses?|relapsed|relapsing|recurred|recurrences?|recurrent|reappeared|reappearance|reactivation|rebound|re-?emerged)\b"),
    # "she no longer reports pain", "the nodule was no longer visible": the finding is gone
    ("resolved", r"\bno\s+longer(?!\s+(?:requir|need|receiv|tak|us|tolerat|respond|availab|marketed|recommend|indicated|approved|licensed|possible|feasible|eligible|able))(?:\s+(?:present|visible|detectable|detected|seen|observed|palpable|evident|apparent|noted|identified|identifiable|audible))?\b"),
    # a finding taken out ("the mass was removed", "complete removal of the tumour"): gone, by a
    # procedure, so no drug is credited with it (`by` = "procedure"); not "resection of", which in
    # case reports names the operation more often than its result
    ("resolved", rf"\b(?:{_ADV}removed|(?:complete|total|adequate|radical|successful|full|gross\s+total)\s+removal(?=\s+of\b))\b"),
    # "the symptoms were relieved", "relieved pain" (session 9): case reports use it for a complaint
    # that went away (MACCROBAT marks such a finding NEG); "relief" and "partially relieved" stay improved
    ("resolved", rf"\b{_ADV}relieved\b"),
    # "the effusion was absorbed", "the infiltration and hydrothorax were absorbed well": kept only
    # with a finding for its subject (a drug "is absorbed" from the gut)
    ("resolved", rf"\b{_ADV}absorbed\b"),
    # "the hematemesis ceased", "cessation of epistaxis": kept only next to a finding (a drug
    # that "was stopped" is a discontinuation, kg.nlp.relations)
    ("resolved", r"\b(?:ceased|stopped|cessation(?=\s+of\b))\b"),
]
_COMPILED = [(v, re.compile(p, re.I)) for v, p in OUTCOME_CUES]
_REMOVAL_RX, _RELIEVED_RX, _ABSORBED_RX, _STOPPED_RX = (_COMPILED[-4][1], _COMPILED[-3][1], _COMPILED[-2][1],
                                                         _COMPILED[-1][1])
# "X relieved the deficit": an active verb with its object says X eased it, not that it went away
_OBJECT_AFTER = re.compile(r"\s+(?:the|her|his|their|its|this|these|that|a|an|all|some)\b", re.I)
_NO_CHANGE_RX = _COMPILED[0][1]  # "no/without ... effect|change|response": must not cross a finding
# between a finding and "ceased"/"stopped" of which it is the subject ("the bleeding had stopped")
_BEFORE_STOPPED = frozenset(("had", "has", "have", "then", "eventually", "finally", "completely", "gradually",
                             "spontaneously", "soon", "later", "also"))
# ... and between a finding and "absorbed" ("the effusion was gradually absorbed")
_BEFORE_ABSORBED = _BEFORE_STOPPED | {"was", "were", "been", "be"}
# Lower-case words of which every match of the rule at the same index contains at least one
# (tests/test_outcomes.py checks this). Searching the whole text with nine long alternations
# cost as much as the rest of the component; instead each rule runs only on the runs of text
# (see `_RUN`) where one of its words occurs.
_GATES: list[tuple[str, ...]] = [
    ("remission", "improvement", "response", "resolution", "regression", "benefit", "effect", "change"),
    ("improve", "respond", "resolve", "regress", "change", "benefit"),
    ("unchanged", "unresponsive", "refractory", "resistant", "persist", "remained", "effective", "inadequate",
     "insufficient", "stable"),
    ("relapse", "recurr", "flare", "reactivation", "progression"),
    ("remission", "remained"),
    ("resol", "disappear", "clear", "heal", "vanished", "abated", "remitted", "normali", "cured", "complete", "went",
     "returned", "full", "recovered"),
    ("improv", "ameliorat", "alleviat", "attenuated", "diminished", "subsided", "receded", "regress", "responded",
     "relie", "recover", "decreased", "reduc", "partial", "controlled", "response", "effective", "beneficial",
     "better", "remission"),
    ("worse", "deteriorat", "progress", "exacerbat", "aggravat"),
    ("flare", "relaps", "recurr", "reappear", "reactivation", "rebound", "emerged"),
    ("longer",),
    ("removed", "removal"),
    ("relieved",),
    ("absorbed",),
    ("ceased", "stopped", "cessation"),
]
assert len(_GATES) == len(OUTCOME_CUES)
# Every character a cue pattern can consume (word characters, white space, "-" in "flare-up",
# "'" in "didn't"), so a match never leaves a run of them; the character after a run is not a
# word character, so `\b` at a run's end behaves as it does in the whole text.
_RUN = re.compile(r"[\w\s'-]+")
# re.I also equates these with ASCII letters; str.lower() does not (and lengthens U+0130)
_FOLD = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
# a hyphen that opens the second half of a suspended compound ("X-prone and -resistant", "and-resistant")
_SUSPENDED = re.compile(r"(?:^|\s|\band|\bor)-$", re.I)
# words that look like outcome cues but measure doses or labs, not findings
_NOT_AFTER = re.compile(r"^\s*(?:dose|dosage|to\s+\d|by\s+\d|from\s+\d)", re.I)
_NOT_BEFORE = re.compile(r"(?:dose|dosage|dosing|was|were)\s+(?:\w+\s+)?$", re.I)


def _cue_matches(text: str) -> list[tuple[str, re.Match]]:
    """Every (value, match) of `_COMPILED` in `text`, rule by rule in text order, exactly as
    `rx.finditer(text)` per rule would give them."""
    low = text.lower() if text.isascii() else text.translate(_FOLD).lower()
    if len(low) != len(text):  # cannot happen after _FOLD; stay exact if it ever does
        return [(value, m) for value, rx in _COMPILED for m in rx.finditer(text)]
    starts: list[int] = []
    ends: list[int] = []
    out: list[tuple[str, re.Match]] = []
    for (value, rx), words in zip(_COMPILED, _GATES):
        runs: set[int] = set()
        for word in words:
            at = low.find(word)
            while at >= 0:
                if not starts:
                    for run in _RUN.finditer(text):
                        starts.append(run.start())
                        ends.append(run.end())
                i = bisect_right(starts, at) - 1
                runs.add(i)
                at = low.find(word, ends[i])
        for i in sorted(runs):
            out.extend((value, m) for m in rx.finditer(text, starts[i], ends[i]))
    return out


def _stopped_finding(doc: Doc, cue: Span, starts: set[int], ends: set[int], before: frozenset[str] = _BEFORE_STOPPED) -> bool:
    """Whether "ceased"/"stopped" has a finding for its subject ("the hematemesis ceased", "the
    bleeding had stopped") or "cessation of" one for its complement ("cessation of the epistaxis");
    `before`: the words that may stand between the subject and the cue."""
    if cue[0].lower_ == "cessation":  # the cue ends before "of"; "cessation of (the) epistaxis"
        k = cue.end + 1
        while k < len(doc) and k - cue.end < 3 and doc[k].lower_ in ("the", "her", "his", "their", "a", "an", "all", "any"):
            k += 1
        return k in starts
    k = cue.start
    while k > 0 and cue.start - k < 3 and doc[k - 1].lower_ in before:
        k -= 1
    return k in ends


class OutcomeTagger:
    def __init__(self, nlp: Language, name: str) -> None:
        register()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        cands: list[Span] = []
        values: dict[tuple[int, int], str] = {}
        procedures: set[tuple[int, int]] = set()
        stops: set[tuple[int, int]] = set()
        finding_bounds: tuple[set[int], set[int]] | None = None
        for value, m in _cue_matches(text):
            if m.start() and text[m.start() - 1] == "-" and _SUSPENDED.search(text, max(0, m.start() - 5), m.start()):
                continue  # "seizure-prone and -resistant mice", "(WSP) and-resistant": a compound's second half, no outcome
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None:
                continue
            if m.re is _STOPPED_RX or m.re is _ABSORBED_RX or m.re is _NO_CHANGE_RX:
                if finding_bounds is None:
                    found = [s for s in doc.spans.get(SPAN_GROUP, []) if s.label_ in (MANIFESTATION, DISEASE)]
                    finding_bounds = ({s.start for s in found}, {s.end for s in found})
                if m.re is _NO_CHANGE_RX:
                    # "without perilesional edema and mass effect": the findings are what is absent, not
                    # a treatment's lack of effect ("no clinical effect" crosses none)
                    if any(span.start < k < span.end for k in finding_bounds[0]):
                        continue
                elif m.re is _ABSORBED_RX:
                    if not _stopped_finding(doc, span, *finding_bounds, before=_BEFORE_ABSORBED):
                        continue
                elif not _stopped_finding(doc, span, *finding_bounds):
                    continue
                else:
                    stops.add((span.start, span.end))
            elif m.re is _REMOVAL_RX:
                procedures.add((span.start, span.end))
            if m.re is _RELIEVED_RX and _OBJECT_AFTER.match(text, m.end()):
                value = "improved"
            word = m.group(0).lower()
            if word.startswith(("decreas", "reduc")):
                # "the dose was reduced" is a dose change, not an outcome
                before = text[max(0, m.start() - 40):m.start()]
                after = text[m.end():m.end() + 15]
                # up to four words between: "the dose of methotrexate was reduced"
                if re.search(r"dos\w*\s+(?:\w+\s+){0,4}$", before, re.I) or _NOT_AFTER.match(after) or re.match(r"\s+(?:dose|dosage)", after, re.I):
                    continue
            if word in ("recurrent", "relapsing", "progressive") and m.end() < len(text):
                # "recurrent disease course", "relapsing polychondritis": part of a name
                continue
            if word == "returned to normal" and re.match(r"\s+(?:activit|life|lifestyle|work|daily|routine|school|diet|duties)", text[m.end():m.end() + 12], re.I):
                continue  # "returned to normal activities": the patient's life, not a finding
            if word == "remission" and re.search(r"\b(?:partial|complete)\s+$", text[max(0, m.start() - 12):m.start()], re.I):
                continue
            key = (span.start, span.end)
            if key not in values:
                values[key] = value
                cands.append(span)
        kept = filter_spans(cands)
        group = doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else None
        out = []
        for span in kept:
            value = values[(span.start, span.end)]
            ent = Span(doc, span.start, span.end, label=OUTCOME)
            ent._.attrs = {"outcome": value}
            if (span.start, span.end) in procedures:
                ent._.attrs["by"] = "procedure"  # taken out: kg.nlp.relations credits no drug
            elif (span.start, span.end) in stops:
                ent._.attrs["carry"] = "no"  # "the migraine ceased" names no cause: only a drug of its sentence
            ent._.concept_label = value
            out.append(ent)
        if group is None:
            doc.spans[SPAN_GROUP] = out
        else:
            group.extend(out)
        return doc


@Language.factory("casekg_outcomes")
def make_outcomes(nlp: Language, name: str) -> OutcomeTagger:
    return OutcomeTagger(nlp, name)
