"""An article whose extraction fails is listed as "failed" (with the reason), not "not built"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import kg.extract
from kg import failures
from kg.build import build
from kg.cli_curate import add, list_

GOOD = "A 40-year-old woman with fever was given prednisone 20 mg daily and the fever resolved.\n"
POISON = "A 52-year-old man with a rash was treated with methotrexate. XYZZY-POISON\n"


@pytest.fixture()
def env(corpus_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    real = kg.extract.extract

    def flaky(article, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if "XYZZY-POISON" in article.text:
            raise RuntimeError("component exploded")
        return real(article, *args, **kwargs)

    monkeypatch.setattr(kg.extract, "extract", flaky)
    return corpus_env


def listed(env: dict[str, Path]) -> dict[str, dict]:
    r = CliRunner().invoke(list_, ["-f", "json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return {row["id"]: row for row in json.loads(r.output)}


def test_build_records_the_failure_and_a_successful_rebuild_clears_it(env):
    (env["corpus"] / "good.txt").write_text(GOOD, encoding="utf-8")
    (env["corpus"] / "bad.txt").write_text(POISON, encoding="utf-8")
    summary = build(env["corpus"], env["store"])
    assert summary.built == 1 and len(summary.failed) == 1

    rows = listed(env)
    assert rows["good"]["status"] == "built"
    assert rows["bad"]["status"] == "failed"
    assert "component exploded" in rows["bad"]["error"] and "bad.txt" in rows["bad"]["error"]

    # the curator fixes the text: no longer the content that failed, so it is simply not built yet
    (env["corpus"] / "bad.txt").write_text(POISON.replace(" XYZZY-POISON", ""), encoding="utf-8")
    assert listed(env)["bad"]["status"] == "not built"
    summary = build(env["corpus"], env["store"])
    assert summary.built == 1 and not summary.failed
    assert listed(env)["bad"]["status"] == "built"
    assert failures.load(env["store"]) == {}
    assert not (env["store"] / failures.FILE_NAME).exists()


def test_kg_add_records_the_failure(env):
    src = env["tmp"] / "case.txt"
    src.write_text(POISON, encoding="utf-8")
    r = CliRunner().invoke(add, [str(src)], catch_exceptions=False)
    assert "extraction failed" in r.output
    row = listed(env)["case"]
    assert row["status"] == "failed" and "component exploded" in row["error"]


def test_a_damaged_record_only_loses_the_label(env):
    (env["corpus"] / "good.txt").write_text(GOOD, encoding="utf-8")
    build(env["corpus"], env["store"])
    (env["store"] / failures.FILE_NAME).write_bytes(b"\x00{not json")
    assert failures.load(env["store"]) == {}
    assert listed(env)["good"]["status"] == "built"
    failures.update(env["store"], {"x": ("abc", "x: extraction failed: boom")})
    assert failures.load(env["store"]) == {"x": {"sha256": "abc", "error": "x: extraction failed: boom"}}


def test_remote_store_urls_keep_no_record(tmp_path: Path):
    failures.update("http://127.0.0.1:9/store", {"x": ("abc", "boom")})
    assert failures.load("http://127.0.0.1:9/store") == {}


def test_kg_show_says_failed_with_the_reason(env):
    from kg.cli_curate import show

    (env["corpus"] / "bad.txt").write_text(POISON, encoding="utf-8")
    build(env["corpus"], env["store"])
    r = CliRunner().invoke(show, ["bad"], catch_exceptions=False)
    assert "Extraction failed, no graph:" in r.output and "component exploded" in r.output
    data = json.loads(CliRunner().invoke(show, ["bad", "-f", "json"], catch_exceptions=False).output)
    assert data["status"] == "failed"
