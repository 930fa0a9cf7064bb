"""The synthetic corpus generator: seeded, reproducible, readable as a corpus, and
full of the things the extractor looks for."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kg import synth
from kg.cli_scale import synth as synth_cmd
from kg.corpus import load_corpus
from kg.model import Article


def test_same_seed_same_articles_and_seeds_differ():
    a = [x.text for x in synth.articles(5, seed=3)]
    assert a == [x.text for x in synth.articles(5, seed=3)]
    assert a != [x.text for x in synth.articles(5, seed=4)]
    # any article can be regenerated alone
    assert synth.article(3, seed=3).text == a[3]


def test_lengths_vary_and_vocabulary_is_real():
    arts = list(synth.articles(60, seed=1))
    lengths = [len(a.text.split()) for a in arts]
    assert min(lengths) < 500 < max(lengths)
    text = "\n".join(a.text for a in arts)
    assert "anti-" in text and " mg" in text and "-year-old" in text
    hpo, drugs = synth._vocab_lists()
    assert len(hpo) > 1000 and len(drugs) > 1000
    assert any(h in text for h in hpo if h not in synth.COMMON_FINDINGS)


def test_write_corpus_is_a_valid_corpus(tmp_path: Path):
    result = CliRunner().invoke(synth_cmd, [str(tmp_path / "c"), "-n", "4", "--seed", "2"])
    assert result.exit_code == 0, result.output
    items = list(load_corpus(tmp_path / "c"))
    assert len(items) == 4 and all(isinstance(i, Article) for i in items)
    assert items[0].meta.pmid and items[0].meta.title
    assert items[1].text == synth.article(1, seed=2).text
