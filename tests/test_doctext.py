"""kg.nlp.doctext: cached doc text and sentence lookup agree with spaCy's own."""

import pytest
import spacy

from kg.nlp.doctext import doc_text, make_doc, prime_tokenizer, sentence_at, sentence_starts


def _nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def test_doc_text_matches_and_is_cached():
    nlp = _nlp()
    doc = nlp("Fever resolved.  Rash\n\npersisted; no relapse! ")
    assert doc_text(doc) == doc.text
    assert doc_text(doc) is doc_text(doc)
    seeded = make_doc(nlp, "Given 5 mg daily. Then stopped.")
    assert doc_text(seeded) == seeded.text == "Given 5 mg daily. Then stopped."


def test_sentence_at_is_span_sent():
    nlp = _nlp()
    doc = nlp("She had a rash. It resolved after 3 months!  Then?\n\nA relapse followed. End")
    doc[8].is_sent_start = False  # a boundary the sentencizer set, undone as sentence_fix does
    starts = sentence_starts(doc)
    assert len(starts) >= 3
    for i in range(len(doc)):
        for j in range(i + 1, min(i + 4, len(doc)) + 1):
            assert starts[sentence_at(starts, i)] == doc[i:j].sent.start


# Written for these tests: special cases of spaCy's English tokenizer ("Dr.", "e.g.", "vs.",
# "didn't", ":)", "'s") before and after ordinary chunks, affixes, infixes, URLs, numbers+units.
PRIMING_TEXTS = [
    "Dr. Lee's patient (aged 52) didn't respond to prednisone 40mg/day, e.g. at week 3 vs. week 1.",
    "Her CRP fell to 12 mg/L; IgG-anti-Jo-1 was \"negative\" :) per https://example.org/lab?id=7.",
    "After i.v. methylprednisolone (1 g x3), the rash (Gottron's papules) improved—see Fig. 2a.",
    "Dr. Lee's patient didn't improve vs. baseline: CK 4,500 U/L, i.e. 30x ULN (e.g., day 10).",
    "  Leading spaces,\ttabs\tand\n\nnew paragraphs:  'quoted', [bracketed]; {braced} & 3.5-fold.\n",
]


def _tokens(doc):
    return [(t.text, t.whitespace_, t.idx, t.norm_, t.lower_, t.shape_, t.is_punct, t.like_num) for t in doc]


def test_primed_tokenization_is_the_plain_tokenization():
    plain, primed = spacy.blank("en"), spacy.blank("en")
    for text in PRIMING_TEXTS + PRIMING_TEXTS[::-1]:
        assert _tokens(make_doc(primed, text)) == _tokens(plain.make_doc(text))


def test_prime_tokenizer_tokenizes_each_new_chunk_once():
    nlp = spacy.blank("en")
    first = PRIMING_TEXTS[0]
    assert prime_tokenizer(nlp, first) == len(set(first.split()))
    assert prime_tokenizer(nlp, first) == 0
    second = PRIMING_TEXTS[3]
    assert prime_tokenizer(nlp, second) == len(set(second.split()) - set(first.split())) > 0
    assert prime_tokenizer(spacy.blank("en"), second) == len(set(second.split()))  # per pipeline


def test_span_extensions_read_and_write_what_span_underscore_does():
    import spacy
    from spacy.tokens import Span

    from kg.nlp.doctext import SpanExtensions
    from kg.nlp.extensions import register

    register()
    if not Span.has_extension("casekg_test_upper"):
        Span.set_extension("casekg_test_upper", getter=lambda s: s.text.upper())
    doc = spacy.blank("en")("Fever and rash resolved after prednisone.")
    fever, rash, pred = doc[0:1], doc[2:3], doc[5:6]
    ext = SpanExtensions(doc)
    # defaults, when nothing was set
    for name in ("attrs", "status", "cue", "xrefs", "concept_label"):
        assert ext.get(fever, name) == getattr(fever._, name)
    # written one way, read the other
    ext.set(fever, "status", "negated")
    rash._.attrs = {"body_site": "skin"}
    assert fever._.status == "negated" and ext.get(rash, "attrs") == {"body_site": "skin"}
    assert ext.get(doc[0:1], "status") == "negated"  # a new Span object over the same characters
    assert ext.get(pred, "status") == "present"
    # an extension with a getter goes through span._
    assert ext.get(pred, "casekg_test_upper") == "PREDNISONE"
    with pytest.raises(AttributeError):
        ext.get(pred, "no_such_extension")


def test_span_extensions_follow_an_extension_registered_again():
    import spacy
    from spacy.tokens import Span

    from kg.nlp.doctext import SpanExtensions

    Span.set_extension("casekg_test_swap", default="plain", force=True)
    doc = spacy.blank("en")("Rash resolved.")
    ext = SpanExtensions(doc)
    assert ext.get(doc[0:1], "casekg_test_swap") == "plain"
    ext.set(doc[0:1], "casekg_test_swap", "set")
    assert doc[0:1]._.casekg_test_swap == "set"
    # registered again with a getter: the next read goes through it, not the stored value
    Span.set_extension("casekg_test_swap", getter=lambda s: s.text.lower(), force=True)
    assert ext.get(doc[0:1], "casekg_test_swap") == "rash"
    Span.set_extension("casekg_test_swap", default="other", force=True)
    assert ext.get(doc[1:2], "casekg_test_swap") == "other"
    Span.remove_extension("casekg_test_swap")
