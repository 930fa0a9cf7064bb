"""benchmarks/store_layout.py reads a real on-disk Oxigraph store's MANIFEST."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import store_layout  # noqa: E402


def _store(path: Path, n: int) -> None:
    lines = "".join(f'<https://example.org/s{i}> <https://example.org/p{i % 7}> "value number {i} of the test" <https://example.org/g{i % 5}> .\n'
                    for i in range(n))
    st = ox.Store(str(path))
    st.bulk_load(lines.encode(), format=ox.RdfFormat.N_QUADS)
    st.flush()
    st.optimize()
    del st


def test_live_files_are_the_sst_files_on_disk(tmp_path: Path) -> None:
    _store(tmp_path / "st", 20_000)
    groups = store_layout.layout(tmp_path / "st")
    names = {cf for cf, _ in groups}
    assert {"spog", "posg", "ospg", "gspo", "gpos", "gosp", "id2str"} <= names
    on_disk = sum(f.stat().st_size for f in (tmp_path / "st").glob("*.sst"))
    assert sum(g.bytes for g in groups.values()) == on_disk
    assert all(g.files >= 1 and 0 <= g.raw_bytes <= g.bytes for g in groups.values())
    sizes = [g.bytes for g in groups.values()]
    assert sizes == sorted(sizes, reverse=True)  # largest first


def test_a_raw_block_and_a_compressed_block_are_told_apart(tmp_path: Path) -> None:
    raw, packed = tmp_path / "raw.sst", tmp_path / "lz4.sst"
    raw.write_bytes(b"\0\x11\x05" + b"k" * 40)  # first entry: shared 0, then key and value lengths
    packed.write_bytes(b"\xbc\x1f" + b"x" * 40)  # a varint uncompressed size (4,028) first
    assert store_layout.is_raw(raw) and not store_layout.is_raw(packed)
