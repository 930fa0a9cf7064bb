"""The text and sentence starts of a Doc, without rebuilding them token by token.

`Doc.text` joins every token's text in Python on each access (about as costly as a light
component on a long report), and several casekg components need it. The text of a Doc never
changes after tokenisation (retokenising keeps it), so it is kept in `doc.user_data`;
`kg.extract` stores the string it tokenised there up front.
"""

from __future__ import annotations

from bisect import bisect_right

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


def sentence_starts(doc: Doc) -> list[int]:
    """Start token of every sentence of `doc`, in order (as `doc.sents` yields them)."""
    return [sent.start for sent in doc.sents]


def sentence_at(starts: list[int], token: int) -> int:
    """Index into `starts` of the sentence holding `token`: the sentence `Span.sent` returns for
    a span starting at `token`, found by bisection instead of Span.sent's walk over tokens."""
    return max(bisect_right(starts, token) - 1, 0)
