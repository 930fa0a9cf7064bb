"""`casekg_abstract_terms`: diagnoses that no vocabulary here lists, in texts that are not case reports.

The disease vocabulary of abstracts is HPO (with its OMIM/Orphanet names) and the MeSH names
seen in BC5CDR train; a disease named in an abstract outside those ("pseudolithiasis",
"sporotrichosis", "myonecrosis") is missed. Medical word formation names most such disorders
with a few suffixes (-itis, -osis, -oma, -emia, -pathy, -plasia, -iasis, -ectasis), and
`kg.nlp.case_terms` already marks such uncovered words as disorders in case-report narratives.
This component does the same for every other text (abstracts, letters, reviews), where
`casekg_case_terms` does nothing: an uncovered word of that shape becomes an unlinked Disease
span. Words whose prefix makes them an agent against the disorder ("antituberculosis",
"antithrombosis") name a drug class, not a finding, and are left out.

Chosen on cross-fitted BC5CDR train predictions (each fifth scored with a MeSH list derived
from the other four): of 49 uncovered words of this shape, 31 are exactly a gold disease
mention and 10 lie inside one (docs/quality.md, "Abstracts, session 6").

Outside case reports it also reads names that a short form's definition
interrupts: "left ventricular (LV) dysfunction", "von Hippel-Lindau (VHL) disease". The lexicon
matches names word by word, so the parenthesis splits the name and neither half is one; where
the dictionary has the name without the parenthesis, the whole stretch becomes one finding span
with that name's concept (the corpora annotate it whole, parenthesis included). Where the name's
last word is a generic disease head ("disease", "syndrome", "disorder"), the letters stand for
the disease itself, and each later use of them ("VHL patients", "the VHL gene": a disease name
used as a modifier is still a mention of it, as the NCBI disease guidelines have it) gets its
concept; with another head ("atrioventricular (AV) block") they stand for a part of the name,
and are left alone.

Outside case reports it also gives each conjunct of a coordination that shares a head its own
finding ("cutaneous, renal, and vestibular manifestations", "hypoplasia of the thumb or radius"):
see `kg.nlp.conjuncts`.
"""

import re
from collections.abc import Callable

import numpy
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from kg.model import DISEASE, DRUG, MANIFESTATION
from kg.nlp import abbreviations, conjuncts, extensions, genre
from kg.nlp.case_terms import DISORDER_ENDINGS, DISORDER_WORD, disorder_shaped

_COVERING = (DRUG, MANIFESTATION, DISEASE)
_FINDING = (MANIFESTATION, DISEASE)
# against the disorder: a drug class or a treatment, not the disorder itself
_AGENT_PREFIXES = ("anti",)
# The last three letters of every disorder suffix: tokens are picked by spaCy's SUFFIX attribute in
# one array test, and only those are matched (a regex over the text cost 18% of the lexicon's time).
_ENDINGS = numpy.array(sorted({get_string_id(e[-3:]) for e in DISORDER_ENDINGS}), dtype=numpy.uint64)


def disorder_word(word: str) -> bool:
    """A lower-case word shaped like a diagnosis that names the disorder itself (not "antituberculosis")."""
    return disorder_shaped(word) and not word.startswith(_AGENT_PREFIXES) and DISORDER_WORD.fullmatch(word) is not None


# A finding named by a key sequence: (type, curie, xrefs), or None.
FindingLookup = conjuncts.FindingLookup
# Heads after which a name's remaining words name the disease itself, so its short form does too.
_GENERIC_HEADS = frozenset("disease diseases syndrome syndromes disorder disorders".split())
# `_.attrs["role"]` of a finding named only as a modifier of a gene word (`mark_named`)
MODIFIER_ROLE = "modifier"
_MAX_HEAD = 2  # words after the parenthesis that may finish the name ("(LV) systolic dysfunction")
# Words that make a disease's name before them the name of a gene, its products or its carriers
# ("the VHL gene", "DMD mRNA", "A-T heterozygotes"): the corpora annotate the disease there (the
# NCBI disease guidelines' "modifier" mentions), but nobody is said to have it.
_MOLECULAR_NEXT = frozenset(
    "gene genes locus loci mrna mrnas cdna cdnas protein proteins product products allele alleles transcript "
    "transcripts isoform isoforms promoter mutation mutations carrier carriers heterozygote heterozygotes "
    "suppressor suppressors".split()  # "a tumour suppressor gene": a gene class, no tumour
)


class AbstractTerms:
    def __init__(self, nlp: Language, name: str) -> None:
        extensions.register()
        self.name = name
        self.nlp = nlp
        self._lookup: FindingLookup | None = None
        self._prefix: conjuncts.Prefix | None = None
        self._name_keys: conjuncts.NameKeys | None = None

    def finding_lookup(self) -> FindingLookup | None:
        """The lexicon's dictionary as a finding lookup, or None in a pipeline without one."""
        if self._lookup is None and "casekg_lexicon" in self.nlp.pipe_names:
            from kg.nlp.name_keys import normalize_token

            lex = self.nlp.get_pipe("casekg_lexicon")
            self._lookup = dictionary_lookup(lex.trie, lex.diagnosis_type)
            self._prefix = dictionary_prefix(lex.trie)
            self._name_keys = conjuncts.concept_name_keys(normalize_token)
        return self._lookup

    def __call__(self, doc: Doc) -> Doc:
        mark_named(doc)
        if len(doc) >= genre.MIN_WORDS and genre.is_case_narrative(doc):
            return doc  # casekg_case_terms handles case reports
        lookup = self.finding_lookup()
        if lookup is not None:
            interrupted_names(doc, lookup)
        drop_undefined_letters(doc)
        join_adjective_conjuncts(doc)
        if lookup is not None:
            # after the composite joins, which would stretch a conjunct's span over the conjunct
            # before it ("polar or [nuclear, cortical, or mixed lens opacities]")
            from kg.nlp.name_keys import normalize_token

            conjuncts.read_coordinations(doc, lookup, self._prefix, self._name_keys, normalize_token)
        candidates = numpy.flatnonzero(numpy.isin(doc.to_array("SUFFIX"), _ENDINGS))
        if not len(candidates):
            return doc
        group = doc.spans.get(extensions.SPAN_GROUP)
        spans = list(group) if group is not None else []
        covered: set[int] | None = None
        new = []
        for i in candidates.tolist():
            tok = doc[i]
            if not disorder_word(tok.lower_) or _glued(doc, i):
                continue
            if covered is None:
                covered = {j for s in spans if s.label_ in _COVERING for j in range(s.start, s.end)}
            if i in covered:
                continue
            new.append(_finding(doc, i, i + 1, DISEASE, "", ()))
        if new:
            doc.spans[extensions.SPAN_GROUP] = spans + new
        return doc


def mark_named(doc: Doc) -> None:
    """Give a finding named as a modifier of a gene word ("the VHL gene", "DMD mutations")
    `_.attrs["role"] = MODIFIER_ROLE`: the mention stays, and kg.nlp.relations makes no
    patient's finding of it. (Not the drugs' "named" role: a finding with a drug's offsets,
    "PCP", shares the drug's attrs.)"""
    group = doc.spans.get(extensions.SPAN_GROUP)
    if group is None:
        return
    n = len(doc)
    for sp in group:
        if sp.label_ in _FINDING and sp.end < n and doc[sp.end].lower_ in _MOLECULAR_NEXT:
            sp._.attrs = {**(sp._.attrs or {}), "role": MODIFIER_ROLE}


def drop_undefined_letters(doc: Doc) -> None:
    """Drop finding spans that are two capital letters ("SD", "MR", "TD") the text does not define.

    The MeSH list names short forms that BC5CDR's abstracts defined ("sexual dysfunction (SD)");
    another abstract uses the same letters for Sprague-Dawley rats, magnetic resonance or odds
    ratios, and defines a disease's letters when it means one. Case reports use disease letters
    undefined ("a history of PD") and keep them (this runs outside case reports only).
    """
    group = doc.spans.get(extensions.SPAN_GROUP)
    if group is None:
        return
    letters = [sp for sp in group if sp.label_ in _FINDING and _two_capitals(sp.text)]
    if not letters:
        return
    defined = {d.short for d in abbreviations.find_definitions(doc)}
    drop = [sp for sp in letters if sp.text not in defined and sp.text[:2] not in defined]
    if drop:
        doc.spans[extensions.SPAN_GROUP] = [sp for sp in group if sp not in drop]


# Relational adjectives by their endings ("pulmonary", "visual", "gastrointestinal", "orbital");
# not participles ("decreased", "impaired"), which describe a state rather than name a site.
_ADJECTIVE = re.compile(r"[a-z][a-z-]{2,}(?:al|ar|ic|ous|ary|ive|ory)")
_NOT_SITE = frozenset("normal abnormal usual unusual clinical general several".split())
_CONJ = frozenset(("and", "or", "and/or"))


def join_adjective_conjuncts(doc: Doc) -> None:
    """A composite mention: "pulmonary and renal insufficiency", "visual or auditory toxicity",
    "hematological and gastrointestinal toxicities" name one finding per adjective, and the
    corpora annotate the coordination as one mention (NCBI's composite mentions; BC5CDR alike).
    Where the dictionary knows only the last conjunct's name (a finding span that starts with an
    adjective), uncovered adjectives coordinated before it join its span. Cross-fitted BC5CDR
    train: 5 such joins make the span gold, 1 was gold before (docs/quality.md, "Abstracts, session 7")."""
    group = doc.spans.get(extensions.SPAN_GROUP)
    if group is None:
        return
    spans = list(group)
    covered = {t for sp in spans for t in range(sp.start, sp.end)}
    changed = False
    for k, sp in enumerate(spans):
        if sp.label_ not in _FINDING or sp.end - sp.start < 2 or not _site_adjective(doc[sp.start].lower_):
            continue
        start, i = sp.start, sp.start - 1
        if i < 1 or doc[i].lower_ not in _CONJ:
            continue
        i -= 1
        if doc[i].text == ",":
            i -= 1
        while i >= 0 and i not in covered and _site_adjective(doc[i].lower_):
            start = i
            if i >= 2 and doc[i - 1].text == ",":
                i -= 2
            else:
                break
        if start == sp.start:
            continue
        new = Span(doc, start, sp.end, label=sp.label_, kb_id=sp.kb_id)
        new._.concept_label = sp._.concept_label
        new._.xrefs = sp._.xrefs
        new._.attrs = {**(sp._.attrs or {}), "composite": True}
        spans[k] = new
        covered.update(range(start, sp.start))
        changed = True
    if changed:
        doc.spans[extensions.SPAN_GROUP] = spans


def _site_adjective(word: str) -> bool:
    return word not in _NOT_SITE and _ADJECTIVE.fullmatch(word) is not None


def _two_capitals(text: str) -> bool:
    return (len(text) == 2 or (len(text) == 3 and text[2] == "s")) and text[:2].isalpha() and text[:2].isupper()


def dictionary_lookup(trie: dict, diagnosis_type: Callable[[str, str, str], str]) -> FindingLookup:
    """A FindingLookup over the lexicon's trie, typed as the lexicon types its own matches."""
    from kg.nlp import lexicons  # the lexicon module imports this one

    def find(keys: list[str]) -> tuple[str, str, tuple[str, ...]] | None:
        found = [m for m in lexicons.resolve_leaf(0, len(keys), lexicons.lookup(keys, trie)) if m[2] in _FINDING]
        if not found:
            return None
        _, _, typ, curie, xrefs = found[0]
        return diagnosis_type(typ, curie, " ".join(keys)), "" if curie == "-" else curie, xrefs

    return find


def dictionary_prefix(trie: dict) -> "conjuncts.Prefix":
    """Whether some name in the lexicon's trie starts with a key sequence (skipped keys ignored,
    as `lexicons.lookup` ignores them)."""
    from kg.nlp import lexicons  # the lexicon module imports this one

    def starts(keys: list[str]) -> bool:
        node = trie
        for k in keys:
            if k == lexicons._SKIP:
                continue
            node = node.get(k)
            if node is None:
                return False
        return True

    return starts


def interrupted_names(doc: Doc, lookup: FindingLookup) -> None:
    """Finding spans for names a short form's definition interrupts (see the module docstring)."""
    if "(" not in doc.text:
        return
    from kg.nlp.name_keys import normalize_token

    names: list[Span] = []
    uses: list[Span] = []
    index = None
    for d in abbreviations.find_definitions(doc):
        close = d.sf_end
        if close >= len(doc) or doc[close].text != ")" or not doc[close].whitespace_:
            continue  # "(SF;", "(SF)-induced": no name goes on after the parenthesis
        start = abbreviations.long_form_start(doc, d)
        hit = _name_around(doc, start, d.lf_end, close + 1, lookup, normalize_token) if start is not None else None
        if hit is None:
            continue
        s, e, (typ, curie, xrefs) = hit
        names.append(_finding(doc, s, e, typ, curie, xrefs))
        head = doc[e - 1].lower_
        if head in _GENERIC_HEADS:
            index = index if index is not None else abbreviations.token_index(doc)
            for a, b in abbreviations.occurrences(doc, d, index):
                if a != d.sf_start:
                    if b < len(doc) and doc[b].lower_ == head:
                        b += 1  # "VHL disease": the short form with the head is the same name
                    uses.append(_finding(doc, a, b, typ, curie, xrefs))
    if not names:
        return
    group = doc.spans.get(extensions.SPAN_GROUP)
    spans = [sp for sp in group] if group is not None else []
    findings = [sp for sp in spans if sp.label_ in _FINDING]
    # A whole name replaces the findings read from its pieces ("(GI) [bleeding]"), unless a
    # finding reaches out of it, which then stands.
    names = [n for n in names if not any(f.start < n.end and n.start < f.end and not (n.start <= f.start and f.end <= n.end)
                                         for f in findings)]
    inner = {(f.start, f.end) for n in names for f in findings if n.start <= f.start and f.end <= n.end}
    spans = [sp for sp in spans if sp.label_ not in _FINDING or (sp.start, sp.end) not in inner]
    taken = {t for sp in spans if sp.label_ in _FINDING for t in range(sp.start, sp.end)}
    added = []
    for sp in sorted(names + uses, key=lambda x: (x.start, -x.end)):
        if not any(t in taken for t in range(sp.start, sp.end)):
            added.append(sp)
            taken.update(range(sp.start, sp.end))
    if added or inner:
        doc.spans[extensions.SPAN_GROUP] = spans + added


def _name_around(doc: Doc, lf_start: int, lf_end: int, after: int, lookup: FindingLookup,
                 norm: Callable[[str], str]) -> tuple[int, int, tuple[str, str, tuple[str, ...]]] | None:
    """The longest dictionary finding made of the long form's last words and the words right
    after the parenthesis: (start token, end token, (type, curie, xrefs))."""
    for k in range(min(_MAX_HEAD, len(doc) - after), 0, -1):
        tail = doc[after : after + k]
        if not all(t.is_alpha for t in tail):
            continue
        for s in range(lf_start, lf_end):
            found = lookup([norm(t.text) for t in doc[s:lf_end]] + [norm(t.text) for t in tail])
            if found is not None:
                return s, after + k, found
    return None


_finding = conjuncts.finding_span


def _glued(doc: Doc, i: int) -> bool:
    """Part of a longer written word ("pro-fibrosis", "fibrosis-like", "5-osis"): no word of its own."""
    if i > 0 and not doc[i - 1].whitespace_ and (doc[i - 1].text[-1:].isalnum() or doc[i - 1].text[-1:] in "-_"):
        return True
    nxt = doc[i + 1].text[:1] if i + 1 < len(doc) and not doc[i].whitespace_ else ""
    return nxt.isalnum() or nxt in ("-", "_")


@Language.factory("casekg_abstract_terms", default_config={})
def make_abstract_terms(nlp: Language, name: str) -> AbstractTerms:
    return AbstractTerms(nlp, name)
