"""The casekg spaCy pipeline, built from the one `PIPELINE` config below.

`get_nlp()` builds it once per process (component construction compiles lexicons and
matchers, which costs seconds) and returns the cached object afterwards.
"""

import re
import threading
from bisect import bisect_right

import numpy
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.nlp import extensions
from kg.nlp.doctext import doc_text

# (factory name, config). Order is the contract in docs/architecture.md; the one addition is
# `casekg_sentence_fix` right after the sentencizer (see below).
PIPELINE: list[tuple[str, dict]] = [
    ("sentencizer", {}),
    ("casekg_sentence_fix", {}),
    ("casekg_lexicon", {}),
    ("casekg_antibodies", {"default_polarity": "positive"}),
    ("casekg_case_terms", {}),
    ("casekg_abstract_terms", {}),
    ("casekg_finding_type", {}),
    ("casekg_dosage", {"max_back": 8, "max_forward": 5}),
    ("casekg_drug_use", {"decide": True}),
    ("casekg_outcomes", {}),
    ("casekg_anatomy", {}),
    ("casekg_context", {"max_scope": None}),
    ("casekg_patients", {}),
    ("casekg_relations", {"carry_sentences": 3}),
]

# Abbreviations whose final period is not a sentence end ("given i.v. every 4 weeks").
_ABBREV = re.compile(
    r"^(?:i\.v|i\.m|s\.c|p\.o|b\.i\.d|t\.i\.d|q\.i\.d|q\.d|o\.d|e\.g|i\.e|vs|approx|ca|cf|al|fig|figs|"
    r"dr|mr|mrs|ms|prof|no|nos|ref|refs|resp|incl|max|min|mg|ml|wk|wks|yr|yrs|mo|mos|st|inc|ltd|co|sp|spp|"
    r"[a-z]|[a-z]\.[a-z])$",
    re.I,
)
# Scraped case reports glue citation marks to the word before them ("ataxia.1 2 His ...",
# "vomiting,2,3", "atelectasis.(Fig.2).", "cord.[10]", "described[1]"), and spaCy's English rules
# keep such a chunk one token, so the lexicon never sees "ataxia". The infixes split the mark off
# only where the rest of the chunk is a citation: digits (ranges and lists of them) to its end, or
# an opening bracket; a letter word of three or more letters must come before, so decimals
# ("0.5"), versions and gene names ("IL-1.2", "Nav1.5"), chemical locants ("1,2-dichloro",
# "5alpha,3beta", "bicyclo[2.2.1]") and one-letter prefixes ("c.123A>G", "p.G12D") stay whole;
# so do the locants of steroid and fatty-acid names after a Greek letter or cis/trans ("3 beta,17
# beta-diol", "9 trans,12 trans"), which MeSH writes with spaces.
_CITE = r"[1-9]\d*(?:[,\u2013\-][1-9]\d*)*$"  # no leading zero: "Mirage.008" is a name
_NOT_LOCANT = "".join(rf"(?<!{w})" for w in ("alpha", "beta", "gamma", "delta", "trans", "cis"))
_CITATION_INFIXES = [
    rf"(?<=[A-Za-z]{{3}}){_NOT_LOCANT}[.,;:](?={_CITE})",  # ataxia.1  vomiting,2,3
    r"(?<=[A-Za-z]{3})[.,;:](?=[\(\[])",  # atelectasis.(Fig.2)  cord.[10]
    rf"(?<=[A-Za-z]{{3}}[.,;:])[\(\[](?=\d|Fig|fig|Tab|tab)",  # the bracket after it
    rf"(?<=[a-z]{{3}})\[(?={_CITE})",  # described[1]
]
# A period after a capital that follows a lowercase letter or digit ("with AmB.", "consistent
# with T1D.", "raised IgG."): the English rules split a period only after a lowercase letter,
# a digit or two capitals, so these kept it and the sentence did not end.
_CITATION_SUFFIXES = [r"(?<=[a-z0-9][A-Z])\."]


def customize_tokenizer(nlp: Language) -> None:
    """Add casekg's infix and suffix rules to `nlp`'s tokenizer (the English defaults stay)."""
    from spacy.util import compile_infix_regex, compile_suffix_regex

    tok = nlp.tokenizer
    tok.infix_finditer = compile_infix_regex(list(nlp.Defaults.infixes) + _CITATION_INFIXES).finditer
    tok.suffix_search = compile_suffix_regex(list(nlp.Defaults.suffixes) + _CITATION_SUFFIXES).search


_lock = threading.Lock()
_NLP: Language | None = None


@Language.component("casekg_sentence_fix")
def sentence_fix(doc: Doc) -> Doc:
    """Sentence boundaries the punctuation-only sentencizer gets wrong in scraped text.

    Scraped case reports lose the final period of paragraphs and headings ("...within 5 months
    \\n\\nPatient 2 had ..."), so a line break followed by a capital or digit starts a sentence;
    and dosing abbreviations ("i.v.", "b.i.d.", "et al.") end in a period that is not a boundary.
    """
    # Only two kinds of token can change: one right after a token holding a line break, and a
    # sentence start. They are found from the text and the SENT_START array instead of visiting
    # every token (a token's whitespace_ is at most one space, so line breaks are in token texts).
    n = len(doc)
    if n < 2:
        return doc
    text = doc_text(doc)
    candidates = set(numpy.flatnonzero(doc.to_array("SENT_START") == 1).tolist())
    pos = text.find("\n")
    if pos != -1:
        starts = doc.to_array("IDX").tolist()
        while pos != -1:
            candidates.add(bisect_right(starts, pos))  # the token after the one holding `pos`
            pos = text.find("\n", pos + 1)
    for i in sorted(candidates):
        if not 0 < i < n:
            continue
        tok, prev = doc[i], doc[i - 1]
        if "\n" in prev.text or "\n" in prev.whitespace_:
            if tok.is_space:
                continue
            if tok.text[:1].isupper() or tok.text[:1].isdigit() or "\n\n" in prev.text or prev.text.count("\n") >= 2:
                tok.is_sent_start = True
                continue
        if tok.is_sent_start and prev.text == "." and i >= 2:
            before = doc[i - 2]
            if before.whitespace_ == "" and _ABBREV.match(before.text) and (tok.text[:1].islower() or tok.text[:1].isdigit()):
                tok.is_sent_start = False
    return doc


def build_nlp(config: list[tuple[str, dict]] | None = None) -> Language:
    """A fresh pipeline from `config` (default `PIPELINE`); tests use this to drop components."""
    extensions.register()
    # importing the modules registers their factories
    from kg.nlp import abstract_terms, anatomy, antibodies, case_terms, context, dosage, drug_use, finding_type, lexicons, outcomes, patients, relations  # noqa: F401

    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    for name, cfg in config if config is not None else PIPELINE:
        nlp.add_pipe(name, name=name, config=dict(cfg))
    return nlp


def build_nlp_before(component: str) -> Language:
    """A fresh pipeline of `PIPELINE`'s components before `component`: what a learned component
    reads when its weights are learned or cross-validated."""
    names = [n for n, _ in PIPELINE]
    return build_nlp(PIPELINE[:names.index(component)])


def get_nlp() -> Language:
    """The process-wide pipeline (built on first use)."""
    global _NLP
    if _NLP is None:
        with _lock:
            if _NLP is None:
                _NLP = build_nlp()
    return _NLP
