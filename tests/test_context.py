"""casekg_context: ConText statuses copied onto casekg spans, with our case-report rules."""

import pytest
import spacy

import kg.nlp.antibodies  # noqa: F401
import kg.nlp.context  # noqa: F401
import kg.nlp.outcomes  # noqa: F401
from kg.nlp.extensions import SPAN_GROUP

# Hand-made findings and drugs keep these tests independent of the lexicon's coverage.
_FINDINGS = {"fever", "arthritis", "myositis", "dysphagia", "rash", "hypertension", "vomiting", "tuberculosis",
             "lymphadenopathy", "hepatomegaly", "neutropenia", "intolerance", "alopecia", "calcinosis",
             "enzymes", "seizures", "lung", "significant effusion"}
_DRUGS = {"valaciclovir", "prednisone", "acyclovir", "rituximab"}


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Manifestation": sorted(_FINDINGS), "Drug": sorted(_DRUGS)}})
    nlp.add_pipe("casekg_antibodies")
    nlp.add_pipe("casekg_outcomes")
    nlp.add_pipe("casekg_context")
    return nlp


def status(nlp, text):
    doc = nlp(text)
    return {s.text.lower(): (s._.status, s._.cue) for s in doc.spans[SPAN_GROUP] if s.label_ != "Outcome"}


def test_no_x_was_reported(nlp):
    assert status(nlp, "No fever was reported.")["fever"] == ("negated", "No")


def test_coordinated_negation_covers_every_conjunct(nlp):
    got = status(nlp, "No arthritis, dysphagia or significant lymphadenopathy was detected.")
    assert {got[w][0] for w in ("arthritis", "dysphagia", "lymphadenopathy")} == {"negated"}


def test_negation_stops_at_but(nlp):
    got = status(nlp, "There was no fever but marked alopecia.")
    assert got["fever"][0] == "negated" and got["alopecia"][0] == "present"


@pytest.mark.parametrize("text, negated, present", [
    ("She denied fever and was given prednisone.", "fever", "prednisone"),
    ("There was no rash, and he was started on acyclovir.", "rash", "acyclovir"),
    ("No seizures occurred and they received valaciclovir.", "seizures", "valaciclovir"),
    ("He had no vomiting and then developed alopecia.", "vomiting", "alopecia"),
])
def test_negation_stops_where_and_opens_a_new_clause(nlp, text, negated, present):
    got = status(nlp, text)
    assert got[negated][0] == "negated" and got[present] == ("present", None)


def test_negation_stops_at_a_semicolon(nlp):
    got = status(nlp, "There was no rash; prednisone was tapered and hepatomegaly persisted.")
    assert got["rash"][0] == "negated" and got["prednisone"] == ("present", None) and got["hepatomegaly"][0] == "present"


def test_history_stops_where_and_opens_a_new_clause(nlp):
    got = status(nlp, "A history of tuberculosis and was started on rituximab.")
    assert got["tuberculosis"][0] == "historical" and got["rituximab"] == ("present", None)


def test_and_before_a_finding_keeps_the_negation(nlp):
    got = status(nlp, "She had no fever, rash and vomiting, and no hepatomegaly.")
    assert {got[w][0] for w in ("fever", "rash", "vomiting", "hepatomegaly")} == {"negated"}


def test_normal_x_is_negated(nlp):
    assert status(nlp, "She had normal liver enzymes.")["enzymes"][0] == "negated"


def test_x_was_not_detected_and_without(nlp):
    assert status(nlp, "Calcinosis was not detected on imaging.")["calcinosis"][0] == "negated"
    assert status(nlp, "She improved without seizures.")["seizures"][0] == "negated"


def test_ruled_out(nlp):
    assert status(nlp, "Tuberculosis was ruled out.")["tuberculosis"][0] == "negated"


def test_hypothetical(nlp):
    assert status(nlp, "If vomiting recurs, the dose will be reduced.")["vomiting"][0] == "hypothetical"
    assert status(nlp, "Should he develop neutropenia, rituximab will be paused.")["neutropenia"][0] == "hypothetical"


def test_historical(nlp):
    assert status(nlp, "She had a history of hypertension.")["hypertension"] == ("historical", "history")
    assert status(nlp, "He had previously received prednisone.")["prednisone"][0] == "historical"


def test_resolved_does_not_negate_what_follows(nlp):
    # medspaCy's default "resolved" rule would negate the drug; a resolved finding existed
    got = status(nlp, "The rash resolved under prednisone.")
    assert got["rash"][0] == "present" and got["prednisone"][0] == "present"


def test_not_tolerated_does_not_negate_the_reason(nlp):
    got = status(nlp, "Rituximab was not well tolerated because of intolerance.")
    assert got["intolerance"][0] == "present"


def test_prophylaxis_is_an_exposure(nlp):
    assert status(nlp, "Valaciclovir prophylaxis was added.")["valaciclovir"][0] == "present"


def test_negative_antibody_is_negated_and_consistent(nlp):
    doc = nlp("Anti-Jo-1 antibodies were negative. No anti-MDA5 antibodies were found.")
    abs_ = [s for s in doc.spans[SPAN_GROUP] if s.label_ == "Antibody"]
    assert [(s._.status, s._.attrs["polarity"]) for s in abs_] == [("negated", "negative"), ("negated", "negative")]


def test_outcome_cues_are_not_context_targets(nlp):
    doc = nlp("There was no improvement of the rash.")
    outs = [s for s in doc.spans[SPAN_GROUP] if s.label_ == "Outcome"]
    assert outs and outs[0]._.attrs["outcome"] == "unchanged" and outs[0]._.status == "present"


def test_negated_outcome_does_not_negate_the_finding(nlp):
    got = status(nlp, "There was no improvement of the rash.")
    assert got["rash"][0] == "present"
    assert status(nlp, "No relapse of myositis occurred.")["myositis"][0] == "present"


def _context_view(doc):
    """Per span: status, cue, and every modifier's span, scope and category."""
    return [(s.start, s.end, s.label_, s._.status, s._.cue,
             [(m.modifier_span, m.scope_span, m.category) for m in s._.modifiers])
            for s in doc.spans[SPAN_GROUP]]


def test_fast_path_gives_medspacys_result(nlp, monkeypatch):
    """The fast path (its own matcher, scopes from the sentence bounds, extension values read
    in doc.user_data) against medspaCy's ConText on the same docs: statuses, cues, modifiers.
    medspaCy runs with the two fixes the fast path makes (`_Modifier.limit_scope`: a terminator
    cuts a cue whose scope lies inside its own; `_Modifier.modifies`: a cue that opens a span
    modifies it); the last two texts need them."""
    from medspacy.context.context_modifier import ConTextModifier

    from kg import synth
    from kg.nlp.context import _Modifier

    monkeypatch.setattr(ConTextModifier, "limit_scope", _Modifier.limit_scope)
    monkeypatch.setattr(ConTextModifier, "modifies", _Modifier.modifies)

    texts = [a.text for a in synth.articles(12, 5)] + [
        "No fever, no rash and no arthritis were reported; she denied dysphagia but had vomiting.",
        "There was no evidence of tuberculosis. Hepatomegaly was ruled out, although neutropenia persisted.",
        "If seizures recur, rituximab may be given. She had a history of hypertension and alopecia.",
        "Rash, fever and myositis were absent, whereas calcinosis and lymphadenopathy were present.",
        "Negative for anti-Jo-1 antibodies.\n\nNo improvement of the rash after prednisone; fever resolved.",
        ("During the third week of her long stay in hospital she developed a rash which was attributed to prednisone "
         "after myositis and arthritis were ruled out."),
        # a cue that opens the span ("no significant" / "significant effusion")
        "There was no significant effusion, and no fever.",
    ]
    component = nlp.get_pipe("casekg_context")
    assert component.fast is not None
    fast = [_context_view(nlp(t)) for t in texts]
    saved, component.fast = component.fast, None
    try:
        slow = [_context_view(nlp(t)) for t in texts]
    finally:
        component.fast = saved
    assert fast == slow
    assert any(view[5] for doc in fast for view in doc)  # some modifiers were compared
