"""Lexical variants the dictionaries do not list (lexicon v31), on names and sentences written
for these tests."""

from test_lexicons import nlp, spans  # noqa: F401 - the lexicon pipeline fixture

from kg.nlp.name_variants import adjective_head_variants, adjective_variants, head_variants


def test_adjectives_of_y_osis_and_toxicity_names() -> None:
    assert adjective_variants("Exencephaly") == ["exencephalic"]
    assert adjective_variants("Allergy") == ["allergic"]
    assert adjective_variants("Cholestasis") == ["cholestatic"]
    assert adjective_variants("Psychosis") == ["psychotic"]
    assert adjective_variants("Nephrotoxicity") == ["nephrotoxic"]
    # too short to carry a suffix of its own, or not a name these rules cover
    assert adjective_variants("Toxicity") == [] and adjective_variants("Ptosis") == []
    assert adjective_variants("Obesity") == [] and adjective_variants("Fever") == []


def test_adjective_with_a_generic_head() -> None:
    assert "allergic reaction" in adjective_head_variants("Allergy")
    assert "cholestatic disease" in adjective_head_variants("Cholestasis")
    assert adjective_head_variants("Fever") == []


def test_head_synonyms() -> None:
    assert head_variants("Hearing impairment") == ["Hearing deficit", "impaired Hearing"]
    assert head_variants("Impaired vision") == ["vision impairment", "vision deficit"]
    assert head_variants("Kidney injury") == ["Kidney damage"]
    assert head_variants("Nerve damage") == ["Nerve injury"]
    assert head_variants("Impairment") == [] and head_variants("Hearing loss") == []


def test_variants_match_in_text(nlp) -> None:  # noqa: F811 - the fixture
    got = {t: c for t, _, c in spans(nlp, "The boy was lethargic; both twins were anencephalic and the girl became cyanotic.")}
    assert got.get("lethargic") == "HP:0001254"
    assert got.get("anencephalic") == "HP:0002323"
    assert got.get("cyanotic") == "HP:0000961"
    got = {t: c for t, _, c in spans(nlp, "A visual deficit and impaired hearing followed the infection.")}
    assert got.get("visual deficit") == "HP:0000505"
    assert got.get("impaired hearing") == "HP:0000365"


def test_organ_adjectives_of_abnormality_names() -> None:
    from kg.nlp.name_variants import hpo_variants

    # v32: the adjective of each organ HPO names in "Abnormality of the X" (and the X itself)
    assert "articular involvement" in hpo_variants("Abnormality of the joints")
    assert "pleural disease" in hpo_variants("Abnormality of the pleura")
    assert "ophthalmic manifestation" in hpo_variants("Abnormality of the eye")
    assert "ocular manifestation" in hpo_variants("Abnormality of the eye")
    assert not any("articular" in v for v in hpo_variants("Abnormality of the skin"))


def test_organ_adjective_variants_match_in_text(nlp) -> None:  # noqa: F811 - the fixture
    got = {t: c for t, _, c in spans(nlp, "Ophthalmic manifestations, cerebellar dysfunction and esophageal injury were seen.")}
    assert got.get("Ophthalmic manifestations") == "HP:0000478"  # Abnormality of the eye
    assert got.get("cerebellar dysfunction") == "HP:0001317"  # Abnormal cerebellum morphology
    assert got.get("esophageal injury") == "HP:0002031"  # Abnormal esophagus morphology


def test_organ_after_a_neoplasm_head_joins_it(nlp) -> None:  # noqa: F811 - the fixture
    # v33: "N of [the] ORGAN", coordinated organs too, in abstracts
    got = [t for t, _, _ in spans(nlp, "Two had a sarcoma of the tongue and one a carcinoma of the lower lip.")]
    assert "sarcoma of the tongue" in got and "carcinoma of the lower lip" in got
    got = [t for t, _, _ in spans(nlp, "Cancer of the anus, vulva or vagina was seen in four women.")]
    assert "Cancer of the anus, vulva or vagina" in got
    # an organ that may modify the next noun is not a conjunct; a non-organ is no site
    got = [t for t, _, _ in spans(nlp, "Carcinoma of the cervix and lung metastases were seen.")]
    assert "Carcinoma of the cervix" in got and not any("and lung" in t for t in got)
    assert [t for t, _, _ in spans(nlp, "The lymphoma of this patient group was treated.")] == ["lymphoma"]


def test_organ_after_a_neoplasm_head_stays_apart_in_case_reports(nlp) -> None:  # noqa: F811 - the fixture
    from test_lexicons import case_report

    got = [t for t, _, _ in spans(nlp, case_report("A sarcoma of the tongue was excised."))]
    assert "sarcoma" in got and "sarcoma of the tongue" not in got
