"""Phenotypes named by a coordination that shares one head: one finding per conjunct.

"nuclear, cortical, or mixed lens opacities" names three cataracts, "cardiac,
renal, and ocular manifestations" three organ abnormalities, "hypoplasia of the thumb or
radius" two hypoplasias. The lexicon (`kg.nlp.lexicons.coordinations`, `ellipses`) reads such
coordinations where the last conjunct with the head is a dictionary name and the others are one
word. This module reads the rest, outside case reports (it is called by `casekg_abstract_terms`):

- **Before a shared head** (`distribute`): conjuncts of one to three words, separated by commas
  and a final "and"/"or", then the head. A conjunct whose words with the head form a dictionary
  name, or with one of the names of the head's own concept ("cortical" + "lens opacities" ->
  "cortical cataract", since Cataract lists "lens opacities"), gets a finding span from its first
  word to the end of the head, with that name's concept. Where the head is shared by at least two
  conjuncts that the dictionary knows, the coordination is taken to be real; a single one is left
  alone (the lexicon already reads "X and Y head" when "Y head" is a name).
- **After a shared head** (`distribute_of`): "H of X or Y", where "H of X" is a finding span and
  "H of Y" a dictionary name, gets a span over the whole coordination with the concept of "H of Y"
  ("hypoplasia of the thumb or radius" -> Hypoplasia of the radius, beside "hypoplasia of the
  thumb" as found).

Each conjunct's span runs from the conjunct to the head, as the GSC+ corpus writes them (Lobo et
al. 2017 annotate "A, B and C head", "B and C head" and "C head"), and as the NCBI disease
guidelines write a composite mention (the whole coordination, which scoring with nested spans
dropped still sees as one). The graph gains one finding per conjunct, each with its own HPO term.

`drop_partial_conjuncts` removes a coordination span that starts inside the first conjunct of a
longer one with the same end ("polar or cortical cataract" inside "posterior polar or
cortical cataract"): it names no conjunct of the text.
"""

from collections.abc import Callable
from functools import lru_cache

import numpy
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from kg import vocab
from kg.model import DISEASE, MANIFESTATION
from kg.nlp import extensions

_FINDING = (MANIFESTATION, DISEASE)
_CONJ = frozenset(("and", "or", "and/or"))
_MAX_CONJUNCT = 3  # words in one conjunct ("posterior polar")
_MAX_HEAD = 3  # words in the shared head ("lens opacities")
_MAX_CONJUNCTS = 5
_MAX_NAME = 4  # words in a name of the head's concept that is tried in its place

# keys (normalised words) -> (type, curie, xrefs) of the dictionary finding they name, or None
FindingLookup = Callable[[list[str]], "tuple[str, str, tuple[str, ...]] | None"]
# a concept -> the key sequences of its names (label and synonyms)
NameKeys = Callable[[str], list[list[str]]]
# keys -> whether some dictionary name starts with them (prunes conjuncts that begin no name)
Prefix = Callable[[list[str]], bool]


def concept_name_keys(norm: Callable[[str], str]) -> NameKeys:
    """A NameKeys over the ontology snapshot (kg.vocab): a concept's label and synonyms of at most
    `_MAX_NAME` plain words, each word normalised by `norm` (as the lexicon keys its names)."""
    cache: dict[str, list[list[str]]] = {}

    def keys(curie: str) -> list[list[str]]:
        if curie not in cache:
            names = [vocab.label(curie) or "", *vocab.synonyms(curie)]
            out = []
            for name in names:
                words = name.split()
                if 0 < len(words) <= _MAX_NAME and all(w.isalpha() for w in words):
                    k = [norm(w) for w in words]
                    if k not in out:
                        out.append(k)
            cache[curie] = out
        return cache[curie]

    return keys


# HPO's clinical modifiers of severity and course: their words qualify a finding, they name none
_MODIFIER_ROOTS = ("HP:0012824", "HP:0031797")  # Severity, Clinical course


@lru_cache(maxsize=4)
def course_and_severity_words(norm: Callable[[str], str]) -> frozenset[str]:
    """The one-word names of HPO's Severity and Clinical course terms ("mild", "severe", "acute",
    "chronic", "progressive", "recurrent", ...), normalised by `norm`."""
    terms = vocab.snapshot().terms
    children: dict[str, list[str]] = {}
    for curie, term in terms.items():
        for p in term.parents:
            children.setdefault(p, []).append(curie)
    seen: set[str] = set()
    stack = list(_MODIFIER_ROOTS)
    while stack:
        for kid in children.get(stack.pop(), ()):
            if kid not in seen:
                seen.add(kid)
                stack.append(kid)
    words = set()
    for curie in seen:
        term = terms[curie]
        for name in (term.label, *(s[0] for s in term.synonyms)):
            if " " not in name and name.isalpha():
                words.add(norm(name))
    return frozenset(words)


# per normaliser, a word's ORTH ID -> its dictionary key, for the process (as the lexicon's own cache)
_KEYS: dict[Callable[[str], str], dict[int, str]] = {}
_CONJ_IDS = numpy.array(sorted(get_string_id(w) for w in _CONJ), dtype=numpy.uint64)
_COMMA = get_string_id(",")


class _View:
    """The token facts this module reads, taken from the Doc in one array call (indexing a Doc
    token by token cost most of this module's time): lower-case IDs, alphabetic flags, and each
    token's dictionary key, normalised on first use."""

    def __init__(self, doc: Doc, norm: Callable[[str], str]) -> None:
        arr = doc.to_array(["LOWER", "IS_ALPHA", "ORTH"])
        self.doc = doc
        self.norm = norm
        self._keys = _KEYS.setdefault(norm, {})
        self.n = len(doc)
        lower = arr[:, 0]
        conj = (lower == _CONJ_IDS[0]) | (lower == _CONJ_IDS[1]) | (lower == _CONJ_IDS[2])  # numpy.isin costs more here
        self.conj = conj.tolist()
        self.comma = (lower == _COMMA).tolist()
        self.word = (arr[:, 1].astype(bool) & ~conj).tolist()
        self.orth = arr[:, 2].tolist()

    def keys(self, a: int, b: int) -> list[str]:
        out = []
        for orth in self.orth[a:b]:
            k = self._keys.get(orth)
            if k is None:
                k = self._keys[orth] = self.norm(self.doc.vocab.strings[orth])
            out.append(k)
        return out

    def words(self, a: int, b: int) -> bool:
        return all(self.word[a:b])


def _conjuncts_before(v: _View, c: int) -> list[list[tuple[int, int]]]:
    """The conjuncts before the conjunction at token `c`, nearest first; each as its candidate
    token ranges, longest first (only the leftmost conjunct, which no comma bounds, has more
    than one)."""
    out: list[list[tuple[int, int]]] = []
    j = c - 1
    if j >= 1 and v.comma[j]:
        j -= 1  # the serial comma: "A, B, and C"
    while j >= 0 and len(out) < _MAX_CONJUNCTS and v.word[j]:
        s = j
        while s - 1 >= 0 and j - s + 1 < _MAX_CONJUNCT and v.word[s - 1]:
            s -= 1
        if s >= 2 and (v.comma[s - 1] or v.conj[s - 1]):
            # bounded by a comma or a conjunction ("posterior polar or nuclear, cortical,
            # or mixed"): the whole run is the conjunct
            out.append([(s, j + 1)])
            j = s - 2
            if j >= 1 and v.comma[j] and v.conj[j + 1]:
                j -= 1  # ", and"
            continue
        out.append([(a, j + 1) for a in range(s, j + 1)])  # leftmost: the name decides where it starts
        break
    return out


def _named(keys: list[str], head: list[str], head_names: list[list[str]], lookup: FindingLookup):  # noqa: ANN202
    found = lookup(keys + head)
    if found is None:
        for name in head_names:
            found = lookup(keys + name)
            if found is not None:
                break
    return found


def distribute(v: _View, have: set[tuple[int, int]], lookup: FindingLookup, prefix: Prefix,
               name_keys: NameKeys) -> list[Span]:
    """Finding spans for conjuncts sharing a head after them (module docstring); `have`: the
    (start, end) of the finding spans already there, which grows with the new ones."""
    modifiers = course_and_severity_words(v.norm)
    starts_by_end: dict[int, int] = {}  # finding end -> earliest start
    for f0, f1 in have:
        starts_by_end[f1] = min(f0, starts_by_end.get(f1, f0))
    n = v.n
    new: list[Span] = []
    for c in (i for i in range(1, n - 2) if v.conj[i]):
        if not v.word[c + 1] or not prefix(v.keys(c + 1, c + 2)):
            continue  # no conjunct after the conjunction that could begin a name
        if any(f0 < c < f1 and lookup(v.keys(f0, f1)) is not None for f0, f1 in have):
            continue  # the conjunction is inside a name ("head and neck cancer"): no coordination
        # each conjunct before the conjunction: its keys (widest reading), the candidate ranges
        # that begin some dictionary name, and whether a finding lies in it
        before = []
        for ranges in _conjuncts_before(v, c):
            a0, b0 = ranges[0]
            widest = v.keys(a0, b0)
            # "red eyes, pleural effusion and ...": a finding ends inside the conjunct
            own = any(starts_by_end.get(f1, b0) < b0 for f1 in range(a0 + 1, b0 + 1))
            before.append((a0, widest, [(a, b) for a, b in ranges if prefix(widest[a - a0 :])], own))
        if not any(r for _, _, r, _ in before):
            continue
        best: list = []
        for k in range(1, _MAX_CONJUNCT):
            for h in range(1, _MAX_HEAD + 1):
                e = c + 1 + k + h
                if e > n or not v.words(c + 1, e):
                    break
                last = v.keys(c + 1, c + 1 + k)
                if not prefix(last):
                    break  # "eyes and nose and exhibit [brain] abnormalities": no conjunct after the conjunction
                head = v.keys(c + 1 + k, e)
                if before and any(lookup(v.keys(a, e)) is not None for a, _ in before[0][2]):
                    continue  # the conjunction is inside a name ("head and neck cancers")
                whole = lookup(head)
                head_names = name_keys(whole[1]) if whole is not None and whole[1] else []
                hits = []
                for a0, widest, ranges, own in [(c + 1, last, [(c + 1, c + 1 + k)], False), *before]:
                    if own or head[-1] in widest:
                        break  # a conjunct that is a finding of its own: the head is not shared beyond it
                    for a, b in ranges:
                        keys = widest[a - a0 :]
                        if all(w in modifiers for w in keys):
                            continue  # "acute and chronic pain": one finding's course, not two findings
                        found = _named(keys, head, head_names, lookup)
                        if found is not None:
                            hits.append((a, e, found))
                            break
                if len(hits) >= 2 and len(hits) > len(best):
                    best = hits
        for a, e, (typ, curie, xrefs) in best:
            if (a, e) not in have:
                have.add((a, e))
                new.append(finding_span(v.doc, a, e, typ, curie, xrefs))
    return new


def distribute_of(v: _View, spans: list[Span], have: set[tuple[int, int]], lookup: FindingLookup) -> list[Span]:
    """Finding spans for "H of X or Y" where "H of X" is one of the finding `spans` (module docstring)."""
    n = v.n
    new: list[Span] = []
    for sp in spans:
        c = sp.end
        if c + 1 >= n or not v.conj[c] or sp.label_ not in _FINDING:
            continue
        words = v.keys(sp.start, c)
        of = next((t for t in range(1, len(words) - 1) if words[t] == "of"), None)
        if of is None:
            continue
        stem = words[: of + 1]
        for k in range(min(_MAX_CONJUNCT, n - c - 1), 0, -1):
            if not v.words(c + 1, c + 1 + k):
                continue
            tail = v.keys(c + 1, c + 1 + k)
            found = lookup(stem + tail) or lookup(stem + ["the"] + tail)
            if found is not None and (sp.start, c + 1 + k) not in have:
                have.add((sp.start, c + 1 + k))
                new.append(finding_span(v.doc, sp.start, c + 1 + k, *found))
                break
    return new


def drop_partial_conjuncts(v: _View, spans: list[Span]) -> list[Span]:
    """`spans` without coordination spans that start inside the first conjunct of a longer
    finding span with the same end (module docstring)."""
    findings = [sp for sp in spans if sp.label_ in _FINDING and any(v.conj[sp.start : sp.end])]
    if not findings:
        return spans
    ends: dict[int, list[int]] = {}
    for sp in spans:
        if sp.label_ in _FINDING:
            ends.setdefault(sp.end, []).append(sp.start)
    drop = set()
    for inner in findings:
        for start in ends[inner.end]:
            if start < inner.start and not any(v.conj[start : inner.start]) and not any(v.comma[start : inner.start]):
                drop.add((inner.start, inner.end, inner.label_))
                break
    return [sp for sp in spans if (sp.start, sp.end, sp.label_) not in drop] if drop else spans


def finding_span(doc: Doc, s: int, e: int, typ: str, curie: str, xrefs: tuple[str, ...]) -> Span:
    """A finding span as `casekg_abstract_terms` makes them (concept label = text when unlinked)."""
    span = Span(doc, s, e, label=typ, kb_id=curie)
    span._.concept_label = (vocab.label(curie) if curie else None) or span.text
    span._.xrefs = xrefs
    span._.attrs = {"source": "abstract_terms"}
    return span


def read_coordinations(doc: Doc, lookup: FindingLookup, prefix: Prefix, name_keys: NameKeys,
                       norm: Callable[[str], str]) -> None:
    """Add the conjuncts' finding spans (`distribute`, `distribute_of`) and drop partial ones."""
    v = _View(doc, norm)
    if not any(v.conj):
        return
    group = doc.spans.get(extensions.SPAN_GROUP)
    spans = list(group) if group is not None else []
    have = {(sp.start, sp.end) for sp in spans if sp.label_ in _FINDING}
    spans += distribute(v, have, lookup, prefix, name_keys)
    spans += distribute_of(v, spans, have, lookup)
    doc.spans[extensions.SPAN_GROUP] = drop_partial_conjuncts(v, spans)
