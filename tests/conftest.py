"""Shared test helpers.

`casekg_toy_lexicon`: a hand-made stand-in for `casekg_lexicon`, so that the rule
components (context, dosage, relations) are tested apart from the real lexicon's coverage.
Configured with {"terms": {label: [phrase, ...]}}; matches case-insensitively, longest first.
"""

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Span

from kg.nlp.extensions import SPAN_GROUP, register


@Language.factory("casekg_toy_lexicon", default_config={"terms": {}})
def make_toy_lexicon(nlp: Language, name: str, terms: dict):
    register()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for label, phrases in terms.items():
        matcher.add(label, [nlp.make_doc(p) for p in phrases])

    def component(doc):
        spans = []
        for match_id, start, end in matcher(doc):
            span = Span(doc, start, end, label=nlp.vocab.strings[match_id], kb_id=f"TOY:{doc[start:end].text.lower()}")
            span._.attrs = {}
            spans.append(span)
        doc.spans[SPAN_GROUP] = spacy.util.filter_spans(spans)
        return doc

    return component
