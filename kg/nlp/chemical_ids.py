"""MeSH IDs for DrugBank drugs, by name, checked against MeSH's own labels.

A drug span is linked to DrugBank (drug-named-entity-recognition); BC5CDR and most literature
indexing speak MeSH. The drug dictionary's own `mesh_id` cannot be used: it is mostly the
drug's pharmacological action (acetaminophen -> D058633 Antipyretics, amlodipine -> D014665
Vasodilator Agents), so only the BC5CDR training list (kg/data/mesh_bc5cdr.tsv) gave drugs a
MeSH ID, and most drugs had none.

kg/data/mesh_chemical_ids.tsv gives a DrugBank drug the MeSH descriptor or supplementary
concept whose MeSH label is the drug's own name, where the names match one to one
(`disease_vocab.one_to_one`): the drug's label names exactly one MeSH ID, and no other drug's
label names that ID; a drug whose label names none may be matched by its other names (the
dictionary's variants: "dothiepin" for Dosulepin), under the same condition. MeSH labels are
read at build time from the gilda 1.6.1 and biomappings 0.6.0 wheels, as for diseases
(`disease_vocab.outside_labels`; neither is a dependency):

    python -m kg.nlp.chemical_ids build WHEEL_DIR

MeSH labels of 2023 give current IDs: where a supplementary concept became a descriptor
(cinacalcet C476217 -> D000069449) the table has the descriptor, which BC5CDR (annotated with
MeSH of 2015) does not count; the BC5CDR list's own ID, where it has one, is used first.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from kg import vocab
from kg.nlp import disease_vocab
from kg.nlp.tables import table_records, write_table

TSV = vocab.DATA_DIR / "mesh_chemical_ids.tsv"


def drug_names(d: dict | None = None) -> dict[str, list[str]]:
    """DRUGBANK curie -> its names, label first, lower-cased (the drug dictionary's canonical
    names and variants that carry a DrugBank ID; `d` the unpickled dictionary, read when None)."""
    terms = vocab.parse_drugs(vocab.load_drug_dictionary() if d is None else d)
    return {c: list(dict.fromkeys(n.lower() for n in [t.label, *(s for s, _, _ in t.synonyms)])) for c, t in terms.items()}


def match(drugs: dict[str, list[str]], labels: list[tuple[str, str, str]]) -> dict[str, str]:
    """DRUGBANK curie -> MESH curie: by the drugs' labels one to one, then, for drugs whose label
    names no MeSH ID, by all their names one to one (`labels`: `disease_vocab.outside_labels`)."""
    mesh_names: dict[tuple[str, ...], set[str]] = {}
    for ident, label, _ in labels:
        mesh_names.setdefault((label.lower(),), set()).add(f"MESH:{ident}")
    by_label = disease_vocab.one_to_one({c: [(names[0],)] for c, names in drugs.items() if names}, mesh_names)
    unnamed = {c: [(n,) for n in names] for c, names in drugs.items() if names and (names[0],) not in mesh_names}
    taken = set(by_label.values())
    by_names = {c: m for c, m in disease_vocab.one_to_one(unnamed, mesh_names).items() if m not in taken}
    return {**by_label, **by_names}


def rows(drugs: dict[str, list[str]], labels: list[tuple[str, str, str]]) -> list[tuple[str, str, str, str, str]]:
    """(DrugBank ID, drug label, MeSH ID, MeSH label, how) for every matched drug."""
    mesh_label: dict[str, str] = {}
    for ident, label, _ in sorted(labels):
        mesh_label.setdefault(ident, label)
    out = []
    for curie, mesh in sorted(match(drugs, labels).items()):
        ident = mesh.split(":", 1)[1]
        how = "label" if drugs[curie][0] == mesh_label[ident].lower() else "variant"
        out.append((curie.split(":", 1)[1], drugs[curie][0], ident, mesh_label[ident], how))
    return out


def table(path: Path = TSV) -> dict[str, str]:
    """DRUGBANK curie -> MESH curie, as `build` wrote them."""
    return {f"DRUGBANK:{r[0]}": f"MESH:{r[2]}" for r in table_records(path, "drugbank_id", 3)}


def write(out_rows: list[tuple[str, str, str, str, str]], path: Path = TSV) -> None:
    write_table(path, "MeSH IDs of DrugBank drugs (drug-named-entity-recognition) whose names are, one to one, the MeSH\n"
                "label of that ID in gilda 1.6.1 / biomappings 0.6.0 (python -m kg.nlp.chemical_ids build WHEEL_DIR);\n"
                "how: 'label' the drug's label, 'variant' another of its names",
                ("drugbank_id", "drug_label", "mesh_id", "mesh_label", "how"), out_rows)


def main(argv: list[str]) -> int:
    labels = disease_vocab.labels_for(argv, "build", "kg.nlp.chemical_ids", TSV, supplementary=True)
    if isinstance(labels, int):
        return labels
    got = rows(drug_names(), labels)
    write(got)
    print(f"{len(got)} drugs matched {dict(Counter(r[4] for r in got))} -> {TSV}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
