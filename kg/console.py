"""Terminal output for long commands: progress bars and end-of-run summaries."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from kg.build import BuildSummary, ProgressHook


@contextmanager
def build_progress(console: Console, enabled: bool = True) -> Iterator[ProgressHook | None]:
    """A progress bar with articles/s and ETA; yields the hook `kg.build.build` calls."""
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("[bold]building"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} articles/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[article]}"),
        console=console,
        transient=True,
    )
    task = progress.add_task("build", total=None, article="", rate="-")

    def hook(article: str, done: int, total: int) -> None:
        speed = progress.tasks[0].speed
        progress.update(task, completed=done, total=total, article=article[-30:], rate=f"{speed:.1f}" if speed else "-")

    with progress:
        yield hook


def print_build_summary(summary: BuildSummary, console: Console) -> None:
    table = Table(title="kg build", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("articles", f"{summary.articles} read: {summary.built} built, {summary.unchanged} unchanged"
                  + (f" ({summary.outdated} rebuilt: made by another casekg version)" if summary.outdated else "")
                  + (f", {summary.removed} removed" if summary.removed else ""))
    table.add_row("failed", str(len(summary.failed)))
    table.add_row("patients", f"{summary.patients} extracted; store holds {summary.store_patients}")
    table.add_row("entities", _counts(summary.entities) + ("" if summary.built else "  (nothing re-extracted)"))
    table.add_row("statements", f"{_counts(summary.statements)} extracted; store holds {_counts(summary.store_statements)}")
    table.add_row("triples", f"{summary.triples_written} written; store holds {summary.store_triples} in {summary.store_graphs} graphs")
    rate = f", {summary.built / summary.seconds:.1f} articles/s" if summary.built and summary.seconds else ""
    table.add_row("time", f"{summary.seconds:.1f} s{rate}" + ("  (interrupted: re-run `kg build` to continue)" if summary.interrupted else ""))
    console.print(table)


def _counts(counter) -> str:
    if not counter:
        return "0"
    total = sum(counter.values())
    parts = ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{total} ({parts})"


def print_stats(data: dict) -> None:
    console = Console()
    console.print(f"triples: {data.get('triples', 0)}   named graphs: {data.get('graphs', 0)}")
    for key, title in (("classes", "instances by class"), ("predicates", "triples by predicate")):
        rows = data.get(key) or {}
        table = Table(title=title)
        table.add_column(key[:-2] if key == "classes" else "predicate")
        table.add_column("count", justify="right")
        for name, count in sorted(rows.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(name, str(count))
        console.print(table)
