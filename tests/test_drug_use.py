"""casekg_drug_use: a chemical given to the patient vs one merely named, in case-report narratives.

Sentences, toy weights and toy gold are written for these tests; nothing is taken from the gold
corpora. The shipped weights are checked only on clear cases written here.
"""

import pytest
import spacy
from spacy.tokens import Span

from kg.evaluate import ANALYTE, PROFILES, _pred, evaluate_docs
from kg.gold import GoldDoc, GoldMention
from kg.model import NAMED_ROLE, NOT_ADMINISTERED_ROLES
from kg.nlp import drug_use as du
from kg.nlp.extensions import SPAN_GROUP, register
from kg.nlp.finding_type import Model

FILLER = " She was examined again on the ward." * 40
CASE = ("A 61-year-old woman was admitted with fever. She was started on ceftriaxone 2 g daily. "
        "An MRI with gadolinium showed a small abscess in the liver." + FILLER)


def _nlp(weights_path=None):
    """Sentencizer, a toy lexicon of two drugs, and the component with `weights_path` (if any)."""
    steps = [("sentencizer", {}), ("casekg_toy_lexicon", {"terms": {"Drug": ["ceftriaxone", "gadolinium"]}})]
    if weights_path is not None:
        steps.append(("casekg_drug_use", {"path": str(weights_path)}))
    nlp = spacy.blank("en")
    for name, cfg in steps:
        nlp.add_pipe(name, config=cfg)
    return nlp


@pytest.fixture()
def imaging_model(tmp_path):
    """A model that calls a chemical named (not given) only in a sentence with an imaging word."""
    path = tmp_path / "weights.tsv"
    du.write_model(Model({"bias": 2.0, "cue=image": -4.0}, 0.0, 0.5), path)
    return path


def _roles(doc):
    return {s.text: (s._.attrs or {}).get("role") for s in doc.spans[SPAN_GROUP]}


def test_flags_a_chemical_named_in_an_imaging_sentence(imaging_model) -> None:
    doc = _nlp(imaging_model)(CASE)
    assert _roles(doc) == {"ceftriaxone": None, "gadolinium": NAMED_ROLE}
    assert all(s.label_ == "Drug" and s.kb_id_.startswith("TOY:") for s in doc.spans[SPAN_GROUP])  # type and concept kept


def test_abstracts_are_untouched(imaging_model) -> None:
    text = "In this cohort, MRI with gadolinium was compared with ultrasound in 40 adults given ceftriaxone."
    assert set(_roles(_nlp(imaging_model)(text)).values()) == {None}


def test_threshold(tmp_path) -> None:
    path = tmp_path / "weights.tsv"
    du.write_model(Model({"bias": 0.5}, 0.0, 0.6), path)  # P = 0.62 for every span
    assert set(_roles(_nlp(path)(CASE)).values()) == {None}
    du.write_model(Model({"bias": 0.5}, 0.0, 0.7), path)
    # ceftriaxone's sentence says it was started: protected whatever the weights
    assert _roles(_nlp(path)(CASE)) == {"ceftriaxone": None, "gadolinium": NAMED_ROLE}


def test_analytes_stay_analytes(imaging_model) -> None:
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp(CASE)
    start = next(t.i for t in doc if t.text == "gadolinium")
    span = Span(doc, start, start + 1, "Drug")
    span._.attrs = {"role": "analyte"}
    doc.spans[SPAN_GROUP] = [span]
    assert du.doc_features(doc) == []  # not a candidate: already not administered
    nlp.add_pipe("casekg_drug_use", config={"path": str(imaging_model)})
    assert _roles(nlp.get_pipe("casekg_drug_use")(doc)) == {"gadolinium": "analyte"}


def test_features() -> None:
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    text = ("He received warfarin and aspirin 100 mg daily. Sections stained with hematoxylin were reviewed. "
            "High doses of imatinib are tolerated [4, 5].")
    doc = nlp(text)
    tok = {t.text: t.i for t in doc}
    spans = [Span(doc, tok[w], tok[w] + 1, "Drug", kb_id=k) for w, k in
             (("warfarin", "DRUGBANK:DB1"), ("aspirin", "DRUGBANK:DB2"), ("hematoxylin", ""), ("imatinib", "MESH:D1"))]
    spans[1]._.attrs = {"dose": "100", "unit": "mg", "frequency": "daily"}
    dose = Span(doc, tok["aspirin"] + 1, tok["aspirin"] + 3, "Dose")
    feats = {s.text: set(f) for s, f in du.doc_features(doc, [*spans, dose])}
    assert set(feats) == {"warfarin", "aspirin", "hematoxylin", "imatinib"}  # Drug spans only
    assert {"src=DRUGBANK", "cue=give", "patient", "near_drug", "sent_dose", "l1=received", "h=warfarin"} <= feats["warfarin"]
    assert {"has=dose", "has=frequency", "dosed_in_doc", "near_drug"} <= feats["aspirin"]
    assert "has=dose" not in feats["warfarin"] and "dosed_in_doc" not in feats["warfarin"]
    assert {"src=none", "diagnostic_agent", "cue=pathology"} <= feats["hematoxylin"]
    assert not feats["hematoxylin"] & {"patient", "sent_dose", "cue=give", "near_drug"}
    assert {"citation", "general", "cue=literature", "cue=regimen", "src=MESH"} <= feats["imatinib"]
    assert "patient" not in feats["imatinib"] and "citation" not in feats["warfarin"]


def test_citation_markers() -> None:
    for marked in ("as reported [3].", "as reported [3, 8].", "as reported [4–6].", "as reported (12).", "Lee et al. found"):
        assert du._CITATION.search(marked), marked
    for plain in ("warfarin 5 mg [1.5 mg/kg]", "(30 mg, daily)", "(15–65 pg/L)", "(FDG)"):
        assert not du._CITATION.search(plain), plain


def test_examples_label_by_gold_medication() -> None:
    nlp = _nlp()
    case = CASE.replace("She was started on ceftriaxone 2 g daily.", "Her list named ceftriaxone 2 g daily.")
    doc = nlp(case)
    c = case.index("ceftriaxone")
    gold = GoldDoc("x", case, [GoldMention(c, c + len("ceftriaxone 2 g"), "Drug"), GoldMention(0, 1, "Disease")])
    ex = du.examples([(gold, doc)])
    assert sorted((next(x for x in f if x.startswith("t=")), y) for f, y in ex) == [("t=ceftriaxone", 1), ("t=gadolinium", 0)]
    short = GoldDoc("y", "She was given ceftriaxone.", [])
    assert du.examples([(short, nlp(short.text))]) == []  # not a case narrative


def test_model_file_round_trip(tmp_path) -> None:
    path = tmp_path / "weights.tsv"
    du.write_model(Model({"bias": 0.25, "cue=image": -1.5}, 0.0, 0.4), path, "a note")
    assert "positive = administered" in path.read_text().splitlines()[0]
    m = du.read_model(path)
    assert m.weights == {"bias": 0.25, "cue=image": -1.5} and m.threshold == 0.4
    assert du.p_given(m, ["bias", "cue=image"]) == pytest.approx(1 / (1 + 2.718281828 ** 1.25), abs=1e-6)


def test_named_chemicals_are_not_medications_for_maccrobat_but_chemicals_for_bc5cdr(imaging_model) -> None:
    assert NAMED_ROLE in NOT_ADMINISTERED_ROLES and "analyte" in NOT_ADMINISTERED_ROLES
    doc = _nlp(imaging_model)(CASE)
    preds = [_pred(s) for s in doc.spans[SPAN_GROUP]]
    assert sorted(p[2] for p in preds) == sorted(["Drug", ANALYTE])
    g = CASE.index("gadolinium")
    gold = [GoldDoc("x", CASE, [GoldMention(g, g + 10, "Drug")])]
    mac = evaluate_docs(gold, lambda _: preds, PROFILES["maccrobat-dev"])
    cdr = evaluate_docs(gold, lambda _: preds, PROFILES["bc5cdr-dev"])
    assert mac.overlap["Drug"].tp_gold == 0 and mac.overlap["Drug"].n_pred == 1  # only ceftriaxone counts
    assert cdr.overlap["Drug"].tp_gold == 1 and cdr.overlap["Drug"].n_pred == 2


SHIPPED_CASE = (
    "A 58-year-old man was admitted with fever and a productive cough. He was started on ceftriaxone 2 g "
    "intravenously daily. Computed tomography with iodinated contrast medium showed a mass in the right lower lobe. "
    "Biopsy sections were reviewed, and immunohistochemical staining was positive for chromogranin. "
    "He then received four cycles of carboplatin, and the mass shrank." + FILLER.replace("She", "He"))


def _deciding(config):
    return [(n, {**c, "decide": True} if n == "casekg_drug_use" else c) for n, c in config]


def test_shipped_pipeline_and_weights() -> None:
    from kg.nlp.pipeline import PIPELINE, build_nlp, get_nlp

    names = [n for n, _ in PIPELINE]
    assert names.index("casekg_dosage") < names.index("casekg_drug_use") < names.index("casekg_relations")
    assert 0 < du.read_model().threshold < 1
    assert dict(PIPELINE)["casekg_drug_use"].get("decide", True)  # the shipped pipeline decides
    nlp = build_nlp(_deciding(PIPELINE))
    doc = nlp(SHIPPED_CASE)
    shipped = get_nlp()(SHIPPED_CASE)
    assert [(s.text, (s._.attrs or {}).get("role")) for s in shipped.spans[SPAN_GROUP]] == \
        [(s.text, (s._.attrs or {}).get("role")) for s in doc.spans[SPAN_GROUP]]
    roles = {s.text: (s._.attrs or {}).get("role") for s in doc.spans[SPAN_GROUP] if s.label_ == "Drug"}
    assert roles["ceftriaxone"] is None and roles["carboplatin"] is None  # protected: started, received
    exposed = {doc.text[st["subject"][0]:st["subject"][1]] for st in doc._.statements if st["kind"] == "exposure"}
    assert {"ceftriaxone", "carboplatin"} <= exposed
    # an abstract gives the same spans and roles with and without the component
    text = ("Patients given ceftriaxone had fewer relapses; contrast-enhanced computed tomography with iodinated "
            "contrast medium was read by two radiologists.")
    without = build_nlp([p for p in PIPELINE if p[0] != "casekg_drug_use"])(text)
    with_it = nlp(text)
    seen = [(s.text, s.label_, (s._.attrs or {}).get("role")) for s in with_it.spans[SPAN_GROUP]]
    assert seen and seen == [(s.text, s.label_, (s._.attrs or {}).get("role")) for s in without.spans[SPAN_GROUP]]


def test_regimen_acronyms(tmp_path) -> None:
    table = tmp_path / "regimens.tsv"
    table.write_text("# acronym\tdrugs\nR-CHOP\trituximab;cyclophosphamide\nCHOP\tcyclophosphamide\n"
                     "FOLFOX\tfolinic acid;fluorouracil;oxaliplatin\nHyper-CVAD\tcyclophosphamide;vincristine\n")
    regimens = du.read_regimens(table)
    assert regimens["CHOP"] == "cyclophosphamide" and len(regimens) == 4
    pattern = du.regimen_pattern(regimens)
    text = ("She had R-CHOP-21, then CHOP, mFOLFOX6 and FOLFOX-4, then hyper-CVAD. "
            "We chop the herbs. The CHOPPER and XR-CHOP codes and FOLFOXIRI are not these.")
    assert [m.group() for m in pattern.finditer(text)] == ["R-CHOP-21", "CHOP", "mFOLFOX6", "FOLFOX-4", "hyper-CVAD"]
    assert [m.group("name") for m in pattern.finditer(text)] == ["R-CHOP", "CHOP", "FOLFOX", "FOLFOX", "hyper-CVAD"]


def test_regimens_only_in_sentences_about_treatment(tmp_path) -> None:
    table = tmp_path / "regimens.tsv"
    table.write_text("ECF\tepirubicin;cisplatin;fluorouracil\n")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": ["aspirin"]}})
    nlp.add_pipe("casekg_drug_use", config={"regimens": str(table), "decide": False})
    case = ("A 70-year-old man took aspirin. A CT scan showed an ECF near the scar. "
            "Two cycles of ECF were then given for the gastric cancer." + FILLER)
    doc = nlp(case)
    found = [s.start_char for s in doc.spans[SPAN_GROUP] if s.text == "ECF"]
    assert found == [case.rindex("ECF")]  # the fistula is no regimen, the chemotherapy is


def test_regimens_become_drug_spans_in_case_reports(tmp_path) -> None:
    table = tmp_path / "regimens.tsv"
    table.write_text("R-CHOP\trituximab;cyclophosphamide\nABVD\tdoxorubicin;bleomycin\n")
    weights = tmp_path / "weights.tsv"
    du.write_model(Model({"bias": 2.0}, 0.0, 0.5), weights)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": ["rituximab", "ABVD"]}})
    nlp.add_pipe("casekg_drug_use", config={"path": str(weights), "regimens": str(table)})
    case = "A 40-year-old man with lymphoma was given rituximab, then six cycles of R-CHOP, then ABVD." + FILLER
    doc = nlp(case)
    spans = {s.text: s for s in doc.spans[SPAN_GROUP]}
    assert set(spans) == {"rituximab", "R-CHOP", "ABVD"}
    r = spans["R-CHOP"]
    assert r.label_ == "Drug" and r.kb_id_ == "" and r._.concept_label == "R-CHOP"
    assert r._.attrs == {"regimen": "rituximab;cyclophosphamide"}
    assert spans["ABVD"].kb_id_ == "TOY:abvd"  # a Drug span already there is kept as it is
    abstract = "Six cycles of R-CHOP were compared with rituximab alone."
    doc = nlp(abstract)
    assert {s.text for s in doc.spans[SPAN_GROUP]} == {"rituximab"}  # abstracts untouched


def _toy_component(tmp_path, weights, drugs):
    path = tmp_path / "weights.tsv"
    du.write_model(Model(weights, 0.0, 0.5), path)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": drugs}})
    nlp.add_pipe("casekg_drug_use", config={"path": str(path)})
    return nlp


def _role_list(doc):
    return [(s.text, (s._.attrs or {}).get("role")) for s in doc.spans[SPAN_GROUP]]


def test_a_short_form_shares_its_long_forms_decision(tmp_path) -> None:
    # weights that would flag any capitalised short form on its own spelling
    nlp = _toy_component(tmp_path, {"bias": 2.0, "short_form": -5.0, "capital": -5.0, "h=iohexol": -6.0},
                         ["tacrolimus", "TAC", "iohexol", "IHX", "QRZ"])
    case = ("A 45-year-old woman came to the clinic after a kidney transplant. Her chart listed tacrolimus (TAC) among the drugs of her first transplant. "
            "The angiogram used iohexol (IHX) in a small volume. "
            "TAC was on her list that week. An IHX bolus was kept in the room. "
            "Her notes also mentioned QRZ at some point." + FILLER)
    doc = nlp(case)
    nlp.get_pipe("casekg_drug_use").decide = False
    cands = du.candidates(nlp(case))  # before the decision: a flagged span is no candidate any more
    assert _role_list(doc) == [
        ("tacrolimus", None), ("TAC", None),  # the bracket takes its drug's P, not its own spelling's
        ("iohexol", NAMED_ROLE), ("IHX", NAMED_ROLE),  # and a flag too: IHX alone would be kept
        ("TAC", None),  # a defined short form elsewhere: its spelling is no evidence either
        ("IHX", None),  # ... but its own sentence decides (P from the bias alone)
        ("QRZ", NAMED_ROLE),  # no long form in the report: the spelling features stay
    ]
    assert [c.long_form for c in cands] == [None, 0, None, 2, None, None, None]
    surface = {"capital", "short_form", "in_parens"}
    assert [bool(surface & set(c.features)) for c in cands] == [False, False, False, False, False, False, True]


def test_a_bracket_needs_a_drug_right_before_it(tmp_path) -> None:
    nlp = _toy_component(tmp_path, {"bias": 2.0}, ["heparin", "HEP"])
    doc = nlp("A 45-year-old man came to the clinic. The ward used heparin flushes (HEP) for the lines. "
              "Heparin (see above) was listed." + FILLER)
    assert [c.long_form for c in du.candidates(doc)] == [None, None, None]


@pytest.mark.parametrize("sentence", [
    "She was given aspirin on the ward.", "Aspirin had been prescribed by her doctor.",
    "He received aspirin for the pain.", "The fever was treated with aspirin.", "She took aspirin at night.",
    "Aspirin was administered before the procedure.", "The aspirin dose was halved.",
    "Aspirin was started after the scan.", "Aspirin was infused slowly."])
def test_a_sentence_saying_the_drug_was_given_protects_it(tmp_path, sentence) -> None:
    nlp = _toy_component(tmp_path, {"bias": -3.0}, ["aspirin"])  # weights that flag every span
    text = "A 50-year-old man came to the clinic. " + sentence + FILLER
    assert [(w.lower(), r) for w, r in _role_list(nlp(text))] == [("aspirin", None)]
    assert _role_list(nlp("A 50-year-old man came to the clinic. Aspirin was on the shelf." + FILLER)) == \
        [("Aspirin", NAMED_ROLE)]


@pytest.mark.parametrize("attrs", [{"dose": "5", "unit": "mg"}, {"route": "oral"}])
def test_a_dose_or_route_protects_a_drug(attrs, imaging_model) -> None:
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    text = "A 50-year-old man came to the clinic. The CT scan report mentioned warfarin." + FILLER
    doc = nlp(text)
    start = next(t.i for t in doc if t.text == "warfarin")
    nlp.add_pipe("casekg_drug_use", config={"path": str(imaging_model)})
    for a, role in ((None, NAMED_ROLE), (attrs, None)):  # the imaging sentence flags it unless protected
        span = Span(doc, start, start + 1, "Drug")
        span._.attrs = dict(a) if a else {}
        doc.spans[SPAN_GROUP] = [span]
        assert (nlp.get_pipe("casekg_drug_use")(doc).spans[SPAN_GROUP][0]._.attrs or {}).get("role") == role


def test_training_examples_are_the_spans_the_model_decides() -> None:
    text = ("A 61-year-old woman was admitted with fever. The MRI with gadolinium (GD) showed a small abscess. "
            "She was started on ceftriaxone." + FILLER)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": ["ceftriaxone", "gadolinium", "GD"]}})
    doc = nlp(text)
    g = text.index("gadolinium")
    gold = GoldDoc("x", text, [GoldMention(g, g + 10, "Drug")])
    ex = du.examples([(gold, doc)])
    # GD takes gadolinium's decision, ceftriaxone is protected: only gadolinium is learned from
    assert [(next(x for x in f if x.startswith("t=")), y) for f, y in ex] == [("t=gadolinium", 1)]


@pytest.mark.parametrize("sentence, drug", [
    ("A shunt was placed, and the heparin shunt was flushed after we started the pump.", "heparin"),
    ("The surgeon fixed the defect with a titanium mesh and treated the wound.", "titanium"),
    ("An insulin tolerance test was given in the morning.", None),  # 'tolerance' is no head of the list
    ("A glucagon stimulation test was administered at 8 am.", "glucagon"),
    ("Serum vancomycin levels were measured after she received the first bag.", "vancomycin"),
    ("Tests showed growth hormone (GH) deficiency, so he was treated.", "growth hormone"),
    ("Her chart notes a penicillin allergy; she was treated with other drugs.", "penicillin"),
])
def test_a_chemical_modifying_a_device_test_or_body_property_is_not_given(tmp_path, sentence, drug) -> None:
    # weights that keep every span: only the head-noun rule can flag, and it overrides the given words
    drugs = ["heparin", "titanium", "insulin", "glucagon", "vancomycin", "growth hormone", "GH", "penicillin"]
    nlp = _toy_component(tmp_path, {"bias": 3.0}, drugs)
    roles = dict(_role_list(nlp("A 50-year-old man came to the clinic. " + sentence + FILLER)))
    flagged = {w for w, r in roles.items() if r == NAMED_ROLE}
    assert flagged == ({drug, "GH"} if drug == "growth hormone" else {drug} if drug else set())


def test_a_drug_with_a_dose_is_never_read_as_a_modifier(imaging_model) -> None:
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("A 50-year-old man came to the clinic. On the ward heparin levels were kept in range." + FILLER)
    start = next(t.i for t in doc if t.text == "heparin")
    nlp.add_pipe("casekg_drug_use", config={"path": str(imaging_model)})  # keeps a span outside imaging sentences
    for attrs, role in (({"dose": "5000", "unit": "units"}, None), ({}, NAMED_ROLE)):
        span = Span(doc, start, start + 1, "Drug")
        span._.attrs = dict(attrs)
        doc.spans[SPAN_GROUP] = [span]
        assert (nlp.get_pipe("casekg_drug_use")(doc).spans[SPAN_GROUP][0]._.attrs or {}).get("role") == role


def _added(tmp_path, text, drugs=("aspirin",)):
    """Drug spans (text, concept ID, label) after the component, regimens and decision aside."""
    table = tmp_path / "regimens.tsv"
    table.write_text("R-CHOP\trituximab;cyclophosphamide\n")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casekg_toy_lexicon", config={"terms": {"Drug": list(drugs)}})
    nlp.add_pipe("casekg_drug_use", config={"regimens": str(table), "decide": False})
    doc = nlp(text)
    return [(s.text, s.kb_id_, s._.concept_label) for s in doc.spans[SPAN_GROUP] if s.label_ == "Drug"]


def test_undefined_drug_short_forms_in_treatment_sentences(tmp_path) -> None:
    case = ("A 33-year-old man took aspirin. He was started on INH, RMP and PZA for pulmonary tuberculosis. "
            "The resting RMP of the fibre was not measured. Lower-case rmp was written by a student. "
            "Later mPSL pulses were given, then S-1 for the gastric cancer." + FILLER)
    found = _added(tmp_path, case)
    assert [t for t, _, _ in found] == ["aspirin", "INH", "RMP", "PZA", "mPSL", "S-1"]
    by = {t: (k, label) for t, k, label in found}
    from kg.nlp import lexicons
    trie, tok = lexicons.compiled()["trie"], lexicons._tokenizer()
    for sf, name in (("INH", "isoniazid"), ("RMP", "rifampicin"), ("mPSL", "methylprednisolone")):
        # the concept the dictionaries give the full name, checked through a second spelling of the name
        assert by[sf][0] and by[sf][0] == lexicons.lookup(lexicons._name_keys(tok, name), trie)["Drug"][0]
    assert by["S-1"] == ("", "tegafur/gimeracil/oteracil")  # a combination the dictionaries do not name
    abstract = "He was started on INH and RMP."  # too short for a case narrative: untouched
    assert [t for t, _, _ in _added(tmp_path, abstract)] == []


def test_a_short_form_inside_a_drug_name_is_left_to_it(tmp_path) -> None:
    case = "A 33-year-old man was treated with EPO-beta and then EPO alone for the anaemia." + FILLER
    assert [t for t, _, _ in _added(tmp_path, case, drugs=("EPO-beta",))] == ["EPO-beta", "EPO"]


@pytest.mark.parametrize("sentence, phrase", [
    ("She received anti-fungal therapy for two weeks.", "anti-fungal therapy"),
    ("Antiemetic drugs were needed after each cycle.", "Antiemetic drugs"),
    ("He was switched to anti-VEGF agents.", "anti-VEGF agents"),
    ("Antinuclear antibody tests were negative.", None),
    ("An anti-reflux operation was done.", None),
    ("She was given antiviral therapy with aciclovir.", None),  # the toy dictionary has the class
])
def test_drug_class_phrases_named_by_what_they_act_against(tmp_path, sentence, phrase) -> None:
    case = "A 45-year-old woman was admitted with a cough. She took aspirin. " + sentence + FILLER
    found = _added(tmp_path, case, drugs=("aspirin", "antiviral therapy", "aciclovir"))
    new = [(t, k, label) for t, k, label in found if t not in ("aspirin", "antiviral therapy", "aciclovir")]
    assert new == ([(phrase, "", phrase.lower())] if phrase else [])


@pytest.mark.parametrize("sentence, given", [
    ("She needed 2 L/min of supplemental oxygen overnight.", True),
    ("Oxygen via a nasal cannula at 3 l/min was continued.", True),
    ("We gave him 10 liters/min of O2 by mask.", True),
    ("Her oxygen saturation was 88% on room air.", False),
    ("The partial pressure of oxygen fell to 55 mmHg.", False),
    ("Oxygen saturation rose after 4 L/min was started.", False),  # the rate is not next to the word
])
def test_oxygen_with_a_flow_rate_is_given_not_an_analyte(imaging_model, sentence, given) -> None:
    register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("A 70-year-old man came in with dyspnoea. " + sentence + FILLER)
    start = next(t.i for t in doc if t.lower_ in ("oxygen", "o2"))
    span = Span(doc, start, start + 1, "Drug")
    span._.attrs = {"role": "analyte"}
    doc.spans[SPAN_GROUP] = [span]
    nlp.add_pipe("casekg_drug_use", config={"path": str(imaging_model)})  # keeps what it decides here
    role = (nlp.get_pipe("casekg_drug_use")(doc).spans[SPAN_GROUP][0]._.attrs or {}).get("role")
    assert role == (None if given else "analyte")


@pytest.mark.parametrize("sentence, drugs", [
    # a change of treatment said of the drug itself: it was given (session 8)
    ("Colchicine was tapered over two months and switched to anakinra.", ["colchicine", "anakinra"]),
    ("Colchicine was then gradually discontinued.", ["colchicine"]),
    ("We switched from colchicine to anakinra in May.", ["colchicine", "anakinra"]),
    ("A slow taper of colchicine followed.", ["colchicine"]),
    ("Anakinra was withheld for a week.", ["anakinra"]),
])
def test_a_drug_whose_treatment_changed_is_protected(tmp_path, sentence, drugs) -> None:
    nlp = _toy_component(tmp_path, {"bias": -3.0}, ["colchicine", "anakinra"])  # weights that flag every span
    text = "A 50-year-old man came to the clinic. " + sentence + FILLER
    assert [(w.lower(), r) for w, r in _role_list(nlp(text))] == [(d, None) for d in drugs]


@pytest.mark.parametrize("sentence", [
    "Colchicine was on the shelf and the ward changed its rota.",  # "changed" not said of the drug
    "The colchicine stock had run out.",
    "Colchicine crystals were seen, and the dressing was switched.",
])
def test_a_change_elsewhere_in_the_sentence_protects_nothing(tmp_path, sentence) -> None:
    nlp = _toy_component(tmp_path, {"bias": -3.0}, ["colchicine"])
    text = "A 50-year-old man came to the clinic. " + sentence + FILLER
    assert _role_list(nlp(text))[0][1] == NAMED_ROLE
