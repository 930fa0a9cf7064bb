"""Boundary error table for disease spans, from `bc5cdr_heldout.py --cv --dump DIR` predictions.

    python benchmarks/disease_boundaries.py DIR [N]

Counts the disease false positives by kind (inside a longer gold span, longer than the gold
span, crossing one, on no gold) and, for the word right before one of our spans, how often the
gold span takes it in (our span too short on the left) against how often the gold span starts
where ours does (the word is outside): the evidence a "join the word before" rule needs. The
same for the word after, and for our first word (inside ours, outside gold: a strip rule).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

_WORD = re.compile(r"[\w'-]+")


def _word_before(text: str, start: int) -> str:
    words = _WORD.findall(text[max(0, start - 40):start])
    return words[-1].lower() if words and text[start - 1:start] in (" ", "-") else ""


def _word_after(text: str, end: int) -> str:
    words = _WORD.findall(text[end:end + 40])
    return words[0].lower() if words and text[end:end + 1] in (" ", "-") else ""


def table(folds: dict, typ: str = "Disease", n: int = 25) -> str:
    kinds: Counter = Counter()
    join_left: Counter = Counter()  # word before ours is inside gold (gold starts earlier, same end)
    out_left: Counter = Counter()  # word before ours, ours exactly gold
    join_right: Counter = Counter()
    out_right: Counter = Counter()
    strip_first: Counter = Counter()  # our first word, gold = ours minus it
    keep_first: Counter = Counter()  # our first word, ours exactly gold
    for doc in folds.values():
        text = doc["text"]
        gold = [tuple(g[:2]) for g in doc["gold"] if g[2] == typ]
        gset = set(gold)
        for s, e, t in doc["pred"]:
            if t != typ:
                continue
            wb, wa = _word_before(text, s), _word_after(text, e)
            first = _WORD.findall(text[s:e])[0].lower() if _WORD.findall(text[s:e]) else ""
            if (s, e) in gset:
                kinds["exact"] += 1
                out_left[wb] += 1
                out_right[wa] += 1
                keep_first[first] += 1
                continue
            over = [g for g in gold if g[0] < e and s < g[1]]
            if not over:
                kinds["FP on no gold"] += 1
            elif any(g[0] <= s and e <= g[1] for g in over):
                kinds["FP inside a longer gold span"] += 1
                for g in over:
                    if g[1] == e and g[0] < s:
                        join_left[wb] += 1
                    if g[0] == s and g[1] > e:
                        join_right[wa] += 1
            elif any(s <= g[0] and g[1] <= e for g in over):
                kinds["FP longer than the gold span"] += 1
                for g in over:
                    if g[1] == e and g[0] > s and _WORD.findall(text[s:g[0]]) and len(_WORD.findall(text[s:g[0]])) == 1:
                        strip_first[first] += 1
            else:
                kinds["FP crossing a gold span"] += 1
    lines = [f"{typ} predictions by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common())]
    for title, change, keep in (
        ("word before our span: gold takes it in (join) / our span is gold", join_left, out_left),
        ("word after our span: gold takes it in (join) / our span is gold", join_right, out_right),
        ("our first word: gold is the rest (strip) / our span is gold", strip_first, keep_first),
    ):
        lines.append(f"\n{title} (top {n} by the first count)")
        for w, c in change.most_common(n):
            lines.append(f"  {w or '(none)':<20} {c:4d} / {keep.get(w, 0):4d}")
    return "\n".join(lines)


if __name__ == "__main__":
    d = Path(sys.argv[1])
    folds = {}
    for f in sorted(d.glob("fold-*.json")):
        folds.update(json.loads(f.read_text(encoding="utf-8")))
    print(table(folds, n=int(sys.argv[2]) if len(sys.argv) > 2 else 25))
