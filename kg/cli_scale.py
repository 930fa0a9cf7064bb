"""Click commands for working at scale, kept apart from kg/cli.py so they can be wired in
with one line: `main.add_command(synth)`."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("root", type=click.Path(path_type=Path, file_okay=False))
@click.option("-n", "--articles", "n", type=click.IntRange(min=1), default=1000, show_default=True,
              help="How many articles to write.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same corpus.")
def synth(root: Path, n: int, seed: int) -> None:
    """Write a synthetic case-report corpus (for benchmarks and scale tests) to ROOT.

    \b
    Example:
      kg synth /tmp/synth-10k -n 10000 && kg build --corpus /tmp/synth-10k --jobs 2
    """
    from kg.synth import write_corpus

    info = write_corpus(root, n, seed)
    click.echo(f"{info['articles']} articles, {info['words']} words, {info['bytes'] / 1e6:.1f} MB -> {root}")


def build_options(f):  # noqa: ANN001, ANN201 - click decorator
    """`--jobs` and `--dask` for `kg build`: `@build_options` under the other options, then
    pass `jobs=jobs, dask=dask` to `kg.build.build`."""
    f = click.option("--dask", "dask", metavar="SCHEDULER", default=None, envvar="KG_DASK",
                     help="Extract on this Dask cluster (address, e.g. tcp://host:8786; env KG_DASK).")(f)
    f = click.option("--jobs", "-j", "jobs", type=click.IntRange(min=0), default=1, show_default=True,
                     help="Extraction processes (0 = one per CPU).")(f)
    return f
