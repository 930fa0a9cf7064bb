"""Lexical variants of dictionary names that texts write and the ontologies do not list.

Each function takes one ontology name and returns the other wordings it stands for ("Abnormality
of the skin" -> "cutaneous abnormality"; "Bladder carcinoma" -> "carcinoma of the bladder";
"Ischemia" -> "ischemic"); `kg.nlp.lexicons` adds them to its trie at a lower priority than the
ontology's own names.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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


# --------------------------------------------------------------------------- forms learned from HPO
#
# HPO lists, for one phenotype, names that differ only in how a body part or a condition is
# worded: "Hypoplasia of the patella" / "Patellar hypoplasia", "Abnormality of the tongue" /
# "Lingual abnormality", "Hypoplastic patella" / "Hypoplasia of the patella". Read off all its
# concepts, such pairs give a body-part noun -> adjective table and a condition adjective -> noun
# table; applied to the other names (which HPO lists in only one of the wordings) they give
# "patellar dysplasia" for "Dysplastic patella" and "abnormal clavicular morphology" for
# "Abnormal clavicle morphology". Learned rather than hand-written, so that a new HPO release
# brings its own pairs and no pair rests on one sentence of a corpus.

# Endings of the adjective of a body part ("renal", "patellar", "pharyngeal", "cutaneous",
# "hepatic", "pulmonary", "uterine"); the other side of a pair must be no such adjective
_BODY_ADJ_END = ("al", "ar", "ic", "ac", "ous", "ary", "ine")
# "N of the X" names whose N is a quantity or a time, not a condition of X ("Absence of the
# patella" is no "patellar absence" in texts; "Onset of X")
_NOT_CONDITION = ("absence", "loss", "lack", "increase", "decrease", "onset", "history", "episode", "abnormality",
                  "anomaly", "abnormalities", "malformation", "morphology")
_OF_NAME = re.compile(r"^([a-z]+) of (?:the )?([a-z]+)$")
_N_OF = re.compile(r"^([a-z]+) of (?:the )?[a-z]")


@dataclass(frozen=True)
class LearnedForms:
    """Word forms read off an ontology's own synonyms (`learn_forms`)."""

    adjectives: dict[str, tuple[str, ...]]  # body part -> its adjectives: "patella" -> ("patellar",)
    nouns: dict[str, tuple[str, ...]]  # and back: "patellar" -> ("patella",)
    conditions: dict[str, tuple[str, ...]]  # condition adjective -> noun: "hypoplastic" -> ("hypoplasia",)
    parts: frozenset[str]  # the X of HPO's "N of the X" names (body parts, functions)
    heads: frozenset[str]  # and their N (conditions): "hypoplasia", "dysplasia", "fracture"


def _plastic(noun: str) -> list[str]:
    # "dysplasia" -> "dysplastic", the one adjective ending of a common condition noun that
    # adjective_variants (built for "-esia" -> "-etic") does not write
    return [noun[:-3] + "stic"] if noun.endswith("plasia") else []


def _stem_shared(a: str, b: str, n: int) -> bool:
    return a[:n] == b[:n]


def learn_forms(groups: Iterable[Iterable[str]], key: Callable[[str], str] = str.lower) -> LearnedForms:
    """Body-part adjectives and condition nouns from the names of each concept (one iterable of
    names per concept); `key` says when two words are the same (spelling, plural).

    A body-part pair ("patella", "patellar") is taken from "N of the X" beside "A N" in one
    concept, or from two names one word apart ("Liver cyst" / "Hepatic cyst") where X is a part
    HPO names as "N of the X"; A must have an adjective ending and share its first three letters
    with X, or three concepts must show the pair ("kidney" / "renal", "tongue" / "lingual"). A condition pair
    ("hypoplastic", "hypoplasia") from "C X" beside "N of the X", where C is an adjective of N by
    form (shares its first five letters, or is `adjective_variants` of it); and, without such a
    pair, every `adjective_variants` form of a condition HPO names as "N of the X"."""
    body: dict[tuple[str, str], set[int]] = {}
    cond: set[tuple[str, str]] = set()
    heads: set[str] = set()  # the N of every "N of the X": a condition HPO names
    same_place: list[tuple[str, str, int]] = []  # one word apart, not the head: ("liver", "hepatic")
    parts: set[str] = set()  # the X of every "N of the X": a body part (or a function) HPO names
    for gi, names in enumerate(groups):
        split = [n.lower().replace(",", "").split() for n in names]
        two = [w for w in split if len(w) == 2]
        for i, u in enumerate(split):
            for v in split[i + 1 :]:
                diff = [k for k in range(len(u) - 1) if key(u[k]) != key(v[k])] if len(u) == len(v) else []
                if len(diff) == 1 and key(u[-1]) == key(v[-1]):
                    a, b = u[diff[0]], v[diff[0]]
                    same_place += [(a, b, gi), (b, a, gi)]
        for words in split:
            h = _N_OF.match(" ".join(words))
            if h and h.group(1) not in _NOT_CONDITION:
                heads.add(h.group(1))
            m = _OF_NAME.match(" ".join(words))
            if not m:
                continue
            n, x = m.groups()
            parts.add(x)
            for a, b in two:
                if key(b) == key(n) and key(a) != key(x) and a.endswith(_BODY_ADJ_END) and not x.endswith(_BODY_ADJ_END):
                    body.setdefault((x, a), set()).add(gi)
                if key(b) == key(x) and key(a) != key(n) and n not in _NOT_CONDITION:
                    if _stem_shared(a, n, 5) or a in adjective_variants(n) + _plastic(n):
                        cond.add((a, n))
    for x, a, gi in same_place:
        if x in parts and a.endswith(_BODY_ADJ_END) and not x.endswith(_BODY_ADJ_END):
            body.setdefault((x, a), set()).add(gi)
    adjectives: dict[str, list[str]] = {}
    nouns: dict[str, list[str]] = {}
    for (x, a), seen in sorted(body.items()):
        # a pair not alike in form needs three concepts: two give "wrist" / "carpal", "neck" /
        # "cervical" (a part of the organ, or another organ of the same name)
        if _stem_shared(x, a, 3) or len(seen) >= 3:
            adjectives.setdefault(x, []).append(a)
            nouns.setdefault(a, []).append(x)
    # and a condition noun's adjective by form alone ("dysplasia" -> "dysplastic"), where HPO has
    # no pair that shows it
    cond |= {(a, n) for n in heads for a in adjective_variants(n) + _plastic(n)}
    conditions: dict[str, list[str]] = {}
    for a, n in sorted(cond):
        conditions.setdefault(a, []).append(n)
    return LearnedForms({k: tuple(v) for k, v in adjectives.items()}, {k: tuple(v) for k, v in nouns.items()},
                        {k: tuple(v) for k, v in conditions.items()}, frozenset(parts), frozenset(heads))


def learned_variants(name: str, forms: LearnedForms) -> list[str]:
    """Wordings of `name` with a body part or condition in the other form HPO uses elsewhere:
    "Hypoplasia of the patella" -> "patellar hypoplasia"; "Patellar dysplasia" -> "dysplasia of
    the patella"; "Dysplastic patella" -> "patellar dysplasia", "dysplasia of the patella";
    "Abnormal clavicle morphology" -> "abnormal clavicular morphology"."""
    words = name.lower().replace(",", "").split()
    if not 2 <= len(words) <= 4 or not all(w.isalpha() for w in words):
        return []
    out: list[str] = []
    m = _OF_NAME.match(" ".join(words))
    if m:
        n, x = m.groups()
        if n not in _NOT_CONDITION:
            out += [f"{a} {n}" for a in forms.adjectives.get(x, ())]
        return out
    if len(words) == 2:
        a, n = words
        # "Patellar dysplasia" -> "dysplasia of the patella": only a condition's name turns round
        # ("Lingual thyroid" is no "thyroid of the tongue")
        if n in forms.heads:
            out += [f"{n} of the {x}" for x in forms.nouns.get(a, ())]
        # "Dysplastic patella" -> "patellar dysplasia", "dysplasia of the patella"
        if n in forms.parts:
            for c in forms.conditions.get(a, ()):
                out += [f"{adj} {c}" for adj in forms.adjectives.get(n, ())] + [f"{c} of the {n}"]
        return out
    # the body part just before the head of a longer name, in its other form: "abnormal clavicle
    # morphology" -> "abnormal clavicular morphology", "septic pulmonary emboli" -> "septic lung
    # emboli" (further from the head the other form reads wrong: "femur arterial calcification")
    if "of" not in words:
        w = words[-2]
        out += [" ".join(words[:-2] + [alt, words[-1]]) for alt in forms.adjectives.get(w, ()) + forms.nouns.get(w, ())]
    return out
