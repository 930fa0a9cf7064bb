"""Where a store's bytes are: RocksDB files per column family and level, raw or compressed.

Usage:
  python benchmarks/store_layout.py STORE [STORE ...] [--quads]

Reads the store directory only (its MANIFEST and the first byte of each SST file); opens
nothing in Oxigraph unless --quads, which counts the quads (read-only) for bytes per quad.
Why: the on-disk size of stores with nearly the same quads moved by ~270 MB between 10k builds,
one index column family at a time (docs/scale.md, "Session 8: worker margin and the store's size on disk"): Oxigraph's RocksDB options leave a
compaction's output uncompressed or LZ4-compressed depending on the state of the column family
when it runs, and nothing in pyoxigraph sets them. A file counts as raw when its first data
block (at offset 0) is: an uncompressed block starts with its first entry's shared-prefix
length, 0; a compressed one with its uncompressed size (a varint, never 0).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

# VersionEdit tags (RocksDB db/version_edit.h) this reader understands.
_VARINT_TAGS = {2, 3, 4, 9, 10, 203, 300}  # log/file numbers, sequence, min log, max CF, atomic group
_NEW_FILE_TAGS = {7, 100, 102, 103}
_DELETED_FILE, _COLUMN_FAMILY, _COLUMN_FAMILY_ADD, _COLUMN_FAMILY_DROP, _COMPARATOR = 6, 200, 201, 202, 1


def _varint(b: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return value, i


def _log_records(data: bytes) -> list[bytes]:
    """Records of a RocksDB log file: 32 KiB blocks of fragments with 7-byte headers."""
    out: list[bytes] = []
    buf, i, n = b"", 0, len(data)
    while i + 7 <= n:
        left = 32768 - i % 32768
        if left < 7:
            i += left
            continue
        length, kind = data[i + 4] | data[i + 5] << 8, data[i + 6]
        payload = data[i + 7 : i + 7 + length]
        i += 7 + length
        if kind == 2:  # first fragment
            buf = payload
        elif kind == 3:  # middle
            buf += payload
        elif kind == 4:  # last
            out.append(buf + payload)
            buf = b""
        elif length:  # full record
            out.append(payload)
    return out


def live_files(store: Path) -> tuple[dict[int, str], dict[int, tuple[int, int, int]]]:
    """(column family id -> name, file number -> (column family id, level, bytes)) of the
    store's current version."""
    manifest = (store / "CURRENT").read_text().strip()
    names = {0: "default"}
    files: dict[int, tuple[int, int, int]] = {}
    for rec in _log_records((store / manifest).read_bytes()):
        i, cf = 0, 0
        added, deleted = [], []
        while i < len(rec):
            tag, i = _varint(rec, i)
            if tag in _VARINT_TAGS:
                _, i = _varint(rec, i)
            elif tag == _COMPARATOR:
                n, i = _varint(rec, i)
                i += n
            elif tag == _COLUMN_FAMILY:
                cf, i = _varint(rec, i)
            elif tag == _COLUMN_FAMILY_ADD:
                n, i = _varint(rec, i)
                names[cf] = rec[i : i + n].decode()
                i += n
            elif tag == _COLUMN_FAMILY_DROP:
                pass
            elif tag == _DELETED_FILE:
                _, i = _varint(rec, i)
                number, i = _varint(rec, i)
                deleted.append(number)
            elif tag in _NEW_FILE_TAGS:
                level, i = _varint(rec, i)
                number, i = _varint(rec, i)
                if tag == 102:
                    _, i = _varint(rec, i)  # path id
                size, i = _varint(rec, i)
                for _ in range(2):  # smallest and largest key
                    n, i = _varint(rec, i)
                    i += n
                if tag != 7:
                    _, i = _varint(rec, i)  # smallest and largest sequence number
                    _, i = _varint(rec, i)
                if tag == 103:
                    while True:  # custom fields up to the terminating tag 1
                        t, i = _varint(rec, i)
                        if t == 1:
                            break
                        n, i = _varint(rec, i)
                        i += n
                added.append((number, level, size))
            elif tag == 11 or tag == 20 or tag >= 301:
                n, i = _varint(rec, i)  # length-prefixed fields this reader does not need
                i += n
            else:
                raise ValueError(f"{store / manifest}: VersionEdit tag {tag} not understood")
        for number in deleted:
            files.pop(number, None)
        for number, level, size in added:
            files[number] = (cf, level, size)
    return names, files


def is_raw(path: Path) -> bool:
    """Whether the SST file's first data block is stored uncompressed (see the module doc)."""
    with open(path, "rb") as fh:
        return fh.read(1) == b"\0"


class Group:
    """The live files of one column family on one level."""

    __slots__ = ("bytes", "files", "raw_files", "raw_bytes")

    def __init__(self) -> None:
        self.bytes = self.files = self.raw_files = self.raw_bytes = 0


def layout(store: Path) -> dict[tuple[str, int], Group]:
    """(column family, level) -> its live files, largest first."""
    names, files = live_files(store)
    groups: dict[tuple[str, int], Group] = defaultdict(Group)
    for number, (cf, level, size) in files.items():
        g = groups[(names.get(cf, str(cf)), level)]
        g.bytes += size
        g.files += 1
        if is_raw(store / f"{number:06d}.sst"):
            g.raw_files += 1
            g.raw_bytes += size
    return dict(sorted(groups.items(), key=lambda kv: -kv[1].bytes))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("stores", nargs="+", type=Path)
    ap.add_argument("--quads", action="store_true", help="count the quads (read-only open) for bytes per quad")
    args = ap.parse_args()
    for store in args.stores:
        total = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())
        groups = layout(store)
        sst = sum(g.bytes for g in groups.values())
        raw = sum(g.raw_bytes for g in groups.values())
        line = f"{store}: {total / 2**20:,.0f} MiB on disk, {sst / 2**20:,.0f} MiB in SST files ({raw / 2**20:,.0f} MiB uncompressed)"
        if args.quads:
            import pyoxigraph as ox

            n = len(ox.Store.read_only(str(store)))
            line += f", {n:,} quads, {total / n:.0f} bytes per quad"
        print(line)
        for (cf, level), g in groups.items():
            kind = "raw" if g.raw_files == g.files else "LZ4" if not g.raw_files else f"{g.raw_files} raw"
            print(f"  {cf:8} L{level}  {g.bytes / 2**20:9,.1f} MiB  {g.files:3d} files  {kind}")


if __name__ == "__main__":
    main()
