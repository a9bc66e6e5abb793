"""The partitions of a run on a Dask cluster: each one a Kedro session on a worker.

Dask (`distributed`) schedules the sessions, moves them off a worker that dies and runs them
again elsewhere (the calls they had made come from the shared response cache). Kedro's own
DaskRunner maps one node to one task, which would ship every frame between machines; a session
per partition ships only its name.

    kedro run --pipeline=reading_comprehension --cluster=local:2            # 2 processes here
    kedro run --pipeline=reading_comprehension --cluster=tcp://head:8786    # a running cluster
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster, as_completed

from agentinstruct.scale.partitioned_run import Executor, PartitionTask, run_partition

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


@contextmanager
def dask_executor(cluster: str) -> Iterator[tuple[Executor, int]]:
    """An executor on `cluster` (`local:N`, or a scheduler's address) and its number of workers,
    which share the LLM endpoints' concurrency and rate limits."""
    client, local = _client(cluster)
    workers = len(client.scheduler_info()["workers"])
    logger.info("Dask cluster %s: %d workers", client.scheduler.address, workers)

    def execute(tasks: list[PartitionTask], finished: Callable[[PartitionTask], None]) -> None:
        futures = {
            client.submit(
                run_partition,
                task,
                key=f"{task.skill}/{task.partition}",
                pure=False,
                retries=RETRIES,
            ): task
            for task in tasks
        }
        for future in as_completed(futures):
            future.result()  # a session that failed every try ends the run with its error
            finished(futures[future])

    try:
        yield execute, workers
    finally:
        client.close()
        if local is not None:
            local.close()
