"""A skill's flow over a corpus in partitions: memory follows the partition, not the corpus.

For each skill: one session ingests and splits the corpus (nodes tagged `corpus`); then each
partition runs from chunking to the judge in a session of its own (`partition`), here one after
another or on the workers of a Dask cluster; then one session gathers every partition's pairs
for deduplication, the exports and the report (`gather`). A partition whose `summary.json` matches
its documents, the flow's params and the skill's prompts is skipped, so a run that stopped half
way resumes where it stopped, and its LLM calls come from the response cache anyway.
"""

import contextlib
import ctypes
import gc
import logging
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from agentinstruct.datasets.marker_dataset import MarkerDataset
from agentinstruct.datasets.partitions_dataset import ALL_PARTITIONS, WHOLE
from agentinstruct.flow.partitions import (
    completion_marker,
    is_done,
    partition_entry,
    partition_names,
)
from agentinstruct.flow.pipeline import CORPUS, GATHER, PARTITION_TAG
from agentinstruct.params import FlowParams
from agentinstruct.scale.sessions import Project, run_session

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartitionTask:
    """One unit of work: a skill's flow on one partition, as a Kedro session."""

    project: Project
    skill: str
    partition: str
    processes: int  # how many sessions share the LLM endpoints' limits at once


def run_partition(task: PartitionTask) -> str:
    """Run one partition's session; returns its name (what a Dask future carries back)."""
    run_session(
        task.project,
        task.skill,
        [PARTITION_TAG],
        partition=task.partition,
        llm_processes=task.processes,
    )
    give_memory_back()
    return task.partition


def give_memory_back() -> None:
    """Between two sessions in one process: collect the last one's cycles and hand freed heap
    back to the system, so a long run's memory stays that of one partition."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: freed memory is reused
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# Runs the tasks and calls back as each one finishes (in any order): in this process, or on a
# Dask cluster (agentinstruct.scale.cluster).
Executor = Callable[[list[PartitionTask], Callable[[PartitionTask], None]], None]


# A process that has run this many partitions' sessions is replaced by a fresh one, so a process
# that never ends cannot grow with the corpus. With Arrow's default pool each session left ~10 MB
# behind (a worker grew from 585 to 764 MiB over 16 sessions); with the system allocator
# (agentinstruct/__init__.py) 8 sessions from the cache stayed within 7 MiB. Online sessions left
# LiteLLM's clients and their sockets behind until the gateway kept one event loop a process
# (gateway/online/event_loop.py): a worker of 4 online sessions peaked at 573 MiB then, 495
# since (4,000 documents; 497 at 8,000). A fresh process costs its imports (~9 s of CPU here),
# so not every two sessions.
SESSIONS_PER_PROCESS = 4


def _fresh_process(sessions: int | None = None) -> ProcessPoolExecutor:
    """One child process (a clean interpreter, not a fork of this one), replaced after
    `sessions` tasks."""
    return ProcessPoolExecutor(
        max_workers=1, mp_context=get_context("spawn"), max_tasks_per_child=sessions
    )


def in_process(tasks: list[PartitionTask], finished: Callable[[PartitionTask], None]) -> None:
    """Here, one session after another; past `SESSIONS_PER_PROCESS` partitions, in a child
    process replaced after that many, so a long run's memory stays that of a few sessions."""
    if len(tasks) <= SESSIONS_PER_PROCESS:
        for task in tasks:
            run_partition(task)
            finished(task)
        return
    with _fresh_process(SESSIONS_PER_PROCESS) as child:
        for task in tasks:  # one at a time, in order, so progress and errors are per partition
            child.submit(run_partition, task).result()
            finished(task)


@dataclass
class _Progress:
    """Partitions done, the rate and the time left, logged as each one finishes."""

    skill: str
    total: int
    done: int = 0
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()

    def finished(self, task: PartitionTask) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        logger.info(
            "%s: partition %s done (%d/%d, %.1f s each, about %.0f s left)",
            self.skill,
            task.partition,
            self.done,
            self.total,
            elapsed / self.done,
            left,
        )


def _pending(project: Project, skill: str) -> tuple[list[str], dict[str, Path]]:
    """Ingest and split the corpus; the partitions that still need to run, and the summary file
    of every partition."""
    with project.session(partition=WHOLE) as session:
        session.run(pipeline_names=[skill], tags=[CORPUS])
        catalog = session.load_context().catalog
        index = catalog.load(f"{skill}.partition_index")
        params = FlowParams.model_validate(catalog.load(f"params:{skill}"))
        skill_spec = catalog.load(f"{skill}.skill")
        # the summary of the `whole` partition; the others sit beside it
        whole_summary = Path(catalog.get(f"{skill}.partition_summary@json")._describe()["filepath"])
    folder = whole_summary.parent.parent
    names = partition_names(index)
    _remove_stale(folder, names)
    summaries = {name: folder / name / whole_summary.name for name in names}
    pending = []
    for name, path in summaries.items():
        summary = MarkerDataset(str(path)).load() or {}
        expected = completion_marker(partition_entry(index, name), params, skill_spec)
        if not is_done(summary, expected):
            pending.append(name)
    return pending, summaries


def report_failures(skill: str, summaries: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """Say on the console how many requests failed and why, and which a re-run asks again;
    returns the failures by reason over every partition."""
    total: dict[str, dict[str, Any]] = {}
    for path in summaries:
        summary = MarkerDataset(str(path)).load() or {}
        for reason, entry in (summary.get("failures") or {}).items():
            seen = total.setdefault(reason, {**entry, "requests": 0})
            seen["requests"] += entry["requests"]
    if not total:
        return total
    retried = {reason: entry for reason, entry in total.items() if entry["retried_on_rerun"]}
    logger.warning(
        "%s: %d requests failed (%s)%s",
        skill,
        sum(entry["requests"] for entry in total.values()),
        ", ".join(f"{reason} {entry['requests']}" for reason, entry in total.items()),
        f"; the {sum(e['requests'] for e in retried.values())} failed for "
        f"{', '.join(retried)} are asked again by a re-run (`kedro run --pipeline={skill}`;"
        " what succeeded comes from the cache)"
        if retried
        else "; these would fail again and are not asked again",
    )
    for reason, entry in total.items():
        logger.warning("%s: %s, e.g.: %s", skill, reason, entry.get("example", "")[:300])
    return total


def _remove_stale(folder: Path, names: Iterable[str]) -> None:
    """Outputs of partitions of an earlier split: the gather never reads them, so free the disk."""
    keep = {*names, WHOLE}
    if folder.is_dir():
        for child in folder.iterdir():
            if child.is_dir() and child.name not in keep and "-of-" in child.name:
                shutil.rmtree(child)


def run_partitioned(
    project: Project,
    skills: list[str],
    executor: Executor = in_process,
    processes: int = 1,
) -> dict[str, Any]:
    """Each skill's flow over its corpus in partitions; returns what ran, per skill."""
    summary: dict[str, Any] = {}
    for skill in skills:
        pending, summaries = _pending(project, skill)
        names = list(summaries)
        logger.info(
            "%s: %d partitions, %d to run (%d complete, skipped)",
            skill,
            len(names),
            len(pending),
            len(names) - len(pending),
        )
        tasks = [PartitionTask(project, skill, name, processes) for name in pending]
        executor(tasks, _Progress(skill, len(tasks)).finished)
        gather_session = partial(run_session, project, skill, [GATHER], partition=ALL_PARTITIONS)
        if len(names) > SESSIONS_PER_PROCESS:  # its own process, as a partition's session
            with _fresh_process() as child:
                child.submit(gather_session).result()
        else:
            gather_session()
        summary[skill] = {
            "partitions": len(names),
            "ran": pending,
            "failures": report_failures(skill, summaries.values()),
        }
    return summary
