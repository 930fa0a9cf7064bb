"""Patient segmentation: who each sentence is about.

A patient is introduced by a label ("Patient 2", "Case 3", "the second patient") or by an
indefinite age/sex phrase ("A 45-year-old woman", "a 7-month-old boy"). A sentence belongs
to the passage of the patient introduced last, with these exceptions, in order:
- an explicit label inside the sentence ("in patient 1") re-attributes that sentence;
- discussion openers ("In conclusion", "Discussion", "To our knowledge") close the passage
  ("These findings confirmed X" is not one: it sums up the findings just reported, mostly in the
  middle of a case, and MACCROBAT reports lost every statement after one);
- a sentence about patients in the plural ("patients with DM", "in 3 patients") is generic;
- in a case series (two or more patients) a new paragraph continues a passage only when it
  opens with a singular patient reference ("She", "The patient"); in a single-case report
  the passage runs on until a discussion opener.
"""

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.nlp.doctext import doc_text
from kg.nlp.extensions import register

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_NUMWORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
             "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
             "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_TIME = r"(?:years?|yrs?|months?|weeks?|days?|hours?|h|min|mg|g|ml|times?|cycles?|doses?|and\s+\d|or\s+\d|,\s*\d|-\s*\d)\b"

# The words a label starts with, case-sensitive (the regexes have no IGNORECASE). LABEL_RE is built
# from them and `_gated_hits` tests for them, so the gate cannot drift from the regex. "Pt" takes
# an optional "."; a lower-case "case" counts only after "in", "of" or "for" ("in case 2").
_LABEL_WORDS = ("Patient", "patient", "Pt", "pt", "Case", "CASE", "PATIENT", "case")


def _label_kind(word: str) -> str:
    if word.lower() == "pt":
        return word + r"\.?"
    if word == "case":
        return "|".join(rf"(?<={before}\s)case" for before in ("in", "of", "for"))
    return word


# "Patient 1", "Patient1", "patient no. 2", "Case #3", "Case II" (not "patients 1 month")
LABEL_RE = re.compile(
    rf"\b(?P<kind>{'|'.join(map(_label_kind, _LABEL_WORDS))})\s*(?:no\.?\s*|number\s+|#\s*)?(?P<num>\d+|[IVX]+)\b(?!\s*{_TIME})(?![-.]\d)"
)
_ORDINAL_NOUNS = ("patient", "case")  # ORDINAL_RE's nouns, and its gate's words
ORDINAL_RE = re.compile(rf"\b(?:[Tt]he|[Oo]ur)\s+(?P<ord>{'|'.join(_ORDINALS)})\s+(?:{'|'.join(_ORDINAL_NOUNS)})\b")
_AGE = r"(?P<age>\d+(?:[.,]\d+)?|(?:[a-z]+-)?[a-z]+)"
_NOUN_SEX = {"woman": "female", "female": "female", "girl": "female", "lady": "female", "mother": "female",
             "primipara": "female", "multipara": "female", "primigravida": "female", "gravida": "female",
             "nullipara": "female", "pregnant": "female",
             "wife": "female", "daughter": "female", "man": "male", "male": "male", "boy": "male",
             "gentleman": "male", "father": "male", "husband": "male", "son": "male"}
_NOUNS = "|".join(list(_NOUN_SEX) + ["patient", "child", "infant", "neonate", "baby", "newborn", "adolescent",
                                     "teenager", "individual", "person", "toddler", "subject", "primipara",
                                     "multipara", "primigravida", "gravida", "nullipara", "pregnant", "caucasian",
                                     "african", "asian", "hispanic", "white", "black", "smoker", "nonsmoker"])
AGE_RE = re.compile(
    rf"\b(?P<art>[Aa]n?|[Oo]ur|[Tt]his|[Tt]he|[Tt]he\s+patient\s+(?:was|is)\s+an?|(?:[Ss]he|[Hh]e)\s+(?:was|is)\s+an?|"
    rf"[Oo]ur\s+patient\s+(?:was|is)\s+an?)"
    rf"\s+(?:[\w,-]+\s+){{0,3}}?{_AGE}\s*[-–—]?\s*(?P<unit>year|yr|month|week|day)s?\s*[-–—]?\s*old\b"
    rf"(?:[\s,]+[\w-]+){{0,4}}?[\s,]+(?P<noun>{_NOUNS})\b"
)
# "A newborn boy", "This young girl": an introduction without an age
_YOUNG_WORDS = ("newborn", "neonate", "premature", "preterm", "young", "infant")
YOUNG_RE = re.compile(
    rf"\b(?P<art>[Aa]n?|[Oo]ur|[Tt]his|[Tt]he)\s+(?:[\w-]+\s+){{0,2}}?(?P<young>{'|'.join(_YOUNG_WORDS)})"
    r"\s+(?P<noun>boy|girl|male|female|infant|baby|child|neonate|newborn)\b"
)
# a singular patient with no age given ("Our patient (ID 7) is a female child")
SINGULAR_RE = re.compile(r"^\W*(?:[Oo]ur|[Tt]his|[Tt]he)\s+(?:[\w-]+\s+){0,2}?(?:patient|proband|index\s+case|affected\s+individual)\b(?!s)")
# sex words in the intro sentence when the noun is neutral ("a 45-year-old Caucasian patient, female")
_SEX_WORDS = {"female": "female", "woman": "female", "girl": "female", "male": "male", "man": "male", "boy": "male"}
_OPENERS = re.compile(
    r"^\W*(?:discussion|conclusions?|in\s+conclusion|in\s+summary|to\s+conclude|to\s+summari[sz]e|to\s+our\s+knowledge|"
    r"taken\s+together|in\s+our\s+(?:cases|patients|series)|these\s+cases|"
    r"our\s+(?:cases|findings|observations|results|report)|this\s+(?:report|case\s+series|study)|here,?\s+we|"
    r"we\s+(?:conclude|suggest|propose|recommend|here)|references?|background|introduction|abstract|"
    r"source|disclaimer|tags?\b|article\s+source)\b",
    re.I,
)
_CITATION = re.compile(r"\bet\s+al\b|\breported\s+by\b|\bin\s+the\s+literature\b|\bpreviously\s+(?:reported|described)\b|\bdescribed\s+by\b", re.I)
_PLURAL = re.compile(r"\b(?:patients|cases|subjects|individuals|children|women|men)\b(?!\s*(?:\d+\s*(?:and|,|&|-|–|to)\s*\d+))", re.I)
_SINGULAR_OPEN = re.compile(r"^\W*(?:she|he|her|his|him|the\s+patient|this\s+patient|our\s+patient|the\s+(?:boy|girl|woman|man|child|infant))\b", re.I)
_PRONOUN_F = re.compile(r"\b(?:she|her|hers|herself)\b", re.I)
_PRONOUN_M = re.compile(r"\b(?:he|him|his|himself)\b", re.I)


def _gated_hits(regex: re.Pattern, words: tuple[str, ...], text: str) -> list[re.Match]:
    """`regex`'s matches in `text`, skipping the search where none of `words` occurs: every
    match of the label regexes holds one of their kind words (`_LABEL_WORDS`, `_ORDINAL_NOUNS`),
    and 7 of 8 sentences of a case report hold none of them."""
    return list(regex.finditer(text)) if any(map(text.__contains__, words)) else []


def _age_char(text: str, i: int) -> bool:
    """Whether AGE_RE can consume text[i]: a word character, white space, "," or a dash, or a
    "." between two digits (inside "2.5")."""
    c = text[i]
    if c.isalnum() or c == "_" or c.isspace() or c in ",-–—":  # isalnum/isspace are re's \w/\s
        return True
    return c == "." and 0 < i < len(text) - 1 and text[i - 1].isdecimal() and text[i + 1].isdecimal()


def _age_matches(text: str) -> list[re.Match]:
    """`list(AGE_RE.finditer(text))`, searching only the stretches of text around an "old".

    A match holds the literal "old" and only characters `_age_char` accepts, so it lies
    inside the maximal stretch of such characters around one "old"; the character bounding a
    stretch is not a word character, so `\b` at its ends behaves as in the whole text.
    """
    out: list[re.Match] = []
    n = len(text)
    at = text.find("old")
    while at >= 0:
        a, b = at, at + 3
        while a > 0 and _age_char(text, a - 1):
            a -= 1
        while b < n and _age_char(text, b):
            b += 1
        out.extend(AGE_RE.finditer(text, a, b))
        at = text.find("old", b)
    return out


def _age_years(value: str, unit: str) -> float | None:
    value = value.replace(",", ".").lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        n = float(value)
    else:
        parts = value.split("-")
        if not all(p in _NUMWORDS for p in parts):
            return None
        n = float(sum(_NUMWORDS[p] for p in parts))
    div = {"year": 1.0, "yr": 1.0, "month": 12.0, "week": 52.1775, "day": 365.25}[unit.lower()]
    return round(n / div, 2)


def _label_number(m: re.Match) -> int:
    num = m.group("num")
    return int(num) if num.isdigit() else _ROMAN.get(num.lower(), 0)


class PatientSegmenter:
    def __init__(self, nlp: Language, name: str) -> None:
        register()

    def __call__(self, doc: Doc) -> Doc:
        sents = list(doc.sents)
        text = doc_text(doc)
        # Span.text rebuilds the string token by token; slicing the doc text is the same string
        sent_texts = [text[sent.start_char:sent.end_char] for sent in sents]
        patients: list[dict] = []
        by_number: dict[int, dict] = {}
        sent_patient: dict[int, str | None] = {}

        # pass 1: how many distinct patients does the text introduce? (decides the paragraph rule)
        numbers = {_label_number(m) for m in LABEL_RE.finditer(text)} | {
            _ORDINALS[m.group("ord").lower()] for m in ORDINAL_RE.finditer(text)}
        age_intros = {(m.group("age"), m.group("noun")) for m in _age_matches(text) if m.group("art").lower() in ("a", "an")}
        series = len(numbers - {0}) >= 2 or len(age_intros) >= 2

        def new_patient(label: str, start: int, end: int, sent_idx: int) -> dict:
            p = {"id": f"P{len(patients) + 1}", "label": label, "start_char": start, "end_char": end,
                 "age": None, "sex": None, "sent_index": sent_idx}
            patients.append(p)
            return p

        current: dict | None = None
        current_since = -1
        for idx, sent in enumerate(sents):
            s_text = sent_texts[idx]
            s_off = sent.start_char
            if idx == 0:
                para_start = True
            else:
                gap_start = s_off  # == len(text[:s_off].rstrip(" \t\n\r")) without copying the prefix
                while gap_start > 0 and text[gap_start - 1] in " \t\n\r":
                    gap_start -= 1
                para_start = "\n" in text[gap_start:s_off + len(s_text) - len(s_text.lstrip())]
            assigned: dict | None = None
            introduced: dict | None = None
            refs: list[dict] = []

            # each regex only where its literal words are (most sentences name no patient)
            label_hits = _gated_hits(LABEL_RE, _LABEL_WORDS, s_text) + _gated_hits(ORDINAL_RE, _ORDINAL_NOUNS, s_text)
            label_hits.sort(key=lambda m: m.start())
            for m in label_hits:
                num = _ORDINALS[m.group("ord").lower()] if "ord" in m.groupdict() and m.groupdict().get("ord") else _label_number(m)
                if num <= 0:
                    continue
                p = by_number.get(num)
                at_start = not s_text[:m.start()].strip(" \t\n\r:-–(") or re.fullmatch(r"\W*(?:In|For|At)?\s*", s_text[:m.start()]) is not None
                if p is None:
                    p = new_patient(m.group(0).strip(), s_off + m.start(), s_off + m.end(), idx)
                    by_number[num] = p
                    introduced = introduced or p
                elif at_start and not re.match(r"\W*(?:in|for)\b", s_text, re.I):
                    introduced = introduced or p  # "Patient 1 later developed ...": the passage resumes
                else:
                    refs.append(p)

            # "A 45-year-old woman ...": a new patient, or the age/sex of the one just labelled
            # both need a literal word ("old"; "young", "newborn", ...): test it before the regex
            intro_m = (AGE_RE.search(s_text) if "old" in s_text else None) or (
                YOUNG_RE.search(s_text) if any(w in s_text for w in _YOUNG_WORDS) else None)
            if intro_m is not None:
                if "unit" in intro_m.groupdict():
                    age = _age_years(intro_m.group("age"), intro_m.group("unit"))
                else:
                    age = 0.0 if intro_m.group("young").lower() in ("newborn", "neonate", "premature", "preterm") else None
                sex = _NOUN_SEX.get(intro_m.group("noun").lower())
                if sex is None:
                    for w in re.findall(r"[a-z]+", s_text.lower()):
                        if w in _SEX_WORDS:
                            sex = _SEX_WORDS[w]
                            break
                indefinite = intro_m.group("art").lower() in ("a", "an")
                target = introduced
                if target is None and current is not None and current["age"] is None and (
                        not indefinite or idx - current_since <= 2):
                    target = current  # "Case 1\nA 45-year-old woman ..." / "She was a 45-year-old ..."
                if target is None and not _CITATION.search(s_text):
                    same = [p for p in patients if age is not None and p["age"] == age and p["sex"] == sex
                            and not LABEL_RE.match(p["label"])]
                    if same:
                        target = same[0]  # abstract and full text introduce the same person twice
                        introduced = target
                    elif indefinite or not patients:
                        target = new_patient(intro_m.group(0).strip(), s_off + intro_m.start(), s_off + intro_m.end(), idx)
                        introduced = target
                if target is not None:
                    if target["age"] is None:
                        target["age"] = age
                    if target["sex"] is None:
                        target["sex"] = sex
            if introduced is None and not refs and not patients and current is None and not _OPENERS.match(s_text):
                m = SINGULAR_RE.match(s_text)
                if m is not None:  # "Our patient (ID 7) is a female child": a single-case report without an age
                    introduced = new_patient(m.group(0).strip(), s_off + m.start(), s_off + m.end(), idx)

            if introduced is not None:
                current, current_since = introduced, idx
                assigned = introduced
            elif refs:
                assigned = refs[0]
            elif _OPENERS.match(s_text):
                current = None
            elif para_start and series and current is not None and not _SINGULAR_OPEN.match(s_text):
                current = None
            elif _PLURAL.search(s_text) and not _SINGULAR_OPEN.match(s_text):
                assigned = None  # about patients in general; the passage goes on after it
            else:
                assigned = current
            sent_patient[sent.start] = assigned["id"] if assigned else None

        # sex from pronouns where the intro did not say
        for p in patients:
            if p["sex"] is not None:
                continue
            f = m_ = 0
            for sent, s_text in zip(sents, sent_texts):
                if sent_patient.get(sent.start) == p["id"]:
                    f += len(_PRONOUN_F.findall(s_text))
                    m_ += len(_PRONOUN_M.findall(s_text))
            if f > m_:
                p["sex"] = "female"
            elif m_ > f:
                p["sex"] = "male"
        doc._.patients = patients
        doc._.sent_patient = sent_patient
        return doc


@Language.factory("casekg_patients")
def make_patients(nlp: Language, name: str) -> PatientSegmenter:
    return PatientSegmenter(nlp, name)
