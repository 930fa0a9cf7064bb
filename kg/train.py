"""`kg train`: a small, reproducible spaCy NER model from brat standoff (MACCROBAT-style) gold.

The model recognises the casekg types that the gold maps to (`kg.gold.BRAT_TYPES`: Drug,
Dose, Manifestation, Disease, Outcome). It is deliberately tiny - a hash-embedding CNN
(width 64, depth 2, no pretrained vectors) - so that it trains in minutes on two cores and
keeps the full pipeline fast. Training is deterministic for a given seed and input.

    from kg.train import train
    train(Path("../shared/gold/maccrobat-train"), Path("model-out"), split="train")

The shipped model was made with (about 2-4 minutes on two cores):

    python -m kg.train ../shared/gold/maccrobat-train kg/data/ner_maccrobat 15 --packed

`split="train"` keeps only the training part of `kg.gold.maccrobat_split` (sorted ids, every
5th document held out as dev); `split="all"` uses every document given. The output folder is
a normal spaCy pipeline (`spacy.load(path)`) with one `ner` component; `meta.json` records the
corpus, split, seed, epochs and the dev scores, if any.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.gold import GoldDoc

# Types the model learns (others in the gold are ignored).
DEFAULT_LABELS = ("Drug", "Dose", "Manifestation", "Disease")

_TOK2VEC = {
    "@architectures": "spacy.HashEmbedCNN.v2",
    "pretrained_vectors": None,
    "width": 64,
    "depth": 2,
    "embed_size": 2000,
    "window_size": 1,
    "maxout_pieces": 3,
    "subword_features": True,
}


@dataclass
class TrainResult:
    path: Path
    n_docs: int
    n_examples: int
    epochs: int
    seconds: float
    losses: list[float]
    dev: dict[str, float] | None = None


def _examples(nlp, docs: Iterable[GoldDoc], labels: Sequence[str]):  # noqa: ANN001, ANN202
    """One spaCy Example per non-empty line of each document (MACCROBAT has a sentence per line).

    Overlapping gold spans are resolved longest-first (NER cannot nest); spans are widened to
    token boundaries.
    """
    from spacy.training import Example
    from spacy.util import filter_spans

    wanted = set(labels)
    out = []
    for d in docs:
        pos = 0
        for line in d.text.split("\n"):
            start, end = pos, pos + len(line)
            pos = end + 1
            if not line.strip():
                continue
            doc = nlp.make_doc(line)
            spans = []
            for m in d.mentions:
                if m.type in wanted and start <= m.start and m.end <= end:
                    sp = doc.char_span(m.start - start, m.end - start, label=m.type, alignment_mode="expand")
                    if sp is not None and sp.text.strip():
                        spans.append(sp)
            ents = filter_spans(spans)
            ref = nlp.make_doc(line)
            ref.ents = [ref.char_span(s.start_char, s.end_char, label=s.label_) for s in ents]
            out.append(Example(doc, ref))
    return out


def blank_model(labels: Sequence[str] = DEFAULT_LABELS, *, width: int = 64, depth: int = 2, embed_size: int = 2000,
                hidden_width: int = 64):  # noqa: ANN201 - spacy Language
    """spacy.blank("en") + an `ner` with the tiny tok2vec (not yet initialised); the sizes trade
    accuracy for speed (docs/quality.md). The tokenizer has the pipeline's rules, so a model
    learns on the tokens it will be run on."""
    import spacy

    from kg.nlp.pipeline import customize_tokenizer

    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    ner = nlp.add_pipe(
        "ner",
        config={
            "model": {
                "@architectures": "spacy.TransitionBasedParser.v2",
                "state_type": "ner",
                "extra_state_tokens": False,
                "hidden_width": hidden_width,
                "maxout_pieces": 2,
                "use_upper": True,
                "nO": None,
                "tok2vec": {**_TOK2VEC, "width": width, "depth": depth, "embed_size": embed_size},
            }
        },
    )
    for lab in labels:
        ner.add_label(lab)
    return nlp


def train(
    gold: Path | str | Sequence[GoldDoc],
    output: Path | str,
    *,
    split: str = "train",
    labels: Sequence[str] = DEFAULT_LABELS,
    epochs: int = 15,
    seed: int = 0,
    dropout: float = 0.2,
    batch_size: int = 16,
    dev: Sequence[GoldDoc] | None = None,
    packed: bool = False,
    log: Callable[[str], None] | None = None,
    sizes: dict[str, int] | None = None,
    fmt: str = "brat",
) -> TrainResult:
    """Train the NER model on brat gold and save it to `output`.

    `gold`: a brat folder (or one .ann file), a file in `fmt`, or GoldDocs already read. `split`: "train" keeps
    the training part of `kg.gold.maccrobat_split`; "all" keeps every document. `dev`: documents
    to report overlap F1 on after training (with split="train" and no `dev`, the held-out fifth
    is used). `packed`: write `<output>.cfg` + `<output>.bin` (what `casekg_statistical` loads,
    e.g. output=kg/data/ner_maccrobat) instead of a spaCy model folder. `sizes`: `blank_model`
    keywords (width, depth, embed_size, hidden_width). `fmt`: the gold's format
    (`kg.gold.GOLD_FORMATS`; "pubtator" for BC5CDR, whose Chemical is Drug). Returns a TrainResult;
    raises kg.errors.InputError on unusable gold.
    """
    import spacy
    from spacy.util import fix_random_seed, minibatch

    from kg import gold as goldmod
    from kg.errors import InputError

    if isinstance(gold, (str, Path)):
        docs = goldmod.read_gold(gold, fmt)
    else:
        docs = list(gold)
    if split == "train":
        tr, held = goldmod.maccrobat_split(docs)
        if dev is None and held and len(docs) >= 5:
            dev = held
        if not tr:
            tr = docs
    elif split == "all":
        tr = docs
    else:
        raise InputError(str(gold) if isinstance(gold, (str, Path)) else "gold", f"unknown split {split!r} (train or all)")
    say = log or (lambda _m: None)
    t0 = time.perf_counter()
    fix_random_seed(seed)
    nlp = blank_model(labels, **(sizes or {}))
    examples = _examples(nlp, tr, labels)
    if not any(e.reference.ents for e in examples):
        raise InputError(str(gold) if isinstance(gold, (str, Path)) else "gold", f"no annotations of types {', '.join(labels)}")
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    losses_per_epoch = []
    for ep in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=batch_size):
            nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        losses_per_epoch.append(round(losses.get("ner", 0.0), 2))
        say(f"epoch {ep + 1}/{epochs}: loss {losses.get('ner', 0.0):.1f}")
    out = Path(output)
    dev_scores = None
    if dev:
        dev_scores = score_overlap(nlp, dev, labels)
        say("dev overlap F1: " + ", ".join(f"{k} {v:.3f}" for k, v in dev_scores.items()))
    nlp.meta["name"] = "casekg_ner"
    nlp.meta["version"] = "0.1.0"
    nlp.meta["description"] = "casekg tiny NER (brat gold); kg.train"
    nlp.meta["casekg"] = {
        "split": split,
        "seed": seed,
        "epochs": epochs,
        "n_docs": len(tr),
        "labels": list(labels),
        "sizes": sizes or {},
        "dev_overlap_f1": dev_scores,
    }
    res = TrainResult(out, len(tr), len(examples), epochs, time.perf_counter() - t0, losses_per_epoch, dev_scores)
    if packed:
        from kg.nlp.statistical import save_packed

        save_packed(nlp, out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        nlp.to_disk(out)
        (out / "train_log.json").write_text(json.dumps({**res.__dict__, "path": str(out)}, indent=1), encoding="utf-8")
    del spacy
    return res


def model_predictor(nlp) -> Callable[[str], list[tuple]]:  # noqa: ANN001
    """A kg.evaluate predictor from a trained model (line by line, offsets into the whole text)."""

    def predict(text: str) -> list[tuple]:
        out = []
        pos = 0
        lines = text.split("\n")
        starts = []
        for line in lines:
            starts.append(pos)
            pos += len(line) + 1
        for off, doc in zip(starts, nlp.pipe(lines)):
            out.extend((off + e.start_char, off + e.end_char, e.label_, "") for e in doc.ents)
        return out

    return predict


def score_overlap(nlp, docs: Sequence[GoldDoc], labels: Sequence[str] = DEFAULT_LABELS) -> dict[str, float]:  # noqa: ANN001
    """Overlap F1 per label of the model alone on `docs` (brat profile)."""
    from kg.evaluate import PROFILES, evaluate_docs

    rep = evaluate_docs(docs, model_predictor(nlp), PROFILES["maccrobat-dev"])
    return {t: round(rep.overlap[t].f1, 4) for t in labels if t in rep.overlap}


if __name__ == "__main__":
    import sys

    from kg.gold import gold_root

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = Path(args[0]) if args else gold_root() / "maccrobat-train"
    dst = Path(args[1]) if len(args) > 1 else Path("/tmp/casekg-ner")
    ep = int(args[2]) if len(args) > 2 else 15
    # --width=32 --depth=1 --embed_size=1000 --hidden_width=32 --format=pubtator --labels=Drug,Disease
    opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    fmt = opts.pop("format", "brat")
    labs = tuple(opts.pop("labels").split(",")) if "labels" in opts else DEFAULT_LABELS
    sz = {k: int(v) for k, v in opts.items()}
    r = train(src, dst, epochs=ep, packed="--packed" in sys.argv, log=print, sizes=sz, fmt=fmt, labels=labs)
    print(f"{r.n_docs} docs, {r.n_examples} examples, {r.seconds:.0f} s -> {r.path}")
