"""How a run scales with the corpus: wall time against the endpoint's bound, peak memory, CPU.

Starts the project's fake OpenAI server (its own process, fixed latency) and, for each row,
makes a copy of the project whose teacher and judge are that server, writes N synthetic
900-character documents, and runs `kedro run --pipeline=reading_comprehension` in a subprocess,
as a user runs it (partitioned by default; `--cluster=local:2` for a cluster row). For each row:
LLM calls, wall time, the wave bound (each stage's calls in waves of `concurrency` at the
server's latency, summed over stages: no client can beat it), peak RSS of the largest process,
of the run's own process (ingestion), of the largest process that ran partitions, of the
gather's process, and of all of them together, and CPU ms per call of every process of the
run (not the server's), by role too. CPU time depends on the machine, so each run first measures
a bare AsyncOpenAI client's CPU a call against the same server and gives the run's CPU a call
as a multiple of it (`x raw`) as well. `--calls batch` sends the teacher's and the judge's calls
through the server's Batch API instead (batch mode). Prints a table and writes JSON.

    .venv/bin/python benchmarks/scale_benchmark.py --rows 200:1000 4000:500 4000:500:local:2
"""

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.scale.partitioned_run import SESSIONS_PER_PROCESS

sys.path.insert(0, str(Path(__file__).parent))
from gateway_benchmark import fake_server, raw_openai_cpu_ms

ROOT = Path(__file__).resolve().parents[1]
SKILL = "reading_comprehension"
STAGES = [
    "transformation",
    "seed_instructions",
    "refinement.suggest",
    "refinement.edit",
    "answers",
    "judge",
]


def _project(folder: Path, base_url: str, documents: int, args: argparse.Namespace) -> Path:
    project = scratch_project(ROOT, folder)
    calls = {"calls": "batch", "batch": {"poll_s": 0.5}} if args.calls == "batch" else {}
    # compact: the shapes every row of this benchmark was measured with
    point_at_server(
        project, base_url, concurrency=args.concurrency, size_profile="compact", **calls
    )
    raw = project / "data/01_raw" / SKILL
    raw.mkdir(parents=True)
    for i in range(documents):
        raw.joinpath(f"doc_{i:05d}.txt").write_text(
            f"Document {i}. " + "Bees carry pollen between flowers and make honey. " * 17
        )
    return project


class _TreeMemory:
    """Samples the RSS of a process and its descendants: each process's peak, and the peak of
    their sum. The run's own process is the driver (ingestion, and the partitions and the gather
    when they run here); every other process runs partitions, except the last one the driver
    starts when the gather has a process of its own."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peaks: dict[int, int] = {}
        self.cpu_s: dict[int, float] = {}  # each process's CPU seconds, as last sampled
        self.started: dict[int, float] = {}
        self.total = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            try:
                processes = [self.root, *self.root.children(recursive=True)]
                sizes = {process.pid: process.memory_info().rss for process in processes}
                for process in processes:
                    self.started.setdefault(process.pid, process.create_time())
                    times = process.cpu_times()
                    self.cpu_s[process.pid] = times.user + times.system
            except psutil.Error:
                continue
            for pid, size in sizes.items():
                self.peaks[pid] = max(self.peaks.get(pid, 0), size)
            self.total = max(self.total, sum(sizes.values()))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _roles(self, gather_has_a_process: bool) -> tuple[list[int], int | None]:
        """The processes that ran partitions (Dask's nannies among them), and the gather's."""
        others = sorted((pid for pid in self.peaks if pid != self.root.pid), key=self.started.get)
        gather = others.pop() if gather_has_a_process and others else None
        return others, gather

    def by_role(self, gather_has_a_process: bool) -> dict[str, int]:
        """Peak bytes of the driver, of the largest partition process, and of the gather's."""
        others, gather = self._roles(gather_has_a_process)
        return {
            "driver": self.peaks.get(self.root.pid, 0),
            "partitions": max((self.peaks[pid] for pid in others), default=0),
            "gather": self.peaks[gather] if gather else 0,
        }

    def cpu_by_role(self, gather_has_a_process: bool) -> dict[str, float]:
        """CPU seconds of the driver, of all partition processes together, and of the gather's
        (sampled every 0.1 s: each process's last tenth of a second may be missing)."""
        others, gather = self._roles(gather_has_a_process)
        return {
            "driver": self.cpu_s.get(self.root.pid, 0.0),
            "partitions": sum(self.cpu_s.get(pid, 0.0) for pid in others),
            "gather": self.cpu_s.get(gather, 0.0) if gather else 0.0,
        }


def run_row(base_url: str, documents: int, per_partition: int, cluster: str | None, args) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        project = _project(args.keep or Path(folder) / "project", base_url, documents, args)
        command = [
            str(Path(sys.executable).parent / "kedro"),
            "run",
            f"--pipeline={SKILL}",
            f"--params={SKILL}.partitions.documents_per_partition={per_partition},"
            # a benchmark's corpus is large on purpose: no confirmation asked
            f"{SKILL}.plan.max_requests_without_confirmation={documents * 20}",
        ]
        if cluster:
            command.append(f"--cluster={cluster}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        memory = _TreeMemory(process.pid)
        _, stderr = process.communicate()
        wall = time.perf_counter() - started
        memory.stop()
        if process.returncode:
            raise RuntimeError(f"kedro run failed:\n{stderr.decode()[-3000:]}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        reports = sorted((project / f"data/08_reporting/{SKILL}/run_report.json").iterdir())
        report = json.loads((reports[-1] / "run_report.json").read_text())
    stages = report["llm"]["by_stage"]
    waves = sum(
        math.ceil(stages[name]["requests"] / args.concurrency) for name in STAGES if name in stages
    )
    calls = report["llm"]["total"]["requests"]
    partitions = len(report["partitions"]["partitions"])
    gather_has_a_process = partitions > SESSIONS_PER_PROCESS
    peaks = memory.by_role(gather_has_a_process)
    cpu_by_role = memory.cpu_by_role(gather_has_a_process)
    return {
        "documents": documents,
        "per_partition": per_partition,
        "partitions": partitions,
        "cluster": cluster or "-",
        "llm_calls": args.calls,
        "calls": calls,
        "pairs": report["stages"]["pairs"],
        "wall_s": wall,
        "bound_s": waves * args.latency,
        "ratio_to_bound": wall / (waves * args.latency),
        "peak_rss_mib": max(peaks.values()) / 2**20,
        "driver_rss_mib": peaks["driver"] / 2**20,
        "partition_rss_mib": peaks["partitions"] / 2**20,
        "gather_rss_mib": peaks["gather"] / 2**20,
        "peak_rss_all_mib": memory.total / 2**20,
        "cpu_ms_per_call": 1000 * cpu / calls,
        "cpu_ms_per_call_by_role": {role: 1000 * s / calls for role, s in cpu_by_role.items()},
        "cpu_in_raw_client_calls": 1000 * cpu / calls / args.raw_client_cpu_ms,
    }


def raw_client_cpu_ms(calls: int = 2000, concurrency: int = 64) -> float:
    """This machine's speed, in the unit the CPU line was set in: CPU ms a call of a bare
    AsyncOpenAI client against the fake server at zero latency (~2 ms when issue 12 was filed;
    the same code and libraries take ~3x that on a slower machine)."""
    with fake_server(0.0) as base_url:
        return raw_openai_cpu_ms(base_url, calls, concurrency)


def _row_spec(text: str) -> tuple[int, int, str | None]:
    """DOCUMENTS:PER_PARTITION[:CLUSTER], e.g. 4000:500 or 4000:500:local:2."""
    documents, per_partition, *cluster = text.split(":")
    return int(documents), int(per_partition), ":".join(cluster) or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", default=["200:1000", "1000:500", "4000:500"])
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument(
        "--calls",
        choices=["online", "batch"],
        default="online",
        help="batch: teacher and judge through the server's Batch API (its bound is not a wave"
        " bound: a batch is answered at once)",
    )
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/scale.json")
    parser.add_argument(
        "--keep",
        type=Path,
        help="make the project here and keep it (one row): its outputs, to inspect or re-run",
    )
    args = parser.parse_args()
    if args.keep and len(args.rows) > 1:
        parser.error("--keep keeps one row's project: give one row")

    rows = []
    header = f"{'documents':>9} {'per part':>8} {'parts':>5} {'cluster':>9} {'calls':>7} "
    header += f"{'wall s':>7} {'bound s':>7} {'x bound':>7} {'RSS MiB':>7} {'driver':>7} "
    header += f"{'in part':>7} {'gather':>7} {'all MiB':>7} "
    header += f"{'CPU ms/call':>11} {'x raw':>5}"
    args.raw_client_cpu_ms = raw_client_cpu_ms()
    print(f"this machine: a bare AsyncOpenAI call costs {args.raw_client_cpu_ms:.2f} ms of CPU\n")
    print(header)
    with fake_server(args.latency) as base_url:
        for spec in args.rows:
            row = run_row(base_url, *_row_spec(spec), args)
            rows.append(row)
            print(
                f"{row['documents']:>9} {row['per_partition']:>8} {row['partitions']:>5} "
                f"{row['cluster']:>9} {row['calls']:>7} {row['wall_s']:>7.1f} "
                f"{row['bound_s']:>7.1f} {row['ratio_to_bound']:>7.2f} "
                f"{row['peak_rss_mib']:>7.0f} {row['driver_rss_mib']:>7.0f} "
                f"{row['partition_rss_mib']:>7.0f} {row['gather_rss_mib']:>7.0f} "
                f"{row['peak_rss_all_mib']:>7.0f} "
                f"{row['cpu_ms_per_call']:>11.2f} {row['cpu_in_raw_client_calls']:>5.2f}",
                flush=True,
            )
            roles = row["cpu_ms_per_call_by_role"]
            print("  CPU ms a call by role: " + ", ".join(f"{k} {v:.2f}" for k, v in roles.items()))
            _write(args, rows)  # after each row: a long benchmark stopped early keeps its rows
    print(f"\nwritten: {args.json}")


def _write(args: argparse.Namespace, rows: list[dict]) -> None:
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
