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
(`kg.nlp.genre.is_case_narrative`), where the model's convention fits.

The model is stored as two plain files (config + bytes) so that it ships as package data and
loads without spaCy's package machinery; nothing is downloaded.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kg.nlp import extensions
from kg.nlp.genre import is_case_narrative

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
# What keeps a model span out (`block`): a rule span of its label, of its kind, or any span.
_BLOCKS = ("label", "kind", "any")
# Manifestation and Disease are one kind: the corpora draw the line between them differently
# (BC5CDR's Disease is both), so a rule finding of either type already covers the words.
_KIND = {"Manifestation": "finding", "Disease": "finding"}
# A word that reads as a diagnosis ("-oma", "-itis", "syndrome", "effusion"): the sentences where
# the model's Disease spans add most to the rules' (about 12% of a case report's words; adding
# sentences with abbreviations, 43% of the words, gained 0.7 point more for 3.5 times the cost).
_DIAGNOSIS_WORD = re.compile(
    r"(?:oma|itis|osis|pathy|emia|plasia|trophy)s?$|^(?:disease|syndrome|disorder|cancer|carcinoma|tumou?r|"
    r"infection|failure|deficiency|insufficiency|effusion|stenosis)$", re.I)


_heads: dict[int, frozenset[str]] = {}


def _head_word(name: str) -> str:
    """The head noun of a dictionary name: the last word before " of " ("Abnormality of the
    cornea" -> abnormality), else the last word ("Duchenne muscular dystrophy" -> dystrophy)."""
    words = re.split(r"[\s\-]+", name.split(" of ")[0].strip(" ,;()"))
    return words[-1] if words else ""


# HPO's names of the form "Abnormality of the X" / "Abnormal X morphology" name what bears an
# abnormality (an organ, a tissue, a function, a measure), never the abnormality itself.
_BEARER = re.compile(r"^(?:abnormality of (?:the )?(.+)|abnormal (.+) (?:morphology|physiology|shape|position|size))$", re.I)


def finding_heads(min_names: int = 3) -> frozenset[str]:
    """Matching keys (`kg.nlp.lexicons.normalize_token`) of the words that head at least
    `min_names` HPO or disease names in the vocabularies ("dysfunction", "deficit", "syndrome",
    "dystrophy"), less the words HPO names as bearers of abnormalities ("joint", "blood",
    "muscle": `_BEARER`). A model finding span must end in one: the model then only names
    findings the way the ontologies name them, where it alone knows the words before the head."""
    if min_names not in _heads:
        from kg import vocab
        from kg.nlp.name_keys import normalize_token

        counts: Counter[str] = Counter()
        bearers: set[str] = set()
        for term in vocab.snapshot().terms.values():
            if term.kind in ("hpo", "disease"):
                names = {term.label, *(syn[0] for syn in term.synonyms)}
                counts.update({normalize_token(h) for h in map(_head_word, names) if h.isalpha() and len(h) > 3})
                if term.kind == "hpo":
                    for m in filter(None, map(_BEARER.match, names)):
                        bearers.add(normalize_token((m.group(1) or m.group(2)).split()[-1]))
        _heads[min_names] = frozenset(k for k, n in counts.items() if n >= min_names and k not in bearers)
    return _heads[min_names]


class StatisticalComponent:
    def __init__(
        self,
        nlp: Language,
        name: str,
        model: str,
        types: tuple[str, ...],
        case_types: tuple[str, ...] = (),
        sentences: str = "auto",
        block: str = "label",
        vet: int = 0,
    ) -> None:
        extensions.register()
        if sentences not in ("auto", "findings", "gaps"):
            raise ValueError(f"sentences must be auto, findings or gaps, not {sentences!r}")
        if sentences == "gaps" and not vet:
            raise ValueError("sentences='gaps' needs vet > 0 (it runs the model where a vetted span can come out)")
        if block not in _BLOCKS:
            raise ValueError(f"block must be one of {', '.join(_BLOCKS)}, not {block!r}")
        self.sentences = sentences
        self.block = block
        # vet > 0: keep a model finding only if it ends in a word heading >= vet dictionary
        # names, a model Drug only if it is built like a chemical name (see `_vetted`)
        self.heads = finding_heads(vet) if vet else None
        self._keys: dict[str, str] = {}
        self.name = name
        self.types = frozenset(types)
        self.case_types = frozenset(case_types) | self.types
        path = str(Path(model) if model else DEFAULT_MODEL)
        if path not in _cache:
            _cache[path] = load_packed(path)
        self.model = _cache[path]
        self.ner = self.model.get_pipe("ner")

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """Batched: one model call for the selected sentences of up to `batch_size` documents
        (a call has a fixed cost that dominates when only a few sentences per document are run)."""
        from spacy.util import minibatch

        for batch in minibatch(docs, batch_size):
            plans = [self._plan(doc) for doc in batch]
            todo = [(doc, toks) for doc, (types, toks) in zip(batch, plans) if toks]
            mdocs = self.ner.pipe((self._model_doc(doc, toks) for doc, toks in todo), batch_size=max(1, len(todo)))
            results = {id(doc): self._ents(mdoc, toks) for (doc, toks), mdoc in zip(todo, mdocs)}
            for doc, (types, _) in zip(batch, plans):
                if id(doc) in results:
                    ents = results[id(doc)]
                    if self.heads is not None:
                        ents = [e for e in ents if self._vetted(doc, *e)]
                    self._add(doc, types, ents, self.block)
                yield doc

    def _plan(self, doc: Doc) -> tuple[frozenset[str], list[int]]:
        """The labels wanted in `doc` and the tokens to run the model on."""
        types = self.types
        # MACCROBAT-style annotation (the model's training convention) fits case-report narratives
        if self.case_types != types and is_case_narrative(doc):
            types = self.case_types
        if not types or not len(doc):
            return types, []
        return types, self.tokens(doc, types)

    def tokens(self, doc: Doc, types: frozenset[str]) -> list[int]:
        """The tokens of the sentences the model reads.

        When only Dose is wanted, only sentences with a digit (a dose has a number), which makes
        the component several times cheaper on prose. With `sentences="findings"`, only sentences
        with a word that reads as a diagnosis outside the rules' Disease spans. With
        `sentences="gaps"` (and `vet`), only sentences where a vetted span could still be added:
        a word no span covers that heads dictionary finding names (for findings) or holds a
        piece of chemical nomenclature or a drug-name stem (for Drug).
        """
        if types <= {"Dose"} and doc.has_annotation("SENT_START"):
            return [t.i for sent in doc.sents if any(ch.isdigit() for ch in sent.text) for t in sent]
        if self.sentences == "findings" and doc.has_annotation("SENT_START"):
            group = doc.spans.get(extensions.SPAN_GROUP, [])
            covered = {i for sp in group if sp.label_ == "Disease" for i in range(sp.start, sp.end)}
            return [t.i for sent in doc.sents
                    if any(t.i not in covered and _DIAGNOSIS_WORD.search(t.text) for t in sent) for t in sent]
        if self.sentences == "gaps" and doc.has_annotation("SENT_START"):
            group = doc.spans.get(extensions.SPAN_GROUP, [])
            covered = {i for sp in group for i in range(sp.start, sp.end)}
            return [t.i for sent in doc.sents if any(self._gap_word(t, types) for t in sent if t.i not in covered)
                    for t in sent]
        return list(range(len(doc)))

    def _gap_word(self, tok: Token, types: frozenset[str]) -> bool:
        """Could a vetted model span of `types` end in or hold this uncovered token?"""
        if not tok.is_alpha and not any(ch.isalpha() for ch in tok.text):
            return False
        if not types.isdisjoint(_KIND) and self._key(tok.text) in self.heads:
            return True
        if "Drug" in types:
            from kg.nlp.chemical_spans import CHEM_PART, drug_stem

            return bool(CHEM_PART.search(tok.text)) or drug_stem(tok.text)
        return False

    def _key(self, text: str) -> str:
        k = self._keys.get(text)
        if k is None:
            from kg.nlp.name_keys import normalize_token

            k = self._keys[text] = normalize_token(text)
        return k

    def _vetted(self, doc: Doc, start: int, end: int, label: str) -> bool:
        """Is a model span plausible for the dictionaries' conventions? A finding must end in a
        finding head word (`finding_heads`), a Drug must read as a chemical's systematic name or
        carry a drug-name stem (kg.nlp.lexicons.chemical_name, drug_stem); Dose passes."""
        if label in _KIND:
            return self._key(doc[end - 1].text) in self.heads
        if label == "Drug":
            from kg.nlp.chemical_spans import chemical_name, drug_stem

            text = doc[start:end].text
            return chemical_name(text) or drug_stem(text)
        return True

    def _model_doc(self, doc: Doc, toks: list[int]) -> Doc:
        return Doc(self.model.vocab, words=[doc[i].text for i in toks], spaces=[bool(doc[i].whitespace_) for i in toks])

    @staticmethod
    def _ents(mdoc: Doc, toks: list[int]) -> list[tuple[int, int, str]]:
        out = []
        for e in mdoc.ents:
            a, b = toks[e.start], toks[e.end - 1] + 1
            if b - a == e.end - e.start:  # not across a gap between selected sentences
                out.append((a, b, e.label_))
        return out

    def predict(self, doc: Doc, types: frozenset[str] | None = None) -> list[tuple[int, int, str]]:
        """(start_token, end_token, label) of the model's entities in `doc` (see `tokens`)."""
        toks = self.tokens(doc, self.types if types is None else types)
        return self._ents(self.ner(self._model_doc(doc, toks)), toks) if toks else []

    @staticmethod
    def _add(doc: Doc, types: frozenset[str], ents: list[tuple[int, int, str]], block: str = "label") -> None:
        """The model's spans of `types` where no span that `block` names overlaps them: one of
        the same label ("label"), of the same kind (a finding - Manifestation or Disease - for a
        finding: "kind"), or any span ("any")."""
        group = doc.spans.get(extensions.SPAN_GROUP)
        existing = list(group) if group is not None else []
        taken: dict[str, list[tuple[int, int]]] = {}
        for s in existing:
            key = "" if block == "any" else _KIND.get(s.label_, s.label_) if block == "kind" else s.label_
            taken.setdefault(key, []).append((s.start, s.end))
        new = []
        for start, end, lab in ents:
            if lab not in types:
                continue
            key = "" if block == "any" else _KIND.get(lab, lab) if block == "kind" else lab
            if any(a < end and start < b for a, b in taken.get(key, ())):
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


@Language.factory(
    "casekg_statistical",
    default_config={"model": "", "types": ["Dose"], "case_types": [], "sentences": "auto", "block": "label", "vet": 0},
)
def make_statistical(
    nlp: Language, name: str, model: str, types: list[str], case_types: list[str], sentences: str, block: str,
    vet: int,
) -> StatisticalComponent:
    """`model`: a packed model prefix or model folder ("" = the shipped MACCROBAT model);
    `types`: which of its labels to add (see module docstring); `case_types`: labels added as
    well in documents that read as case reports (`kg.nlp.genre.is_case_narrative`);
    `sentences`: "auto" (all sentences, or those with a digit when only Dose is wanted) or
    "findings" (only sentences with a diagnosis-like word the rules left unlabelled: cheaper);
    `block`: which existing spans keep a model span out ("label", "kind" or "any", see `_add`);
    `vet`: 0 keeps every model span, N > 0 only those `StatisticalComponent._vetted` accepts with
    finding head words of at least N dictionary names."""
    return StatisticalComponent(nlp, name, model, tuple(types), tuple(case_types), sentences, block, vet)
