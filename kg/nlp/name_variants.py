"""Lexical variants of dictionary names that texts write and the ontologies do not list.

Each function takes one ontology name and returns the other wordings it stands for ("Abnormality
of the skin" -> "cutaneous abnormality"; "Bladder carcinoma" -> "carcinoma of the bladder";
"Ischemia" -> "ischemic"); `kg.nlp.lexicons` adds them to its trie at a lower priority than the
ontology's own names.
"""

import re

# Endings of adjectives ("cholestatic", "hemorrhagic"): such a first word has no "N of X" order, and
# before another finding it names the same finding (kg.nlp.finding_spans)
ADJ_SUFFIX = ("ic", "ous", "al", "ive", "ary", "oid")


_SUBTYPE = re.compile(r"(,? type [0-9IVX]+[A-Z]?|,? (?:autosomal|X-linked)[^,]*|,? [0-9]+[A-Z]?|, [^,]+)$", re.I)


def disease_base_name(name: str) -> str | None:
    """"Myotonic dystrophy 1" -> "Myotonic dystrophy"; "X, type IV" -> "X" (for text that omits
    the subtype). The base keeps the subtype's ID at a lower priority, so a general entry wins."""
    base = _SUBTYPE.sub("", name).strip()
    if base == name or len(base) < 4:
        return None
    cut = name[len(base) :].strip(" ,").lower()
    if cut.endswith(" of"):
        # an inverted name ("Corpus callosum, agenesis of", "Portal vein, cavernous
        # transformation of"): what is left is the body part, not a disorder
        return None
    if " " in base:
        return base
    # one word is a name only if what was cut is a subtype number/type ("Ichthyosis, type 2"),
    # not a qualifier ("Arteries, anomalies of" -> "Arteries" is no disease)
    return base if len(base) >= 8 and re.fullmatch(r"(?:type )?[0-9ivx]+[a-z]?", cut) else None


# Noun -> adjective, for "Abnormality of the skin" -> "cutaneous abnormality".
_ADJ = {
    "skin": ("cutaneous", "dermal"), "eye": ("ocular", "ophthalmic"), "eyes": ("ocular", "ophthalmic"), "kidney": ("renal",),
    "kidneys": ("renal",), "ear": ("auricular", "otic"), "ears": ("auricular", "otic"), "heart": ("cardiac",),
    "lung": ("pulmonary",), "lungs": ("pulmonary",), "liver": ("hepatic",), "brain": ("cerebral",),
    "face": ("facial",), "teeth": ("dental",), "tooth": ("dental",), "nose": ("nasal",), "mouth": ("oral",),
    "spine": ("spinal",), "intestine": ("intestinal",), "stomach": ("gastric",), "bone": ("skeletal", "osseous"),
    "skeleton": ("skeletal",), "nail": ("nail",), "hair": ("hair",), "lip": ("labial",), "lips": ("labial",),
    "musculature": ("muscle", "muscular"), "nervous system": ("neurological", "neurologic"),
    "cardiovascular system": ("cardiovascular",), "respiratory system": ("respiratory",),
    "skeletal system": ("skeletal", "bone"), "urinary system": ("urinary",), "endocrine system": ("endocrine",),
    "immune system": ("immune",), "vasculature": ("vascular",), "pancreas": ("pancreatic",),
    "spleen": ("splenic",), "thyroid gland": ("thyroid",), "gastrointestinal tract": ("gastrointestinal",),
    # v32: the common anatomical adjectives of the other organs HPO names in "Abnormality of the X"
    "joint": ("articular",), "joints": ("articular",), "uterus": ("uterine",), "ovary": ("ovarian",),
    "testis": ("testicular",), "breast": ("mammary",), "larynx": ("laryngeal",), "pharynx": ("pharyngeal",),
    "esophagus": ("esophageal", "oesophageal"), "rectum": ("rectal",), "retina": ("retinal",), "cornea": ("corneal",),
    "thorax": ("thoracic",), "abdomen": ("abdominal",), "pituitary gland": ("pituitary",), "vagina": ("vaginal",),
    "penis": ("penile",), "prostate": ("prostatic",), "biliary tract": ("biliary",), "cerebellum": ("cerebellar",),
    "peritoneum": ("peritoneal",), "pleura": ("pleural",), "pericardium": ("pericardial",), "trachea": ("tracheal",),
    "bronchi": ("bronchial",), "diaphragm": ("diaphragmatic",), "mandible": ("mandibular",), "eyelid": ("palpebral",),
    "sclera": ("scleral",), "conjunctiva": ("conjunctival",), "ureter": ("ureteral",), "urethra": ("urethral",),
    "thymus": ("thymic",), "placenta": ("placental",), "tongue": ("lingual",), "palate": ("palatal",),
}
# Heads that, after an organ name, mean "something wrong with that organ" ("renal involvement",
# "hepatic injury", "cutaneous manifestations"): variants of the organ's "Abnormality of the X".
_ORGAN_HEADS = (
    "abnormality", "malformation", "disease", "disorder", "involvement", "manifestation", "lesion", "defect",
    "toxicity", "injury", "damage", "dysfunction", "impairment", "complication",
)
_ABN = re.compile(r"^(?:abnormality|anomaly|abnormalities|malformation) of (?:the )?(.+)$", re.I)
_ABN_MORPH = re.compile(r"^abnormal (.+?)(?: morphology)?$", re.I)
_N_OF_X = re.compile(r"^([a-z]+) of (?:the )?([a-z][a-z -]+)$", re.I)


def hpo_variants(name: str) -> list[str]:
    """Lexical variants of an HPO name that case reports write but HPO does not list.

    "Abnormality of the skin" / "Abnormal skin morphology" -> "skin abnormality", "cutaneous
    abnormality", "abnormal skin"; "Hyperplasia of the mandibular coronoid process" ->
    "mandibular coronoid process hyperplasia" (the "N of X" -> "X N" word order).
    """
    out: list[str] = []
    n = name.strip()
    m = _ABN.match(n) or _ABN_MORPH.match(n)
    if m:
        x = m.group(1)
        if len(x.split()) <= 3 and not re.search(r"\b(?:of|or|and|with|in)\b", x):
            xs = [x]
            if x.lower() in _ADJ:
                xs += list(_ADJ[x.lower()])
            for v in xs:
                out += [f"abnormal {v}"] + [f"{v} {h}" for h in _ORGAN_HEADS]
        return out
    m = _N_OF_X.match(n)
    if m and len(m.group(2).split()) <= 3 and not re.search(r"\b(?:of|or|and|with|in|to)\b", m.group(2)):
        head = m.group(1).lower()
        if head not in ("absence", "loss", "lack", "increase", "decrease", "onset", "history", "episode"):
            out.append(f"{m.group(2)} {m.group(1)}")
    return out


_PREFIXES = ("pre", "post", "peri", "para", "sub", "intra", "pseudo", "hemi", "micro", "macro", "non")
_PREFIXED = re.compile(r"\b(" + "|".join(_PREFIXES) + r")-?([a-z]{4,})\b", re.I)


def of_variants(name: str) -> list[str]:
    """"Bladder carcinoma" -> "carcinoma of the bladder", "carcinoma of bladder": the "N of X"
    order of a two-word name whose first word is a noun (an adjective, "renal failure", has no
    such order)."""
    words = name.split()
    if len(words) != 2 or not all(w.isalpha() for w in words) or len(words[0]) < 4:
        return []
    first = words[0].lower()
    # "serotonin syndrome" is no "syndrome of serotonin": a disease head keeps its name's order
    if first.endswith(ADJ_SUFFIX + ("ar", "an", "ed", "ing", "al")) or words[1].lower() in ("syndrome", "disease", "disorder"):
        return []
    return [f"{words[1]} of the {words[0]}", f"{words[1]} of {words[0]}"]


def form_variants(name: str) -> list[str]:
    """Spelling variants of a name that the normaliser does not cover: "X of the Y" <-> "X of Y"
    ("hypopigmentation of skin"); a prefix written with or without a hyphen ("preauricular pit"
    <-> "pre-auricular pit", which the tokenizer splits)."""
    out = []
    if re.search(r" of the ", name, re.I):
        out.append(re.sub(r" of the ", " of ", name, flags=re.I))
    elif re.search(r" of (?!a |an )", name, re.I):  # and back: "calcification of the falx cerebri"
        out.append(re.sub(r" of ", " of the ", name, count=1, flags=re.I))
    for m in _PREFIXED.finditer(name):
        glued = m.group(0)[len(m.group(1)) :][:1] != "-"
        rep = f"{m.group(1)}-{m.group(2)}" if glued else f"{m.group(1)}{m.group(2)}"
        out.append(name[: m.start()] + rep + name[m.end() :])
    return out


# Adjectives derived from one-word phenotype/disease names, which abstracts use as mentions
# ("ischemic" ~ ischemia, "hypotonic" ~ hypotonia, "cataleptic" ~ catalepsy, "hypertensive" ~
# hypertension). Only added where the derived form names nothing else in the dictionaries.
_ADJ_RULES = (
    (re.compile(r"(?<=[a-z]{4})sia$"), ("sic", "tic")),
    (re.compile(r"(?<=[a-z]{4})ia$"), ("ic",)),
    (re.compile(r"(?<=[a-z]{3})psy$"), ("ptic",)),
    (re.compile(r"(?<=[a-z]{4})nsion$"), ("nsive",)),
    # v31: "exencephalic" ~ exencephaly, "allergic" ~ allergy; "cholestatic" ~ cholestasis,
    # "psychotic" ~ psychosis; "cardiotoxic" ~ cardiotoxicity
    (re.compile(r"(?<=[a-z]{4}[lg])y$"), ("ic",)),
    (re.compile(r"(?<=[a-z]{4})([ao])sis$"), (r"\1tic",)),
    (re.compile(r"(?<=[a-z]tox)icity$"), ("ic",)),
)


def adjective_variants(name: str) -> list[str]:
    """"Ischemia" -> ["ischemic"]; "Dyskinesia" -> ["dyskinesic", "dyskinetic"]; else []."""
    n = name.strip().lower()
    if not n.isalpha():
        return []
    for rx, reps in _ADJ_RULES:
        m = rx.search(n)
        if m:
            return [n[: m.start()] + m.expand(r) for r in reps]
    return []


# Generic heads that turn a finding's adjective into a disease name ("allergic reaction",
# "cholestatic disease"), used with the derived adjectives above.
_ADJ_HEADS = ("reaction", "disease", "syndrome", "disorder")


def adjective_head_variants(name: str) -> list[str]:
    """"Allergy" -> ["allergic reaction", "allergic disease", ...]: a disease named by a derived
    adjective and a generic head, which abstracts write where the dictionaries have only the noun."""
    return [f"{a} {h}" for a in adjective_variants(name) for h in _ADJ_HEADS]


# Heads that name the same kind of finding ("memory impairment" = "memory deficit", "renal
# injury" = "renal damage"); both sides of each pair are generated from the other.
_HEAD_SYNONYMS = {"impairment": ("deficit",), "deficit": ("impairment",), "injury": ("damage",), "damage": ("injury",)}


def head_variants(name: str) -> list[str]:
    """"Memory impairment" -> ["Memory deficit", "impaired Memory"]; "Impaired memory" ->
    ["memory impairment", "memory deficit"]; "Liver injury" -> ["Liver damage"]."""
    words = name.split()
    if len(words) < 2 or not all(w.isalpha() for w in words):
        return []
    last, first = words[-1].lower(), words[0].lower()
    out = [" ".join(words[:-1] + [h]) for h in _HEAD_SYNONYMS.get(last, ())]
    if last == "impairment" and len(words) == 2:
        out.append(f"impaired {words[0]}")
    if first == "impaired" and len(words) == 2:
        out += [f"{words[1]} impairment", f"{words[1]} deficit"]
    return out


def involvement_variants(name: str) -> list[str]:
    """"Interstitial lung disease" -> "interstitial lung involvement" (case reports' wording)."""
    words = name.split()
    if len(words) >= 2 and words[-1].lower() == "disease":
        return [" ".join(words[:-1]) + " involvement"]
    return []
