"""extract(): the real pipeline end to end, offsets into the original text, determinism.

The seed test reads the seed article where the checkout has it and is skipped otherwise;
the other tests use short texts written for these tests.
"""

from pathlib import Path

import pytest

import kg
from kg import vocab
from kg.extract import extract, extract_many
from kg.model import Article, ArticleMeta

ROOT = Path(__file__).resolve().parents[1]
SEED_CANDIDATES = [
    *sorted(ROOT.glob("corpus/*3151774da9032433*/*.txt")),
    *sorted(ROOT.glob("corpus/*3151774da9032433*.txt")),
    Path("/work/shared/seed/000_3151774da9032433.txt"),
]

OWN = (
    "Tacrolimus in adult myositis\n\n"
    "A 63-year-old man with anti-TIF1-gamma antibody-positive dermatomyositis received IVIG 2 g/kg monthly."
    "His heliotrope rash resolved after three cycles. Methotrexatewas discontinued because of neutropenia. "
    "No fever was reported, but he developed hepatitis after starting azathioprine.\n\n"
    "In conclusion, IVIG is useful in patients with dermatomyositis."
)


def article(text: str, id_: str = "t") -> Article:
    return Article(meta=ArticleMeta(id=id_), text=text, sha256="0" * 64)


@pytest.fixture(scope="module")
def own():
    return extract(article(OWN, "own"))


@pytest.fixture(scope="module")
def seed():
    for path in SEED_CANDIDATES:
        if path.is_file():
            return article(path.read_text(encoding="utf-8"), "seed")
    pytest.skip("seed article not available in this checkout")


@pytest.fixture(scope="module")
def seed_ex(seed):
    return extract(seed)


def facts(ex, kind):
    m = {x.id: x for x in ex.mentions}
    return [(s, m[s.subject], m[s.target] if s.target else None) for s in ex.statements if s.kind == kind]


# -- offsets and ids ------------------------------------------------------------------------

def test_offsets_point_into_the_original(own):
    for m in own.mentions:
        assert OWN[m.start:m.end] == m.text and m.text.strip() == m.text and m.text
    for s in own.sentences:
        assert OWN[s.start:s.end] == s.text
    for p in own.patients:
        assert OWN[p.start:p.end].lower().startswith("a 63-year-old")
    mtx = [m for m in own.mentions if m.label.lower() == "methotrexate"]
    assert [m.text for m in mtx] == ["Methotrexate"]  # "Methotrexatewas" in the original


def test_ids_in_text_order_and_software(own):
    assert [m.id for m in own.mentions] == [f"m{i}" for i in range(len(own.mentions))]
    assert [(m.start, m.end) for m in own.mentions] == sorted((m.start, m.end) for m in own.mentions)
    assert [s.id for s in own.statements] == [f"s{i}" for i in range(len(own.statements))]
    assert own.software == f"casekg {kg.__version__}"
    assert own.article_id == "own"


def test_mentions_carry_sentence_and_patient(own):
    for m in own.mentions:
        sent = own.sentences[m.sentence]
        assert sent.start <= m.start and m.end <= sent.end
    ab = [m for m in own.mentions if m.type == "Antibody"]
    assert [(m.concept_id, m.patient, m.attrs["polarity"]) for m in ab] == [("CASEKG:anti-TIF1-gamma", "P1", "positive")]


def test_own_statements(own):
    assert [(p.id, p.age, p.sex) for p in own.patients] == [("P1", 63.0, "male")]
    outcomes = {(d.text.lower(), t.text.lower(), s.value) for s, d, t in facts(own, "outcome")}
    assert ("ivig", "heliotrope rash", "resolved") in outcomes
    aes = {(d.label.lower(), t.concept_id) for s, d, t in facts(own, "adverse_event")}
    assert ("methotrexate", "HP:0001875") in aes
    fever = [(s.status, s.cue) for s, f, _ in facts(own, "phenotype") if f.text == "fever"]
    assert fever == [("negated", "No")]
    exposure = [s.attrs for s, d, _ in facts(own, "exposure") if d.text == "IVIG"]
    assert exposure[0]["dose"] == "2" and exposure[0]["frequency"] == "monthly"
    # the conclusion is about patients in general
    last = len(own.sentences) - 1
    assert not [s for s in own.statements if s.sentence == last]


def test_deterministic_and_batch_equals_single(own):
    again = extract(article(OWN, "own"))
    assert again == own
    many = list(extract_many([article(OWN, "own"), article("No rash.", "b"), article("", "empty")]))
    assert many[0] == own and [e.article_id for e in many] == ["own", "b", "empty"]
    assert many[2].mentions == [] and many[2].statements == []


# -- the seed acceptance criteria ----------------------------------------------------------------

def is_erythema(curie):
    return curie == "HP:0010783" or "HP:0010783" in vocab.ancestors(curie)


def test_seed_three_patients_and_antibodies(seed_ex):
    assert [p.id for p in seed_ex.patients] == ["P1", "P2", "P3"]
    ab = {(d.concept_id, s.patient, s.value) for s, d, _ in facts(seed_ex, "antibody")}
    assert ("CASEKG:anti-NXP2", "P2", "positive") in ab
    assert ("CASEKG:anti-MDA5", "P3", "positive") in ab
    assert {a for a, p, _ in ab if p == "P1"} == set()


def test_seed_baricitinib_panniculitis_and_not_methotrexate(seed_ex):
    outs = [(s.patient, d.label.lower(), t.concept_id, s.value) for s, d, t in facts(seed_ex, "outcome")]
    assert {v for p, d, c, v in outs if p == "P2" and d == "baricitinib" and c == "HP:0012490"} & {"improved", "resolved"}
    assert not [o for o in outs if o[1] == "methotrexate" and o[2] == "HP:0012490"]
    assert {v for p, d, c, v in outs if d == "baricitinib" and is_erythema(c)} & {"improved", "resolved"}


def test_seed_adverse_events(seed_ex):
    aes = {(s.patient, d.label.lower(), t.concept_id, t.label.lower()) for s, d, t in facts(seed_ex, "adverse_event")}
    assert {c for p, d, c, _ in aes if d == "methotrexate"} >= {"HP:0002910", "HP:0001882"}
    assert [a for a in aes if a[0] == "P1" and a[1] == "baricitinib" and "herpes" in a[3]]


def test_seed_negations(seed_ex):
    for m in seed_ex.mentions:
        if "interstitial lung" in m.text.lower() or "interstitial lung" in m.label.lower():
            assert m.status != "present"
        if "muscle enzymes" in m.text.lower():
            assert m.status != "present"
    for s in seed_ex.statements:
        if s.kind in ("phenotype", "disease") and s.status == "present":
            m = seed_ex.mention(s.subject)
            assert "interstitial lung" not in m.label.lower() and "muscle enzymes" not in m.text.lower()


def test_seed_generic_sentences_have_no_patient(seed_ex, seed):
    for s in seed_ex.statements:
        text = seed_ex.sentences[s.sentence].text
        assert "Inconclusion" not in text and "in 3 patients" not in text
        assert s.patient in {"P1", "P2", "P3"}
