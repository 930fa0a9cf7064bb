"""MeSH cross-references (lexicon v42-44): diseases linked to HPO/Orphanet/OMIM get the MeSH
descriptor their names match one to one; DrugBank drugs get the MeSH ID whose MeSH label is
their name (kg.nlp.chemical_ids). Matching rules on data built here; the shipped tables on
sentences written for these tests."""

import zipfile
from pathlib import Path

from test_lexicons import nlp  # noqa: F401 - the lexicon pipeline fixture

from kg.nlp import chemical_ids
from kg.nlp.disease_vocab import WRONG, Descriptor, one_to_one, outside_labels, supplementary, verified_names


def test_one_to_one_needs_a_single_descriptor_and_a_single_concept() -> None:
    mesh = {("alpha", "disease"): {"MESH:D1"}, ("alpha", "syndrome"): {"MESH:D1"}, ("beta", "disease"): {"MESH:D2"},
            ("gamma",): {"MESH:D3"}, ("gamma", "disease", "1"): {"MESH:D3"}, ("delta",): {"MESH:D4"},
            ("delta", "disease"): {"MESH:D5"}}
    concepts = {
        "OMIM:1": [("alpha", "disease")],  # one descriptor, no other OMIM entry names it
        "HP:1": [("alpha", "syndrome"), ("unrelated",)],  # another ontology may share it
        "ORPHA:2": [("beta", "disease")],
        "OMIM:3": [("gamma", "disease", "1")],  # two OMIM types under one broader heading
        "OMIM:4": [("gamma",)],
        "HP:5": [("delta",), ("delta", "disease")],  # its names hit two descriptors
        "HP:6": [("epsilon",)],  # no MeSH name at all
    }
    assert one_to_one(concepts, mesh) == {"OMIM:1": "MESH:D1", "HP:1": "MESH:D1", "ORPHA:2": "MESH:D2"}


def test_a_name_that_adds_words_to_the_heading_is_narrower() -> None:
    mesh = {("hypogonadism",): {"MESH:D7"}, ("hypergonadotropic", "hypogonadism"): {"MESH:D7"},
            ("wiskott", "aldrich", "syndrome"): {"MESH:D8"}, ("aldrich", "syndrome"): {"MESH:D8"},
            ("fissured", "tongue"): {"MESH:D9"}}
    headings = {"MESH:D7": ("hypogonadism",), "MESH:D8": ("wiskott", "aldrich", "syndrome"), "MESH:D9": ("tongue", "fissured")}
    concepts = {"OMIM:7": [("hypergonadotropic", "hypogonadism")], "OMIM:8": [("wiskott", "aldrich", "syndrome")],
                "HP:9": [("fissured", "tongue")]}
    # a shorter entry term ("aldrich syndrome") is a synonym, not a broader heading; a
    # permuted heading ("Tongue, Fissured") has the same words
    assert one_to_one(concepts, mesh, headings) == {"OMIM:8": "MESH:D8", "HP:9": "MESH:D9"}
    assert one_to_one(concepts, mesh)["OMIM:7"] == "MESH:D7"  # no headings given: not checked


def test_rare_diseases_take_the_supplementary_record_of_their_label() -> None:
    labels = [("C100001", "Zorbel Disease", "gilda"), ("D100002", "Quill Syndrome", "gilda"),
              ("C100003", "Trent dysplasia", "gilda"), ("C100004", "Mauve syndrome", "biomappings")]
    concepts = {"OMIM:1": "Zorbel disease", "OMIM:2": "Quill syndrome", "OMIM:3": "Trent dysplasia",
                "ORPHA:3": "Trent dysplasia", "OMIM:4": "Mauve syndrome", "OMIM:5": "Mauve syndrome"}
    # case aside; a descriptor is no supplementary record; one per ontology; two OMIM entries
    # under one label take nothing
    assert supplementary(concepts, labels) == [("OMIM:1", "Zorbel disease", "C100001", "Zorbel Disease"),
                                               ("OMIM:3", "Trent dysplasia", "C100003", "Trent dysplasia"),
                                               ("ORPHA:3", "Trent dysplasia", "C100003", "Trent dysplasia")]


def test_only_outside_verified_ids_give_names() -> None:
    a = Descriptor("Alpha Disease", "D1", ("alpha disease", "alpha syndrome"), ("C10.1",))
    b = Descriptor("Beta Disease", "D2", ("beta disease",), ("C10.2",))
    c = Descriptor("Gamma Disease", "D3", ("gamma disease",), ("C10.3",))
    table = {"Alpha Disease": "MESH:D9", "Beta Disease": WRONG}  # Gamma: nothing outside speaks of it
    assert verified_names([a, b, c], table) == [("alpha disease", "MESH:D9"), ("alpha syndrome", "MESH:D9")]


def test_drugs_take_the_mesh_id_their_label_names_one_to_one() -> None:
    labels = [("D1", "Alphazine", "gilda"), ("C2", "betamol", "gilda"), ("C3", "Gammadol", "gilda"),
              ("D4", "gammadol", "biomappings"), ("D5", "deltamine", "gilda"), ("C6", "epsilonic acid", "gilda"),
              ("C7", "zeta salt", "gilda")]
    drugs = {
        "DRUGBANK:DB1": ["alphazine", "alphazine hydrochloride"],
        "DRUGBANK:DB2": ["betamol"],
        "DRUGBANK:DB3": ["gammadol"],  # one label, two MeSH IDs: no match
        "DRUGBANK:DB4": ["deltamine"],  # two drugs under one label: neither
        "DRUGBANK:DB5": ["deltamine"],
        "DRUGBANK:DB6": ["epsilonate", "epsilonic acid"],  # its label names nothing; a variant does
        "DRUGBANK:DB7": ["alphazine sodium", "alphazine"],  # a variant naming an ID a label has taken
        "DRUGBANK:DB8": ["zeta", "zeta salt", "betamol"],  # variants naming two IDs
    }
    assert chemical_ids.match(drugs, labels) == {"DRUGBANK:DB1": "MESH:D1", "DRUGBANK:DB2": "MESH:C2", "DRUGBANK:DB6": "MESH:C6"}
    got = {r[0]: r for r in chemical_ids.rows(drugs, labels)}
    assert got["DB1"] == ("DB1", "alphazine", "D1", "Alphazine", "label")
    assert got["DB6"] == ("DB6", "epsilonate", "C6", "epsilonic acid", "variant")


def test_supplementary_records_are_read_only_when_asked(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "gilda-1-py3-none-any.whl", "w") as z:
        z.writestr("gilda/resources/mesh_mappings.tsv",
                   "MESH\tC000002\tbevolamine\tCHEBI\tCHEBI:1\tbevolamine\nMESH\tD000003\tAlphazine\tCHEBI\tCHEBI:2\talphazine\n")
    assert {i for i, _, _ in outside_labels(tmp_path)} == {"D000003"}
    assert {i for i, _, _ in outside_labels(tmp_path, supplementary=True)} == {"C000002", "D000003"}


def test_build_refuses_a_directory_without_labels(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    before = chemical_ids.TSV.read_bytes()
    assert chemical_ids.main(["build", str(tmp_path / "missing")]) == 1
    assert "left as it is" in capsys.readouterr().err
    assert chemical_ids.TSV.read_bytes() == before


def _spans(nlp, text: str) -> dict[str, tuple[str, str, tuple[str, ...]]]:  # noqa: ANN001, F811
    doc = nlp(text)
    return {s.text: (s.label_, s.kb_id_, tuple(s._.xrefs)) for s in doc.spans["casekg"]}


def test_a_nosology_disease_carries_its_mesh_descriptor(nlp) -> None:  # noqa: F811
    got = _spans(nlp, "Two brothers with Huntington disease and a cousin with ataxia-telangiectasia were seen in clinic.")
    typ, curie, xrefs = got["Huntington disease"]
    assert typ == "Disease" and curie.startswith(("OMIM:", "ORPHA:")) and "MESH:D006816" in xrefs
    assert "MESH:D001260" in got["ataxia-telangiectasia"][2]


def test_a_short_form_carries_the_long_forms_descriptor(nlp) -> None:  # noqa: F811
    got = _spans(nlp, "Von Hippel-Lindau disease (VHL) was diagnosed; VHL explained the renal cysts.")
    assert got["VHL"][1] == got["Von Hippel-Lindau disease"][1] and "MESH:D006623" in got["VHL"][2]


def test_a_rare_disease_carries_its_supplementary_record(nlp) -> None:  # noqa: F811
    got = _spans(nlp, "The boy was blind from birth, and Norrie disease was confirmed by sequencing.")
    assert got["Norrie disease"][1].startswith(("OMIM:", "ORPHA:")) and "MESH:C537849" in got["Norrie disease"][2]


def test_a_name_cut_from_a_numbered_type_is_the_mesh_heading(nlp) -> None:  # noqa: F811
    # "myotonic dystrophy" is OMIM type 1 only with its number cut off; MeSH names the disease
    got = _spans(nlp, "Her father had myotonic dystrophy and cataracts from the age of forty.")
    assert got["myotonic dystrophy"][:2] == ("Disease", "MESH:D009223")


def test_a_broad_heading_is_not_given_to_one_of_its_types(nlp) -> None:  # noqa: F811
    # Myotonic Dystrophy's entry terms name both OMIM types: neither is that heading
    got = _spans(nlp, "A diagnosis of myotonic dystrophy 1 was made in the daughter.")
    typ, curie, xrefs = got["myotonic dystrophy 1"]
    assert curie.startswith("OMIM:") and not any(x.startswith("MESH:") for x in xrefs)


def test_drugs_carry_the_mesh_id_of_their_own_name(nlp) -> None:  # noqa: F811
    # none of them has a MeSH ID from the BC5CDR list's DrugBank column; the dictionary's own
    # mesh_id for amlodipine is a class (D014665, Vasodilator Agents)
    got = _spans(nlp, "Nicotine patches were stopped before amlodipine and then metformin were started.")
    for name, mesh in (("Nicotine", "MESH:D009538"), ("amlodipine", "MESH:D017311"), ("metformin", "MESH:D008687")):
        typ, curie, xrefs = got[name]
        assert typ == "Drug" and curie.startswith("DRUGBANK:") and mesh in xrefs, (name, got[name])


def test_every_user_of_the_dictionary_gets_the_xref(nlp) -> None:  # noqa: F811
    # components that read the lexicon's trie themselves (abstract_terms: names a short form's
    # definition interrupts) resolve its leaves, which carry the xref once the lexicon is built
    from kg.nlp import lexicons

    tok = lexicons._tokenizer()
    keys = lexicons._name_keys(tok, "Huntington disease")
    (m,) = [m for m in lexicons.resolve_leaf(0, len(keys), lexicons.lookup(keys, nlp.get_pipe("casekg_lexicon").trie)) if m[2] == "Disease"]
    assert m[3].startswith(("OMIM:", "ORPHA:")) and "MESH:D006816" in m[4]
