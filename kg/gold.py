"""Readers for the gold corpora (see shared/gold/README.md beside the repository).

Each reader returns `GoldDoc`s whose mention types are already casekg entity types
(`kg.model`), so one scorer serves every corpus. Identifiers become CURIEs (MeSH IDs get the
`MESH:` prefix; corpus-specific IDs keep their own prefix).
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.model import DISEASE, DOSE, DRUG, MANIFESTATION, OUTCOME

# The gold corpora live outside the repository: `$KG_GOLD` if set, else `../shared/gold`
# relative to the repository root (the parent of the `kg/` package), which is where CI's fresh
# clone finds them. `gold_available()` tells callers (and tests) whether they are there.
REPO_ROOT = Path(__file__).resolve().parent.parent


def gold_root() -> Path:
    """Where the gold corpora are looked for (they may be absent: see `gold_available`)."""
    env = os.environ.get("KG_GOLD")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "gold"


GOLD_ROOT = gold_root()


def gold_available(root: str | Path | None = None) -> bool:
    """True if the dev corpora folder exists (tests skip, scripts explain, when it does not)."""
    r = Path(root) if root is not None else gold_root()
    return (r / "gsc-plus-dev").is_dir() or (r / "bc5cdr").is_dir() or (r / "maccrobat-train").is_dir()


@dataclass(frozen=True)
class GoldMention:
    start: int
    end: int
    type: str
    id: str | None = None  # CURIE; composite/alternative IDs are separated by "|"
    text: str = ""
    # brat's POLARITY attribute (MACCROBAT: NEG, UNCERTAIN, MAYBE_POS, MAYBE_NEG, POS); None
    # where the mention has none or the corpus does not annotate assertion status
    polarity: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i for i in (self.id or "").split("|") if i)


@dataclass
class GoldDoc:
    id: str
    text: str
    mentions: list[GoldMention] = field(default_factory=list)
    corpus: str = ""
    # True where the format can carry assertion status (brat attributes), so a mention without
    # a polarity is an asserted one rather than an unannotated one
    has_polarity: bool = False


# --------------------------------------------------------------------------- PubTator

PUBTATOR_TYPES = {"Chemical": DRUG, "Disease": DISEASE}


def _mesh_curie(raw: str) -> str | None:
    ids = []
    for part in re.split(r"[|+]", raw.strip()):
        part = part.strip()
        if not part or part == "-1":
            continue
        if ":" in part:  # OMIM:123456 and the like
            ids.append(part)
        else:
            ids.append(f"MESH:{part}")
    return "|".join(ids) or None


def read_pubtator(path: str | Path, corpus: str = "bc5cdr") -> list[GoldDoc]:
    """PubTator: `PMID|t|title`, `PMID|a|abstract`, then tab-separated mentions (CID lines skipped).

    Offsets point into title + " " + abstract.
    """
    docs: list[GoldDoc] = []
    cur: GoldDoc | None = None
    title = ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                cur = None
                continue
            m = re.match(r"^(\d+)\|([ta])\|(.*)$", line)
            if m:
                pmid, kind, body = m.groups()
                if kind == "t":
                    title = body
                    cur = GoldDoc(pmid, title, corpus=corpus)
                    docs.append(cur)
                else:
                    assert cur is not None and cur.id == pmid, f"abstract without title: {pmid}"
                    cur.text = title + " " + body
                continue
            cols = line.split("\t")
            if cur is None or len(cols) < 6 or cols[1] == "CID":
                continue
            typ = PUBTATOR_TYPES.get(cols[4])
            if typ is None:
                continue
            start, end = int(cols[1]), int(cols[2])
            cur.mentions.append(GoldMention(start, end, typ, _mesh_curie(cols[5]), cols[3]))
    return docs


# --------------------------------------------------------------------------- PhenoTagger TSV


def read_phenotagger_tsv(path: str | Path, mention_type: str, corpus: str = "") -> list[GoldDoc]:
    """Blank-line separated blocks: PMID line, text line, then `START END MENTION ID` lines."""
    docs: list[GoldDoc] = []
    block: list[str] = []

    def flush() -> None:
        if len(block) < 2:
            return
        doc = GoldDoc(block[0].strip(), block[1], corpus=corpus)
        for line in block[2:]:
            cols = line.split("\t")
            if len(cols) < 3:
                continue
            raw_id = cols[3].strip() if len(cols) > 3 else ""
            cid = None
            if raw_id:
                cid = "|".join(i if ":" in i else f"MESH:{i}" for i in re.split(r"[|+,;]", raw_id) if i.strip())
            doc.mentions.append(GoldMention(int(cols[0]), int(cols[1]), mention_type, cid or None, cols[2]))
        docs.append(doc)

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                flush()
                block = []
            else:
                block.append(line)
    flush()
    return docs


# --------------------------------------------------------------------------- brat standoff

BRAT_TYPES = {
    "Medication": DRUG,
    "Dosage": DOSE,
    "Sign_symptom": MANIFESTATION,
    "Disease_disorder": DISEASE,
    "Outcome": OUTCOME,
}


def read_brat(path: str | Path, type_map: dict[str, str] | None = None) -> GoldDoc:
    """One `.txt` + `.ann` pair; text-bound annotations only, discontinuous spans use their extent.

    A `POLARITY` attribute becomes the mention's `polarity`. MACCROBAT attaches it to the event
    (`A1 POLARITY E14 NEG`, `E14 Sign_symptom:T20`) whose trigger is the finding's own span
    ("no fever" is the span "fever" with NEG), so events are followed to their trigger; an
    attribute on a text-bound annotation directly (`A1 POLARITY T20 NEG`) is read too.
    """
    tmap = BRAT_TYPES if type_map is None else type_map
    p = Path(path)
    txt = p.with_suffix(".txt")
    text = txt.read_text(encoding="utf-8")
    doc = GoldDoc(p.stem, text, corpus="maccrobat", has_polarity=True)
    ann = p.with_suffix(".ann")
    spans: dict[str, tuple[str, int, int]] = {}
    trigger: dict[str, str] = {}  # event id -> its text-bound trigger id
    polarity: dict[str, str] = {}  # annotation id (T or E) -> value
    for line in ann.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) < 2:
            continue
        if line.startswith("T"):
            typ, _, offsets = cols[1].partition(" ")
            pieces = [tuple(map(int, seg.split())) for seg in offsets.split(";")]
            spans[cols[0]] = (typ, min(s for s, _ in pieces), max(e for _, e in pieces))
        elif line.startswith("E"):
            head = cols[1].split(" ", 1)[0]  # "Sign_symptom:T20"
            trigger[cols[0]] = head.partition(":")[2]
        elif line.startswith(("A", "M")):  # M: the older brat name for attributes
            fields = cols[1].split()
            if len(fields) == 3 and fields[0] == "POLARITY":
                polarity[fields[1]] = fields[2]
    on_span = {trigger.get(a, a): v for a, v in polarity.items()}
    for tid, (typ, start, end) in spans.items():
        mapped = tmap.get(typ)
        if mapped is None:
            continue
        doc.mentions.append(GoldMention(start, end, mapped, None, text[start:end], on_span.get(tid)))
    return doc


def read_brat_dir(folder: str | Path, type_map: dict[str, str] | None = None) -> list[GoldDoc]:
    return [read_brat(a, type_map) for a in sorted(Path(folder).glob("*.ann"))]


# --------------------------------------------------------------------------- the dev sets


def maccrobat_split(docs: Sequence[GoldDoc]) -> tuple[list[GoldDoc], list[GoldDoc]]:
    """Deterministic train/dev split of MACCROBAT documents: sorted by id, every 5th is dev.

    On the 160 distributed documents this gives 128 train / 32 dev. Rules and lexicons are
    tuned on dev only in the sense of reading its errors; the statistical model trains on train.
    """
    ordered = sorted(docs, key=lambda d: d.id)
    return [d for i, d in enumerate(ordered) if i % 5 != 4], [d for i, d in enumerate(ordered) if i % 5 == 4]


def dev_sets(root: str | Path | None = None) -> dict[str, list[GoldDoc]]:
    """The development corpora by name (test splits are not here and must not be tuned on).

    `maccrobat-dev` is the dev fifth of our own split of the MACCROBAT training documents
    (`maccrobat_split`). Raises FileNotFoundError (naming the folder) when the corpora are absent.
    """
    r = Path(root) if root is not None else gold_root()
    if not gold_available(r):
        raise FileNotFoundError(f"gold corpora not found in {r} (set KG_GOLD)")
    return {
        "gsc-plus-dev": read_phenotagger_tsv(r / "gsc-plus-dev/GSCplus_dev_gold.tsv", MANIFESTATION, "gsc"),
        "ncbi-disease-dev": read_phenotagger_tsv(r / "ncbi-disease-dev/NCBI_dev_gold.tsv", DISEASE, "ncbi"),
        "bc5cdr-dev": read_pubtator(r / "bc5cdr/CDR_DevelopmentSet.PubTator.txt"),
        "maccrobat-dev": maccrobat_split(read_brat_dir(r / "maccrobat-train"))[1],
    }


def train_sets(root: str | Path | None = None) -> dict[str, list[GoldDoc]]:
    """The training corpora by name (MACCROBAT's train part of our split, BC5CDR train): the
    sets that rule and threshold choices are made on, scored with the same profiles as dev."""
    r = Path(root) if root is not None else gold_root()
    if not gold_available(r):
        raise FileNotFoundError(f"gold corpora not found in {r} (set KG_GOLD)")
    return {"bc5cdr-train": read_pubtator(r / "bc5cdr/CDR_TrainingSet.PubTator.txt"), "maccrobat-train": maccrobat_train(r)}


def maccrobat_train(root: str | Path | None = None) -> list[GoldDoc]:
    """The training part (128 documents) of our MACCROBAT split, for `kg train`."""
    r = Path(root) if root is not None else gold_root()
    return maccrobat_split(read_brat_dir(r / "maccrobat-train"))[0]


# --------------------------------------------------------------------------- user gold files

GOLD_FORMATS = ("pubtator", "phenotagger-tsv", "brat")


def read_gold(path: str | Path, fmt: str) -> list[GoldDoc]:
    """A user's gold file or folder by format name (`GOLD_FORMATS`).

    - `pubtator`: one file (or every *.txt / *.pubtator file of a folder); Chemical -> Drug,
      Disease -> Disease.
    - `phenotagger-tsv`: one .tsv file (or every *.tsv of a folder); mentions whose IDs are HPO
      IDs are Manifestations, any others Diseases.
    - `brat`: a folder of .txt/.ann pairs or one .ann file; MACCROBAT types (`BRAT_TYPES`).
    Raises kg.errors.InputError (one-line message) on an unknown format, a missing path, an
    unparsable file or no documents.
    """
    from kg.errors import InputError

    p = Path(path)
    if fmt not in GOLD_FORMATS:
        raise InputError(p, f"unknown gold format {fmt!r} (expected one of: {', '.join(GOLD_FORMATS)})")
    if not p.exists():
        raise InputError(p, "no such file or directory")
    try:
        docs = _read_gold(p, fmt)
    except (ValueError, IndexError, AssertionError, UnicodeDecodeError, OSError) as exc:
        raise InputError(p, f"not readable as {fmt} gold: {exc.__class__.__name__}: {exc}") from exc
    if not docs:
        raise InputError(p, f"no {fmt} gold documents found")
    return docs


def _read_gold(p: Path, fmt: str) -> list[GoldDoc]:
    if fmt == "brat":
        return read_brat_dir(p) if p.is_dir() else [read_brat(p)]
    if fmt == "pubtator":
        files = sorted(f for f in p.iterdir() if f.suffix in (".txt", ".pubtator")) if p.is_dir() else [p]
        return [d for f in files for d in read_pubtator(f, corpus="pubtator")]
    files = sorted(p.glob("*.tsv")) if p.is_dir() else [p]
    docs = [d for f in files for d in read_phenotagger_tsv(f, DISEASE, corpus="phenotagger")]
    for d in docs:
        d.mentions = [
            GoldMention(m.start, m.end, MANIFESTATION, m.id, m.text) if m.ids and all(i.startswith("HP:") for i in m.ids) else m
            for m in d.mentions
        ]
    return docs


# --------------------------------------------------------------------------- derived lexicon


def derive_mesh_lexicon(docs: Iterable[GoldDoc], min_count: int = 1) -> Iterator[tuple[str, str, str, list[str]]]:
    """(mesh_id, type, label, names) for every MeSH ID whose names map to it unambiguously.

    A name (compared lower-cased) is kept only if every annotation of it in the corpus carries
    the same single ID. Names are emitted lower-cased, except short forms written in capitals
    ("MTX", "PD"), which keep their case so the lexicon can match them case-sensitively.
    The label is the most frequent name. Used to build kg/data/mesh_bc5cdr.tsv from the
    BC5CDR *training* set only.
    """
    name_ids: dict[tuple[str, str], Counter] = defaultdict(Counter)
    surface: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for d in docs:
        for m in d.mentions:
            key = (m.type, m.text.lower())
            name_ids[key][m.id or ""] += 1
            surface[key][m.text] += 1
    by_id: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for (typ, name), ids in name_ids.items():
        if len(ids) != 1:
            continue
        ((cid, n),) = ids.items()
        if not cid.startswith("MESH:") or "|" in cid or n < min_count:
            continue
        form = surface[(typ, name)].most_common(1)[0][0]
        if not (len(form) <= 6 and sum(c.isupper() for c in form) >= 2):
            form = name
        by_id[(cid[5:], typ)][form] += n
    for (mesh, typ), names in sorted(by_id.items()):
        ordered = [n for n, _ in names.most_common()]
        label = next((n for n in ordered if n == n.lower()), ordered[0])
        yield mesh, "Chemical" if typ == DRUG else "Disease", label, ordered


def mesh_tsv_rows(docs: Iterable[GoldDoc]) -> list[str]:
    """The rows of kg/data/mesh_bc5cdr.tsv derived from `docs` (`derive_mesh_lexicon`), chemicals
    with their DrugBank ID where their names are variants of exactly one DrugBank drug."""
    from kg import vocab

    variants = vocab.load_drug_dictionary()
    v2c, c2d = variants["drug_variant_to_canonical"], variants["drug_canonical_to_data"]
    rows = []
    for mesh, typ, label, names in derive_mesh_lexicon(docs):
        db = ""
        if typ == "Chemical":
            dbs = {c2d.get(c, {}).get("drugbank_id") for n in names for c in v2c.get(n.lower(), ())}
            dbs.discard(None)
            if len(dbs) == 1:
                db = dbs.pop()
        rows.append("\t".join((mesh, typ, label, "|".join(names), db)))
    return rows


def write_mesh_tsv(out: str | Path, root: str | Path | None = None) -> int:
    """Regenerate kg/data/mesh_bc5cdr.tsv from the BC5CDR training set; returns rows written.

    Chemicals whose names are also DrugBank variants get that DrugBank ID in column 5, which is
    how a drug mention earns a verified MESH: xref.
    """
    docs = read_pubtator(Path(root if root is not None else gold_root()) / "bc5cdr/CDR_TrainingSet.PubTator.txt")
    rows = mesh_tsv_rows(docs)
    header = "# mesh_id\ttype\tlabel\tnames\tdrugbank_id  (derived from BC5CDR CDR_TrainingSet by kg.gold.write_mesh_tsv)\n"
    Path(out).write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["mesh-tsv"]:
        print(write_mesh_tsv(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).parent / "data/mesh_bc5cdr.tsv"))
