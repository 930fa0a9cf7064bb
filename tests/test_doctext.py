"""kg.nlp.doctext: cached doc text and sentence lookup agree with spaCy's own."""

import spacy

from kg.nlp.doctext import doc_text, make_doc, sentence_at, sentence_starts


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
