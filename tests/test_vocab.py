"""kg.vocab: labels, synonyms, ancestors, IRIs from the offline ontology snapshots."""

import pytest

from kg import vocab


def test_hpo_label_and_synonyms() -> None:
    assert vocab.label("HP:0010783") == "Erythema"
    assert "Redness of skin or mucous membrane" in vocab.synonyms("HP:0010783")
    assert vocab.label("HP:9999999") is None
    assert vocab.synonyms("HP:9999999") == ()


def test_ancestors_stop_at_phenotypic_abnormality() -> None:
    anc = vocab.ancestors("HP:0010783")  # Erythema
    assert "HP:0000951" in anc  # Abnormality of the skin
    assert anc[-1] != "HP:0000001" and "HP:0000001" not in anc
    assert vocab.PHENOTYPIC_ABNORMALITY in anc
    assert vocab.ancestors("HP:0000118") == ()
    assert vocab.ancestors("DRUGBANK:DB00563") == ()


def test_is_phenotypic_abnormality() -> None:
    assert vocab.is_phenotypic_abnormality("HP:0002910")
    assert not vocab.is_phenotypic_abnormality("HP:0000006")  # autosomal dominant inheritance
    assert not vocab.is_phenotypic_abnormality("ORPHA:221")


def test_drugs_and_diseases() -> None:
    assert vocab.label("DRUGBANK:DB00563") == "Methotrexate"
    assert "amethopterin" in vocab.synonyms("DRUGBANK:DB00563")
    assert vocab.label("ORPHA:221") == "Dermatomyositis"
    assert vocab.label("ORPHA:93672") == "Juvenile dermatomyositis"


def test_verified_mesh_for_methotrexate() -> None:
    assert vocab.label("MESH:D008727", ).lower() == "methotrexate"
    assert "DRUGBANK:DB00563" in vocab.xrefs("MESH:D008727")


@pytest.mark.parametrize(
    "curie, expected",
    [
        ("HP:0000988", "http://purl.obolibrary.org/obo/HP_0000988"),
        ("DRUGBANK:DB11817", "https://go.drugbank.com/drugs/DB11817"),
        ("MESH:D008727", "http://id.nlm.nih.gov/mesh/D008727"),
        ("ORPHA:221", "http://www.orpha.net/ORDO/Orphanet_221"),
        ("OMIM:123456", "https://omim.org/entry/123456"),
        ("CASEKG:anti-NXP2", "https://w3id.org/casekg/antibody/anti-NXP2"),
    ],
)
def test_iri(curie: str, expected: str) -> None:
    assert vocab.iri(curie) == expected


def test_iri_rejects_unknown_prefix() -> None:
    with pytest.raises(ValueError):
        vocab.iri("FOO:1")
    with pytest.raises(ValueError):
        vocab.iri("HP0000988")


def test_extra_terms_without_identifier_make_no_term(tmp_path) -> None:
    from kg.vocab import Term, parse_extra_labels

    p = tmp_path / "extra.tsv"
    p.write_text("-\tManifestation\tmass\nHP:1\tManifestation\tlump\tLump\n", encoding="utf-8")
    terms: dict = {}
    parse_extra_labels(p, terms)
    assert "-" not in terms
    assert isinstance(terms["HP:1"], Term) and terms["HP:1"].label == "Lump"
