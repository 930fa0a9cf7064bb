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
from typing import Any

from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.tokens.underscore import Underscore

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


class SpanExtensions:
    """Span extension values of one Doc, read and written where spaCy keeps them.

    For an extension registered with a default and no getter, setter or method (casekg's own,
    `kg.nlp.extensions`, and medspaCy's `modifiers`), `span._.NAME` is
    `doc.user_data[("._.", NAME, span.start_char, span.end_char)]`, or the default when that key
    is absent, and assigning it sets that key (spaCy's `Underscore`). Why: every `span._` builds
    an accessor object and every read goes through `Underscore.__getattr__`, ~1.5 us each;
    `kg.extract` reads five per mention and the components a few more, thousands of times per
    batch. An extension with a getter, setter, method or mutable default (spaCy copies that
    default in on first read), or a spaCy whose keys look otherwise (checked once per
    process), goes through `span._` as before; so does one registered again since (`force`).
    """

    __slots__ = ("data",)

    def __init__(self, doc: Doc) -> None:
        self.data = doc.user_data

    def get(self, span: Span, name: str) -> Any:
        # `_plain` inlined for the common case (hundreds of thousands of reads per batch): the
        # registration seen last is still the one spaCy holds
        seen = _PLAIN.get(name)
        if seen is None or seen[0] is not Underscore.span_extensions.get(name):
            seen = _plain(name)
        if seen[1]:
            return self.data.get(("._.", name, span.start_char, span.end_char), seen[2])
        return getattr(span._, name)

    def set(self, span: Span, name: str, value: Any) -> None:
        if _plain(name)[1]:
            self.data[("._.", name, span.start_char, span.end_char)] = value
        else:
            setattr(span._, name, value)


_PLAIN: dict[str, tuple[object, bool, Any]] = {}  # name -> (registration seen, read directly, default)
_KEYS_OK: list[bool] = []


def _plain(name: str) -> tuple[object, bool, Any]:
    """(the registration looked at, whether the extension is read directly, its default)."""
    ext = Underscore.span_extensions.get(name)  # (default, method, getter, setter); load_state may swap the dict
    seen = _PLAIN.get(name)
    if seen is None or seen[0] is not ext:
        if not _KEYS_OK:
            _KEYS_OK.append(_keys_as_expected())
        plain = (ext is not None and ext[1] is None and ext[2] is None and ext[3] is None
                 and not isinstance(ext[0], Underscore.mutable_types) and _KEYS_OK[0])
        seen = _PLAIN[name] = (ext, plain, ext[0] if ext is not None else None)
    return seen


def _keys_as_expected() -> bool:
    """Whether this spaCy keys span extensions as `SpanExtensions` reads them."""
    from spacy.vocab import Vocab

    doc = Doc(Vocab(), words=["a", "b"])
    span = doc[1:2]
    return span._._get_key("x") == ("._.", "x", span.start_char, span.end_char)
