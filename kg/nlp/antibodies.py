"""Autoantibody recogniser: a small grammar over tokens, not a closed list.

Shapes covered: "anti-X", "anti-X antibody/antibodies", "X antibodies", "X-antibody",
"antibodies against/to X", bare serology abbreviations (ANA, c-/p-ANCA, RF, ACPA) and
long forms ("antinuclear antibodies", "rheumatoid factor"). X is normalised through
`_CANON` when known and kept as written otherwise, so unseen antigens still come out as
`anti-X`. Polarity comes from the words around the mention (or around a coordinated
list of mentions): "positive for A, B and C", "A and B were negative", "X-positive".
"""


import re

import numpy
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.model import ANTIBODY
from kg.nlp.extensions import SPAN_GROUP, register

_AB_WORDS = {"antibody", "antibodies", "autoantibody", "autoantibodies", "ab", "abs", "aab", "aabs", "igg"}

# Key: the antigen lower-cased with everything but letters, digits and greek removed.
_CANON: dict[str, str] = {
    "nxp2": "NXP2", "mj": "NXP2", "nxp": "NXP2",
    "mda5": "MDA5", "cadm140": "MDA5", "ifih1": "MDA5",
    "jo1": "Jo-1", "histidyltrnasynthetase": "Jo-1",
    "tif1gamma": "TIF1-gamma", "tif1γ": "TIF1-gamma", "tif1g": "TIF1-gamma", "tif1": "TIF1-gamma",
    "p155": "TIF1-gamma", "p155140": "TIF1-gamma", "tif1ɣ": "TIF1-gamma",
    "mi2": "Mi-2", "mi2alpha": "Mi-2", "mi2beta": "Mi-2", "mi2α": "Mi-2", "mi2β": "Mi-2",
    "sae": "SAE", "sae1": "SAE", "sae2": "SAE",
    "hmgcr": "HMGCR", "hmgcoareductase": "HMGCR",
    "srp": "SRP", "pl7": "PL-7", "pl12": "PL-12", "ej": "EJ", "oj": "OJ", "ks": "KS",
    "ha": "Ha", "zo": "Zo", "pmscl": "PM-Scl", "pmscl75": "PM-Scl", "pmscl100": "PM-Scl",
    "ku": "Ku", "ro": "Ro52/SSA", "ssa": "Ro52/SSA", "ro52": "Ro52/SSA", "rossa": "Ro52/SSA",
    "ssaro": "Ro52/SSA", "ro52ssa": "Ro52/SSA", "ssaro52": "Ro52/SSA", "trim21": "Ro52/SSA",
    "ro60": "Ro60", "ssaro60": "Ro60",
    "la": "La/SSB", "ssb": "La/SSB", "lassb": "La/SSB", "ssbla": "La/SSB",
    "dsdna": "dsDNA", "doublestrandeddna": "dsDNA", "ssdna": "ssDNA",
    "sm": "Sm", "smith": "Sm", "rnp": "RNP", "u1rnp": "RNP", "snrnp": "RNP", "smrnp": "Sm/RNP",
    "scl70": "Scl-70", "topoisomerasei": "Scl-70", "topoi": "Scl-70", "topo1": "Scl-70",
    "rnapolymeraseiii": "RNA polymerase III", "rnapiii": "RNA polymerase III",
    "centromere": "centromere", "cenpb": "centromere", "aca": "centromere",
    "ccp": "CCP", "cyclicitrullinatedpeptide": "CCP", "cycliccitrullinatedpeptide": "CCP", "acpa": "CCP",
    "tpo": "TPO", "thyroidperoxidase": "TPO", "tg": "Tg", "thyroglobulin": "Tg",
    "tshr": "TSHR", "tshreceptor": "TSHR",
    "gad": "GAD", "gad65": "GAD", "glutamicaciddecarboxylase": "GAD",
    "aquaporin4": "AQP4", "aqp4": "AQP4", "mog": "MOG",
    "nmdar": "NMDAR", "nmda": "NMDAR", "nmdareceptor": "NMDAR", "nr1": "NMDAR",
    "lgi1": "LGI1", "caspr2": "CASPR2", "gaba": "GABA-B", "gababr": "GABA-B", "ampar": "AMPAR",
    "achr": "AChR", "acetylcholinereceptor": "AChR", "musk": "MuSK", "lrp4": "LRP4",
    "vgcc": "VGCC", "hu": "Hu", "yo": "Yo", "ri": "Ri", "ma2": "Ma2", "amphiphysin": "amphiphysin",
    "pr3": "PR3", "proteinase3": "PR3", "mpo": "MPO", "myeloperoxidase": "MPO",
    "gbm": "GBM", "glomerularbasementmembrane": "GBM", "pla2r": "PLA2R",
    "cardiolipin": "cardiolipin", "β2gpi": "beta2-GPI", "b2gpi": "beta2-GPI", "beta2gpi": "beta2-GPI",
    "β2glycoproteini": "beta2-GPI", "beta2glycoproteini": "beta2-GPI", "histone": "histone",
    "ttg": "tTG", "tissuetransglutaminase": "tTG", "endomysium": "endomysial", "endomysial": "endomysial",
    "gliadin": "gliadin", "dgp": "DGP", "smoothmuscle": "smooth muscle", "sma": "smooth muscle",
    "lkm1": "LKM-1", "sla": "SLA", "mitochondrial": "mitochondrial", "ama": "mitochondrial",
    "m2": "M2", "parietalcell": "parietal cell", "intrinsicfactor": "intrinsic factor",
    "desmoglein1": "Dsg1", "dsg1": "Dsg1", "desmoglein3": "Dsg3", "dsg3": "Dsg3",
    "bp180": "BP180", "bp230": "BP230", "c1q": "C1q", "ganglioside": "ganglioside",
    "gq1b": "GQ1b", "gm1": "GM1", "gd1b": "GD1b", "mag": "MAG", "pf4": "PF4", "heparinpf4": "PF4",
    "nuclear": "ANA", "nucleus": "ANA", "ana": "ANA",
    "neutrophilcytoplasmic": "ANCA", "neutrophilcytoplasm": "ANCA", "anca": "ANCA",
    "cn1a": "cN1A", "ifn": "IFN", "interferon": "IFN", "gmcsf": "GM-CSF",
}

# Antigens whose anti-X is a drug class ("anti-TNF therapy"), not a serology result.
_DRUG_CLASS = re.compile(
    r"^(tnf.*|cd\d+.*|il\d*.*|vegf.*|pd1|pdl1|ctla4|ige|egfr|her2|cgrp.*|inflammatory|viral|virals|"
    r"fungal|biotic|biotics|coagulant|coagulants|coagulation|platelet|hypertensive|epileptic|"
    r"emetic|histamine|histaminic|malarial|tuberculous|tuberculosis|tb|thrombotic|retroviral|"
    r"rheumatic|diabetic|depressant|depressants|psychotic|psychotics|oxidant|oxidants|"
    r"infective|microbial|bacterial|parasitic|helminthic|androgen|androgens|estrogen|thymocyte|"
    r"pruritic|convulsant|convulsants|cancer|tumou?r|neoplastic|proliferative|fibrotic|"
    r"spasmodic|arrhythmic|anginal|pyretic|septic|body|bodies|d|rhd)$"
)

# Antigen-looking token: carries an upper-case letter, a digit or a greek letter.
_ANTIGEN_SHAPE = re.compile(r"[A-Z0-9α-ωɣ]")
_NOT_ANTIGEN = {"igg", "igm", "iga", "ige", "igg4", "the", "these", "monoclonal", "polyclonal",
                "specific", "neutralizing", "neutralising", "serum", "serological", "circulating",
                "high", "low", "titer", "titre", "positive", "negative", "myositis", "dm", "no", "hla"}

_POS = {"positive", "positivity", "seropositive", "+", "(+)", "detected", "present", "elevated",
        "raised", "high", "strongly", "weakly", "detectable", "found"}
_NEG = {"negative", "negativity", "seronegative", "absent", "undetectable", "(-)", "−"}
# Words allowed between a coordinated list of antibodies and its polarity word.
_GLUE = {",", "and", "or", "/", "as", "well", "both", "all", "the", "were", "was", "is", "are",
         "tested", "test", "found", "to", "be", "remained", "also", "titer", "titre", "titers",
         "titres", "serum", "level", "levels", "(", ")", "-", "antibody", "antibodies", "strongly",
         "weakly", "highly", "serology", "for", "of", "a"}


_AB = {"LOWER": {"IN": sorted(_AB_WORDS)}}
# Matcher rules. Every pattern contains at least one token whose lower-case form passes
# `_is_anchor`; `_ANCHOR_REACH` bounds how far a match can reach from that token.
_PATTERNS: dict[str, list[list[dict]]] = {
    # anti-X (the target is extended in code: X can be several glued tokens)
    "ANTI": [[{"LOWER": "anti"}, {"ORTH": "-", "OP": "?"}, {"IS_SPACE": False, "IS_PUNCT": False}],
             [{"TEXT": {"REGEX": r"^[Aa]nti-?[A-Z0-9].*"}}]],
    # X antibodies / X-antibody
    "XAB": [[{"IS_SPACE": False, "IS_PUNCT": False}, {"ORTH": "-", "OP": "?"}, _AB]],
    # antibodies against/to X
    "AGAINST": [[{"LOWER": {"IN": ["antibodies", "antibody", "autoantibodies", "autoantibody"]}},
                 {"LOWER": {"IN": ["against", "to", "directed"]}}, {"LOWER": "against", "OP": "?"},
                 {"IS_SPACE": False, "IS_PUNCT": False}]],
    "LONG": [
        [{"LOWER": {"IN": ["antinuclear", "anti-nuclear"]}}, _AB],
        [{"LOWER": "anti"}, {"ORTH": "-"}, {"LOWER": "nuclear"}, _AB],
        [{"LOWER": {"IN": ["anti", "antineutrophil"]}}, {"ORTH": "-", "OP": "?"}, {"LOWER": "neutrophil", "OP": "?"},
         {"LOWER": "cytoplasmic"}, _AB],
        [{"LOWER": "rheumatoid"}, {"LOWER": "factor"}],
        [{"LOWER": "lupus"}, {"LOWER": "anticoagulant"}],
    ],
    "BARE": [
        [{"TEXT": {"IN": ["ANA", "ANAs", "ANCA", "ANCAs", "cANCA", "pANCA", "c-ANCA", "p-ANCA", "ACPA", "ACPAs"]}}],
        [{"LOWER": {"IN": ["c", "p"]}}, {"ORTH": "-"}, {"TEXT": {"IN": ["ANCA", "ANCAs"]}}],
        [{"TEXT": {"REGEX": r"^(AQP4|MOG)-?IgG$"}}],
        [{"TEXT": {"IN": ["AQP4", "MOG"]}}, {"ORTH": "-"}, {"TEXT": "IgG"}],
        [{"TEXT": "RF"}],
    ],
}
# Lower-case forms of the tokens that anchor the patterns above (a superset is harmless).
_ANCHOR_WORDS = _AB_WORDS | {"anti", "antinuclear", "anti-nuclear", "antineutrophil", "rheumatoid", "lupus",
                             "ana", "anas", "anca", "ancas", "canca", "panca", "c-anca", "p-anca", "acpa", "acpas",
                             "aqp4", "mog", "rf"}
_ANCHOR_PREFIXES = ("anti", "aqp4", "mog")
# A match is at most this many tokens long, so it lies within that reach of its anchor.
_ANCHOR_REACH = max(len(p) for patterns in _PATTERNS.values() for p in patterns)


def _is_anchor(lower: str) -> bool:
    return lower in _ANCHOR_WORDS or lower.startswith(_ANCHOR_PREFIXES)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-zα-ωɣ]", "", text.lower())


def canonical(target: str) -> str:
    """Canonical label for an antigen as written after "anti-" ("TIF1γ" -> "anti-TIF1-gamma")."""
    key = _key(target)
    canon = _CANON.get(key)
    if canon is None:
        if key.endswith("antibody") or key.endswith("antibodies"):
            return canonical(re.sub(r"[\s-]*(antibody|antibodies)$", "", target, flags=re.I))
        canon = target.strip(" -/")
    if canon in ("ANA", "ANCA", "RF"):
        return canon
    return f"anti-{canon}"


def _joined_end(doc: Doc, i: int, stop: int) -> int:
    """Extend token i rightwards over tokens glued to it without whitespace ("TIF1", "-", "gamma")."""
    j = i
    while j + 1 < stop and doc[j].whitespace_ == "" and doc[j + 1].lower_ not in _AB_WORDS and not (
        doc[j + 1].lower_ in ("positive", "negative", "ab", "abs") or doc[j + 1].is_punct and doc[j + 1].text not in "-/"
    ):
        if doc[j + 1].text in "-/" and (j + 2 >= stop or doc[j + 1].whitespace_ or doc[j + 2].lower_ in _AB_WORDS
                                        or doc[j + 2].lower_ in ("positive", "negative")):
            break
        j += 1
    return j + 1


def _joined_start(doc: Doc, i: int, start: int) -> int:
    """Extend token i leftwards over glued tokens ("Ro52", "/", "SSA" when we hit "SSA")."""
    j = i
    while j - 1 >= start and doc[j - 1].whitespace_ == "" and not (doc[j - 1].is_punct and doc[j - 1].text not in "-/"):
        if doc[j - 1].text in "-/" and (j - 2 < start or doc[j - 2].whitespace_):
            break
        if doc[j - 1].lower_ in ("anti",):
            break
        j -= 1
    return j


class AntibodyRecognizer:
    def __init__(self, nlp: Language, name: str, default_polarity: str) -> None:
        register()
        self.default_polarity = default_polarity
        self.matcher = Matcher(nlp.vocab)
        for rule, patterns in _PATTERNS.items():
            self.matcher.add(rule, patterns)
        self._anchor_of: dict[int, bool] = {}  # LOWER hash -> can anchor a match (cached per vocab string)

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[Span, str]] = []
        for match_id, start, end in self._matches(doc):
            rule = doc.vocab.strings[match_id]
            hit = getattr(self, f"_{rule.lower()}")(doc, start, end)
            if isinstance(hit, list):
                found.extend(hit)
            elif hit is not None:
                found.append(hit)
        canon_of = {}
        spans = []
        for span, canon in found:
            key = (span.start, span.end)
            if key not in canon_of:
                canon_of[key] = canon
                spans.append(span)
        kept = filter_spans(spans)
        group = doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else None
        out = []
        for span in sorted(kept, key=lambda s: s.start):
            canon = canon_of[(span.start, span.end)]
            ent = Span(doc, span.start, span.end, label=ANTIBODY, kb_id=f"CASEKG:{canon}")
            ent._.concept_label = canon
            ent._.attrs = {}
            out.append(ent)
        # tokens covered by any mention, per sentence start: one Span.sent per mention, not per pair
        sents = [ent.sent for ent in out]
        covered_in: dict[int, set[int]] = {}
        for ent, sent in zip(out, sents):
            covered_in.setdefault(sent.start, set()).update(range(ent.start, ent.end))
        for ent, sent in zip(out, sents):
            pol, cue = self._polarity(doc, ent, sent, covered_in[sent.start])
            ent._.attrs["polarity"] = pol
            if cue:
                ent._.attrs["polarity_cue"] = cue
        if group is None:
            doc.spans[SPAN_GROUP] = out
        else:
            group.extend(out)
        return doc

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """`self.matcher(doc)`, in the same order, but run only on windows around anchor tokens.

        The Matcher tests its REGEX and generic (IS_SPACE/IS_PUNCT) tokens on every token of
        the document, which made this component one of the slowest; antibody words are rare.
        Every match holds an anchor and is at most `_ANCHOR_REACH` tokens long, so it lies in
        the window around that anchor; overlapping windows are merged, so each match is found
        in exactly one window, and windows are visited in text order like the Matcher's scan.
        """
        lowers = doc.to_array(LOWER)
        if not len(lowers):
            return []
        strings, cache = doc.vocab.strings, self._anchor_of
        anchors = []
        for h in numpy.unique(lowers).tolist():
            hit = cache.get(h)
            if hit is None:
                hit = cache[h] = _is_anchor(strings[h])
            if hit:
                anchors.append(h)
        if not anchors:
            return []
        reach, n = _ANCHOR_REACH - 1, len(doc)
        windows: list[list[int]] = []
        for i in numpy.flatnonzero(numpy.isin(lowers, anchors)).tolist():
            lo, hi = max(0, i - reach), min(n, i + reach + 1)
            if windows and lo <= windows[-1][1]:
                windows[-1][1] = hi
            else:
                windows.append([lo, hi])
        return [(key, lo + s, lo + e) for lo, hi in windows for key, s, e in self.matcher(doc[lo:hi])]

    # -- rules -------------------------------------------------------------------------
    def _absorb_ab(self, doc: Doc, end: int, sent_end: int) -> int:
        """Include a following "antibody"/"-antibodies" in the mention."""
        j = end
        if j < sent_end and doc[j].text == "-" and j + 1 < sent_end and doc[j + 1].lower_ in _AB_WORDS:
            return j + 2
        if j < sent_end and doc[j].lower_ in _AB_WORDS:
            return j + 1
        return end

    def _anti(self, doc: Doc, start: int, end: int):
        sent_end = doc[start].sent.end
        first = doc[end - 1]
        if first.text.lower().startswith("anti") and len(first.text) > 4 and end - start == 1:
            tgt_start, tgt_end = start, _joined_end(doc, start, sent_end)
            target = doc[tgt_start:tgt_end].text[4:].lstrip("-")
        else:
            if doc[start].whitespace_ and end - start == 3:
                return None  # "anti - X" with spaces is prose, not a name
            tgt_start = end - 1
            tgt_end = _joined_end(doc, tgt_start, sent_end)
            target = doc[tgt_start:tgt_end].text
        # multi-word antigens written out ("anti-thyroid peroxidase antibodies")
        full_end = self._absorb_ab(doc, tgt_end, sent_end)
        if full_end == tgt_end:
            for extra in (1, 2):
                k = tgt_end + extra
                if k < sent_end and doc[k].lower_ in _AB_WORDS and all(
                    t.is_alpha and t.is_lower for t in doc[tgt_end:k]):
                    cand = target + " " + doc[tgt_end:k].text
                    if _key(cand) in _CANON:
                        target, full_end = cand, k + 1
                    break
        key = _key(target)
        has_ab = full_end > tgt_end
        if not key or _DRUG_CLASS.match(key):
            return None
        if key not in _CANON and not _ANTIGEN_SHAPE.search(target) and not has_ab:
            return None  # "anti-inflammatory", "anti-thymocyte": lower-case words need "antibody"
        if full_end < sent_end and doc[full_end].lower_ in ("therapy", "treatment", "agent", "agents", "drug",
                                                              "drugs", "medication", "blockade", "inhibitor",
                                                              "biologic", "biologics"):
            return None
        return doc[start:full_end], canonical(target)

    def _xab(self, doc: Doc, start: int, end: int):
        sent = doc[start].sent
        tgt_start = _joined_start(doc, start, sent.start)
        if tgt_start > sent.start and doc[tgt_start - 1].lower_ == "anti" or (
            tgt_start > sent.start + 1 and doc[tgt_start - 1].text == "-" and doc[tgt_start - 2].lower_ == "anti"):
            return None  # covered by the anti-X rule
        tgt_end = end - 1 if doc[end - 2].text != "-" else end - 2
        tgt_end = max(tgt_end, start + 1)
        target = doc[tgt_start:tgt_end].text
        key = _key(target)
        if not key or key in _NOT_ANTIGEN or _DRUG_CLASS.match(key):
            return None
        if target.lower().startswith("anti"):
            return None
        if key not in _CANON and not _ANTIGEN_SHAPE.search(target):
            return None
        if re.fullmatch(r"Ig[GMAED]\d?|IgG\d", target) or re.fullmatch(r"\d+", target):
            return None
        return doc[tgt_start:end], canonical(target)

    def _against(self, doc: Doc, start: int, end: int):
        sent_end = doc[start].sent.end
        tgt_end = _joined_end(doc, end - 1, sent_end)
        target = doc[end - 1:tgt_end].text
        key = _key(target)
        if key in _NOT_ANTIGEN or (key not in _CANON and not _ANTIGEN_SHAPE.search(target)):
            return None
        hits = [(doc[start:tgt_end], canonical(target))]
        # "antibodies against A, B and C": each coordinated antigen is its own mention
        k = tgt_end
        while k + 1 < sent_end and doc[k].lower_ in (",", "and", "or"):
            k += 1
            if doc[k].lower_ in ("and", "or"):
                k += 1
            if k >= sent_end:
                break
            nxt_end = _joined_end(doc, k, sent_end)
            nxt = doc[k:nxt_end].text
            if _key(nxt) in _NOT_ANTIGEN or not (_key(nxt) in _CANON or _ANTIGEN_SHAPE.search(nxt)):
                break
            hits.append((doc[k:nxt_end], canonical(nxt)))
            k = nxt_end
        return hits

    def _long(self, doc: Doc, start: int, end: int):
        text = doc[start:end].text.lower()
        if "nuclear" in text:
            return doc[start:end], "ANA"
        if "cytoplasmic" in text:
            return doc[start:end], "ANCA"
        if "rheumatoid" in text:
            return doc[start:end], "RF"
        return doc[start:end], "lupus anticoagulant"

    def _bare(self, doc: Doc, start: int, end: int):
        text = doc[start:end].text
        if text.rstrip("s") in ("ACPA",):
            return doc[start:end], "anti-CCP"
        if "ANCA" in text:
            low = text.lower()
            return doc[start:end], "c-ANCA" if low.startswith("c") else "p-ANCA" if low.startswith("p") else "ANCA"
        if text == "RF":
            # "RF" is also radio-frequency, respiratory failure...: only with a serology word nearby
            window = {t.lower_ for t in doc[max(doc[start].sent.start, start - 4):min(doc[start].sent.end, end + 5)]}
            if not window & {"positive", "negative", "titer", "titre", "iu", "factor", "ccp", "ana", "seropositive"}:
                return None
            return doc[start:end], "RF"
        if text.startswith("AQP4"):
            return doc[start:end], "anti-AQP4"
        if text.startswith("MOG"):
            return doc[start:end], "anti-MOG"
        return doc[start:end], "ANA"

    # -- polarity ----------------------------------------------------------------------
    def _polarity(self, doc: Doc, span: Span, sent: Span, covered: set[int]) -> tuple[str, str | None]:
        """Polarity of `span` (in `sent`); `covered`: tokens of every mention in that sentence."""
        # inside the mention: "anti-NXP2 antibody-positive"
        j = span.end
        # forward: "X antibody-positive", "A, B and C were negative"
        while j < sent.end:
            tok = doc[j]
            low = tok.lower_
            if low in _POS or low.startswith("positiv"):
                return "positive", tok.text
            if low in _NEG or low.startswith("negativ"):
                return "negative", tok.text
            if j in covered or low in _GLUE:
                j += 1
                continue
            break
        # backward: "positive for A, B and C", "negative for anti-Jo-1"
        i = span.start - 1
        while i >= sent.start:
            tok = doc[i]
            low = tok.lower_
            if low in ("for", "of") and i - 1 >= sent.start:
                prev = doc[i - 1].lower_
                if prev.startswith("positiv") or prev.startswith("seropositiv"):
                    return "positive", doc[i - 1:i + 1].text
                if prev.startswith("negativ") or prev.startswith("seronegativ") or prev in ("absence", "lack"):
                    return "negative", doc[i - 1:i + 1].text
            if low in ("no", "without", "absent", "absence"):
                return "negative", tok.text
            if i in covered or low in _GLUE:
                i -= 1
                continue
            break
        return self.default_polarity, None


@Language.factory("casekg_antibodies", default_config={"default_polarity": "positive"})
def make_antibodies(nlp: Language, name: str, default_polarity: str) -> AntibodyRecognizer:
    return AntibodyRecognizer(nlp, name, default_polarity)
