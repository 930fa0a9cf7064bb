"""casekg_lexicon on sentences written for these tests (not taken from any corpus)."""

import pytest
import spacy

import kg.nlp.lexicons  # noqa: F401 - registers the factory
from kg.nlp.name_keys import normalize_token


@pytest.fixture(scope="module")
def nlp():
    n = spacy.blank("en")
    n.add_pipe("sentencizer")
    n.add_pipe("casekg_lexicon")
    return n


def spans(nlp, text):
    doc = nlp(text)  # the span group needs its Doc alive
    return [(s.text, s.label_, s.kb_id_) for s in doc.spans["casekg"]]


def find(nlp, text, surface):
    doc = nlp(text)
    hits = [s for s in doc.spans["casekg"] if s.text == surface]
    assert hits, f"{surface!r} not found in {spans(nlp, text)}"
    return hits[0]


def case_report(sentence: str) -> str:
    """`sentence` inside a text that reads as a case-report narrative (age introduction, >= 200
    words), where case-only terms (drug classes, generic findings) are kept."""
    return "A 52-year-old man presented with fever. " + "He was examined again. " * 50 + sentence


def test_british_spellings_link_to_american_terms(nlp) -> None:
    got = spans(nlp, "Bloods showed leucopenia and anaemia; there was pitting oedema of both shins.")
    assert ("leucopenia", "Manifestation", "HP:0001882") in got
    assert ("anaemia", "Manifestation", "HP:0001903") in got
    assert ("oedema", "Manifestation", "HP:0000969") in got


def test_plurals_and_hyphens(nlp) -> None:
    got = spans(nlp, "Several skin-tags and painful skin rashes appeared over the winter.")
    assert ("skin-tags", "Manifestation", "HP:0010609") in got
    assert ("skin rashes", "Manifestation", "HP:0000988") in got


def test_modifiers_stay_outside_the_span(nlp) -> None:
    got = spans(nlp, "He reported severe muscle weakness and recurrent erythema on the cheeks.")
    assert ("muscle weakness", "Manifestation", "HP:0001324") in got
    assert ("erythema", "Manifestation", "HP:0010783") in got
    assert not any(t.startswith(("severe", "recurrent")) for t, _, _ in got)


def test_longest_match_and_nested_types(nlp) -> None:
    got = spans(nlp, "The girl was treated for juvenile dermatomyositis with facial erythema.")
    assert ("juvenile dermatomyositis", "Disease", "ORPHA:93672") in got
    assert ("facial erythema", "Manifestation", "HP:0001041") in got
    # the shorter disease name inside the longer one is not a second Disease span
    assert ("dermatomyositis", "Disease", "ORPHA:221") not in got


def test_disease_name_beats_phenotype_for_same_span(nlp) -> None:
    s = find(nlp, "A diagnosis of dermatomyositis was made by biopsy.", "dermatomyositis")
    assert (s.label_, s.kb_id_) == ("Disease", "ORPHA:221")


def test_liver_enzyme_paraphrases(nlp) -> None:
    for phrase in ("increase in liver enzymes", "raised liver enzymes", "elevated liver enzymes"):
        s = find(nlp, f"Two weeks later the patient had {phrase} again.", phrase)
        assert s.kb_id_ == "HP:0002910"


def test_drug_with_verified_mesh(nlp) -> None:
    s = find(nlp, "Weekly methotrexate was added to the steroid taper.", "methotrexate")
    assert s.label_ == "Drug" and s.kb_id_ == "DRUGBANK:DB00563"
    assert "MESH:D008727" in s._.xrefs
    assert "MESH:D019384" not in s._.xrefs  # the drug dictionary's class-level ID
    assert s._.concept_label == "Methotrexate"


def test_abbreviations(nlp) -> None:
    got = spans(nlp, "She was switched to HCQ, then IVIG; MTX was held.")
    assert ("HCQ", "Drug", "DRUGBANK:DB01611") in got
    assert ("IVIG", "Drug", "DRUGBANK:DB00028") in got
    assert ("MTX", "Drug", "DRUGBANK:DB00563") in got
    # lower-case "mtx" is not an abbreviation
    assert not spans(nlp, "the mtx line")


def test_document_defined_abbreviation(nlp) -> None:
    doc = nlp("Baricitinib (BARI) was started. After BARI the rash faded.")
    bari = [s for s in doc.spans["casekg"] if s.text == "BARI"]
    assert len(bari) == 2 and all(s.kb_id_ == "DRUGBANK:DB11817" for s in bari)


def test_common_words_do_not_match(nlp) -> None:
    assert spans(nlp, "She drank water and lactose-free milk, and her walk was normal.") == []


def test_labial_herpes_and_panniculitis(nlp) -> None:
    got = spans(nlp, "Panniculitis of the thighs and herpes labialis were documented.")
    assert ("Panniculitis", "Manifestation", "HP:0012490") in got
    assert ("herpes labialis", "Manifestation", "MESH:D006560") in got


def test_normalize_token() -> None:
    assert normalize_token("Oedema") == normalize_token("edema")
    assert normalize_token("tumours") == normalize_token("tumor")
    assert normalize_token("headaches") == normalize_token("headache")
    assert normalize_token("MTX") == "MTX" != normalize_token("mtx")
    assert normalize_token("-") == normalize_token("'s")


def test_hpo_variants() -> None:
    from kg.nlp.name_variants import hpo_variants

    assert "skin abnormality" in hpo_variants("Abnormality of the skin")
    assert "cutaneous abnormality" in hpo_variants("Abnormality of the skin")
    assert "abnormal rib" in hpo_variants("Abnormal rib morphology")
    assert [v.lower() for v in hpo_variants("Hyperplasia of the mandibular coronoid process")] == ["mandibular coronoid process hyperplasia"]
    assert hpo_variants("Absence of the thumb") == []


def test_reordered_and_adjectival_variants_match(nlp) -> None:
    got = spans(nlp, "The boy had cutaneous abnormalities and numerous nevi on the back.")
    assert ("cutaneous abnormalities", "Manifestation", "HP:0000951") in got
    assert ("numerous nevi", "Manifestation", "HP:0001054") in got


def test_coordinated_modifiers_share_the_head(nlp) -> None:
    got = spans(nlp, "On examination we noted palmar and plantar pits in both siblings.")
    assert ("palmar and plantar pits", "Manifestation", "HP:0010610") in got
    assert any(t == "plantar pits" for t, _, _ in got)


def test_analytes_are_flagged_not_medications(nlp) -> None:
    doc = nlp("Her serum creatinine was 3.4 mg/dL and the zinc level was low, so zinc sulfate and methotrexate were stopped.")
    roles = {(s.text, (s._.attrs or {}).get("role")) for s in doc.spans["casekg"] if s.label_ == "Drug"}
    assert ("creatinine", "analyte") in roles
    assert ("zinc", "analyte") in roles
    assert ("methotrexate", None) in roles


def test_pronoun_is_not_helium(nlp) -> None:
    assert not [s for s in spans(nlp, "He was admitted; he had a fever.") if s[1] == "Drug"]


def test_diagnoses_named_by_hpo_become_diseases(nlp) -> None:
    doc = nlp("He was treated for hypertension and dilated cardiomyopathy; there was mild tremor.")
    got = {(s.text, s.label_, s.kb_id_[:3]) for s in doc.spans["casekg"]}
    assert ("hypertension", "Disease", "HP:") in got
    assert any(t.endswith("cardiomyopathy") and lab == "Disease" for t, lab, _ in got)
    assert ("tremor", "Manifestation", "HP:") in got


def test_drug_classes_and_subtype_base_names(nlp) -> None:
    got = spans(nlp, case_report("After chemotherapy she received antibiotics and diuretics. The cerebral arteries were patent."))
    assert ("chemotherapy", "Drug", "MESH:D004358") in got
    assert ("antibiotics", "Drug", "MESH:D000900") in got
    assert not [g for g in got if g[0] in ("cerebral", "arteries")]


# --- lexicon v15: boundary rules, variants, abbreviations (sentences written for these tests)


def test_coordination_ellipsis_gives_the_first_conjunct_its_head(nlp) -> None:
    got = spans(nlp, "No interstitial lung or significant muscle involvement was detected on review.")
    assert ("interstitial lung", "Manifestation", "HP:0006530") in got  # Interstitial lung disease
    assert ("muscle involvement", "Manifestation", "HP:0003011") in got


def test_muscle_enzymes_are_a_mention_for_context_to_negate(nlp) -> None:
    got = spans(nlp, "Her muscle enzymes were normal at follow-up.")
    assert ("muscle enzymes", "Manifestation", "HP:0003236") in got


def test_organ_adjective_with_generic_head(nlp) -> None:
    got = spans(nlp, "Renal involvement and cutaneous manifestations were noted later.")
    assert ("Renal involvement", "Manifestation", "HP:0000077") in got
    assert ("cutaneous manifestations", "Manifestation", "HP:0000951") in got


def test_adjectival_forms_of_findings(nlp) -> None:
    got = spans(nlp, "The infant was hypotonic on the second day.")
    assert ("hypotonic", "Manifestation", "HP:0001252") in got
    # a derived adjective naming a drug class is not a finding
    assert not any(t == "hypoglycemic" for t, _, _ in spans(nlp, "He takes oral hypoglycemic agents daily."))


def test_drug_induced_finding_keeps_the_finding_only(nlp) -> None:
    got = spans(nlp, "She developed heparin-induced thrombocytopenia after surgery.")
    assert ("thrombocytopenia", "Manifestation", "HP:0001873") in got
    assert ("heparin", "Drug", "DRUGBANK:DB01109") in got
    assert not any(t.startswith("heparin-induced") for t, _, _ in got)


def test_adjective_merges_with_following_finding(nlp) -> None:
    got = spans(nlp, "A biopsy confirmed cholestatic hepatitis in the donor.")
    assert any(t == "cholestatic hepatitis" for t, _, _ in got), got
    assert not any(t == "cholestatic" for t, _, _ in got)


def test_hereditary_prefix_and_slash_coordination(nlp) -> None:
    got = [t for t, lab, _ in spans(nlp, "Her mother had hereditary breast cancer.") if lab == "Disease"]
    assert "hereditary breast cancer" in got
    got = [t for t, lab, _ in spans(nlp, "A family with breast/ovarian cancer was seen.") if lab == "Disease"]
    assert "breast/ovarian cancer" in got


def test_mesh_names_of_drugbank_drugs_and_capital_acronyms(nlp) -> None:
    s = find(nlp, "Adrenaline was given at once.", "Adrenaline")
    assert (s.label_, s.kb_id_) == ("Drug", "DRUGBANK:DB00668")
    s = find(nlp, "Levels of GABA rose after dosing.", "GABA")
    assert s.label_ == "Drug" and s.kb_id_ == "DRUGBANK:DB02530"


def test_short_form_stands_for_part_of_the_match(nlp) -> None:
    # "IOP" abbreviates intraocular pressure, not its elevation
    got = spans(nlp, "He had elevated intraocular pressure (IOP) on steroids; IOP fell after stopping.")
    assert not any(t == "IOP" for t, _, _ in got), got
    # a glued "(SF)-induced" definition still defines the short form
    got = spans(nlp, "We gave nitroglycerin (NTG)-induced hypotension models a rest; NTG was stopped.")
    assert ("NTG", "Drug", "DRUGBANK:DB00727") in got


def test_compound_codes_and_excluded_gene_names(nlp) -> None:
    got = spans(nlp, "Rats received SCH 23390 or KF17837; CD117 and COVID-19 were tested.")
    assert ("SCH 23390", "Drug", "") in got and ("KF17837", "Drug", "") in got
    # code-shaped names that are no compounds: no Drug (since v40 COVID-19 is a MeSH disease)
    assert not any(t in ("CD117", "COVID-19", "COVID") for t, typ, _ in got if typ == "Drug")
    assert not any(t == "CD117" for t, _, _ in got)
    assert ("COVID-19", "Disease") in {(t, typ) for t, typ, _ in got}


def test_generic_finding_without_identifier(nlp) -> None:
    s = find(nlp, case_report("A firm mass was palpable in the left flank."), "mass")
    assert (s.label_, s.kb_id_) == ("Manifestation", "")


def test_bare_tumor_is_a_finding_but_a_named_tumor_a_disease(nlp) -> None:
    doc = nlp("The tumor was excised. A Wilms tumor was suspected.")
    got = {(s.text, s.label_) for s in doc.spans["casekg"]}
    assert ("tumor", "Manifestation") in got
    assert ("tumor", "Disease") not in got


def test_generic_findings_only_in_case_reports(nlp) -> None:
    from kg.nlp.genre import case_narrative

    short = "Two lesions and new symptoms were seen in 12 patients."
    doc = nlp(short)
    assert not [s for s in doc.spans["casekg"] if s.text in ("lesions", "symptoms")]
    report = "A 52-year-old man presented with fever. " + "He was examined again. " * 60 + "MRI showed two lesions."
    assert case_narrative(report)
    doc = nlp(report)
    assert ("lesions", "Manifestation") in {(s.text, s.label_) for s in doc.spans["casekg"]}


def test_form_variants() -> None:
    from kg.nlp.name_variants import form_variants

    assert form_variants("Hypopigmentation of the skin") == ["Hypopigmentation of skin"]
    assert form_variants("Preauricular pit") == ["Pre-auricular pit"]
    assert form_variants("Pre-auricular pit") == ["Preauricular pit"]
    assert form_variants("Cataract") == []
    assert form_variants("Duplication of thumb phalanx") == ["Duplication of the thumb phalanx"]
    assert form_variants("Absence of a kidney") == []


def test_of_variants() -> None:
    from kg.nlp.name_variants import of_variants

    assert of_variants("Kidney carcinoma") == ["carcinoma of the Kidney", "carcinoma of Kidney"]
    assert of_variants("Renal failure") == []  # an adjective first: no "failure of the renal"
    assert of_variants("Muscle weakness of legs") == [] and of_variants("Fever") == []


def test_n_of_x_order_of_two_word_names(nlp) -> None:
    got = {(t, c) for t, _, c in spans(nlp, "Carcinoma of the bladder was found, with weakness of the muscles and hypoplasia of the thumb.")}
    texts = {t for t, _ in got}
    assert {"Carcinoma of the bladder", "weakness of the muscles"} <= texts
    curie = {t: c for t, c in got}
    assert curie["weakness of the muscles"] == "HP:0001324"  # Muscle weakness


def test_hyphenated_prefix_matches_hpo_name(nlp) -> None:
    doc = nlp("She had pre-auricular pits.")
    assert any(s.text == "pre-auricular pits" and s.kb_id_.startswith("HP:") for s in doc.spans["casekg"])


# --- lexicon v17 (sentences written for these tests)


def test_drug_classes_and_generic_findings_only_in_case_reports(nlp) -> None:
    abstract = "Rats given chemotherapy and analgesics developed a mass; steroids were also studied."
    got = {t for t, _, _ in spans(nlp, abstract)}
    assert not got & {"chemotherapy", "analgesics", "mass"}
    assert "steroids" in got  # a class named by structure is a chemical mention everywhere
    got = {(t, lab) for t, lab, _ in spans(nlp, case_report(abstract))}
    assert {("chemotherapy", "Drug"), ("analgesics", "Drug"), ("mass", "Manifestation")} <= got


def test_case_only_curies_come_from_curated_classes() -> None:
    from kg.nlp.lexicons import case_only_curies

    rows = [
        ["MESH:D000001", "Drug", "painkillers"],
        ["MESH:D013256", "Drug", "steroids"],
        ["DRUGBANK:DB00001", "Drug", "XYZ"],
        ["-", "Manifestation", "lump"],
        ["HP:0000001", "Manifestation", "rash"],
    ]
    assert case_only_curies(rows) == {"MESH:D000001", "-"}


def test_measured_proteins_are_not_drugs(nlp) -> None:
    got = spans(nlp, "Hemoglobin was 9 g/dL, Hb fell further, and fibrin deposits and MAP were recorded.")
    assert not [g for g in got if g[1] == "Drug"]


def test_organ_word_joins_a_neoplasm(nlp) -> None:
    got = {(t, lab) for t, lab, _ in spans(nlp, "Biopsies of thymic lymphomas and a pancreatic adenocarcinoma were compared.")}
    assert ("thymic lymphomas", "Disease") in got
    assert ("pancreatic adenocarcinoma", "Disease") in got
    # not a site: the neoplasm stays as it is, and a bare tumor remains a finding
    got = {t for t, _, _ in spans(nlp, "Large carcinomas and the tumor grew.")}
    assert "carcinomas" in got and "tumor" in got and "Large carcinomas" not in got


def test_tumor_necrosis_factor_is_no_finding(nlp) -> None:
    got = spans(nlp, "Levels of tumour necrosis factor rose, and tumor necrosis was seen on histology.")
    assert [t for t, _, _ in got if t.lower().startswith("tumo")] == ["tumor"]


def test_parenthesis_that_abbreviates_nothing_keeps_its_match(nlp) -> None:
    # "(QX4411)" does not abbreviate "a new benzamide"; the code is still a compound
    got = [t for t, lab, _ in spans(nlp, "We tested a new benzamide (QX4411) in rats; QX4411 lowered blood pressure.") if lab == "Drug"]
    assert got.count("QX4411") == 2
    # dose measures are no compound codes
    assert not [g for g in spans(nlp, "The LD50 and ED50 of lidocaine were measured.") if g[0] in ("LD50", "ED50")]


def test_term_made_of_two_terms_is_split(nlp) -> None:
    doc = nlp("Vomiting or nausea appeared; later nausea and vomiting recurred.")
    got = [(s.text, s.kb_id_) for s in doc.spans["casekg"] if s.label_ == "Manifestation"]
    assert ("nausea", "HP:0002018") in got and ("vomiting", "HP:0002013") in got
    assert not [t for t, _ in got if " " in t]  # no "nausea and vomiting" span
    assert len(got) == len({(s.start, s.end) for s in doc.spans["casekg"] if s.label_ == "Manifestation"})


def test_symbol_deficiency_is_a_disease(nlp) -> None:
    got = {(t, lab) for t, lab, _ in spans(nlp, "Two brothers had HPRT1 deficiency; a deficiency of PGK1 was excluded.")}
    assert ("HPRT1 deficiency", "Disease") in got
    assert ("deficiency of PGK1", "Disease") in got
    got = {t for t, _, _ in spans(nlp, "The mice were not deficient, and NO deficiency or a mild deficiency was absent.")}
    assert not [t for t in got if "deficien" in t.lower()]


def test_disease_subtype_joins_the_name(nlp) -> None:
    got = {(t, lab, c) for t, lab, c in spans(nlp, "Achondrogenesis type 1B (ACG1B) differs from type II achondrogenesis; ACG1B is lethal.")}
    assert {t for t, lab, _ in got if lab == "Disease"} >= {"Achondrogenesis type 1B", "type II achondrogenesis", "ACG1B"}
    curie = next(c for t, lab, c in got if t == "Achondrogenesis type 1B")
    assert curie and ("ACG1B", "Disease", curie) in got


def test_latin_plurals() -> None:
    for plural, singular in (("fistulae", "fistula"), ("naevi", "nevus"), ("emboli", "embolus"), ("nuclei", "nucleus"),
                             ("stenoses", "stenosis"), ("paralyses", "paralysis"), ("xanthomata", "xanthoma")):
        assert normalize_token(plural) == normalize_token(singular), plural
    # English plurals and species epithets keep their own rules
    assert normalize_token("diseases") == "disease" and normalize_token("doses") == "dose"
    assert normalize_token("pneumoniae") != normalize_token("pneumonia")


def test_latin_plural_matches_singular_term(nlp) -> None:
    got = {t for t, lab, _ in spans(nlp, "He had branchial fistulae and a renal calculus.") if lab in ("Manifestation", "Disease")}
    assert "branchial fistulae" in got  # HPO: "Branchial fistula"
    assert "renal calculus" in got  # HPO lists the plural "Renal calculi"


def test_unknown_chemical_long_form_defines_a_drug(nlp) -> None:
    doc = nlp("Mice received 4-dimethylaminoazobenzene (DAB) in food; DAB caused tumours. Dobutamine stress echocardiography (DSE) was normal.")
    drugs = [(s.text, s.kb_id_) for s in doc.spans["casekg"] if s.label_ == "Drug"]
    assert ("4-dimethylaminoazobenzene", "") in drugs
    assert drugs.count(("DAB", "")) == 2
    assert not [t for t, _ in drugs if t in ("DSE", "Dobutamine stress echocardiography")]


def test_chemical_name() -> None:
    from kg.nlp.chemical_spans import chemical_name

    assert chemical_name("potassium hexacyanoferrate")
    assert chemical_name("N-ethylmaleimide")
    assert not chemical_name("acetylcholinesterase")  # an enzyme
    assert not chemical_name("serotonin transporter")
    assert not chemical_name("effective refractory period")


def test_short_chemical_names_with_inner_capitals_or_digits(nlp) -> None:
    got = {t for t, lab, _ in spans(nlp, "Contractions to ACh and KCl were measured with end-tidal CO2 at L5-S4.") if lab == "Drug"}
    assert {"ACh", "KCl", "CO2"} <= got
    assert not [g for g in spans(nlp, "The lesion extended from L5 to S4 and the ach was gone.") if g[0] in ("S4", "ach")]


def test_oxygen_is_a_chemical_and_its_saturation_a_measure(nlp) -> None:
    doc = nlp("Oxygen saturation fell to 85%, so supplemental oxygen was started.")
    got = [(s.text, (s._.attrs or {}).get("role")) for s in doc.spans["casekg"] if s.label_ == "Drug"]
    assert ("Oxygen", "analyte") in got and ("oxygen", None) in got


def test_salt_words_join_their_drug(nlp) -> None:
    got = [t for t, lab, _ in spans(nlp, "He took sertraline HCl, then potassium losartan and codeine phosphate; serum potassium was 4.1 mmol/L.") if lab == "Drug"]
    assert {"sertraline HCl", "potassium losartan", "codeine phosphate"} <= set(got)
    assert "potassium" in got  # the measured cation stays on its own
    assert "sertraline" not in got and "losartan" not in got


def test_severity_word_stays_outside_even_when_the_dictionary_has_it(nlp) -> None:
    got = {t for t, lab, _ in spans(nlp, "He developed complete heart block and later a severe sensorineural hearing impairment.") if lab in ("Manifestation", "Disease")}
    assert "heart block" in got and "complete heart block" not in got
    assert not [t for t in got if t.lower().startswith("severe")]


def test_organ_adjective_and_postoperative_join_a_finding(nlp) -> None:
    got = {t for t, lab, _ in spans(nlp, "She had gastric bleeding, postoperative nausea and myocardial fibrosis.") if lab in ("Manifestation", "Disease")}
    assert {"gastric bleeding", "postoperative nausea", "myocardial fibrosis"} <= got
    assert not {"bleeding", "nausea", "fibrosis"} & got


def test_unknown_word_built_like_a_drug_name(nlp) -> None:
    got = [t for t, lab, _ in spans(nlp, "Rats given tolbuzepam or N-methylvarizoline examined the magazine; the antiplatelet effect of chaperone proteins.") if lab == "Drug"]
    assert "tolbuzepam" in got and "N-methylvarizoline" in got
    assert not {"magazine", "antiplatelet", "chaperone", "examined"} & set(got)


def test_drug_stem() -> None:
    from kg.nlp.chemical_spans import drug_stem

    assert drug_stem("fluvoxaprofen") and drug_stem("Quinolazone")
    assert not drug_stem("thiazole")  # short
    assert not drug_stem("anticocaine") and not drug_stem("magazine")


def test_protein_drugs_only_in_case_reports(nlp) -> None:
    abstract = "Erythropoietin and thrombin levels rose in rats."
    assert not [g for g in spans(nlp, abstract) if g[1] == "Drug"]
    got = {t for t, lab, _ in spans(nlp, case_report("Erythropoietin was started for anemia.")) if lab == "Drug"}
    assert "Erythropoietin" in got


def test_inherited_disorder_without_a_name_is_a_disease(nlp) -> None:
    got = {(t, lab) for t, lab, _ in spans(nlp, "Both sibs had an autosomal recessive multisystem disorder, and the father an X-linked condition.")}
    assert ("autosomal recessive multisystem disorder", "Disease") in got
    assert ("X-linked condition", "Disease") in got
    got = {t for t, _, _ in spans(nlp, "Genetic testing found no disease-causing variant.")}
    assert not [t for t in got if t.lower().startswith("genetic")]


def test_serial_comma_coordination_shares_the_neoplasm_head(nlp) -> None:
    got = {(t, c) for t, _, c in spans(nlp, "Relatives developed colon, kidney, and bladder cancer over two decades.")}
    # the whole coordination is one mention (NCBI, BC5CDR); each conjunct names a neoplasm
    assert {t for t, _ in got} >= {"colon, kidney, and bladder cancer", "bladder cancer"}
    assert all(c for _, c in got)
    got = {t for t, _, _ in spans(nlp, "Carriers had thyroid, pancreas or skin tumours.")}
    assert "thyroid, pancreas or skin tumours" in got
    # no neoplasm head, no site: the conjuncts are not joined
    got = {t for t, _, _ in spans(nlp, "She had fever, rash, and joint pain.")}
    assert not [t for t in got if "," in t]


def test_mode_of_inheritance_joins_the_disorder(nlp) -> None:
    got = {(t, lab) for t, lab, _ in spans(nlp, "The family had autosomal dominant cardiomyopathy; a boy had X-linked hydrocephalus.")}
    assert ("autosomal dominant cardiomyopathy", "Disease") in got
    assert "X-linked hydrocephalus" in {t for t, _ in got}
    got = {t for t, _, _ in spans(nlp, "Inheritance was autosomal dominant, and epilepsy was present.")}
    assert "epilepsy" in got and not [t for t in got if "autosomal" in t]
    # a disease named with its mode keeps the nested finding as it was
    got = {t for t, _, _ in spans(nlp, "Two boys had X-linked agammaglobulinemia.")}
    assert {"X-linked agammaglobulinemia", "agammaglobulinemia"} <= got


def test_cell_death_is_biology_not_a_finding(nlp) -> None:
    text = "Hypoxia triggers programmed cell death in the graft; the death receptor pathway was blocked."
    assert "death" not in {t for t, _, _ in spans(nlp, text)}
    got = {t for t, _, _ in spans(nlp, "Sepsis led to the death of two patients, and cell deaths were counted.")}
    assert "death" in got


def test_finding_naming_an_unknown_syndrome_is_part_of_its_name(nlp) -> None:
    got = spans(nlp, "She developed capillary leak syndrome after the infusion.")
    # (MeSH lists this one since v40; the span is the same)
    assert ("capillary leak syndrome", "Disease") in {(t, typ) for t, typ, _ in got}
    assert "capillary leak" in {t for t, _, _ in got}  # the finding stays, nested
    got = {t for t, _, _ in spans(nlp, "A muscle weakness syndrome and a back pain syndrome were discussed; the pain syndrome resolved.")}
    assert {"muscle weakness syndrome", "back pain syndrome"} <= got
    assert "pain syndrome" not in got and "pain" in got  # one word: the finding alone
    got = {t for t, _, _ in spans(nlp, "The nephrotic syndrome relapsed.")}
    assert "nephrotic syndrome" in got and "nephrotic syndrome syndrome" not in got


def test_eponym_with_possessive_is_part_of_the_name(nlp) -> None:
    got = {(t, lab) for t, lab, _ in spans(nlp, "She had Wernicke's encephalopathy and, years later, Dupuytren's contracture.")}
    assert {"Wernicke's encephalopathy", "Dupuytren's contracture"} <= {t for t, _ in got}
    got = spans(nlp, "Angioedema, or Quincke's disease, differs from Smithson's syndrome. The patient's disease progressed.")
    assert ("Quincke's disease", "Disease", "") in got and ("Smithson's syndrome", "Disease", "") in got
    # a possessive that is no name (lower case) gives nothing; the finding keeps its own span
    assert not [t for t, _, _ in got if t.startswith("patient")]
    got = {t for t, _, _ in spans(nlp, "He reported that the patient's hypertension worsened.")}
    assert "hypertension" in got


def test_virus_before_infection_joins_it(nlp) -> None:
    got = {t for t, _, _ in spans(nlp, "Patients with HCV infection, HIV-1 infection or cytomegalovirus infection were excluded; one had a urinary infection.")}
    assert {"HCV infection", "HIV-1 infection", "cytomegalovirus infection"} <= got
    assert "urinary infection" not in got and "infection" in got  # no virus, the finding alone


def test_disease_naming_a_vaccine_or_antigen_is_no_finding(nlp) -> None:
    got = {t for t, lab, _ in spans(nlp, "Infants of hepatitis B surface antigen-positive mothers received hepatitis B vaccine.") if lab != "Drug"}
    assert not [t for t in got if t.lower().startswith("hepatitis")]
    got = {t for t, _, _ in spans(nlp, "Two children had hepatitis B and received the vaccine.")}
    assert "hepatitis B" in got


def test_vessel_joins_a_vascular_occlusion(nlp) -> None:
    got = {t for t, _, _ in spans(nlp, "Angiography showed coronary thrombosis and, a week later, sinus thrombosis; no stent thrombosis occurred.")}
    assert {"coronary thrombosis", "sinus thrombosis", "thrombosis"} <= got
    assert "stent thrombosis" not in got


def test_name_before_syndrome_or_disease_is_a_disease(nlp) -> None:
    got = spans(nlp, "Two children with Zellmer syndrome and one with Abbot-Kinsey disease were seen in 2001.")
    assert ("Zellmer syndrome", "Disease", "") in got and ("Abbot-Kinsey disease", "Disease", "") in got
    # a scale named after a syndrome, Title Case headings and sentence starts are no names
    text = "Scores on the Positive and Negative Syndrome Scale fell. Calcineurin Induced Pain Syndrome. Disease progressed."
    assert not [t for t, lab, _ in spans(nlp, text) if lab == "Disease"]


def test_subtype_and_complement_join_a_deficiency(nlp) -> None:
    got = {t for t, lab, _ in spans(nlp, "Type I C4 deficiency differs from complement C7 deficiency and from type II C5 deficiency.") if lab == "Disease"}
    assert {"Type I C4 deficiency", "complement C7 deficiency", "type II C5 deficiency"} <= got
    got = {t for t, lab, _ in spans(nlp, "Serum complement levels were normal; C7 deficiency was excluded.") if lab == "Disease"}
    assert "C7 deficiency" in got


def test_parenthesis_naming_a_gene_after_a_finding_is_no_abbreviation(nlp) -> None:
    text = "The breakpoint lay near the coloboma (SOX2) locus and SOX2 was sequenced. Myotonic dystrophy (DM) was seen; DM progressed."
    got = spans(nlp, text)
    assert not [t for t, _, _ in got if t == "SOX2"]
    # letters out of order (a Latin name's abbreviation) still define the short form
    dm = [c for t, lab, c in got if t == "DM"]
    assert len(dm) == 2 and dm[0] == next(c for t, _, c in got if t == "Myotonic dystrophy")


def test_inverted_disease_names_give_no_body_part_as_disease(nlp) -> None:
    from kg.nlp.name_variants import disease_base_name

    # "<site>, <disorder> of": the site alone is no disease
    assert disease_base_name("Corpus callosum, agenesis of") is None
    assert disease_base_name("Portal vein, cavernous transformation of") is None
    assert disease_base_name("Myotonic dystrophy 1") == "Myotonic dystrophy"  # subtypes still have a base
    got = spans(nlp, "MRI showed a thin corpus callosum, and the portal vein and both cranial nerves were normal.")
    assert not [s for s in got if s[1] == "Disease"], got
    assert ("myotonic dystrophy", "Disease") in {(t.lower(), lab) for t, lab, _ in spans(nlp, "She has myotonic dystrophy.")}


def test_short_form_of_the_inner_finding_of_a_longer_name(nlp) -> None:
    # the dictionary's longest match is an HPO name, the letters stand for a disease name inside it
    for text, short, inner in (
        ("Paroxysmal atrial tachycardia (AT) was recorded on the monitor, and AT recurred twice.", "AT", "atrial tachycardia"),
        ("Renal tubular dysfunction (TD) followed the infusion; TD persisted for weeks.", "TD", "tubular dysfunction"),
    ):
        got = spans(nlp, text)
        curie = kg.nlp.lexicons.lookup([normalize_token(w) for w in inner.split()], kg.nlp.lexicons.compiled()["trie"])["Disease"][0]
        assert [c for t, _, c in got if t == short] == [curie, curie], got


def test_disease_prefix_does_not_duplicate_a_dictionary_name(nlp) -> None:
    # "familial X" / "hereditary X" named by the dictionary (Orphanet) around a finding of the
    # other type (HPO): one span of the whole, the finding stays nested, never twice the whole
    doc = nlp("Two cousins had familial thrombocytosis, and hereditary chronic pancreatitis affected an uncle.")
    got = [(s.text, s.label_) for s in doc.spans["casekg"] if s.label_ in ("Disease", "Manifestation")]
    assert len(got) == len({t for t, _ in got}), got
    assert {("familial thrombocytosis", "Disease"), ("thrombocytosis", "Manifestation"),
            ("hereditary chronic pancreatitis", "Disease")} <= set(got), got


def test_hyphenated_name_written_in_capitals(nlp) -> None:
    got = spans(nlp, "Her tremor improved on L-DOPA, and L-DOPA-related dyskinesia followed; levodopa was reduced.")
    drugs = [(t, c) for t, lab, c in got if lab == "Drug"]
    assert [t for t, _ in drugs] == ["L-DOPA", "L-DOPA", "levodopa"], got
    assert len({c for _, c in drugs}) == 1
    # a capital word on its own is still an abbreviation that must match in capitals
    assert not [t for t, lab, _ in spans(nlp, "The DOPA test was normal.") if lab == "Drug"]


def test_behaviour_synonyms_that_are_ordinary_verbs_are_no_findings(nlp) -> None:
    # v36: HPO lists "Collecting", "Jumping", "Spinning" as stereotypies; as bare words they are verbs
    got = spans(nlp, "Dye filled the collecting system while the rats kept jumping and spinning; coughing persisted.")
    assert [t for t, _, _ in got] == ["coughing"]


def test_roman_numeral_after_a_class_word_is_no_drug(nlp) -> None:
    # the MeSH list has "IVA" (a regimen); after "stage" it is the stage's sub-class
    assert not [s for s in spans(nlp, "She had stage IVA cervical cancer.") if s[1] == "Drug"]
    assert not [s for s in spans(nlp, "Two years later a FIGO stage IVA relapse was found.") if s[1] == "Drug"]
    # the same letters elsewhere stay a chemical, and a real drug after a class word is kept
    assert [s for s in spans(nlp, "He received IVA chemotherapy for rhabdomyosarcoma.") if s[0] == "IVA" and s[1] == "Drug"]
    assert [s for s in spans(nlp, "Stage III disease was treated with cisplatin.") if s[0] == "cisplatin"]


def test_class_value_shapes() -> None:
    import spacy

    from kg.nlp.chemical_spans import class_value

    doc = spacy.blank("en")("stage IVA grade IIb type 2 class X tumor IVA")
    assert class_value(doc, 1, 2) and class_value(doc, 3, 4) and class_value(doc, 7, 8)
    assert not class_value(doc, 5, 6)  # an Arabic numeral is no Roman one
    assert not class_value(doc, 9, 10)  # "tumor" is no class word


def test_both_inn_and_usan_spellings_name_the_drug(nlp) -> None:
    for a, b in (("mesalamine", "mesalazine"), ("chlorphenamine", "chlorpheniramine"), ("colecalciferol", "cholecalciferol")):
        got = {t: c for t, _, c in spans(nlp, f"She took {a} and later {b}.")}
        assert got.get(a) and got.get(a) == got.get(b), (a, b, got)


def test_proton_pump_inhibitors_are_a_drug_class_of_case_reports(nlp) -> None:
    got = spans(nlp, case_report("She was started on a proton pump inhibitor. Proton pump inhibitors were stopped later."))
    assert ("proton pump inhibitor", "Drug", "MESH:D054328") in got
    assert ("Proton pump inhibitors", "Drug", "MESH:D054328") in got
    # as for the other classes, abstracts do not annotate them
    assert not spans(nlp, "Proton pump inhibitors were compared with placebo in rats.")
