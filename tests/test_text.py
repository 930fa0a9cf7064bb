"""Text repair: every repair keeps a faithful map back to the original text."""

from __future__ import annotations

import re
import unicodedata

import pytest

from kg.text import repair, segment_word


def assert_offsets_faithful(original: str) -> str:
    """Every non-space token of the repaired text maps back to the same characters
    (modulo Unicode normalisation, which we check separately) in the original."""
    r = repair(original)
    for m in re.finditer(r"\S+", r.text):
        s, e = r.to_original(m.start(), m.end())
        assert 0 <= s <= e <= len(original)
        got = re.sub(r"\s", "", unicodedata.normalize("NFKC", original[s:e]))
        if "\n" in original[s:e]:
            # a joined line-break hyphen: only the hyphen itself may differ
            assert got.replace("-", "") == m.group().replace("-", ""), (m.group(), original[s:e])
        else:
            assert got == m.group(), (m.group(), original[s:e])
    return r.text


@pytest.mark.parametrize(
    "fused, expected",
    [
        # invented, not from the seed article
        ("The rash cleared withinthree weeks.", "within three"),
        ("She developed severeheadache and fever.", "severe headache"),
        ("Oral prednisone wasgradually tapered.", "was gradually"),
        ("Thebiopsy showed vasculitis.", "The biopsy"),
        ("Muscle strengthimproved after rituximab.", "strength improved"),
        ("Case3 was a 40-year-old man.", "Case 3"),
        ("He received methylprednisolone.Fever resolved.", "methylprednisolone. Fever"),
        ("treated with infusionsofrituximab", "infusions of rituximab"),
        ("levels ofCRP were high", "of CRP"),
        ("Polymyositis(PM) and interstitial lung disease", "Polymyositis (PM)"),
        ("Inconclusion, nothing.", "In conclusion"),
        ("Invivo data were scarce.", "In vivo"),
        ("a 12weeks course", "12 weeks"),
        ("the lungs'bases were clear", "lungs' bases"),
        ("fever,arthralgia and rash", "fever, arthralgia"),
        ("rheumatoid arthritisRheumatoid factor was positive", "arthritis Rheumatoid"),
        ("upregulation of ANAsin serum", "ANAs in"),
    ],
)
def test_run_together_words_are_split(fused: str, expected: str) -> None:
    text = assert_offsets_faithful(fused)
    assert expected in text


@pytest.mark.parametrize(
    "word",
    [
        "dermatomyositis",
        "hydroxychloroquine",
        "immunosuppressive",
        "periungual",
        "panniculitis",
        "amyopathic",
        "antisynthetase",
        "underwent",
        "inpatient",
        "percutaneous",
        "methylprednisolone",
        "mycophenolate",
        # English compounds and derived words that are not in the HPO-based lexicon
        "today",
        "format",
        "database",
        "bloodstream",
        "cutoff",
        "crossover",
        "feedback",
        "online",
        "collector",
    ],
)
def test_long_medical_words_stay_whole(word: str) -> None:
    text = f"The patient had {word} and improved."
    assert repair(text).text == text


@pytest.mark.parametrize(
    "token",
    ["IFI44", "p-STAT1", "NXP2", "MDA5", "TIF1-gamma", "anti-Jo-1", "IgG", "mRNA", "HbA1c", "eGFR", "anti-TIF1γ", "IL-6", "3rd", "5mg"],
)
def test_gene_and_protein_names_untouched(token: str) -> None:
    text = f"Testing showed {token} in serum."
    assert repair(text).text == text


def test_urls_and_dois_untouched() -> None:
    text = "See https://www.medicaldialogues.in/dermatology and doi: 10.1111/bjd.21252 or x@mailhost.org."
    assert repair(text).text == text


def test_unicode_normalisation_with_offsets() -> None:
    original = "Signi\ufb01cant\u00a0\ufb02are\u200b in IL\u20116 of 10\u2079/L with Olumiant\u2122 and \u03b3-globulin\r\nnext"
    r = repair(original)
    assert r.text == "Significant flare in IL-6 of 10\u2079/L with Olumiant and \u03b3-globulin\nnext"
    s, e = r.to_original(r.text.index("flare"), r.text.index("flare") + 5)
    assert original[s:e] == "\ufb02are"
    s, e = r.to_original(0, len("Significant"))
    assert original[s:e] == "Signi\ufb01cant"
    assert original[slice(*r.to_original(r.text.index("next"), len(r.text)))] == "next"


def test_dehyphenation() -> None:
    original = "The patient received treat-\nment with aza-\n  thioprine and a long-\nterm course."
    r = repair(original)
    assert "treatment with" in r.text
    assert "long-term" in r.text  # both halves are words but the joined form is not: keep hyphen
    s, e = r.to_original(r.text.index("treatment"), r.text.index("treatment") + 9)
    assert original[s:e] == "treat-\nment"
    assert_offsets_faithful(original)


BOILERPLATE = """Drug X effective in lupus

Written By :  Dr Jane Roe
Medically Reviewed By :  Dr. John Doe
Published On 2023-01-01 04:15 GMT   |   Update On 2023-01-02 09:49 GMT

Drug X effective in lupus Lupus is a chronic autoimmune disease with varied presentations that are often...

Login or Register to read the full article

Drug X effective in lupus

Lupus is a chronic autoimmune disease with varied presentations that are often difficult to treat. A woman aged 30 responded to drug X.

Source- Roe J, Doe J. Drug X in lupus. J Rare Dis. 2023;1(1):1-2. doi: 10.1000/xyz. PMID: 12345678.

Tags:
Article Source : Journal of Rare Diseases

Disclaimer: This site is primarily intended for healthcare professionals.
Any content does not replace medical advice.

Our comments section is governed by our Comments Policy . By posting comments you agree.

Similar News
Another headline about drug Y
"""


def test_boilerplate_removed() -> None:
    r = repair(BOILERPLATE)
    for junk in ("Written By", "Reviewed By", "Published On", "Login or Register", "PMID", "Tags",
                 "Article Source", "Disclaimer", "Comments Policy", "Similar News", "drug Y", "often..."):
        assert junk not in r.text, junk
    assert r.text.count("Lupus is a chronic autoimmune disease") == 1
    assert r.text.count("Drug X effective in lupus") == 1
    assert "A woman aged 30 responded to drug X." in r.text
    body = "responded to drug X"
    i = r.text.index(body)
    s, e = r.to_original(i, i + len(body))
    assert BOILERPLATE[s:e] == body
    assert_offsets_faithful(BOILERPLATE)


def test_seed_like_text_offsets_property() -> None:
    """Property-style check over a messy text mixing every repair."""
    original = (
        "Patient1 was admitted.Theprominence of type Iinterferon was\u00a0high in patients'blood "
        "(IFN-stimulated genes).Baricitinibeffective in DM-associated panniculitis, "
        "ofIVIG and Dermatomyositis(DM)was treat-\ned with ﬁve cycles."
    )
    text = assert_offsets_faithful(original)
    assert "Patient 1" in text and "The prominence" in text and "type I interferon" in text
    assert "Baricitinib effective" in text and "of IVIG" in text and "Dermatomyositis (DM) was" in text


def test_empty_span_and_bounds() -> None:
    r = repair("Patient1 ok")
    assert r.to_original(0, 0) == (0, 0)
    i = r.text.index(" 1")
    assert r.to_original(i, i + 1)[0] == r.to_original(i, i + 1)[1]  # inserted space: zero width
    assert r.to_original(len(r.text), len(r.text)) == (len("Patient1 ok"),) * 2
    assert len(r.offsets) == len(r.text) + 1


def test_segment_word_refuses_non_words() -> None:
    assert segment_word("xqzvbnmlk") is None
    assert segment_word("systemicinvolvement") == ["systemic", "involvement"]


def test_one_megabyte_is_repaired_whole() -> None:
    # speed is measured by benchmarks/extract_speed.py (1 MB of case-report text), not gated here
    para = (
        "Patient{n} had experienced anti-NXP2 antibody-positive DM with severe muscle weakness,facial "
        "erythema and an ulceratedsclerosing plaque that was histologically confirmed aspanniculitis. "
        "Therapy with baricitinib 4 mg daily was initiated.The rash resolved after {n} months.\n\n"
    )
    text = "".join(para.format(n=i) for i in range(4000))
    assert len(text) > 1_000_000
    r = repair(text)
    assert r.text.count("ulcerated sclerosing") == 4000 and r.text.count("as panniculitis") == 4000
    assert r.text.count("initiated. The rash") == 4000


def test_protect_mark_lookahead_keeps_every_branch():
    # the first-character lookahead on _PROTECT_MARK must not hide any branch's matches
    from kg.text import _PROTECT_MARK

    plain = re.compile(_PROTECT_MARK.pattern.split("(?:", 1)[1][:-1])
    text = ("see https://x.org/a_b?c=d, www.example.com or mail me@host.de; path C:\\dir\\f.txt, "
            "doi 10.1234/abc.5 and 10.12/x; example.info.\nfoo.in bar.uk 100.5 mg w1")
    assert [m.span() for m in _PROTECT_MARK.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert len(plain.findall(text)) > 10


def test_known_verdicts_are_shared_but_unchanged():
    # `known` caches per lexicon; a second document must get the same verdicts as a fresh check
    from kg.text import _Spacer

    words = ["weakness", "erythema", "aspanniculitis", "inthe", "Baricitinib", "zzqxv", "panniculitis"]
    first = [_Spacer("a").known(w) for w in words]
    assert [_Spacer("b")._known(w.lower()) for w in words] == first
    assert True in first and False in first


def test_glued_digit_patterns_match_their_plain_forms():
    """`_LETTERS_DIGIT_RE` and `_DIGIT_LETTERS_RE` are written letter-first for speed; they must
    find exactly what the plain lookbehind-first patterns find."""
    import random
    import re

    from kg.text import _DIGIT_LETTERS_RE, _LETTERS_DIGIT_RE

    plain = [(re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?=\d)"), _LETTERS_DIGIT_RE),
             (re.compile(r"(?<=\d)[a-z]{4,}(?![A-Za-z])"), _DIGIT_LETTERS_RE)]
    rng = random.Random(7)
    pieces = ["Patient", "abc", "ab", "IFI", "44", "6", "months", "mg", "x", "IgG", "1", "-", " ", "\n", "é", "_", "ÄB"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    texts += [" ".join(texts[i:i + 200]) for i in range(0, 3000, 200)]
    texts += ["Patient1 had 6months", "abc1", "1abcd", "a1", "\nabc2"]
    for text in texts:
        for old, new in plain:
            assert [m.span() for m in new.finditer(text)] == [m.span() for m in old.finditer(text)], text
