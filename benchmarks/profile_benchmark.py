"""What the size profiles make of one corpus: `compact` (the embedded model's sizes) against `full`
(a strong teacher's), each with a fake teacher that honours every schema length and one that
writes as long as a strong model does (`--natural`: `maxLength` ignored, cut at max_tokens).

Starts the project's fake OpenAI server (its own process) in each mode and, for each row, runs
`kedro run --pipeline=reading_comprehension` on the sample corpus in a copy of the project whose
teacher (and judge, which follows it) is that server: requests, attempts (re-asks included),
failures by reason, tokens, pairs made and kept, pairs per seed instruction, median passage and
assistant-turn characters, wall time.

Then the price of 10,000 `full` pairs, from the estimate: a pilot (a real `full` run of the
natural-length fake on 3 of the 8 sample documents), then `--params=estimate_only=true` on all
8, priced at two real models' rates from LiteLLM's price map (the fake's token counts, about 4
characters a token, stand in for the model's own). Prints tables and writes JSON.

    .venv/bin/python benchmarks/profile_benchmark.py
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from agentinstruct.devtools.scratch_project import point_at_server, scratch_project

sys.path.insert(0, str(Path(__file__).parent))
from gateway_benchmark import fake_server

ROOT = Path(__file__).resolve().parents[1]
SKILL = "reading_comprehension"
KEDRO = str(Path(sys.executable).parent / "kedro")
PRICED_MODELS = ["gpt-4o-mini", "claude-haiku-4-5"]  # keys of LiteLLM's price map
PAIRS = 10_000


def _project(folder: Path, base_url: str, documents: list[Path], **teacher: object) -> Path:
    project = scratch_project(ROOT, folder)
    point_at_server(project, base_url, concurrency=16, **teacher)
    raw = project / "data/01_raw" / SKILL
    raw.mkdir(parents=True)
    for path in documents:
        shutil.copy(path, raw / path.name)
    return project


def _kedro_run(project: Path, *params: str) -> float:
    command = [KEDRO, "run", f"--pipeline={SKILL}", *(f"--params={p}" for p in params)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=project, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return time.perf_counter() - started


def _latest(folder: Path) -> Path:
    return sorted(path / folder.name for path in folder.iterdir())[-1]


def _row(project: Path, profile: str, teacher: str, wall_s: float) -> dict:
    report = json.loads(_latest(project / f"data/08_reporting/{SKILL}/run_report.json").read_text())
    pairs = pd.read_parquet(
        _latest(project / f"data/07_model_output/{SKILL}/generated_pairs.parquet")
    )
    total = report["llm"]["total"]
    seeds = int((pairs["refinement_round"] == 0).sum())
    return {
        "profile": profile,
        "teacher": teacher,
        "requests": total["requests"],
        "attempts": total["attempts"],
        "failed": total["failed"],
        "failures_by_reason": report["failures_by_reason"],
        "prompt_tokens": total["prompt_tokens"],
        "completion_tokens": total["completion_tokens"],
        "pairs": len(pairs),
        "kept": report["stages"]["curated_pairs"],
        "pairs_per_seed": round(len(pairs) / seeds, 2) if seeds else 0.0,
        "median_passage_chars": int(pairs["passage"].str.len().median()) if seeds else 0,
        "median_response_chars": int(pairs["response"].str.len().median()) if seeds else 0,
        "wall_s": round(wall_s, 1),
    }


def _projection(project: Path) -> dict:
    return json.loads(
        _latest(project / f"data/estimate/08_reporting/{SKILL}/projection.json").read_text()
    )


def _usd(projection: dict, mode: str) -> dict[str, float]:
    """The measured USD of every stage (from a pilot's answers); a stage the pilot did not
    measure counts at its bounds, its upper one as expected."""
    figures = {"expected": 0.0, "low": 0.0, "high": 0.0}
    for stage in projection["stages"].values():
        measured = stage.get("measured", {}).get(f"usd_{mode}")
        bounds = stage[f"usd_{mode}"]
        for name in figures:
            figures[name] += (measured or {}).get(name, bounds.get(name, bounds["high"]))
    return figures


def price_of_pairs(folder: Path, documents: list[Path], base_url: str, model: str) -> dict:
    """USD of `PAIRS` full pairs at `model`'s rates: a pilot on 3 documents, an estimate on all."""
    import litellm  # after the package, which keeps LiteLLM's price map local

    cost = litellm.model_cost[model]
    rates = {
        "input_cost_per_token": cost["input_cost_per_token"],
        "output_cost_per_token": cost["output_cost_per_token"],
    }
    project = _project(folder / model, base_url, documents[:3], **rates)
    _kedro_run(project)
    pilot = json.loads(_latest(project / f"data/08_reporting/{SKILL}/run_report.json").read_text())
    for path in documents[3:]:
        shutil.copy(path, project / "data/01_raw" / SKILL / path.name)
    _kedro_run(project, "estimate_only=true")
    projection = _projection(project)
    estimate_report = _latest(project / f"data/estimate/08_reporting/{SKILL}/run_report.json")
    # the pilot's pairs are paid for already (their answers are cached): price the others
    pairs = json.loads(estimate_report.read_text())["stages"]["pairs"] - pilot["stages"]["pairs"]
    per_pairs = {
        mode: {name: round(usd / pairs * PAIRS, 2) for name, usd in _usd(projection, mode).items()}
        for mode in ("online", "batch")
    }
    return {
        "model": model,
        "usd_per_million_prompt_tokens": rates["input_cost_per_token"] * 1e6,
        "usd_per_million_completion_tokens": rates["output_cost_per_token"] * 1e6,
        "pairs_to_pay": pairs,
        "requests": projection["total"]["requests"],
        "usd_per_10k_pairs": per_pairs,
    }


def _priced(row: dict, model: str) -> float:
    """USD of `PAIRS` pairs at `model`'s rates, from a row's own tokens per pair (a check of
    the estimate: no pilot, no projection)."""
    import litellm

    cost = litellm.model_cost[model]
    usd = (
        row["prompt_tokens"] * cost["input_cost_per_token"]
        + row["completion_tokens"] * cost["output_cost_per_token"]
    )
    return round(usd / row["pairs"] * PAIRS, 2)


def _table(rows: list[dict]) -> str:
    head = (
        f"{'profile':8}{'teacher':9}{'requests':>9}{'attempts':>9}{'failed':>7}{'prompt tok':>12}"
        f"{'compl. tok':>11}{'pairs':>7}{'kept':>6}{'/seed':>7}{'passage':>9}{'response':>9}"
        f"{'wall s':>8}  failures by reason"
    )
    lines = [head]
    for r in rows:
        reasons: Counter = Counter()
        for stage in r["failures_by_reason"].values():
            reasons.update(stage)
        lines.append(
            f"{r['profile']:8}{r['teacher']:9}{r['requests']:>9}{r['attempts']:>9}{r['failed']:>7}"
            f"{r['prompt_tokens']:>12,}{r['completion_tokens']:>11,}{r['pairs']:>7}{r['kept']:>6}"
            f"{r['pairs_per_seed']:>7}{r['median_passage_chars']:>9}"
            f"{r['median_response_chars']:>9}{r['wall_s']:>8}  {dict(reasons) or ''}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks/results/profile_benchmark.json"
    )
    args = parser.parse_args()
    documents = sorted((ROOT / "data/01_raw" / SKILL).iterdir())
    rows, prices = [], []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for teacher, flags in (("schema", ()), ("natural", ("--natural",))):
            with fake_server(0.0, *flags) as base_url:
                for profile in ("compact", "full"):
                    project = _project(folder / f"{profile}-{teacher}", base_url, documents)
                    wall_s = _kedro_run(project, f"size_profile={profile}")
                    rows.append(_row(project, profile, teacher, wall_s))
                if teacher == "natural":
                    prices = [
                        {
                            **price_of_pairs(folder / "priced", documents, base_url, model),
                            "priced_row": _priced(rows[-1], model),
                        }
                        for model in PRICED_MODELS
                    ]
    print(f"\n{SKILL} on the {len(documents)} sample documents, fake teacher:\n")
    print(_table(rows))
    others = len(documents) - 3
    print(f"\nUSD of {PAIRS:,} full pairs (pilot on 3 documents, estimate of the other {others}):")
    for price in prices:
        online, batch = price["usd_per_10k_pairs"]["online"], price["usd_per_10k_pairs"]["batch"]
        print(
            f"  {price['model']:18} online ${online['expected']:,.2f} (95%: ${online['low']:,.2f}"
            f" to ${online['high']:,.2f}), batch ${batch['expected']:,.2f};"
            f" the full natural row's tokens at these rates: ${price['priced_row']:,.2f}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows, "prices": prices}, indent=2))
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "250")
    main()
