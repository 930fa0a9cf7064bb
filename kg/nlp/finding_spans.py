"""Boundary and recognition rules for Manifestation and Disease spans, after dictionary matching.

`kg.nlp.lexicons` finds dictionary names; these rules set where a finding's span starts and ends
in the corpora's convention and in a diagnosis (a disease prefix, an organ before or after a
neoplasm, a subtype, an inheritance phrase; "heparin-induced thrombocytopenia" ->
"thrombocytopenia"), split findings joined by "and"/"or", drop findings inside molecules' and
agents' names, and add disease mentions no dictionary lists ("G6PD deficiency", "an autosomal
recessive disorder", "Reye syndrome"). Whether a phenotype name reads as a diagnosis
(`diseaselike`) is decided here too.
"""

import re

from spacy.tokens import Doc

from kg.model import DISEASE, DRUG, MANIFESTATION
from kg.nlp import abbreviations
from kg.nlp.doctext import doc_text
from kg.nlp.genre import is_case_narrative
from kg.nlp.name_keys import SKIP as _SKIP, Match, lookup, normalize_token
from kg.nlp.name_variants import ADJ_SUFFIX as _ADJ_SUFFIX


# Names of diagnoses rather than of signs: case reports (and MACCROBAT) call "hypertension",
# "cardiomyopathy", "renal failure" diseases even though HPO lists them as phenotypes.
_DISEASE_WORDS = frozenset(
    "disease disorder syndrome failure cancer carcinoma infection diabetes hypertension epilepsy hernia "
    "insufficiency deficiency cirrhosis hypertrophy fibrillation infarction lymphoma leukemia leukaemia "
    "sarcoma tumor tumour neoplasm malignancy chf copd".split()
)
_DISEASE_SUFFIX = ("itis", "oma", "omas", "pathy", "pathies")
# inflammations that rheumatology case reports list as manifestations of the disease
_FINDING_ITIS = frozenset(
    "panniculitis myositis polymyositis arthritis polyarthritis synovitis tenosynovitis vasculitis "
    "dermatitis conjunctivitis serositis pericarditis pleuritis uveitis episcleritis mucositis".split()
)


# One-word names that case reports use as findings, not diagnoses ("the tumor was excised"):
# MACCROBAT *train* marks bare tumor/tumour 44 of 44 times as Sign_symptom; "Wilms tumor" stays
# a disease. (Bare "hypertension" is 9 of 14 there, but stays a diagnosis for the graph.)
_BARE_FINDINGS = frozenset("tumor tumour tumors tumours neoplasm neoplasms".split())


def diseaselike(text: str) -> bool:
    """True if a phenotype name reads as a diagnosis (last word a disease word or suffix)."""
    words = re.findall(r"[A-Za-z]+", text)
    if not words or (len(words) == 1 and words[0].lower() in _BARE_FINDINGS):
        return False
    last = words[-1].lower()
    return last in _DISEASE_WORDS or (len(last) > 5 and last.endswith(_DISEASE_SUFFIX) and last not in _FINDING_ITIS)


# Words that, before a disease name, belong to it in the corpora's convention and in a
# diagnosis ("hereditary breast cancer", "familial retinoblastoma", "male breast cancer",
# "postoperative delirium", "sporadic renal cell carcinoma"). "Sporadic" names the
# non-inherited form as "hereditary" names the inherited one: NCBI dev has it inside 9 of 10
# gold spans it precedes; BC5CDR train never writes it before a disease, BC5CDR dev leaves it
# out 3 of 3 (two abstracts: "sporadic Alzheimer's disease"), GSC+ annotates the HPO phenotype
# without it. The concept is the disease's own either way.
_DISEASE_PREFIX = frozenset("hereditary inherited familial sporadic male postoperative".split())
# ... unless the finding names a class of genes: "familial tumour suppressor genes"
_GENE_CLASS_NEXT = frozenset(normalize_token(w) for w in "suppressor suppressors".split())


CAUSED = frozenset(("induced", "associated", "related", "mediated"))
# a derived adjective before these is a drug class ("hypoglycemic agents"), not a finding
_AGENT_NEXT = frozenset("agent agents drug drugs medication medications".split())
_FINDING = (MANIFESTATION, DISEASE)


def leaf_findings(s: int, e: int, leaf: dict | None) -> list[Match]:
    from kg.nlp.lexicons import resolve_leaf  # the lexicon module imports this one

    return [m for m in resolve_leaf(s, e, leaf) if m[2] in _FINDING]


# A neoplasm named by its organ ("prostate carcinoma", "kidney cancer", "thymic lymphomas") is one
# mention in NCBI disease and BC5CDR (organ inside the gold span: NCBI dev 186 of 244 neoplasm
# mentions, BC5CDR train 93 of 144; an organ word outside it almost never), and one diagnosis.
NEOPLASM_HEADS = frozenset(
    normalize_token(w)
    for w in "tumor tumour cancer carcinoma adenocarcinoma neoplasm neoplasia sarcoma lymphoma adenoma malignancy".split()
)
NEOPLASM_SITES = frozenset(
    normalize_token(w)
    for w in (
        "prostate prostatic breast mammary ovarian ovary colorectal colon colonic rectal lung pulmonary kidney "
        "renal bladder urothelial liver hepatic pancreatic pancreas gastric stomach esophageal oesophageal "
        "thyroid parathyroid pituitary adrenal brain skin cutaneous endometrial uterine testicular laryngeal "
        "nasopharyngeal thymic jaw bone intestinal bowel biliary gallbladder penile vulvar vaginal anal duodenal "
        "salivary tongue ocular retinal spinal ureteric ureteral forestomach solid"
    ).split()
)
# Organ adjectives before a one-word finding belong to it in BC5CDR and NCBI ("myocardial
# hypertrophy", "renal damage"; BC5CDR train: "myocardial" inside a gold span 61 times, just
# before one 2 times).
# "cancer of the ureter", "angiosarcoma of the liver", "cancer of the renal pelvis, ureter or
# bladder": the organ after a neoplasm head is inside the gold span (BC5CDR train, cross-fitted: 7
# of 7 neoplasm spans followed by "of" that a gold span extends; none where the head alone is gold).
_SITE_NOUNS = frozenset(
    normalize_token(w)
    for w in (
        "liver lung kidney bladder breast colon rectum stomach pancreas prostate ovary uterus cervix skin brain "
        "bone ureter urethra esophagus oesophagus thyroid tongue larynx pharynx nasopharynx cavity pelvis "
        "gallbladder duodenum intestine bowel testis vulva vagina penis anus jaw mandible lip"
    ).split()
)
_OF, _THE = normalize_token("of"), normalize_token("the")
_SITE_CONJ = frozenset((",", normalize_token("and"), normalize_token("or")))
# after a coordinated organ, words that end the noun phrase ("..., ureter or bladder was"); any other
# word may make the organ a modifier of another noun ("the liver and lung metastases")
_PHRASE_END = frozenset(normalize_token(w) for w in (
    "was were is are has have had in with of by for at on after from who which that than as "
    "occurred developed followed remains remained").split()) | _SITE_CONJ


def _site(keys: list[str], i: int) -> int | None:
    """End of an organ named at `i` ("liver", "renal pelvis": one word before the organ noun)."""
    if i < len(keys) and keys[i] in _SITE_NOUNS:
        return i + 1
    if i + 1 < len(keys) and keys[i].isalpha() and keys[i + 1] in _SITE_NOUNS:
        return i + 2
    return None


def _neoplasm_site_end(keys: list[str], e: int, spans: set[tuple[int, int]]) -> int | None:
    """Where "of [the] ORGAN[, ORGAN][ and/or ORGAN]" after a neoplasm head (at `e`) ends, or None.
    A coordinated organ followed by a word that may be its noun ("the liver and lung metastases")
    is no conjunct."""
    i = e + 1 + (e + 1 < len(keys) and keys[e + 1] == _THE)
    end = _site(keys, i)
    while end is not None and end < len(keys) and keys[end] in _SITE_CONJ:
        k = end + 1 + (keys[end] == "," and end + 1 < len(keys) and keys[end + 1] in _SITE_CONJ)
        nxt = _site(keys, k)
        if nxt is None or any(a <= nxt < b for a, b in spans) or (nxt < len(keys) and keys[nxt].isalpha() and keys[nxt] not in _PHRASE_END):
            break
        end = nxt
    return end


_ORGAN_ADJ = frozenset(normalize_token(w) for w in "myocardial cardiac renal hepatic pulmonary cerebral gastric intestinal".split())


# Phrases naming molecules, not findings: "tumor necrosis factor". (Not "tumor suppressor gene":
# NCBI and GSC+ annotate its "tumor" as often as not.)
_MOLECULE_NEXT = {normalize_token("tumor"): (("necrosis", "factor"),)}


def _names_a_molecule(keys: list[str], s: int, e: int) -> bool:
    """True if the finding at s..e is part of a molecule's name ("tumor necrosis factor")."""
    for i in range(max(0, s - 1), e):
        for tail in _MOLECULE_NEXT.get(keys[i], ()):
            j, ok = i + 1, True
            for want in tail:
                while j < len(keys) and keys[j] == _SKIP:
                    j += 1
                if j >= len(keys) or keys[j] != want:
                    ok = False
                    break
                j += 1
            if ok and j >= e:
                return True
    return False


# A mode of inheritance before a named disorder names its inherited form ("autosomal dominant
# myotonia congenita", "X-linked thrombocytopenia"): one mention in NCBI disease (dev: "autosomal"
# inside a gold span 9 times and just before one never, "X-linked" 6 and 0; read from NCBI dev
# errors), and absent from BC5CDR and GSC+ dev (BC5CDR train has none either).
_MODES = frozenset(normalize_token(w) for w in "dominant recessive".split())


def _inheritance_start(keys: list[str], s: int) -> int | None:
    """The start of "autosomal dominant"/"autosomal recessive"/"X-linked [recessive|dominant]"
    ending right before token s, or None."""
    j = s
    if j >= 1 and keys[j - 1] in _MODES:
        j -= 1
        if j >= 1 and keys[j - 1] == "autosomal":
            return j - 1
    if j >= 3 and keys[j - 1] == "linked" and keys[j - 2] == _SKIP and keys[j - 3] == "x":
        return j - 3
    return None


# "Cell death", "programmed cell death", "the death pathway" name biology, not a patient's
# death: never annotated in NCBI dev (4 of 4 "cell death" left out) or BC5CDR dev (4 of 4), and
# once in 4 in BC5CDR train, where a patient's "death" is annotated 32 of 37 times.
_DEATH = normalize_token("death")
_DEATH_NEXT = frozenset(normalize_token(w) for w in "pathway gene receptor domain signal signaling".split())


# A disease named as the source of a vaccine or an antigen ("hepatitis B vaccine", "hepatitis B
# surface antigen") is no finding of the patient: BC5CDR train annotates none of these 4.
_VACCINE_NEXT = frozenset(normalize_token(w) for w in "vaccine vaccination vaccinated antigen".split())


def _names_an_agent(keys: list[str], e: int) -> bool:
    """True if the finding ending at e is followed by a vaccine or (surface / e) antigen word."""
    j = e
    if j < len(keys) and keys[j] in ("surface", "e"):
        j += 1
    return j < len(keys) and keys[j] in _VACCINE_NEXT


# The vessel before a vascular occlusion belongs to it ("coronary thrombosis", "central vein
# thrombosis", "sinus thrombosis"): BC5CDR train has a vessel word inside the gold span 19 times
# and just before a bare one never (dev: 27 inside, 4 before; "arterial" is the exception there).
_VASCULAR_HEADS = frozenset(normalize_token(w) for w in "thrombosis occlusion embolism thromboembolism stenosis".split())
_VESSELS = frozenset(normalize_token(w) for w in "vein veins venous artery arteries coronary sinus sinuses aortic".split())


def _vessel_start(keys: list[str], s: int) -> int:
    """Where a vessel word right before token s starts ("vein", "coronary"), or s. (Qualifiers
    before the vessel, "central vein", "cerebral venous", are outside BC5CDR dev's spans more
    often than inside, and "arterial" is outside 3 of 4 there: both left out.)"""
    return s - 1 if s >= 1 and keys[s - 1] in _VESSELS else s


# A virus named before "infection" belongs to the mention ("HCV infection", "HIV-1 infection",
# "adenovirus infection"): BC5CDR dev and train have the virus inside the gold span 10 of 10.
_INFECTION = frozenset(normalize_token(w) for w in "infection infections".split())
_VIRUS_ACRONYM = re.compile(r"^[A-Z]{1,4}V(?:-[0-9])?$")


def _pathogen_start(doc: Doc, s: int) -> int:
    """Where a virus named right before token s starts ("HBV", "HIV-1", "cytomegalovirus"), or s."""
    j = s
    if j >= 3 and doc[j - 1].text.isdigit() and len(doc[j - 1].text) == 1 and doc[j - 2].text == "-":
        j -= 2  # the type number of "HIV-1"
    if j >= 1 and (_VIRUS_ACRONYM.match(doc[j - 1].text) or (doc[j - 1].lower_.endswith("virus") and len(doc[j - 1].text) > 5)):
        return j - 1
    return s


def _cell_death(keys: list[str], s: int, e: int) -> bool:
    """True for a bare "death" finding that is a cell's death or part of a pathway's name."""
    if e - s != 1 or keys[s] != _DEATH:
        return False
    if s > 0 and keys[s - 1] == "cell":
        return True
    j = e + 1 if e < len(keys) and keys[e] == _SKIP else e
    return j < len(keys) and keys[j] in _DEATH_NEXT


_SYNDROME = normalize_token("syndrome")


def _eponym(doc: Doc, s: int) -> bool:
    """True if tokens s-2, s-1 are a capitalised name and its possessive ("Wernicke", "'s")."""
    name, poss = doc[s - 2], doc[s - 1]
    return poss.text in ("'s", "’s") and name.is_alpha and name.text[:1].isupper() and len(name.text) >= 3 and not name.is_sent_start
_STRIP_MODIFIERS = frozenset("complete severe mild moderate transient persistent".split())


def _split_conjoined(keys: list[str], s: int, e: int, trie: dict) -> list[Match] | None:
    """"Nausea and vomiting" (one HPO term) -> "nausea", "vomiting" when both halves are terms:
    all four corpora annotate the two findings separately (BC5CDR train 4 of 4, dev 4 of 4)."""
    for c in range(s + 1, e - 1):
        if keys[c] in ("and", "or", ","):
            left = leaf_findings(s, c, lookup(keys[s:c], trie))
            right = leaf_findings(c + 1, e, lookup(keys[c + 1 : e], trie))
            if left and right:
                return left + right
    return None


def adjust_findings(doc: Doc, keys: list[str], matches: list[Match], trie: dict) -> list[Match]:
    """Boundary rules for Manifestation/Disease spans (Drug spans pass through):

    - "heparin-induced thrombocytopenia" -> "thrombocytopenia" when that is a term by itself
      (the drug is its own span; the corpora and the graph want the finding);
    - a disease prefix (hereditary, familial, inherited, male) joins the span;
    - a one-word adjectival finding directly before another finding merges into one span with
      the head's concept ("cholestatic hepatitis");
    - a one-word finding before "agents"/"drugs" is dropped ("hypoglycemic agents");
    - a term made of two terms joined by and/or is split ("nausea and vomiting");
    - an all-capital finding inside a Drug span is dropped ("HT" in "5-HT");
    - a finding inside a molecule's name is dropped ("tumor necrosis factor");
    - an organ word before a neoplasm joins it ("prostate carcinoma", "kidney cancer"), and an
      organ adjective before a one-word finding ("myocardial hypertrophy");
    - "postoperative" joins the finding after it (BC5CDR train: inside 11 of 11).
    """
    n = len(doc)
    # short forms that took a long form's concept come after the first subtype pass ("SJS type 2")
    matches = with_subtypes(doc, matches, trie)
    out: list[Match] = []
    split: dict[tuple[int, int], Match] = {}  # halves of split terms; they replace same-span matches
    for m in matches:
        s, e, typ = m[0], m[1], m[2]
        if typ not in _FINDING:
            out.append(m)
            continue
        if e - s >= 3 and keys[s + 1] == _SKIP and keys[s + 2] in CAUSED:
            sub = leaf_findings(s + 3, e, lookup(keys[s + 3 : e], trie))
            if sub:
                out.extend(sub)
                continue
        if e - s == 1 and e < n and keys[e] in _AGENT_NEXT:
            continue
        if e - s >= 2 and keys[s] in _STRIP_MODIFIERS:
            sub = leaf_findings(s + 1, e, lookup(keys[s + 1 : e], trie))
            if sub:
                out.extend(sub)
                continue
        parts = _split_conjoined(keys, s, e, trie) if e - s >= 3 else None
        if parts:
            out.extend(parts)
            split.update({(p[0], p[1]): p for p in parts})
            continue
        out.append(m)
    if split:
        seen: set[tuple[int, int]] = set()
        kept = []
        for m in out:
            span = (m[0], m[1])
            if m[2] in _FINDING and span in split:
                if m != split[span] or span in seen:
                    continue
                seen.add(span)
            kept.append(m)
        out = kept
    # merge adjective + finding
    by_start: dict[int, Match] = {}
    for m in out:
        if m[2] in _FINDING and (m[0] not in by_start or m[1] > by_start[m[0]][1]):
            by_start[m[0]] = m
    merged: list[Match] = []
    gone: set[Match] = set()
    for m in out:
        if m[2] in _FINDING and m[1] - m[0] == 1 and m not in gone:
            head = by_start.get(m[1])
            if head is not None and doc[m[0]].lower_.endswith(_ADJ_SUFFIX) and doc[m[0]].is_alpha:
                merged.append((m[0], head[1], head[2], head[3], head[4] + (m[3],)))
                gone.add(m)
                gone.add(head)
    if merged:
        out = [m for m in out if m not in gone] + merged
    drugs = [m for m in out if m[2] == DRUG]
    spans = {(m[0], m[1]) for m in out if m[2] in _FINDING}
    covered = {t for a, b in spans for t in range(a, b)} if _SYNDROME in keys else ()
    # the finding before a vaccine/antigen word, and every finding inside it, name the agent
    agents = [(a, b) for a, b in spans if _names_an_agent(keys, b)] if not _VACCINE_NEXT.isdisjoint(keys) else []
    longest: dict[int, int] = {}
    for a, b in spans:
        if b > longest.get(a, 0):
            longest[a] = b
    res = []
    for m in out:
        s, e, typ = m[0], m[1], m[2]
        if typ in _FINDING:
            if drugs and doc[s:e].text.isupper() and any(d[0] <= s and e <= d[1] and (d[0], d[1]) != (s, e) for d in drugs):
                continue
            if _names_a_molecule(keys, s, e) or _cell_death(keys, s, e) or any(a <= s and e <= b for a, b in agents):
                continue
            if s >= 2 and _eponym(doc, s) and (s - 2, e) not in spans:
                # "Wernicke's encephalopathy", "Dupuytren's contracture": the eponym names the
                # disorder (BC5CDR train: "X's" + finding inside a gold span 55 of 65 times)
                s = s - 2
                m = (s, *m[1:])
            if e - s >= 2 and e < n and keys[e] == _SYNDROME and e not in covered:
                # "capillary leak syndrome": a finding of two or more words that names a
                # syndrome the dictionaries lack is part of the syndrome's name (NCBI and BC5CDR
                # annotate the name; after one word, "pain syndrome", BC5CDR train has the word
                # alone); the syndrome is a Disease without identifier, the finding stays nested
                res.append((s, e + 1, DISEASE, "", ()))
            if s > 0 and keys[s - 1] in _ORGAN_ADJ and e - s == 1:
                if (s - 1, e) in spans:
                    continue
                s = s - 1
                m = (s, *m[1:])
            elif s > 0 and keys[e - 1] in NEOPLASM_HEADS and keys[s - 1] in NEOPLASM_SITES:
                if (s - 1, e) in spans:  # the dictionary has the organ's neoplasm already
                    continue
                s = s - 1
                m = (s, *m[1:])
            # (abstracts' convention: MACCROBAT marks the organ apart, train disease strict 0.550 -> 0.546 ungated)
            if e < n and keys[e] == _OF and (keys[e - 1] in NEOPLASM_HEADS or keys[e - 1].endswith(("sarcoma", "carcinoma"))) \
                    and not is_case_narrative(doc):
                end = _neoplasm_site_end(keys, e, spans)
                # (unless the dictionary names a longer finding there: "carcinoma of the head of the pancreas")
                if end is not None and not any(a <= s and end <= b for a, b in spans if (a, b) != (s, e)):
                    e = end
                    m = (s, e, *m[2:])
            # (unless the dictionary names the prefixed finding: then this one stays nested in it)
            # (and not on a finding nested in a longer one from the same word: "neurofibromatosis"
            # in "sporadic neurofibromatosis 2" stays as written)
            if s > 0 and doc[s - 1].lower_ in _DISEASE_PREFIX and (s - 1, e) not in spans \
                    and not (e < n and keys[e] in _GENE_CLASS_NEXT) and longest.get(s, e) <= e:
                s = s - 1
                m = (s, *m[1:])
            if e - s == 1 and keys[s] in _VASCULAR_HEADS:
                s = _vessel_start(keys, s)
                m = (s, *m[1:])
            if keys[s] in _INFECTION and e - s == 1:
                s = _pathogen_start(doc, s)
                m = (s, *m[1:])
            inh = _inheritance_start(keys, s)
            # (unless the dictionary names the inherited form: then this one stays nested in it)
            if inh is not None and (inh, e) not in spans:
                m = (inh, *m[1:])
        res.append(m)
    if not is_case_narrative(doc):
        res += named_initials(doc, res)
    res.sort(key=lambda m: (m[0], -m[1]))
    return res


_CAPITALS = re.compile(r"^[A-Z]{3,6}$")


def _initials(doc: Doc, s: int, e: int) -> str:
    """"IDDM" for "insulin-dependent diabetes mellitus", "WAS" for "Wiskott-Aldrich syndrome"."""
    return "".join(t.text[0] for t in doc[s:e] if t.is_alpha).upper()


def named_initials(doc: Doc, found: list[Match]) -> list[Match]:
    """Finding spans for capitals that spell the initials of a finding of three or more words
    named in the same text, used without a definition ("... Wiskott-Aldrich syndrome ... patients
    with WAS"): the short form of that finding, with its concept. Abstracts do this (NCBI dev: 10
    such uses, all gold; BC5CDR train: 18 of 19 gold, the other a defined tumour's letters).
    Defined short forms have their spans already, so only undefined uses are new."""
    by_letters: dict[str, Match] = {}
    for m in found:
        if m[2] in _FINDING and m[1] - m[0] >= 3:
            letters = _initials(doc, m[0], m[1])
            if len(letters) >= 3:
                by_letters.setdefault(letters, m)
    text = doc_text(doc)
    by_letters = {k: m for k, m in by_letters.items() if k in text}  # most texts: none left
    if not by_letters:
        return []
    # a defined short form means what its definition says, even where the lexicon dropped it
    # ("human immunodeficiency virus (HIV)": the virus, no finding)
    for d in abbreviations.find_definitions(doc):
        by_letters.pop(d.short, None)
    covered = {t for m in found for t in range(m[0], m[1])}
    out: list[Match] = []
    for tok in doc:
        if tok.i not in covered and tok.text in by_letters and _CAPITALS.match(tok.text):
            m = by_letters[tok.text]
            out.append((tok.i, tok.i + 1, m[2], m[3], m[4]))
    return out


_SUBTYPE_NUM = re.compile(r"^(?:[0-9]{1,2}[A-Za-z]?|[IVX]{1,4}[A-Da-d]?)$")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
_NUMBER = re.compile(r"^([0-9]{1,2}|[IVX]{1,4})[A-Za-z]?$")
_TYPE_IN_LABEL = re.compile(r"\btype\s+([0-9]{1,2}|[IVX]{1,4})[A-Za-z]?\b", re.I)


def _type_number(text: str) -> int | None:
    """1 for "1", "1A", "I", "Ib"; None if the text is no subtype number."""
    m = _NUMBER.match(text)
    if not m:
        return None
    return int(m.group(1)) if m.group(1).isdigit() else _ROMAN.get(m.group(1))


def _subtype_concept(m: Match, num: str, base: list[str], trie: dict) -> Match:
    """The concept of a disease span just extended by its subtype ("atelosteogenesis type 2",
    "type II von Willebrand disease"): the dictionary's entry for the subtype, in either word
    order and with the number written either way; failing that, the base name's concept unless
    that names another subtype (OMIM's "Atelosteogenesis, type I" for "atelosteogenesis"), which
    would link the mention to a sibling: then none."""
    n = _type_number(num)
    forms = [num, num.lower(), num.upper()]  # a list: the first form the dictionary has wins, in every run
    if n is not None:
        roman = next((r for r, v in _ROMAN.items() if v == n), None)
        forms += [str(n)] + ([roman, roman.lower()] if roman else [])
    for f in dict.fromkeys(forms):
        for keys in ([*base, "type", f], ["type", f, *base]):
            for hit in leaf_findings(m[0], m[1], lookup(keys, trie)):
                if hit[2] == DISEASE and hit[3]:
                    return (m[0], m[1], DISEASE, hit[3], hit[4])
    if m[3]:
        from kg import vocab

        other = _TYPE_IN_LABEL.search(vocab.label(m[3]) or "")
        if other and n is not None and _type_number(other.group(1)) not in (None, n):
            return (m[0], m[1], m[2], "", ())
    return m


_COMPONENT = re.compile(r"^C[1-9][a-z]?$")


def with_subtypes(doc: Doc, matches: list[Match], trie: dict | None = None) -> list[Match]:
    """A disease name with its subtype: "atelosteogenesis type 2", "type IV Ehlers-Danlos
    syndrome" are one mention (NCBI) and one diagnosis, with the subtype's concept where the
    dictionary has one (`_subtype_concept`); an abbreviation defined right after
    ("atelosteogenesis type 2 (AO2)") then gets it. "Complement" before a component's disease
    ("complement C7 deficiency") joins it too; the rule also runs over the "SYMBOL deficiency"
    spans ("type II C2 deficiency") and over short forms ("SJS type 2"). (NCBI dev errors
    motivated both.)"""
    text = doc_text(doc)
    if "type" not in text and "Type" not in text and "omplement" not in text:  # most texts: one C-level pass
        return matches
    n = len(doc)
    spans = {(m[0], m[1]) for m in matches if m[2] in _FINDING}
    out = []
    for m in matches:
        s, e = m[0], m[1]
        if m[2] == DISEASE:
            num = None
            if e + 1 < n and doc[e].lower_ == "type" and _SUBTYPE_NUM.match(doc[e + 1].text):
                num, e = doc[e + 1].text, e + 2
            elif s >= 2 and doc[s - 2].lower_ == "type" and _SUBTYPE_NUM.match(doc[s - 1].text):
                num, s = doc[s - 1].text, s - 2
            elif s >= 1 and doc[s - 1].lower_ == "complement" and _COMPONENT.match(doc[s].text):
                s -= 1  # "complement C7 deficiency": the component's full name
            # unless the dictionary names the subtype itself ("type 2 diabetes")
            if (s, e) != (m[0], m[1]) and (s, e) not in spans:
                base = [normalize_token(t.text) for t in doc[m[0]:m[1]]]
                m = (s, e, *m[2:])
                if num is not None:
                    m = _subtype_concept(m, num, base, trie or _trie())
        out.append(m)
    return out


# A gene or enzyme symbol with "deficiency" names an inborn disease ("C9 deficiency", "G6PD
# deficiency", "deficiency of APRT"): NCBI disease annotates 44 of the 60 "X deficiency/deficient"
# phrases of its dev set, mostly of this shape. Symbols: a capital, then capitals/digits, at
# least two characters and one more capital or digit ("NO", "MRP" stay out by the list below).
_SYMBOL = re.compile(r"^[A-Z](?=[A-Za-z0-9]*[A-Z0-9])[A-Za-z0-9]{1,7}$")
_NOT_SYMBOL = frozenset("NO OF IN AND THE IV II III".split())
_DEFICIENCY = normalize_token("deficiency")
# "HPRT-deficient mice", "G6PD deficient patients", "C7-deficient cases": the adjective names the
# same disease (NCBI dev annotates 14 such words, the organism or cell after them left out).
# BC5CDR train leaves a transporter knock-out out ("MRP2-deficient rats", 3 in one abstract):
# the corpora disagree; NCBI's reading is kept, since the words do name the deficiency and the
# graph's mention links the disease concept, not the animal.
_DEFICIENT = normalize_token("deficient")
_COMPLEMENT = re.compile(r"^C([1-9])$")


def _trie() -> dict:
    from kg.nlp.lexicons import compiled  # the lexicon module imports this one

    return compiled()["trie"]


def _deficiency_concept(symbol: str, key: str, trie: dict) -> tuple[str, tuple[str, ...]]:
    """The dictionary's concept for "SYMBOL deficiency" (`key`: the symbol's matching key) or,
    for a complement component "C9", "complement component 9 deficiency"; or no concept."""
    names = [[key, _DEFICIENCY]]
    if key != normalize_token(symbol.lower()):  # capitals keep their case as keys ("PAH")
        names.append([normalize_token(symbol.lower()), _DEFICIENCY])
    comp = _COMPLEMENT.match(symbol)
    if comp:
        names.append(["complement", "component", comp.group(1), _DEFICIENCY])
    for keys in names:
        for m in leaf_findings(0, len(keys), lookup(keys, trie)):
            if m[2] == DISEASE and m[3]:
                return m[3], m[4]
    return "", ()


def deficiencies(doc: Doc, keys: list[str], found: list[Match], trie: dict | None = None) -> list[Match]:
    """Disease spans for "SYMBOL deficiency" / "deficiency of SYMBOL" / "SYMBOL-deficient"
    ("HPRT-APRT-deficient": every symbol of the chain) where no finding covers the word
    "deficiency"/"deficient" already; "complement" before the symbol joins. The span takes the
    dictionary's concept of "SYMBOL deficiency" when there is one (and one symbol)."""
    if _DEFICIENCY not in keys and _DEFICIENT not in keys:
        return []
    covered = {t for m in found if m[2] in _FINDING for t in range(m[0], m[1])}
    n = len(doc)
    out: list[Match] = []
    for i, k in enumerate(keys):
        if k not in (_DEFICIENCY, _DEFICIENT) or i in covered:
            continue
        if i > 0 and _is_symbol(doc[i - 1].text):
            s = i - 1
        elif i > 1 and keys[i - 1] == _SKIP and doc[i - 1].text == "-" and _is_symbol(doc[i - 2].text) \
                and not doc[i - 2].whitespace_ and not doc[i - 1].whitespace_:
            s = i - 2
            while s >= 2 and doc[s - 1].text == "-" and not doc[s - 1].whitespace_ and not doc[s - 2].whitespace_ \
                    and _is_symbol(doc[s - 2].text):
                s -= 2  # "HPRT-APRT-deficient"
        elif k == _DEFICIENCY and i + 2 < n and keys[i + 1] == "of" and _is_symbol(doc[i + 2].text):
            out.append((i, i + 3, DISEASE, *_deficiency_concept(doc[i + 2].text, keys[i + 2], trie or _trie())))
            continue
        else:
            continue
        concept = _deficiency_concept(doc[s].text, keys[s], trie or _trie()) if s >= i - 2 else ("", ())
        if s > 0 and doc[s - 1].lower_ == "complement":
            s -= 1
        out.append((s, i + 1, DISEASE, *concept))
    return out


# "autosomal dominant disorder", "an inherited metabolic disease", "X-linked recessive
# neurological disorder": a disease mention without a name (NCBI dev annotates 13 of 15 such
# phrases exactly; BC5CDR has none).
_INHERITED = frozenset(normalize_token(w) for w in "autosomal inherited genetic hereditary heritable X-linked".split())
_DISORDER = frozenset(normalize_token(w) for w in "disorder disease condition".split())
# words allowed between: the mode of inheritance and adjectives ("metabolic", "neuromuscular")
_INHERITANCE_WORDS = frozenset("dominant recessive dominantly recessively inherited multisystem".split())
_ADJ_LIKE = ("ic", "ous", "al", "ive", "ary", "ar", "an", "oid")


_GENETIC_DISEASE = [normalize_token(w) for w in "hereditary disease".split()]


def inherited_disorders(keys: list[str], found: list[Match], trie: dict | None = None) -> list[Match]:
    """Disease spans from an inheritance word to a following disorder/disease/condition (at most
    three words between), where no finding covers that head already. They name the class of
    inherited diseases and take the dictionary's concept of "hereditary disease" (MeSH Genetic
    Diseases, Inborn, which NCBI dev gives 10 of these 11 mentions)."""
    if _INHERITED.isdisjoint(keys) and "linked" not in keys:  # most documents: one C-level pass
        return []
    n = len(keys)
    covered = None
    concept: tuple[str, tuple[str, ...]] | None = None
    out: list[Match] = []
    for i, k in enumerate(keys):
        if k in _INHERITED:
            s = i
        elif k == "linked" and i >= 2 and keys[i - 1] == _SKIP and keys[i - 2] == "x":  # "X", "-", "linked"
            s = i - 2
        else:
            continue
        for j in range(i + 1, min(n, i + 5)):
            if keys[j] in _DISORDER:
                if j + 1 < n and keys[j + 1] == _SKIP:  # "disease-causing"
                    break
                if covered is None:
                    covered = {t for m in found if m[2] in _FINDING for t in range(m[0], m[1])}
                if j not in covered:
                    if concept is None:
                        hits = [m for m in leaf_findings(0, 2, lookup(_GENETIC_DISEASE, trie or _trie())) if m[2] == DISEASE]
                        concept = (hits[0][3], hits[0][4]) if hits else ("", ())
                    out.append((s, j + 1, DISEASE, *concept))
                break
            if not (keys[j] in _INHERITANCE_WORDS or (keys[j].isalpha() and keys[j].endswith(_ADJ_LIKE))):
                break
    return out


_EPONYM_HEADS = frozenset(normalize_token(w) for w in "disease syndrome".split())


def eponym_diseases(doc: Doc, keys: list[str], found: list[Match]) -> list[Match]:
    """Disease spans (no identifier) for "Quincke's disease", "Reye syndrome", "Wiskott-Aldrich
    syndrome": a name (with or without its possessive) before "disease"/"syndrome", where no
    finding covers that word already. (A capitalised word before "syndrome"/"disease" is inside
    a gold span in NCBI dev 48 of 48 times and BC5CDR train 8 of 8; GSC+ annotates none, as
    they are no HPO phenotypes, and these spans carry no HPO ID.)"""
    if _EPONYM_HEADS.isdisjoint(keys):
        return []
    covered = {t for m in found if m[2] in _FINDING for t in range(m[0], m[1])}
    out: list[Match] = []
    for i, k in enumerate(keys):
        if k not in _EPONYM_HEADS or i < 1 or i in covered:
            continue
        if i >= 2 and _eponym(doc, i):
            out.append((i - 2, i + 1, DISEASE, "", ()))
        elif _name_word(doc[i - 1]) and doc[i].is_lower and not (i + 1 < len(doc) and doc[i + 1].lower_ in _SCALE_WORDS):
            # (a lower-case head: in Title Case Text every word looks like a name; and the
            # "Positive and Negative Syndrome Scale" is a questionnaire)
            s = i - 1
            # a double-barrelled name: "Wiskott-Aldrich", "Hippel-Lindau"
            while s >= 2 and doc[s - 1].text == "-" and _name_word(doc[s - 2]) and not doc[s - 2].whitespace_:
                s -= 2
            if s >= 1 and doc[s - 1].lower_ == "von":
                s -= 1
            if not doc[s].is_sent_start:
                out.append((s, i + 1, DISEASE, "", ()))
    return out


_SCALE_WORDS = frozenset("scale scales score scores questionnaire inventory".split())


def _name_word(tok) -> bool:  # noqa: ANN001 - a spaCy Token
    """A capitalised word ("Reye", "Gorlin"), not an acronym and not at a sentence start."""
    t = tok.text
    return len(t) >= 3 and t.isalpha() and t[0].isupper() and t[1:].islower() and not tok.is_sent_start


def _is_symbol(text: str) -> bool:
    return bool(_SYMBOL.match(text)) and text not in _NOT_SYMBOL
