"""The text of a Doc, computed once per Doc.

`Doc.text` joins every token's text in Python on each access (about as costly as a light
component on a long report), and several casekg components need it. The text of a Doc never
changes after tokenisation (retokenising keeps it), so it is kept in `doc.user_data`;
`kg.extract` stores the string it tokenised there up front.
"""

from __future__ import annotations

from spacy.tokens import Doc

_KEY = "casekg.text"


def doc_text(doc: Doc) -> str:
    """`doc.text`, cached on the Doc."""
    text = doc.user_data.get(_KEY)
    if text is None:
        text = doc.user_data[_KEY] = doc.text
    return text


def make_doc(nlp, text: str) -> Doc:  # noqa: ANN001 - a spaCy Language
    """`nlp.make_doc(text)` with `text` already cached for `doc_text`."""
    doc = nlp.make_doc(text)
    doc.user_data[_KEY] = text
    return doc
