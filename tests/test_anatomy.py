"""Body sites attached to findings (kg/nlp/anatomy.py), on sentences written for the test."""

import pytest

from kg.nlp.pipeline import get_nlp


@pytest.fixture(scope="module")
def nlp():
    return get_nlp()


def sites(nlp, text: str) -> dict[str, str | None]:
    doc = nlp(text)
    return {
        s.text: (s._.attrs or {}).get("body_site")
        for s in doc.spans["casekg"]
        if s.label_ in ("Manifestation", "Disease")
    }


def test_prepositional_phrase_with_coordinated_sites(nlp):
    found = sites(nlp, "A pruritic rash mainly on the upper arms, thighs and trunk developed.")
    assert found["rash"] == "arm; thigh; trunk"


def test_adjective_chain_in_front_of_the_finding(nlp):
    found = sites(nlp, "Her cervical and axillary lymphadenopathy persisted.")
    assert found["lymphadenopathy"] == "neck; axilla"


def test_site_inside_the_linked_term(nlp):
    assert sites(nlp, "He reported severe abdominal pain.")["abdominal pain"] == "abdomen"


def test_no_site_borrowed_across_another_finding(nlp):
    found = sites(nlp, "Treatment was stopped because of thrombocytopenia and an ulcer on the left foot.")
    assert found["thrombocytopenia"] is None
    assert found["ulcer"] == "foot"


def test_no_site_when_none_is_stated(nlp):
    assert set(sites(nlp, "Fever and fatigue resolved within a week.").values()) == {None}


def test_body_site_reaches_the_graph():
    from kg.corpus import content_hash
    from kg.extract import extract
    from kg.model import Article, ArticleMeta
    from kg.rdf import CKG, article_quads

    text = "A 40-year-old man presented with an abscess in the left axilla.\n"
    meta = ArticleMeta(id="case-site")
    article = Article(meta=meta, text=text, sha256=content_hash(text.encode(), meta))
    quads = article_quads(article, extract(article))
    assert {q.object.value for q in quads if q.predicate.value == CKG + "bodySite"} == {"axilla"}
