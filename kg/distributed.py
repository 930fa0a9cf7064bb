"""`kg build --dask SCHEDULER`: extraction on an existing Dask cluster (dask.distributed).

The client reads the corpus (it owns the store, so it also decides what is unchanged) and
submits batches of articles; each worker runs `kg.parallel.extract_batch` with its own cached
pipeline and returns per-article N-Quads shards, which the client loads into the store.
Workers need casekg installed (same version) but no access to the corpus or the store.
At most `2 * workers` batches are in flight, so neither side holds the whole corpus.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from kg.model import Article
from kg.parallel import ArticleResult, extract_batch


class DaskRunner:
    def __init__(self, scheduler: str | object) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the environment
            from kg.errors import CaseKGError

            raise CaseKGError("--dask needs dask.distributed: pip install 'dask[distributed]'") from exc
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            self.client, self._own = Client(scheduler), True
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def run(self, batches: Iterator[list[Article]], when: datetime) -> Iterator[list[ArticleResult]]:
        from distributed import as_completed

        limit = 2 * self.workers
        # Results arrive in completion order; the store does not care about order and the
        # writer sorts nothing, so a slow batch does not hold back the others.
        ac = self._ac = as_completed()
        in_flight = 0
        for batch in batches:
            # pure=False: two batches with equal content (a re-run) must still both run
            ac.add(self.client.submit(extract_batch, batch, when, pure=False))
            in_flight += 1
            while in_flight >= limit:
                fut = next(ac)
                in_flight -= 1
                yield fut.result()
                fut.release()
        for fut in ac:
            yield fut.result()
            fut.release()

    def close(self) -> None:
        ac = getattr(self, "_ac", None)
        if ac is not None:
            # an interrupted build must not leave its batches running on a shared cluster
            self.client.cancel(list(ac.futures))
            self._ac = None
        if self._own:
            self.client.close()
            self._own = False
