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
mention and 10 lie inside one (docs/quality-s6-abstracts.md).
"""

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.model import DISEASE, DRUG, MANIFESTATION
from kg.nlp import extensions, genre
from kg.nlp.case_terms import _DISORDER_WORD, _disorder_word
from kg.nlp.doctext import doc_text

_COVERING = (DRUG, MANIFESTATION, DISEASE)
# against the disorder: a drug class or a treatment, not the disorder itself
_AGENT_PREFIXES = ("anti",)


def disorder_word(word: str) -> bool:
    """A lower-case word shaped like a diagnosis that names the disorder itself (not "antituberculosis")."""
    return _DISORDER_WORD.fullmatch(word) is not None and _disorder_word(word) and not word.startswith(_AGENT_PREFIXES)


class AbstractTerms:
    def __init__(self, nlp: Language, name: str) -> None:
        extensions.register()
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) >= genre.MIN_WORDS and genre.is_case_narrative(doc):
            return doc  # casekg_case_terms handles case reports
        text = doc_text(doc)
        group = doc.spans.get(extensions.SPAN_GROUP)
        spans = list(group) if group is not None else []
        covered: set[int] | None = None
        new = []
        for m in _DISORDER_WORD.finditer(text):  # one scan of the text; hits are rare
            if not disorder_word(m.group().lower()):
                continue
            sp = doc.char_span(m.start(), m.end())
            if sp is None or len(sp) != 1:
                continue
            if covered is None:
                covered = {i for s in spans if s.label_ in _COVERING for i in range(s.start, s.end)}
            if sp.start in covered:
                continue
            span = Span(doc, sp.start, sp.end, label=DISEASE)
            span._.concept_label = span.text
            span._.xrefs = ()
            span._.attrs = {"source": "abstract_terms"}
            new.append(span)
            covered.add(sp.start)
        if new:
            doc.spans[extensions.SPAN_GROUP] = spans + new
        return doc


@Language.factory("casekg_abstract_terms", default_config={})
def make_abstract_terms(nlp: Language, name: str) -> AbstractTerms:
    return AbstractTerms(nlp, name)
