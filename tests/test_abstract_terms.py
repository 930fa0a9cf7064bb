"""casekg_abstract_terms: diagnosis-shaped words no vocabulary lists, outside case reports.

Sentences are written for these tests; nothing is taken from the gold corpora.
"""

import spacy

from kg.nlp import abstract_terms  # noqa: F401 - registers the factory
from kg.nlp.abstract_terms import disorder_word
from kg.nlp.extensions import SPAN_GROUP

CASE_FILLER = "A 45-year-old woman was admitted. " + "She was examined again on the ward. " * 45


def _nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Manifestation": ["hepatitis"], "Drug": ["isoniazid"]}})
    nlp.add_pipe("casekg_abstract_terms")
    return nlp


def _spans(doc):
    return [(s.text, s.label_, s.kb_id_) for s in doc.spans[SPAN_GROUP]]


def test_unlisted_disorder_words_become_unlinked_diseases():
    doc = _nlp()("Mice fed the diet developed cholangiofibrosis and a rhabdomyoma within weeks.")
    assert ("cholangiofibrosis", "Disease", "") in _spans(doc)
    assert ("rhabdomyoma", "Disease", "") in _spans(doc)


def test_covered_and_non_disorder_words_are_left_alone():
    doc = _nlp()("The diagnosis of hepatitis rested on homeostasis tests; antituberculosis treatment with isoniazid followed.")
    # hepatitis keeps its one lexicon span; diagnosis/homeostasis name no disorder; an anti- word names a drug class
    assert sorted(_spans(doc)) == [("hepatitis", "Manifestation", "TOY:hepatitis"), ("isoniazid", "Drug", "TOY:isoniazid")]


def test_word_inside_a_hyphenated_compound_is_not_taken():
    doc = _nlp()("The pro-fibrosis signal and anti-fibrosis drugs were compared.")
    assert _spans(doc) == []


def test_case_reports_are_left_to_case_terms():
    doc = _nlp()(CASE_FILLER + "Her biopsy then showed cholangiofibrosis.")
    assert "cholangiofibrosis" not in [t for t, _, _ in _spans(doc)]


def test_disorder_word_shape():
    assert disorder_word("pseudomyxomatosis") and disorder_word("angiopathy")
    assert not disorder_word("antithrombosis") and not disorder_word("prognosis") and not disorder_word("normokalemia")
    assert not disorder_word("imaging") and not disorder_word("questionnaire")


# --- names interrupted by a short form's definition; gene-word modifiers ---------------------

from kg.nlp.abstract_terms import MODIFIER_ROLE, interrupted_names, mark_named  # noqa: E402
from kg.nlp.name_keys import normalize_token  # noqa: E402

# a toy dictionary, keyed as the lexicon keys names (normalize_token of each word)
_NAMES = {
    ("left", "ventricular", "dysfunction"): ("Manifestation", "TOY:lvd", ()),
    ("kessler", normalize_token("-"), "brandt", "disease"): ("Disease", "TOY:kb", ()),
    ("left", "ventricular", "bleeding"): ("Manifestation", "TOY:lvb", ()),
}


def _toy_lookup(keys):
    return _NAMES.get(tuple(keys))


def _blank_with(text, found=()):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp(text)
    from spacy.tokens import Span

    from kg.nlp import extensions

    extensions.register()
    spans = []
    for s, e, label in found:
        sp = Span(doc, s, e, label=label)
        sp._.xrefs = ()
        spans.append(sp)
    doc.spans[SPAN_GROUP] = spans
    return doc


def test_a_name_interrupted_by_its_short_form_is_one_finding():
    doc = _blank_with("Echocardiography showed left ventricular (LV) dysfunction at rest.")
    interrupted_names(doc, _toy_lookup)
    assert _spans(doc) == [("left ventricular (LV) dysfunction", "Manifestation", "TOY:lvd")]
    # the short form alone stands for a part of the name ("left ventricular"), not the finding
    doc = _blank_with("Left ventricular (LV) dysfunction was graded; the LV was dilated.")
    interrupted_names(doc, _toy_lookup)
    assert [t for t, _, _ in _spans(doc)] == ["Left ventricular (LV) dysfunction"]


def test_a_generic_head_gives_the_short_form_the_disease():
    text = "Kessler-Brandt (KB) disease is rare. KB patients and the KB gene were studied in KB disease."
    doc = _blank_with(text)
    interrupted_names(doc, _toy_lookup)
    assert _spans(doc) == [("Kessler-Brandt (KB) disease", "Disease", "TOY:kb"), ("KB", "Disease", "TOY:kb"),
                           ("KB", "Disease", "TOY:kb"), ("KB disease", "Disease", "TOY:kb")]


def test_a_whole_name_replaces_the_finding_read_from_its_last_word():
    # tokens: Nausea and left ventricular ( LV ) bleeding; "bleeding" (7) was read alone
    doc = _blank_with("Nausea and left ventricular (LV) bleeding", [(7, 8, "Manifestation")])
    interrupted_names(doc, _toy_lookup)
    assert _spans(doc) == [("left ventricular (LV) bleeding", "Manifestation", "TOY:lvb")]
    # a finding reaching out of the name stands, and the name is not added
    doc = _blank_with("Nausea and left ventricular (LV) bleeding", [(0, 3, "Manifestation")])
    interrupted_names(doc, _toy_lookup)
    assert [t for t, _, _ in _spans(doc)] == ["Nausea and left"]


def test_no_name_when_the_dictionary_lacks_it_or_the_parenthesis_is_glued():
    for text in ("The right ventricular (RV) dysfunction was mild.", "Left ventricular (LV)-dysfunction was mild.",
                 "Left ventricular (LV; dilated) dysfunction was mild."):
        doc = _blank_with(text)
        interrupted_names(doc, _toy_lookup)
        assert _spans(doc) == [], text


def test_a_finding_before_a_gene_word_is_marked_as_a_modifier():
    doc = _blank_with("Mutations of the KB gene and KB mRNA were found in KB patients.",
                      [(3, 4, "Disease"), (6, 7, "Disease"), (11, 12, "Disease")])
    mark_named(doc)
    roles = [(s.text, s.end, (s._.attrs or {}).get("role")) for s in doc.spans[SPAN_GROUP]]
    assert roles == [("KB", 4, MODIFIER_ROLE), ("KB", 7, MODIFIER_ROLE), ("KB", 12, None)]


def test_two_undefined_capitals_are_no_finding_outside_case_reports():
    from kg.nlp.abstract_terms import drop_undefined_letters

    # tokens: "MR imaging of SD rats" -> MR 0, SD 3; "CHF" keeps (three letters)
    doc = _blank_with("MR imaging of SD rats with CHF.", [(0, 1, "Manifestation"), (3, 4, "Disease"), (6, 7, "Disease")])
    drop_undefined_letters(doc)
    assert [t for t, _, _ in _spans(doc)] == ["CHF"]
    # defined letters keep their uses, singular and plural
    text = "Sexual dysfunction (SD) was common. SD and SDs were rated."
    doc = _blank_with(text, [(0, 2, "Manifestation"), (8, 9, "Manifestation"), (10, 11, "Manifestation")])
    drop_undefined_letters(doc)
    assert [t for t, _, _ in _spans(doc)] == ["Sexual dysfunction", "SD", "SDs"]


def test_case_reports_keep_undefined_letters():
    nlp = _nlp()
    doc = nlp.make_doc(CASE_FILLER + "She had PD for years.")
    for name, proc in nlp.pipeline[:-1]:
        doc = proc(doc)
    from spacy.tokens import Span

    pd = [t.i for t in doc if t.text == "PD"][0]
    sp = Span(doc, pd, pd + 1, label="Disease")
    sp._.xrefs = ()
    doc.spans[SPAN_GROUP] = list(doc.spans.get(SPAN_GROUP, [])) + [sp]
    doc = nlp.get_pipe("casekg_abstract_terms")(doc)
    assert "PD" in [t for t, _, _ in _spans(doc)]


def test_a_tumour_before_suppressor_names_a_gene_class():
    doc = _blank_with("A tumour suppressor was lost in the tumour.", [(1, 2, "Manifestation"), (7, 8, "Manifestation")])
    mark_named(doc)
    assert [(s.start, (s._.attrs or {}).get("role")) for s in doc.spans[SPAN_GROUP]] == [(1, MODIFIER_ROLE), (7, None)]


def test_coordinated_site_adjectives_join_the_last_conjuncts_finding():
    from kg.nlp.abstract_terms import join_adjective_conjuncts

    # tokens: Hepatic(0) ,(1) splenic(2) and(3) adrenal(4) atrophy(5) followed(6) .(7)
    doc = _blank_with("Hepatic, splenic and adrenal atrophy followed.", [(4, 6, "Manifestation")])
    join_adjective_conjuncts(doc)
    assert [t for t, _, _ in _spans(doc)] == ["Hepatic, splenic and adrenal atrophy"]
    # a conjunct that is itself a finding, a participle, or "normal" stays out
    for text, found in (("Gout and adrenal atrophy followed.", [(0, 1, "Disease"), (2, 4, "Manifestation")]),
                        ("Reduced or adrenal atrophy followed.", [(2, 4, "Manifestation")]),
                        ("Normal or adrenal atrophy followed.", [(2, 4, "Manifestation")])):
        doc = _blank_with(text, found)
        join_adjective_conjuncts(doc)
        assert "adrenal atrophy" in [t for t, _, _ in _spans(doc)], text
    # a one-word finding (no adjective of its own to be parallel to) is left alone
    doc = _blank_with("Ocular and orbital toxicity followed.", [(3, 4, "Manifestation")])
    join_adjective_conjuncts(doc)
    assert [t for t, _, _ in _spans(doc)] == ["toxicity"]
