"""Atomic writes never leave a half-written file; the corpus lock admits one holder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg import atomic
from kg.atomic import corpus_lock, write_bytes_atomic, write_text_atomic
from kg.errors import CaseKGError


def test_write_and_replace(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.txt"
    write_text_atomic(target, "one\r\nCafé")
    assert target.read_bytes() == "one\r\nCafé".encode()
    write_bytes_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.txt"]  # no temp files left


def test_interrupted_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "meta.json"
    target.write_text("old content")

    def boom(fd: int) -> None:  # the crash happens after the data was partly written
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, "new content that never lands")
    assert target.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["meta.json"]


def test_interrupted_replace_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "article.txt"
    target.write_bytes(b"old")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["article.txt"]


def test_permissions_of_replaced_file_kept(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("x")
    os.chmod(target, 0o640)
    write_text_atomic(target, "y")
    assert target.stat().st_mode & 0o777 == 0o640


def test_lock_refuses_second_holder_in_process(tmp_path: Path) -> None:
    with corpus_lock(tmp_path):
        with pytest.raises(CaseKGError) as exc:
            with corpus_lock(tmp_path):
                pass
        msg = str(exc.value)
        assert msg == f"corpus {tmp_path} is locked by another kg process (pid {os.getpid()})"
    with corpus_lock(tmp_path):  # released: can be taken again
        pass


def test_lock_refuses_other_process(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from kg.atomic import corpus_lock\n"
        "from kg.errors import CaseKGError\n"
        "try:\n"
        "    with corpus_lock(sys.argv[1]): print('got it')\n"
        "except CaseKGError as e: print(e)\n"
    )
    with corpus_lock(tmp_path):
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
        assert "is locked by another kg process" in out.stdout and str(os.getpid()) in out.stdout
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "got it"
