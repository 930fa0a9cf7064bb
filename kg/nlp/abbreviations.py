"""Document-local abbreviation definitions: "long form (SF)".

Case reports define their own short forms ("methotrexate (MTX)", "juvenile dermatomyositis
(JDM)"); a short form means what the document says it means, whatever a dictionary says. This
is a cheap token-level version of Schwartz & Hearst (2003): the short form sits in parentheses
directly after the long form, is short, and contains a capital letter; whether the long form
is a known concept is decided by the caller (the lexicon), not here.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc

from kg.nlp.doctext import doc_text
from kg.nlp.tables import table_rows

_MAX_SF_TOKENS = 4
_MAX_SF_CHARS = 12


@dataclass(frozen=True)
class Definition:
    short: str  # the short form text, e.g. "MTX"
    lf_end: int  # token index where the long form ends (the "(" token)
    sf_start: int  # token span of the short form inside the parentheses
    sf_end: int
    tokens: tuple[str, ...] = ()  # the short form's token texts ("NTG" out of a glued "NTG)-induced")


_GLUED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{0,10})\)")


def _plausible_short_form(text: str) -> bool:
    if not (2 <= len(text) <= _MAX_SF_CHARS) or not text[0].isalnum():
        return False
    if not any(c.isupper() for c in text):
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= 1 and " " not in text.strip()


def find_definitions(doc: Doc) -> list[Definition]:
    """Every "(SF)" or "(SF;"/"(SF," right after some text; the caller checks the long form.

    The lexicon and abstract_terms each ask (up to four times per abstract): the answer is kept
    in `doc.user_data` with the Doc's token offsets, so a retokenised Doc is scanned afresh.
    """
    n = len(doc)
    if n < 2:
        return []
    text = doc_text(doc)
    pos = text.find("(")
    if pos == -1:
        return []
    offsets = doc.to_array("IDX")
    key = offsets.tobytes()
    cached = doc.user_data.get(_DEFINITIONS)
    if cached is not None and cached[0] == key:
        return list(cached[1])
    starts = offsets.tolist()
    out = []
    done = -1
    while pos != -1:
        # Only a token that is exactly "(" opens a definition; the text finds them without
        # visiting every token (a Python-level doc[i] per token was most of the cost).
        i = bisect_right(starts, pos) - 1
        if i >= 1 and i > done and starts[i] == pos:
            done = _definition_at(doc, i, n, out)
        pos = text.find("(", pos + 1)
    doc.user_data[_DEFINITIONS] = (key, tuple(out))
    return out


_DEFINITIONS = "casekg.abbreviations.definitions"


def _definition_at(doc: Doc, i: int, n: int, out: list[Definition]) -> int:
    """Append the definition opened by token i if it is "(" and one follows; returns the last
    token looked at, so that the scan does not look inside it again."""
    if doc[i].text != "(":
        return i
    j = i + 1
    g = _GLUED.match(doc[i + 1].text) if i + 1 < n else None
    if g and _plausible_short_form(g.group(1)):
        # the tokenizer keeps "(NTG)-induced" as "(", "NTG)-induced"
        out.append(Definition(g.group(1), i, i + 1, i + 2, (g.group(1),)))
        return i + 1
    while j < n and j - i - 1 < _MAX_SF_TOKENS and doc[j].text not in (")", ";", ",", "(", ":"):
        j += 1
    if j < n and j > i + 1 and doc[j].text in (")", ";", ",", ":"):
        sf = doc[i + 1 : j]
        if _plausible_short_form(sf.text):
            out.append(Definition(sf.text, i, i + 1, j, tuple(t.text for t in sf)))
    return j - 1


def occurrences(doc: Doc, d: Definition, index: dict[str, list[int]] | None = None) -> list[tuple[int, int]]:
    """Token spans reading like the definition's short form, or its plural (+"s"), case-sensitive.

    `index` (token text -> token indices, see `token_index`) makes repeated calls cheap.
    """
    idx = index if index is not None else token_index(doc)
    toks = list(d.tokens) or [t.text for t in doc[d.sf_start : d.sf_end]]
    out = []
    for cand in (toks, toks[:-1] + [toks[-1] + "s"]):
        for i in idx.get(cand[0], ()):
            if [t.text for t in doc[i : i + len(cand)]] == cand:
                out.append((i, i + len(cand)))
    return sorted(set(out))


def long_form_start(doc: Doc, d: Definition, max_words: int | None = None) -> int | None:
    """Token where the long form of `d` starts by Schwartz & Hearst's rule, or None.

    Every letter/digit of the short form must appear, in order, in the text before the "(",
    the first one at the start of a word; the long form has at most min(|SF| + 5, 2|SF|) words.
    """
    sf = [c.lower() for c in d.short if c.isalnum()]
    if not sf:
        return None
    limit = max_words or min(len(sf) + 5, 2 * len(sf))
    toks = []
    i = d.lf_end - 1
    while i >= 0 and len(toks) < limit + 4:
        toks.append(doc[i])
        i -= 1
    toks.reverse()
    text = ""
    starts = []  # char offset in `text` of each token
    for t in toks:
        starts.append(len(text))
        text += t.text.lower() + (" " if t.whitespace_ else "")
    li = len(text) - 1
    for k in range(len(sf) - 1, -1, -1):
        c = sf[k]
        while li >= 0 and (text[li] != c or (k == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
    pos = li + 1
    for idx in range(len(starts) - 1, -1, -1):
        if starts[idx] <= pos:
            words = sum(1 for t in toks[idx:] if t.is_alpha)
            if words > limit:
                return None
            return toks[idx].i
    return None


def token_index(doc: Doc) -> dict[str, list[int]]:
    """Token text -> indices of the tokens with that text, ascending."""
    # From the ORTH array (a token's text is the string of its ORTH hash): one Python step per
    # distinct text instead of a Token object per token.
    orths = doc.to_array("ORTH").tolist()
    index: dict[int, list[int]] = {}
    for i, orth in enumerate(orths):
        hit = index.get(orth)
        if hit is None:
            index[orth] = [i]
        else:
            hit.append(i)
    strings = doc.vocab.strings
    return {strings[orth]: where for orth, where in index.items()}


def read_table(path: Path) -> list[tuple[str, str, str]]:
    """(short form, dictionary name, what it stands for) rows of a curated abbreviation table
    (tab-separated, "#" comments); the third column, where the dictionaries only have a broader
    name, defaults to the name."""
    rows = []
    for cols in table_rows(path, missing_ok=True):
        if len(cols) >= 2 and cols[0].strip() and cols[1].strip():
            rows.append((cols[0].strip(), cols[1].strip(), (cols[2] if len(cols) > 2 else "").strip() or cols[1].strip()))
    return rows


def undefined_uses(doc: Doc, known: Container[str]) -> list[tuple[int, str]]:
    """(token index, short form) for each token that is a `known` short form, written exactly
    (case-sensitive) or as its plural ("AVMs"), in a document that defines no short form of that
    spelling: where a document says "(PE)" after a long form, its own definition rules
    (the lexicon's `expand_abbreviations`), not the curated table."""
    hits = []
    for t in doc:
        text = t.text
        if text in known:
            hits.append((t.i, text))
        elif len(text) > 2 and text[-1] == "s" and text[:-1] in known:
            hits.append((t.i, text[:-1]))
    if not hits:
        return hits
    defined = {d.short for d in find_definitions(doc)}
    return [(i, sf) for i, sf in hits if sf not in defined and not _names_a_test(doc, i)]


# Words after a disease abbreviation that make it the name of a test or of an agent tested for
# ("HIV serology", "HIV was negative", "TB test"), not a disease the patient has.
_TEST_NEXT = frozenset(
    "test tests testing serology serologies screen screening negative positive status pcr antibody antibodies "
    "antigen load sequence sequences".split()
)


def _names_a_test(doc: Doc, i: int) -> bool:
    """True if the short form at token i names a test or is part of another name: a test word
    follows (over one "was"/"is"), or it is the second half of a hyphenated word
    ("QuantiFERON-TB", "anti-TB")."""
    j = i + 1
    if j < len(doc) and doc[j].lower_ in ("was", "were", "is", "are"):
        j += 1
    if j < len(doc) and doc[j].lower_ in _TEST_NEXT:
        return True
    return i >= 1 and doc[i - 1].text in ("-", "‐") and not doc[i - 1].whitespace_ and i >= 2 and not doc[i - 2].whitespace_
