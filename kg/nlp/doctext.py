"""The text and sentence starts of a Doc, without rebuilding them token by token.

`Doc.text` joins every token's text in Python on each access (about as costly as a light
component on a long report), and several casekg components need it. The text of a Doc never
changes after tokenisation (retokenising keeps it), so it is kept in `doc.user_data`;
`kg.extract` stores the string it tokenised there up front, and tokenises through `make_doc`,
which primes spaCy's tokenizer cache chunk by chunk (`prime_tokenizer`).
"""

from __future__ import annotations

import weakref
from bisect import bisect_right

from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

_KEY = "casekg.text"


def doc_text(doc: Doc) -> str:
    """`doc.text`, cached on the Doc."""
    text = doc.user_data.get(_KEY)
    if text is None:
        text = doc.user_data[_KEY] = doc.text
    return text


def make_doc(nlp, text: str) -> Doc:  # noqa: ANN001 - a spaCy Language
    """`nlp.make_doc(text)` with `text` already cached for `doc_text`, the tokenizer's chunk
    cache primed first (`prime_tokenizer`): the same Doc, several times cheaper to tokenize."""
    prime_tokenizer(nlp, text)
    doc = nlp.make_doc(text)
    doc.user_data[_KEY] = text
    return doc


# Chunks already primed, per pipeline; cleared when full (spaCy keeps its own cache anyway).
_PRIMED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PRIMED_MAX = 1 << 18


def prime_tokenizer(nlp, text: str) -> int:  # noqa: ANN001 - a spaCy Language
    """Tokenize each whitespace-separated chunk of `text` not seen before on its own; returns
    how many. Why: spaCy caches a chunk's tokens only while no special case ("Dr.", "e.g.",
    "'s", ":)") has matched earlier in the same call (`has_special` is per call, spaCy issue
    #1250), so in a case report almost every chunk after the first "e.g." went through the
    affix regexes again, every time (the tokenizer was ~10% of a worker's CPU). Alone, a chunk
    without a special case of its own is cached; the cache holds what the affix rules give for
    that chunk wherever it occurs, so the Doc's tokens are the same, only cheaper to make.
    """
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):
        return 0  # a custom tokenizer: nothing known about its cache
    seen = _PRIMED.get(nlp)
    if seen is None or len(seen) > _PRIMED_MAX:
        seen = _PRIMED[nlp] = set()
    new = [chunk for chunk in dict.fromkeys(text.split()) if chunk not in seen]  # text order
    seen.update(new)
    for chunk in new:
        tokenizer(chunk)
    return len(new)


def sentence_starts(doc: Doc) -> list[int]:
    """Start token of every sentence of `doc`, in order (as `doc.sents` yields them)."""
    return [sent.start for sent in doc.sents]


def sentence_at(starts: list[int], token: int) -> int:
    """Index into `starts` of the sentence holding `token`: the sentence `Span.sent` returns for
    a span starting at `token`, found by bisection instead of Span.sent's walk over tokens."""
    return max(bisect_right(starts, token) - 1, 0)
