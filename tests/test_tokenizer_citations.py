"""casekg's tokenizer rules for citation marks glued to a word (kg/nlp/pipeline.py).

Sentences are written for these tests; none comes from a gold corpus.
"""

import pytest
import spacy

from kg.nlp.pipeline import build_nlp


@pytest.fixture(scope="module")
def tok():
    return build_nlp([]).tokenizer


def _texts(tok, text: str) -> list[str]:  # noqa: ANN001
    return [t.text for t in tok(text)]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("He was treated for sarcoidosis.4 Later", "sarcoidosis"),
        ("He was treated for sarcoidosis.14,15 Later", "sarcoidosis"),
        ("He was treated for sarcoidosis.14-16 Later", "sarcoidosis"),
        ("He was treated for sarcoidosis.14\u201316 Later", "sarcoidosis"),
        ("a history of migraine,8,9 and asthma", "migraine"),
        ("complicated by cholangitis;3 the stent", "cholangitis"),
        ("The CT showed bronchiectasis.(Fig.3). Then", "bronchiectasis"),
        ("The CT showed bronchiectasis.(Fig. 3) then", "bronchiectasis"),
        ("a pattern of vasculitis.[22] It", "vasculitis"),
        ("a pattern of vasculitis,[22,23] and", "vasculitis"),
        ("seen with pemphigus.(7) It", "pemphigus"),
        ("as reported before[12] for", "before"),
        ("he received CyA. Renal function", "CyA"),
        ("creatinine was 2.1 mg/dL. Renal function", "dL"),
        ("a known HbS. He", "HbS"),
    ],
)
def test_glued_citation_leaves_the_word_a_token(tok, text: str, word: str) -> None:
    assert word in _texts(tok, text)
    # the English defaults kept the word glued: the rule is what makes the difference
    assert word not in _texts(spacy.blank("en").tokenizer, text)


def test_citation_numbers_stay_one_token(tok) -> None:
    assert _texts(tok, "sarcoidosis.14,15")[-1] == "14,15"
    assert _texts(tok, "before[12,13]") == ["before", "[", "12,13", "]"]


@pytest.mark.parametrize(
    "text",
    [
        "0.5 mg twice daily",
        "IL-1.2 and Nav1.5 channels",
        "1,2-dichloroethane exposure",
        "5alpha,3beta-diol",
        "3 beta,17 beta-diol",
        "9 trans,12 trans octadecadienoic acid",
        "bicyclo[2.2.1]heptane",
        "c.215C>G and p.G12D mutations",
        "e.g. fever",
        "given i.v. daily",
        "Fig. 2 and Fig.2B",
        "U.S. and Ph.D. holders",
        "the pump Vortex.012 was",
        "del(5)(q13) karyotype",
        "beta(2)-agonist",
        "Mg(2+)-free",
    ],
)
def test_what_the_rules_leave_as_the_english_defaults_do(tok, text: str) -> None:
    assert _texts(tok, text) == _texts(spacy.blank("en").tokenizer, text)


def test_offsets_of_split_tokens_are_exact(tok) -> None:
    text = "Known keratitis.3,4 (Fig.1), hepatitis;5 and uveitis.[6]"
    doc = tok(text)
    assert doc.text == text
    for t in doc:
        assert text[t.idx:t.idx + len(t)] == t.text
    assert [t.text for t in doc if t.is_alpha and t.text.islower()] == ["keratitis", "hepatitis", "and", "uveitis"]


def test_extraction_finds_the_glued_finding_at_its_original_offsets() -> None:
    from kg.corpus import content_hash
    from kg.extract import extract
    from kg.model import Article, ArticleMeta

    # a zero-width space the repair step drops sits before the finding, so the offsets have to
    # go through the repair map as well as the new token boundaries
    text = "A 30-year-old woman had pancreatitis.\u200b 2,3 Then came vomiting,4 and fever.[5]"
    meta = ArticleMeta(id="case-citations")
    ex = extract(Article(meta=meta, text=text, sha256=content_hash(text.encode(), meta)))
    found = {m.text: (m.start, m.end) for m in ex.mentions}
    for word in ("pancreatitis", "vomiting", "fever"):
        start = text.index(word)
        assert found.get(word) == (start, start + len(word)), (word, found)


def test_lexicon_only_predictor_tokenizes_like_the_pipeline() -> None:
    """`kg evaluate --lexicon-only` scores the lexicon on the pipeline's tokens: a finding glued to
    its citation number is found there too."""
    from kg.evaluate import lexicon_predictor

    text = "Her gait showed ataxia.3 She was admitted."
    found = [(p[0], p[1]) for p in lexicon_predictor()(text)]
    start = text.index("ataxia")
    assert (start, start + len("ataxia")) in found


def test_trained_models_learn_on_the_pipelines_tokens() -> None:
    """A model from `kg train` sees the tokens it will be run on (the pipeline's rules)."""
    from kg.train import blank_model

    assert _texts(blank_model(["Sign_symptom"]).tokenizer, "with nausea,2,3 and") == _texts(build_nlp([]).tokenizer, "with nausea,2,3 and")
    assert "nausea" in _texts(blank_model(["Sign_symptom"]).tokenizer, "with nausea,2,3 and")
