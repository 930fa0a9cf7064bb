"""Word forms learned from an ontology's own synonyms (kg.nlp.name_variants.learn_forms), on toy
name groups and sentences written for these tests."""

from test_lexicons import nlp, spans  # noqa: F401 - the lexicon pipeline fixture

from kg.nlp import lexicons
from kg.nlp.name_keys import LEAF, normalize_token
from kg.nlp.name_variants import learn_forms, learned_variants

# one list of names per concept, as HPO gives a label and its exact synonyms
_GROUPS = [
    ["Hypoplasia of the femur", "Femoral hypoplasia", "Hypoplastic femur"],
    ["Aplasia of the ulna", "Ulnar aplasia"],
    ["Fracture of the femur", "Broken thighbone"],
    ["Dysplasia of the elbow joint"],
    ["Liver cyst", "Hepatic cyst"],
    ["Liver abscess", "Hepatic abscess"],
    ["Abnormal liver morphology", "Abnormal hepatic morphology"],
    ["Enlargement of the liver", "Hepatomegaly"],
    ["Tongue thyroid", "Thyroid of the tongue"],
    ["Neck pain", "Cervical pain"],
    ["Neck mass", "Cervical mass"],
    ["Short neck", "Shortening of the neck"],
]


def _forms(groups: list[list[str]] = _GROUPS):  # noqa: ANN202
    return learn_forms(groups, normalize_token)


def test_body_part_adjectives_from_pairs_of_names() -> None:
    f = _forms()
    assert f.adjectives["femur"] == ("femoral",) and f.adjectives["ulna"] == ("ulnar",)
    assert f.nouns["femoral"] == ("femur",)
    # unlike in form, three concepts are needed: "liver" / "hepatic" has them, "neck" /
    # "cervical" (also the cervix) only two
    assert f.adjectives["liver"] == ("hepatic",)
    assert "neck" not in f.adjectives
    assert "liver" not in _forms(_GROUPS[:5] + _GROUPS[6:]).adjectives
    # and the noun must be a part HPO names as "N of the X"
    assert "liver" not in _forms(_GROUPS[:7]).adjectives
    # a condition is no body part: "Shortening of the neck" beside "Short neck" gives none
    assert "shortening" not in f.nouns.values()


def test_condition_adjectives_from_pairs_and_by_form() -> None:
    f = _forms()
    assert f.conditions["hypoplastic"] == ("hypoplasia",)
    assert f.conditions["short"] == ("shortening",)
    # no pair shows "dysplastic", but HPO names "Dysplasia of the X"
    assert f.conditions["dysplastic"] == ("dysplasia",)
    assert "fractured" not in f.conditions  # "Broken thighbone" is no one-word-apart pair
    assert {"hypoplasia", "aplasia", "fracture", "dysplasia"} <= f.heads


def test_variants_of_names() -> None:
    f = _forms()
    assert learned_variants("Hypoplasia of the ulna", f) == ["ulnar hypoplasia"]
    assert learned_variants("Ulnar dysplasia", f) == ["dysplasia of the ulna"]
    assert sorted(learned_variants("Dysplastic femur", f)) == ["dysplasia of the femur", "femoral dysplasia"]
    # only a condition turns round; a body part that is no body part of ours stays
    assert learned_variants("Lingual thyroid", f) == []
    assert learned_variants("Dysplastic kidney", f) == []
    # the body part just before the head, both ways; not further from it
    assert learned_variants("Abnormal femur morphology", f) == ["abnormal femoral morphology"]
    assert learned_variants("Recurrent hepatic abscesses", f) == ["recurrent liver abscesses"]
    assert learned_variants("Femur arterial calcification", f) == []
    assert learned_variants("Absence of the femur", f) == []


def _trie(names: dict[str, str]) -> dict:
    root: dict = {}
    for name, curie in names.items():
        node = root
        for w in name.split():
            node = node.setdefault(normalize_token(w), {})
        node[LEAF] = {"Manifestation": (curie, 0)}
    return root


def test_coordination_skips_a_conjunct_that_ends_a_finding() -> None:
    trie = _trie({"cardiac hypertrophy": "C1", "dilatation of the heart": "C2", "hypertrophy of the heart": "C3"})

    def coordinated(text: str) -> list[str]:
        keys = [normalize_token(w) for w in text.split()]
        found = lexicons.coordinations(keys, lexicons.find_matches(keys, trie), trie)
        return [" ".join(text.split()[s:e]) for s, e, *_ in found]

    # "hypertrophy" is the head of "cardiac hypertrophy", not a conjunct of "of the heart"
    assert coordinated("marked cardiac hypertrophy or dilatation of the heart was seen") == []
    assert coordinated("hypertrophy or dilatation of the heart was seen") == ["hypertrophy or dilatation of the heart"]


def test_learned_forms_match_in_text(nlp) -> None:  # noqa: F811 - the fixture
    # HPO lists "Dysplastic patella" and "Abnormal maxilla morphology", not these wordings
    got = {t: c for t, _, c in spans(nlp, "She had patellar dysplasia on both sides and an abnormal maxillary morphology.")}
    assert got.get("patellar dysplasia") == "HP:0006446"
    assert got.get("abnormal maxillary morphology") == "HP:0000326"
