"""The few lines a person reads when a run ends: what went in, what came out, why the rest was
rejected, what it cost, and where to look next. Made from the run's own report (the same
numbers, nothing re-counted), printed by `kedro run` and saved as `run_summary.txt`."""

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from agentinstruct.curation.pipeline import NAMESPACE as CURATION
from agentinstruct.datasets.versioned_file import latest_version
from agentinstruct.evaluation.pipeline import PIPELINE as EVALUATE
from agentinstruct.evaluation.report import interval_text
from agentinstruct.gateway.config import GatewayConfig
from agentinstruct.gateway.spend.budget import budget_line
from agentinstruct.redaction import redact
from agentinstruct.schemas.frames import is_permanent

OUTPUTS = "data"  # a real run's (an estimate prints its projection instead)

TOP = 3  # reasons shown by name; the rest are counted
NEXT_STEPS = (
    "kedro viz run --no-browser --host 127.0.0.1  (lineage)",
    "jupyter lab notebooks/analysis.ipynb  (plots)",
    "kedro run --pipeline=evaluate  (students on the test split)",
)


def _top(counts: dict[str, int]) -> str:
    """`a 14 · b 7 · c 3 (+2 more reasons)`, largest first; `none` when empty."""
    ranked = Counter(counts).most_common()
    if not ranked:
        return "none"
    shown = " · ".join(f"{name} {count:,}" for name, count in ranked[:TOP])
    rest = len(ranked) - TOP
    return shown + (f" (+{rest} more reason{'s' * (rest > 1)})" if rest > 0 else "")


def _calls(usage: dict[str, Any]) -> str:
    return (
        f"{usage['requests']:,} requests ({usage['cache_hits']:,} from the cache,"
        f" {usage['failed']:,} failed) · {usage['prompt_tokens']:,} prompt +"
        f" {usage['completion_tokens']:,} completion tokens · ${usage['cost_usd']:.4f}"
    )


def _block(title: str, rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    lines = [f"── {title} " + "─" * max(0, 76 - len(title))]
    lines += [f"{label.ljust(width)}  {value}" for label, value in rows]
    return "\n".join(lines)


def _quarantine_reasons(documents: list[dict[str, Any]]) -> dict[str, int]:
    reasons: Counter[str] = Counter()
    for entry in documents:
        if entry.get("status") == "quarantined":
            reasons[str(entry.get("reason", "?")).split(":")[0]] += 1
        for reason, count in (entry.get("rows_quarantined") or {}).items():
            reasons[str(reason).split(":")[0]] += count
    return dict(reasons)


def _failures(report: dict[str, Any]) -> str:
    by_reason: Counter[str] = Counter()
    for reasons in report.get("failures_by_reason", {}).values():
        by_reason.update(reasons)
    again = sum(count for reason, count in by_reason.items() if not is_permanent(reason))
    if not by_reason:
        return "none"
    return f"{_top(dict(by_reason))}; a re-run asks {again:,} of them again"


def skill_summary(
    report: dict[str, Any], paths: dict[str, str], wall_s: float, budgets: tuple[str, ...] = ()
) -> str:
    """A skill run's summary, from its run report; `paths`: kept pairs, exports, report;
    `budgets`: what each budget of the run's models has left."""
    inputs, curation = report["inputs"], report["curation"]
    splits = paths.get("splits", "")
    set_aside = inputs.get("documents_set_aside", 0)
    rows = [
        (
            "documents",
            f"{inputs['documents_used']:,} used"
            + (f", {set_aside:,} set aside by the document checks" if set_aside else "")
            + (
                f", {inputs['quarantined']:,} quarantined"
                f" ({_top(_quarantine_reasons(report.get('documents', [])))})"
                if inputs["quarantined"]
                else ", none quarantined"
            ),
        ),
        ("pairs", f"{curation['generated']:,} generated → {curation['kept']:,} kept{splits}"),
        ("rejected", _top(curation.get("reasons", {}))),
        ("LLM", _calls(report["llm"]["total"])),
        *(("budget", line) for line in budgets),
        ("failed calls", _failures(report)),
        ("wall time", f"{wall_s:,.0f} s"),
        *((name, path) for name, path in paths.items() if name != "splits"),
        ("next", NEXT_STEPS[0]),
        *(("", step) for step in NEXT_STEPS[1:]),
    ]
    title = f"{report['skill']}: {curation['kept']:,} of {curation['generated']:,} pairs kept"
    return _block(title, rows)


def curation_summary(report: dict[str, Any], paths: dict[str, str], wall_s: float) -> str:
    """The standalone curation's summary, from its curation report."""
    rows = [
        ("rows", f"{report['generated']:,} read → {report['kept']:,} kept"),
        ("rejected", _top(report.get("reasons", {}))),
        ("judge", _calls(report["judge_calls"])),
        ("wall time", f"{wall_s:,.0f} s"),
        *paths.items(),
    ]
    return _block(f"curation: {report['kept']:,} of {report['generated']:,} rows kept", rows)


def evaluation_summary(report: dict[str, Any], paths: dict[str, str], wall_s: float) -> str:
    """The evaluation's summary: each set and student's judge score and exact match."""
    rows = [
        (
            f"{entry['set_name']} · {entry['student']}",
            f"{entry['items']:,} items · score {interval_text(entry['score'], False)}"
            f" · exact match {interval_text(entry['exact_match'], True)}"
            + (f" · {entry['failed']:,} failed" if entry["failed"] else ""),
        )
        for entry in report["sets"]
    ] or [("items", "none: run a skill first, or add a multiple-choice set to eval_sets/")]
    rows += [("LLM", _calls(report["llm"]["total"])), ("wall time", f"{wall_s:,.0f} s")]
    rows += list(paths.items())
    level = round(report["confidence"] * 100)
    return _block(f"evaluation: means with {level}% intervals", rows)


def _budgets(catalog: Any, gateways: tuple[str, ...]) -> tuple[str, ...]:
    """A line for each distinct budget of these gateway entries (teacher and judge on one model
    share theirs); an entry that is not a gateway with a config has none."""
    configs = [getattr(catalog.get(name), "config", None) for name in gateways]
    seen: dict[tuple, str] = {}
    for config in configs:
        if isinstance(config, GatewayConfig) and config.budget_usd is not None:
            scope = (config.cache_path, config.budget_name or config.model)
            seen.setdefault(scope, _budget_line(config))
    return tuple(seen.values())


def _budget_line(config: GatewayConfig) -> str:
    """The budget's line, or why it could not be read: a cache server out of reach costs the
    row, not the summary."""
    try:
        return budget_line(config) or ""
    except Exception as error:
        return f"unavailable ({type(error).__name__}: {redact(str(error))[:200]})"


def _latest(relative: str) -> str:
    """The newest version of a versioned file under the project, as a path to show."""
    latest = latest_version(Path(relative))
    return str(latest) if latest else f"{relative} (none yet)"


def _splits(curated: str) -> str:
    """` (train N, test M)` of a run's kept pairs; nothing for a run before splits."""
    try:
        splits = pq.read_table(curated, columns=["split"]).column("split").to_pylist()
    except (OSError, KeyError, pa.ArrowException):
        return ""
    counts = Counter(splits)
    return f" (train {counts['train']:,}, test {counts['test']:,})"


def _skill(catalog: Any, skill: str, wall_s: float) -> str:
    curated = _latest(f"{OUTPUTS}/07_model_output/{skill}/curated_pairs.parquet")
    paths = {
        "splits": _splits(curated),
        "kept pairs": curated,
        "exports": f"{OUTPUTS}/07_model_output/{skill}/exports/ (README.md: the dataset card)",
        "report": _latest(f"{OUTPUTS}/08_reporting/{skill}/run_report.json"),
    }
    budgets = _budgets(catalog, ("teacher_llm", "judge_llm"))
    return skill_summary(catalog.load(f"{skill}.run_report"), paths, wall_s, budgets)


def _curation(catalog: Any, wall_s: float) -> str:
    paths = {
        "kept rows": _latest(f"{OUTPUTS}/07_model_output/curation/curated_pairs.parquet"),
        "report": _latest(f"{OUTPUTS}/08_reporting/curation/curation_report.json"),
    }
    return curation_summary(catalog.load("curation.curation_report"), paths, wall_s)


def _evaluation(catalog: Any, wall_s: float) -> str:
    paths = {
        "items": _latest(f"{OUTPUTS}/08_reporting/evaluation/evaluation_items.parquet"),
        "report": _latest(f"{OUTPUTS}/08_reporting/evaluation/evaluation_report.json"),
    }
    return evaluation_summary(catalog.load("evaluation.evaluation_report"), paths, wall_s)


def summarize_run(catalog: Any, names: list[str], wall_s: float) -> str:
    """The summary of a finished `kedro run` of `names` (skills, `curation`, `evaluate`), one
    block each; each block is saved as `<name>.run_summary` (run_summary.txt beside its
    report). Empty for a pipeline that has none."""
    blocks = []
    for name in names:
        if name == CURATION:
            block, dataset = _curation(catalog, wall_s), "curation.run_summary"
        elif name == EVALUATE:
            block, dataset = _evaluation(catalog, wall_s), "evaluation.run_summary"
        else:
            block, dataset = _skill(catalog, name, wall_s), f"{name}.run_summary"
        catalog.save(dataset, block + "\n")
        blocks.append(block)
    return "\n\n".join(blocks)
