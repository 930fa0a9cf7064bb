"""kg.nlp.conjuncts: one finding per conjunct of a coordination that shares a head.

Sentences and dictionaries are written for these tests; nothing is taken from the gold corpora.
"""

import spacy
from spacy.tokens import Span

from kg.nlp import conjuncts
from kg.nlp.extensions import SPAN_GROUP, register
from kg.nlp.name_keys import normalize_token

_NLP = spacy.blank("en")


def _toy(names: dict[str, str], synonyms: dict[str, list[str]] | None = None):
    """A lookup, prefix test and concept-name function over a toy dictionary of names -> curies."""
    table = {tuple(normalize_token(w) for w in n.split()): ("Manifestation", c, ()) for n, c in names.items()}
    prefixes = {k[:i] for k in table for i in range(1, len(k) + 1)}
    syn = {c: [[normalize_token(w) for w in n.split()] for n in ns] for c, ns in (synonyms or {}).items()}
    return (lambda keys: table.get(tuple(keys)), lambda keys: tuple(keys) in prefixes, lambda c: syn.get(c, []))


def _read(text: str, names: dict[str, str], synonyms: dict[str, list[str]] | None = None, found: tuple[str, ...] = ()):
    """Run read_coordinations on `text` with finding spans already on the phrases `found`."""
    register()
    doc = _NLP(text)
    spans = []
    for phrase in found:
        start = text.index(phrase)
        spans.append(doc.char_span(start, start + len(phrase), label="Manifestation", kb_id="LEX:" + phrase))
    doc.spans[SPAN_GROUP] = spans
    lookup, prefix, name_keys = _toy(names, synonyms)
    conjuncts.read_coordinations(doc, lookup, prefix, name_keys, normalize_token)
    return {(s.text, s.kb_id_) for s in doc.spans[SPAN_GROUP]} - {(p, "LEX:" + p) for p in found}


# "pancreatic" begins a name ("pancreatic cyst"), as a word after the conjunction must
ORGANS = {"renal involvement": "T:kidney", "hepatic involvement": "T:liver", "cardiac involvement": "T:heart",
          "pancreatic cyst": "T:cyst", "social phobia": "T:phobia"}


def test_each_known_conjunct_gets_a_span_to_the_head_even_when_the_last_is_unknown():
    got = _read("The disease brings renal, hepatic, and pancreatic involvement within years.", ORGANS)
    assert got == {("renal, hepatic, and pancreatic involvement", "T:kidney"),
                   ("hepatic, and pancreatic involvement", "T:liver")}


def test_the_leftmost_conjunct_starts_where_its_name_starts():
    got = _read("Relatives showed early cardiac or renal involvement.", ORGANS)
    assert got == {("cardiac or renal involvement", "T:heart"), ("renal involvement", "T:kidney")}


def test_a_name_of_the_heads_concept_stands_in_for_the_head():
    names = {"lens clouding": "T:cataract", "nuclear cataract": "T:nuclear", "cortical cataract": "T:cortical"}
    got = _read("Slit-lamp views showed nuclear or cortical lens clouding.", names,
                {"T:cataract": ["cataract", "lens clouding"]}, found=("lens clouding",))
    assert got == {("nuclear or cortical lens clouding", "T:nuclear"), ("cortical lens clouding", "T:cortical")}


def test_one_known_conjunct_is_no_shared_head():
    # "social involvement" is no name: nothing says the head is shared
    assert _read("Patients report renal and social involvement.", ORGANS) == set()


def test_conjuncts_of_course_or_severity_name_no_findings_of_their_own():
    names = {"acute hepatitis": "T:acute", "chronic hepatitis": "T:chronic", "mild hepatitis": "T:mild"}
    assert _read("Both acute and chronic hepatitis were seen.", names) == set()
    assert _read("Cases of mild or chronic hepatitis were seen.", names) == set()


def test_a_list_of_findings_is_no_list_of_modifiers():
    names = {"eye abnormality": "T:eye", "urinary abnormality": "T:urine"}
    got = _read("She developed dry eyes, ascites, anemia and urinary abnormalities.", names, found=("dry eyes", "ascites", "anemia"))
    assert got == set()


def test_a_verb_after_the_conjunction_ends_the_coordination():
    names = {"eye abnormality": "T:eye", "nose abnormality": "T:nose", "skin abnormality": "T:skin"}
    assert _read("The mice lack eyes and nose and exhibit skin abnormalities.", names) == set()


def test_a_shared_head_before_of_conjuncts():
    names = {"hypoplasia of the thumb": "T:thumb", "hypoplasia of the radius": "T:radius"}
    got = _read("The boy had hypoplasia of the thumb or radius at birth.", names, found=("hypoplasia of the thumb",))
    assert got == {("hypoplasia of the thumb or radius", "T:radius")}
    # the second conjunct without a name of its own adds nothing
    assert _read("The boy had hypoplasia of the thumb or elbow at birth.", names, found=("hypoplasia of the thumb",)) == set()


def test_a_span_that_starts_inside_a_longer_conjunct_is_dropped():
    register()
    doc = _NLP("Films showed anterior cortical or nuclear cataract and a nuclear cataract later.")
    v = conjuncts._View(doc, normalize_token)
    outer, inner, plain = Span(doc, 2, 7, label="Manifestation"), Span(doc, 3, 7, label="Manifestation"), Span(doc, 9, 11, label="Manifestation")
    assert [s.text for s in conjuncts.drop_partial_conjuncts(v, [outer, inner, plain])] == [outer.text, plain.text]
    # with a comma between the starts the inner span is a conjunct of its own and stays
    doc = _NLP("Films showed anterior, cortical or nuclear cataract.")
    v = conjuncts._View(doc, normalize_token)
    outer, inner = Span(doc, 2, 8, label="Manifestation"), Span(doc, 4, 8, label="Manifestation")
    assert len(conjuncts.drop_partial_conjuncts(v, [outer, inner])) == 2


def test_course_and_severity_words_come_from_hpo():
    words = conjuncts.course_and_severity_words(normalize_token)
    assert {"mild", "severe", "acute", "chronic", "progressive"} <= words
    assert not {"renal", "cortical", "bilateral"} & words  # organs and positions name distinct findings


def test_in_the_pipeline_an_abstract_gets_one_hpo_finding_per_conjunct():
    from kg.nlp.pipeline import get_nlp

    doc = get_nlp()("Carriers of the variant had cutaneous, renal, and vestibular manifestations before puberty.")
    got = {s.text: s.kb_id_ for s in doc.spans[SPAN_GROUP] if s.label_ in ("Manifestation", "Disease")}
    assert got["cutaneous, renal, and vestibular manifestations"].startswith("HP:")
    assert got["renal, and vestibular manifestations"].startswith("HP:")
    assert got["cutaneous, renal, and vestibular manifestations"] != got["renal, and vestibular manifestations"]


def test_a_conjunction_inside_a_name_is_no_coordination():
    names = {"skull and bones tumor": "T:name", "bones tumor": "T:bones", "skull tumor": "T:skull", "liver tumor": "T:liver"}
    # the dictionary names the whole phrase: its conjunction joins no conjuncts
    assert _read("Patients with liver or skull and bones tumors were enrolled.", names) == set()
    assert _read("Patients with skull and bones tumors were enrolled.", names, found=("skull and bones tumors",)) == set()
