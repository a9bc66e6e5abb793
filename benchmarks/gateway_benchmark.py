"""How close the gateway gets to the endpoint's limit: raw AsyncOpenAI vs gateway vs pipeline.

Starts the project's fake OpenAI-compatible server on 127.0.0.1 in its own process, then
measures, in one run:
  (a) raw AsyncOpenAI + a semaphore (the baseline a hand-written client reaches), then LiteLLM's
      `acompletion` alone and under Instructor: what the libraries every call goes through cost
      before any of the gateway's own work (its floor),
  (b) the gateway (LiteLLM + Instructor) on structured calls, with an empty cache, online and in
      batch mode (`calls: batch`: the server's Batch API, which answers a batch at once),
  (c) the whole reading_comprehension pipeline on N documents against the server,
each as wall time, calls/s and the ratio to its ideal bound (the online one, for batch mode
too), plus CPU ms per call at zero latency for (a) and (b). Prints a table and writes JSON.

    .venv/bin/python benchmarks/gateway_benchmark.py --calls 2000 --concurrency 64 --latency 0.2
"""

import argparse
import asyncio
import json
import math
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from openai import AsyncOpenAI
from pydantic import Field

from agentinstruct.devtools.gateway_worker import MODEL
from agentinstruct.devtools.gateway_worker import gateway as worker_gateway
from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.gateway import LLMGateway, LLMRequest
from agentinstruct.gateway.online.instructor_internals import call_model
from agentinstruct.schemas.llm_outputs import Contract

ROOT = Path(__file__).resolve().parents[1]


class Verdict(Contract):
    label: str = Field(min_length=3, max_length=60)
    score: int
    reasons: list[str] = Field(min_length=1, max_length=3)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fake_server(latency: float, *extra: str):
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agentinstruct.devtools.fake_openai",
            "--port",
            str(port),
            "--latency",
            str(latency),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(10)


def _messages(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"Judge item {i}: is it good?"}]


async def _raw_openai(base_url: str, calls: int, concurrency: int) -> None:
    client = AsyncOpenAI(base_url=base_url, api_key="sk-fake", max_retries=0)
    limit = asyncio.Semaphore(concurrency)
    schema = {"name": "Verdict", "schema": Verdict.model_json_schema()}

    async def one(i: int) -> None:
        async with limit:
            response = await client.chat.completions.create(
                model="fake-teacher",
                messages=_messages(i),
                response_format={"type": "json_schema", "json_schema": schema},
            )
        Verdict.model_validate_json(response.choices[0].message.content)

    await asyncio.gather(*(one(i) for i in range(calls)))
    await client.close()


def raw_openai(base_url: str, calls: int, concurrency: int) -> None:
    asyncio.run(_raw_openai(base_url, calls, concurrency))


def raw_openai_cpu_ms(base_url: str, calls: int, concurrency: int) -> float:
    """CPU ms a call of the bare client once warm: the yardstick of this machine's speed."""
    return warm_cpu_ms(raw_openai, base_url, calls, concurrency)


def warm_cpu_ms(run, base_url: str, calls: int, concurrency: int) -> float:
    """CPU ms a call of `run(base_url, calls, concurrency)` once warm (imports, connections)."""
    run(base_url, 50, concurrency)
    started = time.process_time()
    run(base_url, calls, concurrency)
    return 1000 * (time.process_time() - started) / calls


async def _litellm(base_url: str, calls: int, concurrency: int, instructed: bool) -> None:
    """LiteLLM's acompletion with the gateway's arguments, alone (the answer validated as the
    raw client's is) or under Instructor in the gateway's mode: no cache, ledger or records.
    LiteLLM is imported here, after the package (imported above) set its environment: imported
    first, it fetches its price list from the internet."""
    import instructor
    import litellm

    limit = asyncio.Semaphore(concurrency)
    endpoint = {"model": MODEL, "api_base": base_url, "api_key": "sk-fake", "num_retries": 0}
    schema = {"name": "Verdict", "schema": Verdict.model_json_schema()}
    client = instructor.from_litellm(litellm.acompletion, mode=instructor.Mode.JSON_SCHEMA)

    async def one(i: int) -> None:
        async with limit:
            if instructed:
                await client.chat.completions.create_with_completion(
                    messages=_messages(i),
                    response_model=call_model(Verdict),
                    max_retries=0,
                    drop_params=True,
                    **endpoint,
                )
                return
            response = await litellm.acompletion(
                messages=_messages(i),
                response_format={"type": "json_schema", "json_schema": schema},
                drop_params=True,
                **endpoint,
            )
        Verdict.model_validate_json(response.choices[0].message.content)

    await asyncio.gather(*(one(i) for i in range(calls)))


def bare_litellm(base_url: str, calls: int, concurrency: int) -> None:
    asyncio.run(_litellm(base_url, calls, concurrency, instructed=False))


def litellm_instructor(base_url: str, calls: int, concurrency: int) -> None:
    asyncio.run(_litellm(base_url, calls, concurrency, instructed=True))


# The clients under the gateway, from the bare HTTP client up: each adds one library's work.
CLIENTS = [
    ("raw AsyncOpenAI", raw_openai),
    ("LiteLLM acompletion", bare_litellm),
    ("LiteLLM + Instructor", litellm_instructor),
]


def _gateway(folder: str, base_url: str, concurrency: int, **config: object) -> LLMGateway:
    """A gateway on the fake server with an empty cache in `folder`."""
    cache = str(Path(folder) / "cache.sqlite")
    prices = {"input_cost_per_token": 1e-7, "output_cost_per_token": 4e-7}
    return worker_gateway(base_url, cache, concurrency=concurrency, **prices, **config)


BATCH_MODE = {"calls": "batch", "batch": {"poll_s": 0.05}}


def gateway(base_url: str, calls: int, concurrency: int, mode: dict | None = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        llm = _gateway(folder, base_url, concurrency, **(mode or {}))
        requests = [LLMRequest(f"item-{i}", _messages(i), Verdict) for i in range(calls)]
        results = llm.generate("benchmark", requests)
        failed = sum(result.output is None for result in results)
        if failed:
            raise RuntimeError(f"{failed} gateway calls failed")


def gateway_batch(base_url: str, calls: int, concurrency: int) -> None:
    gateway(base_url, calls, concurrency, BATCH_MODE)


def gateway_cpu_ms(base_url: str, calls: int, concurrency: int, mode: dict | None = None) -> float:
    """CPU per call of one gateway once warm (client built, connections open), as in a long run."""
    with tempfile.TemporaryDirectory() as folder:
        llm = _gateway(folder, base_url, concurrency, **(mode or {}))
        warm_up = [LLMRequest(f"warm-{i}", _messages(-1 - i), Verdict) for i in range(50)]
        llm.generate("warm-up", warm_up)
        requests = [LLMRequest(f"item-{i}", _messages(i), Verdict) for i in range(calls)]
        _, cpu = timed(llm.generate, "benchmark", requests)
    return 1000 * cpu / calls


def gateway_workers(base_url: str, calls: int, concurrency: int) -> dict:
    """The gateway over worker processes: timed with their start, and again once warm."""
    workers = os.cpu_count() or 2
    with tempfile.TemporaryDirectory() as folder:
        llm = _gateway(folder, base_url, concurrency, workers=workers)
        batches = {}
        for name, offset in [("cold", 0), ("warm", calls)]:
            requests = [
                LLMRequest(f"item-{i}", _messages(offset + i), Verdict) for i in range(calls)
            ]
            started = time.perf_counter()
            results = llm.generate("benchmark", requests)
            batches[name] = time.perf_counter() - started
            if any(result.output is None for result in results):
                raise RuntimeError("gateway calls failed in the workers")
    return {"workers": workers, **batches}


def gateway_with_faults(base_url: str, calls: int, concurrency: int) -> dict:
    """Every item must come back answered or as a failure record; retries must stay bounded."""
    with tempfile.TemporaryDirectory() as folder:
        llm = _gateway(folder, base_url, concurrency, max_retries=2, transport_retries=4)
        requests = [LLMRequest(f"item-{i}", _messages(i), Verdict) for i in range(calls)]
        started = time.perf_counter()
        results = llm.generate("faults", requests)
        wall = time.perf_counter() - started
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats") as response:
        served = json.load(response)
    return {
        "served": served,
        "wall_s": wall,
        "answered": sum(r.output is not None for r in results),
        "failed": sum(r.output is None for r in results),
        "attempts": sum(r.record.attempts for r in results),
    }


def resume_after_sigkill(base_url: str, calls: int) -> dict:
    """Kill a gateway run with SIGKILL once half its answers are cached, then run it again."""
    with tempfile.TemporaryDirectory() as folder:
        cache, out = Path(folder) / "cache.sqlite", Path(folder) / "out.json"
        command = [
            sys.executable,
            "-m",
            "agentinstruct.devtools.gateway_worker",
            base_url,
            str(cache),
            str(calls),
            str(out),
        ]
        worker = subprocess.Popen(command)
        while _cached(cache) < calls // 2 and worker.poll() is None:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        cached_at_kill = _cached(cache)
        subprocess.run(command, check=True)
        resumed = json.loads(out.read_text())
        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats") as response:
            served = sum(json.load(response).values())
        fresh_out = Path(folder) / "fresh.json"
        subprocess.run(
            [*command[:4], str(Path(folder) / "fresh.sqlite"), str(calls), str(fresh_out)],
            check=True,
        )
        fresh = json.loads(fresh_out.read_text())
    return {
        "calls": calls,
        "cached_at_kill": cached_at_kill,
        "calls_killed_plus_resumed": served,
        "identical_outputs": resumed == fresh,
    }


def _cached(path: Path) -> int:
    try:
        with sqlite3.connect(path) as connection:
            return connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def timed(function, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def _project(folder: Path, base_url: str, documents: int, concurrency: int) -> Path:
    """A copy of the project whose teacher and judge are the fake server, with `documents`
    synthetic docs."""
    project = scratch_project(ROOT, folder / "project")
    point_at_server(project, base_url, concurrency=concurrency, size_profile="compact")
    raw = project / "data/01_raw/reading_comprehension"
    raw.mkdir(parents=True)
    for i in range(documents):
        raw.joinpath(f"doc_{i:04d}.txt").write_text(
            f"Document {i}. " + "Bees carry pollen between flowers and make honey. " * 8
        )
    return project


def pipeline(base_url: str, documents: int, concurrency: int, latency: float) -> dict:
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    with tempfile.TemporaryDirectory() as folder:
        project = _project(Path(folder), base_url, documents, concurrency)
        cwd = Path.cwd()
        os.chdir(project)
        try:
            bootstrap_project(project)
            started = time.perf_counter()
            with KedroSession.create(project_path=project) as session:
                session.run(pipeline_names=["reading_comprehension"])
            wall = time.perf_counter() - started
            reports = sorted(
                (project / "data/08_reporting/reading_comprehension/run_report.json").iterdir()
            )
            report = json.loads((reports[-1] / "run_report.json").read_text())
        finally:
            os.chdir(cwd)
    stages = report["llm"]["by_stage"]
    order = [
        "transformation",
        "seed_instructions",
        "refinement.suggest",
        "refinement.edit",
        "answers",
        "judge",
    ]
    waves = sum(
        math.ceil(stages[name]["requests"] / concurrency) for name in order if name in stages
    )
    calls = report["llm"]["total"]["requests"]
    return {
        "wall_s": wall,
        "calls": calls,
        "bound_s": waves * latency,
        "pairs": report["stages"]["pairs"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument(
        "--cpu-calls", type=int, default=1000, help="calls for the zero-latency CPU run"
    )
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--fault-calls", type=int, default=1000)
    parser.add_argument("--resume-calls", type=int, default=1000)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks/results/gateway_benchmark.json"
    )
    args = parser.parse_args()

    ideal = math.ceil(args.calls / args.concurrency) * args.latency
    rows = []
    with fake_server(args.latency) as base_url:
        for name, function in [
            *CLIENTS,
            ("gateway (structured)", gateway),
            ("gateway, calls: batch", gateway_batch),
        ]:
            wall, _ = timed(function, base_url, args.calls, args.concurrency)
            rows.append({"name": name, "calls": args.calls, "wall_s": wall, "bound_s": ideal})
        pooled = gateway_workers(base_url, args.calls, args.concurrency)
        for name in ("cold", "warm"):
            label = f"gateway, {pooled['workers']} procs, {name}"
            rows.append(
                {"name": label, "calls": args.calls, "wall_s": pooled[name], "bound_s": ideal}
            )
        if args.docs:
            run = pipeline(base_url, args.docs, args.concurrency, args.latency)
            rows.append({"name": f"pipeline ({args.docs} docs)", **run})
    with fake_server(0.0) as base_url:
        cpu = {
            name: warm_cpu_ms(client, base_url, args.cpu_calls, args.concurrency)
            for name, client in CLIENTS
        }
        cpu["gateway (structured)"] = gateway_cpu_ms(base_url, args.cpu_calls, args.concurrency)
        cpu["gateway, calls: batch"] = gateway_cpu_ms(
            base_url, args.cpu_calls, args.concurrency, BATCH_MODE
        )
    for row in rows:
        if row["name"] in cpu:
            row["cpu_ms_per_call"] = cpu[row["name"]]

    print(
        f"\n{args.calls} calls, {args.concurrency} in flight, {args.latency}s latency "
        f"(ideal {ideal:.2f}s); CPU at zero latency over {args.cpu_calls} calls\n"
    )
    header = ["calls", "wall s", "calls/s", "bound s", "x bound"]
    print(f"{'':28} " + " ".join(f"{name:>8}" for name in header) + f" {'CPU ms/call':>12}")
    for row in rows:
        row["calls_per_s"] = row["calls"] / row["wall_s"]
        row["ratio_to_bound"] = row["wall_s"] / row["bound_s"]
        cpu = f"{row['cpu_ms_per_call']:.2f}" if "cpu_ms_per_call" in row else "-"
        print(
            f"{row['name']:28} {row['calls']:>6} {row['wall_s']:>8.2f} {row['calls_per_s']:>8.1f} "
            f"{row['bound_s']:>8.2f} {row['ratio_to_bound']:>8.2f} {cpu:>12}"
        )
    faults = {}
    if args.fault_calls:
        rates = ["--rate-429", "0.1", "--rate-500", "0.1", "--rate-malformed", "0.1"]
        with fake_server(args.latency, *rates, "--seed", "1") as base_url:
            faults = gateway_with_faults(base_url, args.fault_calls, args.concurrency)
        print(
            f"\nfaults (10% 429, 10% 500, 10% malformed), {args.fault_calls} calls: "
            f"{faults['answered']} answered, {faults['failed']} failure records, "
            f"{faults['attempts']} requests sent (re-asks and retries included), "
            f"{faults['wall_s']:.2f}s;\n"
            f"server answered {sum(faults['served'].values())} requests: {faults['served']}"
        )
    resume = {}
    if args.resume_calls:
        with fake_server(0.05) as base_url:
            resume = resume_after_sigkill(base_url, args.resume_calls)
        ratio = resume["calls_killed_plus_resumed"] / resume["calls"]
        print(
            f"\nSIGKILL with {resume['cached_at_kill']}/{resume['calls']} answers cached, then "
            f"re-run: {resume['calls_killed_plus_resumed']} calls in all ({ratio:.3f}x an "
            f"uninterrupted run); outputs identical: {resume['identical_outputs']}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "args": {k: str(v) for k, v in vars(args).items()},
                "rows": rows,
                "faults": faults,
                "resume": resume,
            },
            indent=2,
        )
    )
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
