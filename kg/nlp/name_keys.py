"""The matcher's keys: one dictionary name or text token -> its normalised matching key.

The lexicon (`kg.nlp.lexicons`) matches names word by word on these keys rather than on raw
strings, so that one dictionary entry covers its lexical variants: lower case (except short
all-capital abbreviations, which must match in capitals), British -> American spelling
(oedema/edema, leucopenia/leukopenia, tumour/tumor), plural -> singular (English and Latin
plurals), hyphens and the possessive 's ignored. The same normaliser runs over dictionary names
and text, so it only has to be consistent, not linguistically right.
"""

import re

# start, end (token indices), type, curie, xrefs: what every span rule passes on
Match = tuple[int, int, str, str, tuple[str, ...]]

SKIP = "\x00"  # normalised form of tokens that are transparent to matching
_SKIP = SKIP
LEAF = ""  # trie key holding the entries that end at a node
_LEAF = LEAF


_BRIT = (
    (re.compile(r"ae"), "e"),  # anaemia, haem, paediatric, leukaemia
    (re.compile(r"oe(?=[a-z])"), "e"),  # oedema, oesophagus, diarrhoea (not toe/shoe)
    (re.compile(r"^leuc"), "leuk"),  # leucopenia, leucocyte
    (re.compile(r"(?<=[a-z]{3})our$"), "or"),  # tumour, colour, behaviour (not four/pour)
    (re.compile(r"(?<=[a-z]{2})is(?=ation|e$|ed$|ing$)"), "iz"),  # hospitalised
    (re.compile(r"(?<=[a-z]{3})tre$"), "ter"),  # litre, centre
    (re.compile(r"sulph"), "sulf"),
)
# Words ending like this are rarely plurals; both sides are normalised alike, so this only
# has to avoid collisions, not be right.
_KEEP_S = ("ss", "us", "is")
# Words that are interchangeable inside phenotype names ("numerous nevi" = "multiple nevi").
_SAME = {"numerous": "multiple", "anomaly": "abnormality", "anomalies": "abnormality", "abnormalities": "abnormality"}
_ES_PLURALS = ("shes", "ches", "xes", "sses", "zzes")


# Latin plurals of medical nouns, which the English "-s" rule misses: "fistulae" (-> fistula),
# "nevi"/"naevi", "emboli", "nuclei" (-> -us), "metastases", "stenoses", "paralyses" (-> -is),
# "xanthomata" (-> -oma). Only the unambiguous endings; "-a" plurals (-um or -on?) are left alone.
_LATIN = (
    (re.compile(r"(?<=[a-z]{3})ae$"), "a"),
    (re.compile(r"(?<=[a-z]{2}[^aeiou])i$|(?<=[a-z]{2}e)i$"), "us"),
    (re.compile(r"(?<=[a-z]{2})(?:o|y|sta)ses$"), None),
    (re.compile(r"(?<=[a-z]{2})omata$"), "oma"),
)


# species epithets, not plurals: "Streptococcus pneumoniae" names no pneumonia
_EPITHETS = frozenset("pneumoniae influenzae cholerae diphtheriae".split())


def _latin_singular(t: str) -> str | None:
    if t in _EPITHETS:
        return None
    for rx, rep in _LATIN:
        m = rx.search(t)
        if m:
            if rep is None:  # -oses/-yses/-stases -> -osis/-ysis/-stasis
                return t[:-2] + "is"
            return t[: m.start()] + rep
    return None


def normalize_token(text: str) -> str:
    """One token -> its matching key (see module docstring)."""
    if text in ("-", "–", "‐", "'s", "’s", "'", "’"):
        return _SKIP
    if 2 <= len(text) <= 5 and text.isupper() and text.isalpha():
        return text  # abbreviation: must match in capitals (MTX, not "mtx"; SLE, not "sle")
    if len(text) == 3 and text.isalpha() and text[0].isupper() and not text[1:].islower():
        return text  # "ACh", "KCl", "CsA": capitals inside a short name are part of it
    t = text.lower()
    if not t.isalpha():
        return t
    t = _SAME.get(t, t)
    latin = _latin_singular(t)
    if latin:
        t = latin
    elif len(t) > 3:  # plural first, so "tumours" -> "tumour" -> "tumor"
        if t.endswith("ies") and len(t) > 4:
            t = t[:-3] + "y"
        elif t.endswith(_ES_PLURALS):  # rashes, branches, boxes
            t = t[:-2]
        elif t.endswith("s") and not t.endswith(_KEEP_S):
            t = t[:-1]
        if t.endswith("che"):  # headache(s) and branch(es) then meet at "-ch"
            t = t[:-1]
    for rx, rep in _BRIT:
        t = rx.sub(rep, t)
    return t


def stop_key(name: str) -> str:
    """A stop-list name as the matcher sees it, so that one stop entry also covers its plural
    and spelling variants (DrugBank's label "Hemoglobins" for a stop entry "hemoglobin"). A
    possessive mark is dropped as the matcher drops it: MeSH's "Hers' disease" is keyed "her
    disease", and its stop entry must stop it."""
    return " ".join(normalize_token(_POSSESSIVE.sub("", w)) for w in re.split(r"[\s-]+", name.lower()) if w)


_POSSESSIVE = re.compile(r"['’]s?$")


def lookup(keys: list[str], trie: dict) -> dict | None:
    """The leaf ({type: (curie, prio)}) for exactly this key sequence, or None."""
    node = trie
    for k in keys:
        if k == _SKIP:
            continue
        node = node.get(k)
        if node is None:
            return None
    return node.get(_LEAF)
