"""Shared test helpers.

`casekg_toy_lexicon`: a hand-made stand-in for `casekg_lexicon`, so that the rule
components (context, dosage, relations) are tested apart from the real lexicon's coverage.
Configured with {"terms": {label: [phrase, ...]}}; matches case-insensitively, longest first.

`corpus_env`: an empty corpus and a store path, exported as KG_CORPUS/KG_STORE.
"""

from pathlib import Path

import pytest
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


@pytest.fixture()
def corpus_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An empty corpus and a store path in tmp_path, named by KG_CORPUS/KG_STORE for CLI tests."""
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    monkeypatch.setenv("KG_CORPUS", str(corpus))
    monkeypatch.setenv("KG_STORE", str(store))
    return {"corpus": corpus, "store": store, "tmp": tmp_path}
