"""Rules for Drug spans the dictionaries do not settle alone.

A chemical named in lab context is an analyte, not a medication ("serum creatinine 3.4
mg/dL"); a Roman numeral after "stage"/"type" is a class value, never a chemical; a salt word
belongs to its drug's span ("morphine sulfate"); an unknown long form built like a chemical
name is one ("diethylnitrosamine (DEN)"); research compound codes ("SCH 23390", "KF17837") and
words built on drug-name stems ("loreclezole") are drugs without an identifier. Used by
`kg.nlp.lexicons`.
"""

import re

from spacy.tokens import Doc

from kg.model import DRUG
from kg.nlp.name_keys import Match, normalize_token


# Pieces of systematic and pharmaceutical chemical names ("diethylnitrosamine", "pregnenolone
# sulphate", "22-oxacalcitriol", "3'-azido-3'-deoxythymidine"), and words that make a phrase
# name an enzyme, receptor, gene or measure instead.
CHEM_PART = re.compile(
    r"(?:methyl|ethyl|propyl|butyl|phenyl|benz|chlor|fluor|brom|iodo|nitr|amino|hydroxy|azido|thio|sulf|sulph|"
    r"phosph|carb|cyclo|acet|oxa|aza|deoxy|dioxy|sodium|potassium|calcium|lithium|magnesium|"
    r"azole|mycin|cillin|oxacin|statin|pril|sartan|olol|dipine|azepam|barbital|caine|profen|tidine|triptyline|"
    r"oxetine|idone|apine|azine|amide|amine|sterone|estradiol|triol|diol|glycer|oside|olone|isone)",
    re.I,
)
# endings of the head word of a chemical name ("... sulphonate", "... chloride", "... thymidine")
_CHEM_END = re.compile(r"(?:ine|ate|ite|ide|ol|one|ium|ane|ene|yl|in|acid)$")
_NOT_CHEM_WORDS = frozenset(
    "receptor receptors protein proteins gene genes factor factors kinase antibody antibodies cell cells level levels "
    "test score scale activity pathway channel channels transporter syndrome disease therapy group trial study".split()
)


def chemical_name(text: str) -> bool:
    """True if `text` (an abbreviation's long form the dictionaries do not know) reads as the
    name of a chemical: 1-5 words, a piece of chemical nomenclature, a head word built like a
    chemical's, and no word that makes it an enzyme (-ase), receptor, gene, measure or study
    ("dobutamine stress echocardiography" is a test, not a chemical)."""
    words = text.lower().replace("-", " ").split()
    if not 1 <= len(text.split()) <= 5 or not words:
        return False
    if any(w in _NOT_CHEM_WORDS or w.endswith(("ase", "ases")) for w in words):
        return False
    last = words[-1]
    return len(last) >= 5 and bool(CHEM_PART.search(text)) and bool(CHEM_PART.search(last) or _CHEM_END.search(last))


# A chemical name in these contexts is a measured analyte or a target, not a medication given
# ("serum creatinine 3.4 mg/dL", "zinc level", "prothrombin time", "anti-phospholipid").
_LAB_NEXT = frozenset(
    "level levels concentration concentrations deficiency time receptor receptors enhancement test "
    "aminotransferase transaminase dehydrogenase kinase phosphatase degradation clearance excretion "
    "value values antibody antibodies staining stain metabolism saturation saturations consumption uptake supply "
    "demand tension extraction delivery closure".split()  # "collagen/epinephrine closure time": a platelet test
)
# "levels of ACTH", "the concentration of digoxin": the chemical after "of" is what was measured
_LAB_OF = frozenset("level levels concentration concentrations value values".split())
_LAB_PREV = frozenset("serum plasma blood ionic ionized ionised urinary urine total free fasting cm".split())
_LAB_UNIT = re.compile(r"(?:/d?l|/ml|mmol|μmol|umol|nmol|pmol|mol/|u/l|iu/l|%|mg/dl|g/dl|mmhg|seconds?|s)$", re.I)
_NUM = re.compile(r"^[<>≤≥]?\d+(?:[.,]\d+)?")


# "stage IVA", "type IIB", "grade III": a Roman numeral (with a sub-letter) right after a staging or
# classification word is that class's value, never a chemical, though the BC5CDR MeSH list has
# "IVA" (a regimen) and "II"/"III" match code-like drug names.
_CLASS_WORDS = frozenset("stage stages grade grades type types class classes phase phases tanner figo nyha".split())
_ROMAN = re.compile(r"(?:I{1,3}|IV|VI{0,3}|IX|X)[A-Da-d]?[0-9]?")


def class_value(doc: Doc, start: int, end: int) -> bool:
    """True if doc[start:end] is one Roman-numeral token after a class word ("stage IVA", "a stage
    of IVA")."""
    if end - start != 1 or start == 0 or _ROMAN.fullmatch(doc[start].text) is None:
        return False
    prev = doc[start - 1].lower_
    return prev in _CLASS_WORDS or (prev == "of" and start > 1 and doc[start - 2].lower_ in _CLASS_WORDS)


def lab_context(doc: Doc, start: int, end: int) -> bool:
    """True if the chemical at doc[start:end] reads as a laboratory analyte, not a medication."""
    n = len(doc)
    nxt = doc[end].lower_ if end < n else ""
    if nxt in _LAB_NEXT:
        return True
    if start > 0:
        prev = doc[start - 1].lower_
        if prev in _LAB_PREV:
            return True
        if prev == "of" and start > 1 and doc[start - 2].lower_ in _LAB_OF:
            return True
        if prev in ("-", "‐") and start > 1 and doc[start - 2].lower_ == "anti":
            return True
        if prev.startswith("anti") and prev.endswith("-"):
            return True
    j = end
    if j < n and doc[j].text in (":", "=", "of", "was", "is"):
        j += 1
    if j < n and _NUM.match(doc[j].text):
        tail = doc[j].text[_NUM.match(doc[j].text).end():]
        unit = tail or (doc[j + 1].text if j + 1 < n else "")
        if unit and _LAB_UNIT.search(unit):
            return True


# Salt and hydrate words that belong to a drug's name ("bupropion HCl", "morphine sulfate",
# "sodium valproate"): one chemical mention, the drug's concept.
_SALTS = frozenset(
    normalize_token(w)
    for w in (
        "hydrochloride HCl dihydrochloride hydrobromide sulfate sulphate maleate tartrate bitartrate citrate mesylate "
        "besylate acetate phosphate succinate hemisuccinate fumarate lactate gluconate hyclate propionate valerate "
        "dipropionate decanoate palmitate pamoate nitrate bromide chloride iodide "
        "sodium disodium potassium calcium magnesium"
    ).split()
)
_SALT_FIRST = frozenset(normalize_token(w) for w in "sodium disodium potassium calcium magnesium".split())


def with_salts(doc: Doc, keys: list[str], matches: list[Match]) -> list[Match]:
    """A Drug span takes in a salt word right after it ("bupropion HCl", "heparin sodium"), and
    a cation word right before it that is its own Drug span ("sodium warfarin"); the merged
    span keeps the drug's concept."""
    n = len(doc)
    drugs = {(m[0], m[1]): m for m in matches if m[2] == DRUG}
    starts = {m[0]: m for m in drugs.values()}
    ends = {m[1]: m for m in drugs.values()}
    gone: set[Match] = set()  # salt spans merged into their drug
    out = []
    for m in matches:
        if m[2] != DRUG or m in gone:
            out.append(m)
            continue
        s, e = m[0], m[1]
        if keys[s] not in _SALT_FIRST or e - s != 1:  # a bare cation is no drug to extend
            if e < n and keys[e] in _SALTS and doc[e - 1].whitespace_:
                salt = starts.get(e)
                if salt is None or salt[1] == e + 1:
                    if salt is not None:
                        gone.add(salt)
                    e += 1
            cation = ends.get(s)
            if cation is not None and cation[1] - cation[0] == 1 and keys[cation[0]] in _SALT_FIRST and cation not in gone:
                gone.add(cation)
                s = cation[0]
        out.append((s, e, *m[2:]) if (s, e) != (m[0], m[1]) else m)
    return [m for m in out if m not in gone]



# Research compound codes ("SCH 23390", "SM-5887", "KF17837", "A-86929"): capitals + digits.
# Names of genes, antigens, scores, viruses and the like share the shape and are excluded.
_CODE_GLUED = re.compile(r"^([A-Z]{2,4})(\d{2,6})[A-Za-z]?$")
_CODE_LETTERS = re.compile(r"^[A-Z]{1,4}(?:\d{1,3})?$")
_CODE_NOT = frozenset(
    "CD CA HLA IL MMP TNF ICD NYHA COVID SARS HER BRCA EGFR HIV HPV HBV HCV EBV CMV HSV HHV ANA PD PDL "
    "CYP UGT DSM WHO TLR CCR CXCR MHC IGF FGF VEGF TGF BMI GCS NIH ISO HBA MIM OMIM ORPHA DB NCT ISRCTN "
    "ECOG AJCC TNM APACHE SOFA NSCLC FIGO GRADE TYPE PMID DOI NO CI OR HR RR SD SE ID VAS MAP BP HB HCT "
    "CT MRI PET ECG EKG EEG EMG ICU ED AUC MIC IU IQ FEV FVC DLCO PCR RNA DNA MCP ACE KIT RET ATP APC MLH "
    "MSH ALK ROS BRAF KRAS NRAS TP COL FBN SMN DMD PAX SOX WT NF VHL DQA DQB DRB DPB HCG PSA CEA AFP LDH "
    "CK ALT AST GGT CRP ESR INR PT PTT APTT TSH FT GH ACTH LH FSH PTH ADH LD ED EC IC TD".split()
)


# International nonproprietary name stems: a word the dictionaries lack that ends like this is
# almost always a drug ("loreclezole", "cibenzoline", "spiperone", "naloxazone"). Words of 9+
# letters only, and English words with the same endings excluded.
_DRUG_STEM = re.compile(
    r"(?:zole|zoline|perone|azone|mycin|cillin|floxacin|statin|pril|sartan|olol|dipine|zepam|zolam|barbital|"
    r"caine|profen|tidine|triptyline|oxetine|apine|azine|tinib|parin|gliptin|glitazone|semide|thiazide|dronate|"
    r"platin|rubicin|taxel|setron|lukast|fibrate|pramine|peridol|triptan|cycline|zosin|terol|amivir|navir|"
    r"buvir|mustine|trexate|fenac|oxicam|coxib|vastatin)$"
)
_STEM_WORDS = frozenset("magazine cuisine alkaline gasoline ultrafine mezzanine chaperone".split())


def drug_stem(txt: str) -> bool:
    """True for an unknown lower-case (or capitalised) word built like a drug name."""
    low = txt.lower()
    return (
        len(low) >= 9
        and low.isalpha()
        and (txt.islower() or txt[1:].islower())
        and bool(_DRUG_STEM.search(low))
        and low not in _STEM_WORDS
        and not low.startswith("anti")  # "anticocaine antibody"
    )


def code_kind(txt: str) -> int:
    """1: a glued compound code ("KF17837") or a word built like a drug name ("loreclezole");
    2: capitals that may start a code ("SCH", "SM"); 0."""
    if txt[:1].islower() or (len(txt) > 5 and txt[1:].islower()):
        return 1 if drug_stem(txt) else 0
    if len(txt) > 12 or not txt[:1].isupper():
        return 0
    m = _CODE_GLUED.match(txt)
    if m:
        return 1 if m.group(1) not in _CODE_NOT else 0
    if _CODE_LETTERS.match(txt) and txt.rstrip("0123456789") not in _CODE_NOT:
        return 2
    return 0


def code_names(doc: Doc, candidates: list[tuple[int, int]]) -> list[Match]:
    """Drug spans (no identifier) for research compound codes at `candidates` ((i, code_kind))."""
    out: list[Match] = []
    n = len(doc)
    for i, kind in candidates:
        if kind == 1:
            # a glued locant or prefix belongs to the name ("alpha-hydroxymetoprolol", "N-...")
            s = i
            while s >= 2 and doc[s - 1].text == "-" and not doc[s - 1].whitespace_ and not doc[s - 2].whitespace_ and len(doc[s - 2].text) <= 6:
                s -= 2
            out.append((s, i + 1, DRUG, "", ()))
            continue
        if i + 1 >= n:
            continue
        t, nxt = doc[i], doc[i + 1]
        if nxt.text == "-" and not t.whitespace_ and i + 2 < n:
            num = doc[i + 2]
            if num.is_digit and len(num.text) >= (4 if len(t.text) == 1 else 2):
                out.append((i, i + 3, DRUG, "", ()))
        elif len(t.text) >= 2 and t.whitespace_ and nxt.is_digit and len(nxt.text) >= 4:
            out.append((i, i + 2, DRUG, "", ()))
    return out
