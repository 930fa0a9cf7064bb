"""Span rules of kg.nlp.finding_spans, run through casekg_lexicon on sentences written for these
tests (not taken from any corpus)."""

import pytest
import spacy
from test_lexicons import nlp  # noqa: F401 - the module-scoped lexicon pipeline fixture

from kg.nlp.finding_spans import _type_number, named_initials


def spans(nlp, text: str) -> dict[str, tuple[str, str]]:
    doc = nlp(text)
    return {s.text: (s.label_, s.kb_id_) for s in doc.spans["casekg"]}


def test_sporadic_joins_the_disease_it_qualifies(nlp) -> None:
    got = spans(nlp, "Somatic changes were rare in sporadic colon carcinomas and in sporadic melanoma.")
    assert "sporadic colon carcinomas" in got and "colon carcinomas" not in got
    assert "sporadic melanoma" in got
    # the concept stays the disease's own
    assert got["sporadic melanoma"][1] == spans(nlp, "She had melanoma.")["melanoma"][1]


def test_no_inheritance_prefix_on_a_gene_class(nlp) -> None:
    got = spans(nlp, "Germline alleles of familial tumour suppressor genes were typed in sporadic cases.")
    assert "tumour" in got and "familial tumour" not in got
    assert "hereditary melanoma" in spans(nlp, "The family had hereditary melanoma and a suppressor mutation.")


def test_symbol_deficient_adjectives_name_the_deficiency(nlp) -> None:
    got = spans(nlp, "Red cells from G6PD-deficient donors and ADA deficient children were lysed.")
    assert got["G6PD-deficient"] == ("Disease", spans(nlp, "He had G6PD deficiency.")["G6PD deficiency"][1])
    assert got["G6PD-deficient"][1]  # the dictionary's concept of "G6PD deficiency"
    assert got["ADA deficient"][0] == "Disease"
    # a chain of symbols is one mention of the combined deficiency, without one concept
    got = spans(nlp, "We crossed HPRT1-PGK1-deficient rats with wild-type rats.")
    assert got["HPRT1-PGK1-deficient"] == ("Disease", "")
    got = spans(nlp, "NO-deficient rats and mildly deficient animals served as controls.")
    assert not [t for t in got if "deficien" in t]


def test_symbol_deficiency_takes_the_dictionary_concept(nlp) -> None:
    # capitals are matched in their case, so "PAH deficiency" finds no lower-case name by itself
    got = spans(nlp, "Liver biopsy showed PAH-deficient hepatocytes, and a deficiency of PAH was confirmed.")
    want = spans(nlp, "The child had pah deficiency.")["pah deficiency"][1]
    assert want
    assert got["PAH-deficient"][1] == want and got["deficiency of PAH"][1] == want


def test_complement_component_deficiency_concept(nlp) -> None:
    got = spans(nlp, "Her brother had C9 deficiency and recurrent meningitis.")
    want = spans(nlp, "Her brother had complement component 9 deficiency.")["complement component 9 deficiency"][1]
    assert want and got["C9 deficiency"][1] == want


def test_subtype_concept(nlp) -> None:
    got = spans(nlp, "Two sisters had type IIA von Willebrand disease; their cousin had von Willebrand disease.")
    assert got["type IIA von Willebrand disease"][1] == spans(nlp, "She had type 2 von Willebrand disease.")["type 2 von Willebrand disease"][1]
    assert got["type IIA von Willebrand disease"][1] != got["von Willebrand disease"][1]
    # the bare name links OMIM's type I entry: a type the dictionary does not list gets no concept
    # rather than a sibling's
    bare = spans(nlp, "The fetus had atelosteogenesis on ultrasound.")["atelosteogenesis"][1]
    assert bare
    got = spans(nlp, "The fetus had atelosteogenesis type 7 on ultrasound.")
    assert got["atelosteogenesis type 7"] == ("Disease", "")
    got = spans(nlp, "The fetus had atelosteogenesis type 2 on ultrasound.")
    assert got["atelosteogenesis type 2"][1] not in ("", bare)


def test_subtype_after_a_short_form(nlp) -> None:
    got = spans(nlp, "Stickler syndrome (STL) was diagnosed; STL type 1 was confirmed in the father.")
    assert "STL type 1" in got and got["STL type 1"][1] == got["Stickler syndrome"][1]


def test_inherited_disorder_is_a_genetic_disease(nlp) -> None:
    got = spans(nlp, "Friedreich ataxia is an autosomal recessive condition of the nervous system.")
    assert got["autosomal recessive condition"] == ("Disease", spans(nlp, "A hereditary disease.")["hereditary disease"][1])
    assert got["autosomal recessive condition"][1]


@pytest.mark.parametrize("text,n", [("2", 2), ("1A", 1), ("IV", 4), ("IIb", 2), ("x", None), ("12", 12)])
def test_type_number(text: str, n: int | None) -> None:
    assert _type_number(text) == n


def test_undefined_initials_of_a_named_disease(nlp) -> None:
    text = "Boys with Wiskott-Aldrich syndrome were typed. WAS was confirmed in two of them."
    got = spans(nlp, text)
    assert got["WAS"] == got["Wiskott-Aldrich syndrome"]
    # no named finding with those initials: the letters stay unread
    assert "WAS" not in spans(nlp, "Boys with eczema were typed. WAS was confirmed in two of them.")

    # a defined short form means what its definition says (the lexicon's definition step decides)
    def initials(text: str) -> list[str]:
        doc = spacy.blank("en")(text)
        found = [(2, 5, "Manifestation", "X:1", ())]  # "acute renal failure"
        return [doc[m[0]:m[1]].text for m in named_initials(doc, found)]

    assert initials("He had acute renal failure; ARF resolved.") == ["ARF"]
    assert initials("He had acute renal failure (ARF); ARF resolved.") == []


def test_no_initials_in_case_reports(nlp) -> None:
    text = "A 52-year-old man with Wiskott-Aldrich syndrome presented with fever. " + "He was examined again. " * 50
    assert "WAS" not in spans(nlp, text + "WAS was confirmed.")
