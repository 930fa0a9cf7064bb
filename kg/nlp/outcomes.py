"""Outcome cues: phrases that say what happened to a finding under treatment.

Negated outcomes are their own cues ("no improvement" -> unchanged, "no relapse" ->
remission_maintained) so that ConText never has to flip an outcome; the longest cue wins.
"""

import re

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.model import OUTCOME
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
    ("resolved", rf"\b(?:{_ADV}(?:resolved|resolution|disappeared|disappearance|cleared|clearance|healed|healing|vanished|abated|remitted|normali[sz]ed|normali[sz]ation|cured)|complete(?:ly)?\s+(?:\w+\s+)?(?:regressed|regression|resolved|resolution|remission|response|healing|healed|clearance|cleared|disappeared|recovery|recovered)|went\s+into\s+remission|returned\s+to\s+normal|full\s+recovery|recovered\s+(?:completely|fully))\b"),
    ("improved", rf"\b(?:{_ADV}(?:improved|improvement|improving|ameliorat\w+|alleviat\w+|attenuated|diminished|subsided|receded|regressed|regression|responded|relieved|relief|recovered|recovery|decreased|reduction|reduced)|partial(?:ly)?\s+(?:\w+\s+)?(?:remission|response|regressed|regression|resolved|resolution|improved)|(?:\w+ly\s+|well\s+|successfully\s+)?controlled|(?:good|excellent|marked|dramatic|rapid|favou?rable|clinical|significant)\s+(?:\w+\s+)?response|(?:was|were)\s+effective|beneficial\s+effect|better|remission)\b"),
    ("worsened", rf"\b{_ADV}(?:worsened|worsening|deteriorat\w+|progressed|progression|progressive|exacerbat\w+|aggravat\w+|(?:became|got)\s+worse)\b"),
    ("relapsed", r"\b(?:flares?|flared|flare-ups?|relapses?|relapsed|relapsing|recurred|recurrences?|recurrent|reappeared|reappearance|reactivation|rebound|re-?emerged)\b"),
]
_COMPILED = [(v, re.compile(p, re.I)) for v, p in OUTCOME_CUES]
# words that look like outcome cues but measure doses or labs, not findings
_NOT_AFTER = re.compile(r"^\s*(?:dose|dosage|to\s+\d|by\s+\d|from\s+\d)", re.I)
_NOT_BEFORE = re.compile(r"(?:dose|dosage|dosing|was|were)\s+(?:\w+\s+)?$", re.I)


class OutcomeTagger:
    def __init__(self, nlp: Language, name: str) -> None:
        register()

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        cands: list[Span] = []
        values: dict[tuple[int, int], str] = {}
        for value, rx in _COMPILED:
            for m in rx.finditer(text):
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is None:
                    continue
                word = m.group(0).lower()
                if word.startswith(("decreas", "reduc")):
                    # "the dose was reduced" is a dose change, not an outcome
                    before = text[max(0, m.start() - 30):m.start()]
                    after = text[m.end():m.end() + 15]
                    if re.search(r"dos\w*\s+(?:\w+\s+){0,2}$", before, re.I) or _NOT_AFTER.match(after) or re.match(r"\s+(?:dose|dosage)", after, re.I):
                        continue
                if word in ("recurrent", "relapsing", "progressive") and m.end() < len(text):
                    # "recurrent disease course", "relapsing polychondritis": part of a name
                    continue
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
