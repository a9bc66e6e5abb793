"""The partitions of a run on a Dask cluster: each one a Kedro session on a worker.

Dask (`distributed`) schedules the sessions, moves them off a worker that dies and runs them
again elsewhere (the calls they had made come from the shared response cache). Kedro's own
DaskRunner maps one node to one task, which would ship every frame between machines; a session
per partition ships only its name.

    kedro run --pipeline=reading_comprehension --cluster=local:2            # 2 processes here
    kedro run --pipeline=reading_comprehension --cluster=tcp://head:8786    # a running cluster
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster, as_completed, get_worker

from agentinstruct.scale.partitioned_run import (
    SESSIONS_PER_PROCESS,
    Executor,
    PartitionTask,
    run_partition,
)

logger = logging.getLogger(__name__)
RETRIES = 2  # a session that raised is tried again this often (a lost worker does not count)


def _client(cluster: str) -> tuple[Client, LocalCluster | None]:
    if cluster.startswith("local:"):
        workers = int(cluster.removeprefix("local:"))
        local = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,  # one session at a time a process: sessions chdir and log
            processes=True,
            dashboard_address=None,
        )
        return Client(local), local
    client = Client(cluster)
    client.wait_for_workers(1)
    return client, None


def _run_on_worker(task: PartitionTask) -> tuple[str, str]:
    """The partition's session, and the worker that ran it."""
    return run_partition(task), get_worker().address


def _recycle(client: Client, address: str) -> None:
    """A fresh process for the worker at `address`; a worker without a nanny cannot be
    restarted and keeps running (what a session leaves behind stays: a few MB)."""
    try:
        client.restart_workers([address], timeout=120)
    except Exception as error:  # no nanny, or the worker is already gone: carry on
        logger.warning("could not restart worker %s (%s); it keeps its memory", address, error)


@contextmanager
def dask_executor(cluster: str) -> Iterator[tuple[Executor, int]]:
    """An executor on `cluster` (`local:N`, or a scheduler's address) and its number of workers,
    which share the LLM endpoints' concurrency and rate limits."""
    client, local = _client(cluster)
    workers = len(client.scheduler_info()["workers"])
    logger.info("Dask cluster %s: %d workers", client.scheduler.address, workers)

    def execute(tasks: list[PartitionTask], finished: Callable[[PartitionTask], None]) -> None:
        """As many sessions in flight as there are workers; a worker that has run
        `SESSIONS_PER_PROCESS` of them is restarted (by its nanny) before it gets another."""
        waiting = list(reversed(tasks))
        sessions: Counter[str] = Counter()
        running = as_completed()

        def submit() -> None:
            task = waiting.pop()
            future = client.submit(
                _run_on_worker,
                task,
                key=f"{task.skill}/{task.partition}",
                pure=False,
                retries=RETRIES,
            )
            futures[future] = task
            running.add(future)

        futures: dict = {}
        for _ in range(min(len(waiting), max(1, workers))):
            submit()
        for future in running:
            _, address = future.result()  # a session that failed every try ends the run
            finished(futures.pop(future))
            sessions[address] += 1
            if sessions[address] >= SESSIONS_PER_PROCESS and waiting:
                _recycle(client, address)
                del sessions[address]
            if waiting:
                submit()

    try:
        yield execute, workers
    finally:
        client.close()
        if local is not None:
            local.close()
