"""kg.nlp.abbreviations: the short-form scan, its per-Doc cache and the token index, against a
token-by-token reference on sentences written for these tests."""

from __future__ import annotations

import pytest
import spacy

from kg.nlp import abbreviations
from kg.nlp.abbreviations import Definition, _GLUED, _MAX_SF_TOKENS, _plausible_short_form

SENTENCES = [
    "She was given methotrexate (MTX) and later MTX again.",
    "Nitroglycerin (NTG)-induced headache resolved.",
    "Creatine kinase (CK; normal < 200) was high, and lactate dehydrogenase (LDH, 400 U/L) too.",
    "(AB) at the very start is not a definition, but juvenile myositis (JM) is.",
    "A bracket that never closes (ABC and so on until the end",
    "Too many words (a b c d e f) then a list (Ab, cd) and ((XY)) nested (P)(Q) pairs.",
    "Lower case (ok) and digits (12) do not qualify; magnetic resonance imaging (MRI: T2) does.",
    "Ratio: (CRP)/(ESR) and x(AB) glued on the left; tumour necrosis factor (TNF-alpha) rose.",
    "No parentheses at all in this sentence.",
    "(",
]


def reference(doc) -> list[Definition]:  # noqa: ANN001 - a spaCy Doc
    """The rule read token by token: each "(" after the first token, on its own."""
    out, n = [], len(doc)
    for i in (k for k in range(1, n) if doc[k].text == "("):
        glued = _GLUED.match(doc[i + 1].text) if i + 1 < n else None
        if glued and _plausible_short_form(glued.group(1)):
            out.append(Definition(glued.group(1), i, i + 1, i + 2, (glued.group(1),)))
            continue
        limit = min(n, i + 1 + _MAX_SF_TOKENS)
        end = next((k for k in range(i + 1, limit) if doc[k].text in (")", "(", ";", ",", ":")), limit)
        if i + 1 < end < n and doc[end].text in (")", ";", ",", ":") and _plausible_short_form(doc[i + 1 : end].text):
            out.append(Definition(doc[i + 1 : end].text, i, i + 1, end, tuple(t.text for t in doc[i + 1 : end])))
    return out


@pytest.fixture(scope="module")
def nlp():  # noqa: ANN201
    return spacy.blank("en")


@pytest.mark.parametrize("text", SENTENCES)
def test_scan_matches_the_token_by_token_reference(nlp, text: str) -> None:
    doc = nlp(text)
    assert abbreviations.find_definitions(doc) == reference(doc)


def test_scan_finds_what_the_text_defines(nlp) -> None:
    shorts = [d.short for d in abbreviations.find_definitions(nlp(" ".join(SENTENCES)))]
    for expected in ("MTX", "NTG", "CK", "LDH", "JM", "Ab", "MRI", "TNF-alpha"):
        assert expected in shorts
    for not_one in ("ok", "12", "a b c d e f"):
        assert not_one not in shorts
    assert abbreviations.find_definitions(nlp("(AB) opens the text.")) == []  # nothing before it


def test_the_answer_is_cached_per_doc_and_not_shared(nlp) -> None:
    doc = nlp("Intravenous immunoglobulin (IVIG) was given.")
    first = abbreviations.find_definitions(doc)
    first.append("caller's own")  # a caller changing its list must not change the next answer
    again = abbreviations.find_definitions(doc)
    assert [d.short for d in again] == ["IVIG"]
    other = nlp("Plasma exchange (PLEX) was given.")
    assert [d.short for d in abbreviations.find_definitions(other)] == ["PLEX"]


def test_a_retokenised_doc_is_scanned_again(nlp) -> None:
    doc = nlp("Given rituximab (RTX) twice.")
    assert [(d.short, d.lf_end) for d in abbreviations.find_definitions(doc)] == [("RTX", 2)]
    with doc.retokenize() as retok:
        retok.merge(doc[0:2])  # "Given rituximab" -> one token: every index after it moves
    assert [(d.short, d.lf_end) for d in abbreviations.find_definitions(doc)] == [("RTX", 1)]
    assert abbreviations.find_definitions(doc) == reference(doc)


@pytest.mark.parametrize("text", SENTENCES)
def test_token_index_lists_every_token_under_its_text(nlp, text: str) -> None:
    doc = nlp(text)
    naive: dict[str, list[int]] = {}
    for t in doc:
        naive.setdefault(t.text, []).append(t.i)
    assert abbreviations.token_index(doc) == naive
