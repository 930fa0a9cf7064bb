"""`casekg_statistical`: spans from the small trained NER model (kg.train), added beside the rules.

The shipped model (`kg/data/ner_maccrobat.cfg` + `.bin`, ~2 MB) was trained by `kg.train` on
the training part (128 documents) of our MACCROBAT split; it knows Drug, Dose, Manifestation
and Disease. The component adds the model's spans of the configured `types` to
`doc.spans["casekg"]` only where no span of the same type already overlaps them, so rule
spans (linked to CURIEs, with dose attributes) always win and the model only fills gaps.
Model spans are unlinked (`kb_id_` ""), `_.concept_label` is their text and
`_.attrs["source"]` is "model".

Which types to enable is a measured choice (docs/quality.md): by default only Dose, where the
model adds recall on case reports without costing precision elsewhere; its Manifestation and
Disease spans help on MACCROBAT but hurt on GSC+/BC5CDR, whose annotation conventions differ.
`case_types` adds further labels only in documents that read as case-report narratives
(`looks_like_case_report`, optionally with `min_words`), where the model's convention fits.

The model is stored as two plain files (config + bytes) so that it ships as package data and
loads without spaCy's package machinery; nothing is downloaded.
"""

import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.nlp import extensions

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_MODEL = DATA_DIR / "ner_maccrobat"


def save_packed(nlp: Language, prefix: Path | str) -> tuple[Path, Path]:
    """Write `nlp` as `<prefix>.cfg` (its config) and `<prefix>.bin` (its weights and vocab)."""
    p = Path(prefix)
    p.parent.mkdir(parents=True, exist_ok=True)
    cfg, binf = p.with_suffix(".cfg"), p.with_suffix(".bin")
    nlp.config.to_disk(cfg)
    binf.write_bytes(nlp.to_bytes())
    return cfg, binf


def load_packed(prefix: Path | str) -> Language:
    """Load a model written by `save_packed` (or a normal spaCy model folder)."""
    import spacy
    from spacy.util import load_config, load_model_from_config

    p = Path(prefix)
    if p.is_dir():
        return spacy.load(p)
    cfg, binf = p.with_suffix(".cfg"), p.with_suffix(".bin")
    if not (cfg.is_file() and binf.is_file()):
        raise FileNotFoundError(f"no trained model at {p} (.cfg/.bin)")
    nlp = load_model_from_config(load_config(cfg), auto_fill=True, validate=False)
    nlp.from_bytes(binf.read_bytes())
    return nlp


_cache: dict[str, Language] = {}

# A case-report narrative introduces its patient by age ("A 45-year-old woman", "a 3-month-old
# boy"); MACCROBAT-style annotation (the model's training convention) fits such documents.
_AGE_INTRO = re.compile(r"\b(?:\d+|[a-z]+)[- ](?:year|month|week|day)s?[- ]old\b", re.I)


def looks_like_case_report(text: str, min_words: int = 0) -> bool:
    """True for a case-report narrative: an age introduction and at least `min_words` words."""
    return bool(_AGE_INTRO.search(text)) and (not min_words or len(text.split()) >= min_words)


class StatisticalComponent:
    def __init__(
        self,
        nlp: Language,
        name: str,
        model: str,
        types: tuple[str, ...],
        case_types: tuple[str, ...] = (),
        min_words: int = 0,
    ) -> None:
        extensions.register()
        self.name = name
        self.types = frozenset(types)
        self.case_types = frozenset(case_types) | self.types
        self.min_words = min_words  # the labels added outside case reports
        path = str(Path(model) if model else DEFAULT_MODEL)
        if path not in _cache:
            _cache[path] = load_packed(path)
        self.model = _cache[path]
        self.ner = self.model.get_pipe("ner")

    def __call__(self, doc: Doc) -> Doc:
        types = self.types
        if self.case_types != types and looks_like_case_report(doc.text, self.min_words):
            types = self.case_types
        if not types or not len(doc):
            return doc
        ents = self.predict(doc, types)
        group = doc.spans.get(extensions.SPAN_GROUP)
        existing = list(group) if group is not None else []
        taken: dict[str, list[tuple[int, int]]] = {}
        for s in existing:
            taken.setdefault(s.label_, []).append((s.start, s.end))
        new = []
        for start, end, lab in ents:
            if lab not in types:
                continue
            if any(a < end and start < b for a, b in taken.get(lab, ())):
                continue
            sp = Span(doc, start, end, label=lab)
            sp._.concept_label = sp.text
            sp._.xrefs = ()
            sp._.attrs = {"source": "model"}
            new.append(sp)
        if new:
            if group is None:
                doc.spans[extensions.SPAN_GROUP] = new
            else:
                group.extend(new)
        return doc

    def predict(self, doc: Doc, types: frozenset[str] | None = None) -> list[tuple[int, int, str]]:
        """(start_token, end_token, label) of the model's entities in `doc`.

        When only Dose is wanted, only sentences with a digit are run through the model (a dose
        has a number), which makes the component several times cheaper on prose.
        """
        if (self.types if types is None else types) <= {"Dose"} and doc.has_annotation("SENT_START"):
            toks = [t.i for sent in doc.sents if any(ch.isdigit() for ch in sent.text) for t in sent]
        else:
            toks = list(range(len(doc)))
        if not toks:
            return []
        words = [doc[i].text for i in toks]
        spaces = [bool(doc[i].whitespace_) for i in toks]
        mdoc = self.ner(Doc(self.model.vocab, words=words, spaces=spaces))
        out = []
        for e in mdoc.ents:
            a, b = toks[e.start], toks[e.end - 1] + 1
            if b - a == e.end - e.start:  # not across a gap between selected sentences
                out.append((a, b, e.label_))
        return out


@Language.factory(
    "casekg_statistical", default_config={"model": "", "types": ["Dose"], "case_types": [], "min_words": 0}
)
def make_statistical(
    nlp: Language, name: str, model: str, types: list[str], case_types: list[str], min_words: int
) -> StatisticalComponent:
    """`model`: a packed model prefix or model folder ("" = the shipped MACCROBAT model);
    `types`: which of its labels to add (see module docstring); `case_types`: labels added as
    well in documents that read as case reports (`looks_like_case_report`, with `min_words`)."""
    return StatisticalComponent(nlp, name, model, tuple(types), tuple(case_types), min_words)
