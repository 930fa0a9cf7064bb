"""A one-to-one MeSH <-> HPO pair must name one concept: a phenotype that reaches a disease's
descriptor only through an entry term MeSH lists for one of the disease's signs is no exact
match (`disease_vocab.sign_pairs`). Toy names written for these tests."""

from test_lexicons import nlp  # noqa: F401 - the lexicon pipeline fixture

from kg.nlp.disease_vocab import one_to_one, sign_pairs


def _table() -> tuple[dict, dict, dict]:
    mesh = {
        # a disease descriptor that lists one of its signs as an entry term
        ("quorn", "complex"): {"MESH:D1"}, ("quorn", "disease"): {"MESH:D1"}, ("lilac", "papule"): {"MESH:D1"},
        # a sign descriptor: the phenotype bears its heading
        ("brindle", "cough"): {"MESH:D2"}, ("kennel", "croup"): {"MESH:D2"},
        # a disease whose name the phenotype shares
        ("ostler", "palsy"): {"MESH:D3"}, ("ostler", "neuropathy"): {"MESH:D3"},
        # an entry-term match with no disease of another name behind it
        ("gravel", "gut"): {"MESH:D4"}, ("stony", "bowel"): {"MESH:D4"},
    }
    headings = {"MESH:D1": ("quorn", "disease"), "MESH:D2": ("cough", "brindle"), "MESH:D3": ("ostler", "neuropathy"),
                "MESH:D4": ("gravel", "gut")}
    concepts = {
        "HP:1": [("lilac", "papule"), ("violet", "papule")],
        "ORPHA:1": [("quorn", "complex")],
        "HP:2": [("brindle", "cough")],
        "ORPHA:2": [("kennel", "croup")],
        "HP:3": [("ostler", "palsy")],
        "OMIM:3": [("ostler", "palsy"), ("ostler", "neuropathy")],
        "HP:4": [("stony", "bowel")],
    }
    return concepts, mesh, headings


def test_a_sign_listed_under_a_disease_is_no_exact_match() -> None:
    concepts, mesh, headings = _table()
    pairs = one_to_one(concepts, mesh, headings)
    # the name-level rule pairs them all, the sign included
    assert {c: pairs[c] for c in ("HP:1", "HP:2", "HP:3", "HP:4")} == {
        "HP:1": "MESH:D1", "HP:2": "MESH:D2", "HP:3": "MESH:D3", "HP:4": "MESH:D4"}
    assert sign_pairs(pairs, concepts, mesh, headings) == {"HP:1"}


def test_the_heading_in_another_word_order_keeps_the_pair() -> None:
    concepts, mesh, headings = _table()
    # "Cough, Brindle" is HP:2's own name; ORPHA:2 naming the descriptor in other words does not matter
    pairs = one_to_one(concepts, mesh, headings)
    assert "HP:2" not in sign_pairs(pairs, concepts, mesh, headings)
    # without its heading among the phenotype's names the same pair is a sign
    headings["MESH:D2"] = ("cough", "syndrome")
    assert "HP:2" in sign_pairs(pairs, concepts, mesh, headings)


def test_a_disease_sharing_a_word_with_the_phenotype_keeps_the_pair() -> None:
    concepts, mesh, headings = _table()
    pairs = one_to_one(concepts, mesh, headings)
    concepts["ORPHA:4"] = [("stony", "colic", "disease")]
    mesh[("stony", "colic", "disease")] = {"MESH:D4"}
    assert "HP:4" not in sign_pairs(pairs, concepts, mesh, headings)
    # "disease" is no shared word
    concepts["ORPHA:4"] = [("pebble", "disease")]
    mesh[("pebble", "disease")] = {"MESH:D4"}
    concepts["HP:4"] = [("stony", "bowel", "disease")]
    assert "HP:4" in sign_pairs(pairs, concepts, mesh, headings)


def test_only_phenotypes_are_judged() -> None:
    concepts, mesh, headings = _table()
    pairs = {"ORPHA:1": "MESH:D1", "OMIM:9": "MESH:D1"}
    concepts["OMIM:9"] = [("lilac", "papule")]
    assert sign_pairs(pairs, concepts, mesh, headings) == set()


def _spans(nlp, text: str) -> dict[str, tuple[str, str, tuple[str, ...]]]:  # noqa: ANN001
    doc = nlp(text)
    return {s.text: (s.label_, s.kb_id_, tuple(s._.xrefs)) for s in doc.spans["casekg"]}


def test_a_skin_sign_does_not_carry_its_diseases_descriptor(nlp) -> None:  # noqa: ANN001, F811
    got = _spans(nlp, "Facial angiofibromas were noted over both cheeks of the girl.")
    assert "MESH:D014402" not in got["Facial angiofibromas"][2]  # Tuberous Sclerosis


def test_a_phenotype_still_carries_the_descriptor_of_its_own_heading(nlp) -> None:  # noqa: ANN001, F811
    got = _spans(nlp, "Her blood pressure readings confirmed hypertension at the second visit.")
    assert "MESH:D006973" in got["hypertension"][2]


def test_a_mesh_span_takes_the_phenotype_its_heading_names(nlp) -> None:  # noqa: ANN001, F811
    got = _spans(nlp, "A radiograph taken after the fall showed occult spina bifida at the lumbosacral junction.")
    typ, curie, xrefs = got["occult spina bifida"]
    assert curie == "MESH:D016136" and "HP:0003298" in xrefs


def test_function_words_and_a_generic_head_do_not_narrow_a_heading() -> None:
    mesh = {("papilloma", "of", "choroid", "plexus"): {"MESH:D5"}, ("cyst", "kidney", "recessive"): {"MESH:D6"},
            ("quill", "syndrome", "1"): {"MESH:D7"}, ("quill",): {"MESH:D7"}}
    headings = {"MESH:D5": ("papilloma", "choroid", "plexus"), "MESH:D6": ("cyst", "kidney", "recessive"),
                "MESH:D7": ("quill", "syndrome")}
    concepts = {"ORPHA:5": [("papilloma", "of", "choroid", "plexus")],
                "ORPHA:6": [("recessive", "cyst", "kidney", "disease")],  # "disease" adds nothing
                "OMIM:7": [("quill", "syndrome", "1")]}  # a numbered type of the heading's syndrome
    mesh[("recessive", "cyst", "kidney", "disease")] = {"MESH:D6"}
    assert one_to_one(concepts, mesh, headings) == {"ORPHA:5": "MESH:D5", "ORPHA:6": "MESH:D6"}
