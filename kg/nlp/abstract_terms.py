"""`casekg_abstract_terms`: diagnoses that no vocabulary here lists, in texts that are not case reports.

The disease vocabulary of abstracts is HPO (with its OMIM/Orphanet names) and the MeSH names
seen in BC5CDR train; a disease named in an abstract outside those ("pseudolithiasis",
"sporotrichosis", "myonecrosis") is missed. Medical word formation names most such disorders
with a few suffixes (-itis, -osis, -oma, -emia, -pathy, -plasia, -iasis, -ectasis), and
`kg.nlp.case_terms` already marks such uncovered words as disorders in case-report narratives.
This component does the same for every other text (abstracts, letters, reviews), where
`casekg_case_terms` does nothing: an uncovered word of that shape becomes an unlinked Disease
span. Words whose prefix makes them an agent against the disorder ("antituberculosis",
"antithrombosis") name a drug class, not a finding, and are left out.

Chosen on cross-fitted BC5CDR train predictions (each fifth scored with a MeSH list derived
from the other four): of 49 uncovered words of this shape, 31 are exactly a gold disease
mention and 10 lie inside one (docs/quality.md, "Abstracts, session 6").
"""

import numpy
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from kg.model import DISEASE, DRUG, MANIFESTATION
from kg.nlp import extensions, genre
from kg.nlp.case_terms import DISORDER_ENDINGS, DISORDER_WORD, disorder_shaped

_COVERING = (DRUG, MANIFESTATION, DISEASE)
# against the disorder: a drug class or a treatment, not the disorder itself
_AGENT_PREFIXES = ("anti",)
# The last three letters of every disorder suffix: tokens are picked by spaCy's SUFFIX attribute in
# one array test, and only those are matched (a regex over the text cost 18% of the lexicon's time).
_ENDINGS = numpy.array(sorted({get_string_id(e[-3:]) for e in DISORDER_ENDINGS}), dtype=numpy.uint64)


def disorder_word(word: str) -> bool:
    """A lower-case word shaped like a diagnosis that names the disorder itself (not "antituberculosis")."""
    return disorder_shaped(word) and not word.startswith(_AGENT_PREFIXES) and DISORDER_WORD.fullmatch(word) is not None


class AbstractTerms:
    def __init__(self, nlp: Language, name: str) -> None:
        extensions.register()
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) >= genre.MIN_WORDS and genre.is_case_narrative(doc):
            return doc  # casekg_case_terms handles case reports
        candidates = numpy.flatnonzero(numpy.isin(doc.to_array("SUFFIX"), _ENDINGS))
        if not len(candidates):
            return doc
        group = doc.spans.get(extensions.SPAN_GROUP)
        spans = list(group) if group is not None else []
        covered: set[int] | None = None
        new = []
        for i in candidates.tolist():
            tok = doc[i]
            if not disorder_word(tok.lower_) or _glued(doc, i):
                continue
            if covered is None:
                covered = {j for s in spans if s.label_ in _COVERING for j in range(s.start, s.end)}
            if i in covered:
                continue
            span = Span(doc, i, i + 1, label=DISEASE)
            span._.concept_label = span.text
            span._.xrefs = ()
            span._.attrs = {"source": "abstract_terms"}
            new.append(span)
        if new:
            doc.spans[extensions.SPAN_GROUP] = spans + new
        return doc


def _glued(doc: Doc, i: int) -> bool:
    """Part of a longer written word ("pro-fibrosis", "fibrosis-like", "5-osis"): no word of its own."""
    if i > 0 and not doc[i - 1].whitespace_ and (doc[i - 1].text[-1:].isalnum() or doc[i - 1].text[-1:] in "-_"):
        return True
    nxt = doc[i + 1].text[:1] if i + 1 < len(doc) and not doc[i].whitespace_ else ""
    return nxt.isalnum() or nxt in ("-", "_")


@Language.factory("casekg_abstract_terms", default_config={})
def make_abstract_terms(nlp: Language, name: str) -> AbstractTerms:
    return AbstractTerms(nlp, name)
