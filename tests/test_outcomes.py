"""casekg_outcomes: the gated cue search finds exactly what a whole-text search per rule finds."""

import pytest

from kg import synth
from kg.nlp.outcomes import _COMPILED, _FOLD, _GATES, _cue_matches

# Written for these tests: at least one phrasing per alternative of every rule, with
# punctuation, line breaks and hyphens around them.
SENTENCES = [
    "There was no further improvement; the rash did not resolve and showed no clear change.",
    "She failed to respond, lack of benefit was noted, absence of effect after 3 months.",
    "The lesions were unchanged, unresponsive and refractory (resistant to steroids); pain persisted.",
    "Weakness remained stable, remained active, was persisting; treatment was ineffective, not effective.",
    "An inadequate response, then insufficient response, and stable disease at week 12.",
    "No further relapses, no new flares, without signs of recurrence, never recurred, no reactivation.",
    "Remission was maintained; remission has been sustained. Durable complete remission, long-term remission.",
    "He remained in remission, remained relapse-free, remained free of relapse and symptom-free.",
    "The ulcer completely resolved, resolution of fever, the nodules disappeared and cleared, wounds healed.",
    "Rash vanished, pain abated, disease remitted, CK normalized, normalisation of ALT, cured.",
    "Complete regression, completely healed, went into remission, returned to normal, full recovery.",
    "She recovered completely; he recovered fully. The lesions markedly improved, improvement, improving.",
    "Symptoms ameliorated, alleviated, attenuated, diminished, subsided, receded, regressed, responded.",
    "Pain was relieved, relief of itch, recovered, recovery, decreased swelling, reduction in size, reduced.",
    "Partial remission, partially resolved, well controlled, successfully controlled, poorly controlled.",
    "Good response, excellent clinical response, dramatic response, X was effective, a beneficial effect.",
    "She felt better.",
    "The rash worsened, worsening, deteriorated, progressed, progression, progressive, exacerbated, aggravated.",
    "It became worse and got worse. A flare, flares, flared, flare-up, flare-ups, relapse, relapses, relapsed.",
    "Relapsing course, recurred, recurrence, recurrences, recurrent, reappeared, reappearance, rebound, re-emerged, reemerged.",
    "The dose was reduced to 5 mg; dosage decreased by 10 mg.\n\nNo\nimprovement\tafter\n\nthat.",
    # non-ASCII: re.I equates ſ/s, ı/i, K (Kelvin)/k, İ/i; Greek and accents around cues
    "Symptoms reſolved; İmproved rapidly; the fever ıs unchanged; β2-GPI titres decreased; café-au-lait unchanged.",
    "ﬁnally the lesions regreſſed — no ımprovement… and a fłare.",
    # session 8: gone for good, taken out, stopped
    "She no longer reports pain; the nodule was no longer visible, no longer palpable; he no longer required oxygen.",
    "The mass was removed, completely removed, with complete removal of the cyst and total removal of a polyp.",
    "The bleeding ceased, the cough had stopped, after cessation of the diarrhoea; gross total removal of it.",
    # session 9: relieved, absorbed
    "The ascites was gradually absorbed; cramps relieved, partly relieved, slightly relieved.",
]


def _whole_text(text: str) -> list[tuple[str, tuple[int, int]]]:
    return [(value, m.span()) for value, rx in _COMPILED for m in rx.finditer(text)]


def _corpus() -> list[str]:
    return SENTENCES + ["\n".join(SENTENCES), " ".join(SENTENCES).upper()] + [a.text for a in synth.articles(40, 5)]


@pytest.mark.parametrize("text", _corpus())
def test_gated_search_equals_whole_text_search(text):
    assert [(value, m.span()) for value, m in _cue_matches(text)] == _whole_text(text)


def test_every_match_contains_a_gate_word():
    # the gate words must be necessary: a match without one would be lost by the gated search
    hits = 0
    for text in _corpus():
        for (value, rx), words in zip(_COMPILED, _GATES):
            for m in rx.finditer(text):
                hits += 1
                assert any(w in m.group(0).translate(_FOLD).lower() for w in words), (value, m.group(0))
    assert hits > 200


def test_sentences_cover_every_rule():
    for value, rx in _COMPILED:
        assert any(rx.search(s) for s in SENTENCES), value


def _cues(findings, text):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Manifestation": findings, "Drug": ["aspirin"]}})
    nlp.add_pipe("casekg_outcomes")
    doc = nlp(text)
    return [(s.text, s._.attrs.get("outcome"), s._.attrs.get("by")) for s in doc.spans["casekg"] if s.label_ == "Outcome"]


def test_ceased_and_stopped_are_outcomes_only_of_a_finding():
    findings = ["bleeding", "cough"]
    assert _cues(findings, "The bleeding ceased. The cough had stopped.") == [
        ("ceased", "resolved", None), ("stopped", "resolved", None)]
    assert _cues(findings, "Bleeding stopped after cessation of the cough.") == [
        ("stopped", "resolved", None), ("cessation", "resolved", None)]
    # a drug stopped, or stopped before a finding's name, is no outcome (kg.nlp.relations: a discontinuation)
    assert _cues(findings, "Aspirin was stopped because of bleeding. After cessation of aspirin, cough began.") == []


def test_removal_is_marked_as_done_by_a_procedure():
    assert _cues(["mass"], "The mass was completely removed.") == [("completely removed", "resolved", "procedure")]
    assert _cues(["mass"], "Complete removal of the mass was confirmed.") == [("Complete removal", "resolved", "procedure")]
    assert _cues(["mass"], "The mass resolved.") == [("resolved", "resolved", None)]
    assert _cues(["mass"], "He no longer needed aspirin.") == []


def test_relieved_is_resolved_unless_partial():
    # session 9: a complaint "relieved" went away; "relief" and a qualified "relieved" are improvements
    assert _cues(["cramps"], "Her cramps were relieved within a day.") == [("relieved", "resolved", None)]
    assert _cues(["cramps"], "The cramps were partly relieved.") == [("partly relieved", "improved", None)]
    assert _cues(["cramps"], "Aspirin gave relief of the cramps.") == [("relief", "improved", None)]
    # an active verb with an object eased the finding ("X relieved the cramps"), as "alleviated" does
    assert _cues(["cramps"], "Aspirin relieved the cramps.") == [("relieved", "improved", None)]


def test_absorbed_is_resolved_only_with_a_finding_for_subject():
    findings = ["ascites", "effusion"]
    assert _cues(findings, "The ascites and the effusion were completely absorbed.") == [("completely absorbed", "resolved", None)]
    assert _cues(findings, "Aspirin is absorbed rapidly; the effusion grew.") == []


def test_a_suspended_prefix_is_no_cue():
    # "seizure-prone and -resistant rats": "-resistant" completes "seizure-", no outcome of anything
    assert _cues(["seizure"], "We bred seizure-prone and -resistant rats.") == []
    assert _cues(["seizure"], "Seizure-prone (SP) and-resistant (SR) rats were bred.") == []
    assert _cues(["seizure"], "The seizure was resistant to aspirin.") == [("resistant", "unchanged", None)]


def test_a_no_effect_cue_does_not_cross_a_finding():
    # "without ... effect" around findings names what is absent, not a lack of effect
    findings = ["oedema", "rash"]
    assert _cues(findings, "MRI showed a cyst without oedema and mass effect.") == []
    assert _cues(findings, "Aspirin had no clinical effect on the rash.") == [("no clinical effect", "unchanged", None)]
