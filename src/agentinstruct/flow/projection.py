"""What a run would ask and pay, stage by stage, read from an estimate run's call log.

An estimate run (`estimate_only`) makes no call: its log has a row per request the real run
would make, `estimated` (a placeholder answered it) or cached (an earlier run, such as a pilot,
already paid for it). For the requests still to pay, the projection gives:
- tokens as bounds: prompts counted as they would be sent, with the earlier answers they quote
  empty (low) or as long as their `max_tokens` (high); completions from a valid answer with
  empty texts (low) to `max_tokens` (high);
- their price online and through the provider's batch API, from LiteLLM's price map or the
  prices configured on the teacher's entry;
- where the cache holds at least `MIN_MEASURED` real answers of a stage (a pilot), a measured
  estimate: the requests to pay times the mean tokens of those answers, with a 95% interval.

The judge is asked only about pairs that pass the cheap checks, and placeholder text passes or
fails them as the teacher's text would not. So an estimate asks it about every pair of
placeholder text (`curation/judge.py`), and its requests to pay are bounds: none to all of those
pairs (`to_pay_at_most`), their tokens from none to all of theirs; with a pilot, the pilot's pass
rate times those pairs. With `judge.only_clean: false` it is asked about every pair, and its
count is exact, as the others.
"""

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from agentinstruct.gateway.spend.pricing import Pricing
from agentinstruct.params import FlowParams

MIN_MEASURED = 2
Z_95 = 1.96
# A stage asked only about the items of another stage that pass the cheap checks: how many pass
# depends on what the teacher wrote, which placeholders cannot know.
GATED_BY_CHECKS = {"judge": "answers"}


def save_projection(catalog: Any, skill: str) -> dict[str, Any]:
    """The projection of a skill's estimate run, from its gathered call log, priced with the
    catalog's teacher and judge, saved as `<skill>.projection`."""
    prices = {}
    for name in ("teacher_llm", "judge_llm"):
        config = catalog.get(name).config
        prices[config.model] = Pricing(config)
    judge = FlowParams.model_validate(catalog.load(f"params:{skill}")).curation.judge
    gated = GATED_BY_CHECKS if judge.only_clean else {}  # else the judge is asked about every pair
    calls = catalog.load(f"{skill}.llm_calls")
    projection = {"skill": skill, **project_calls(calls, prices, gated)}
    catalog.save(f"{skill}.projection", projection)
    return projection


def project_calls(
    calls: pd.DataFrame,
    prices: dict[str, Pricing],
    gated: dict[str, str] = GATED_BY_CHECKS,
) -> dict[str, Any]:
    """The projection of every stage (in the order the run asked them) and their total;
    `gated`: the stages asked only about what passes the checks, and the stage they check."""
    groups = {str(stage): rows for stage, rows in calls.groupby("stage", sort=False)}
    stages = {
        stage: _stage(
            rows,
            _requests_to_pay(rows, groups.get(gated.get(stage, ""))),
            prices.get(str(rows["model"].iloc[0])),
        )
        for stage, rows in groups.items()
    }
    return {"stages": stages, "total": _total(list(stages.values()))}


@dataclass(frozen=True)
class _Requests:
    """A stage's requests to pay: the placeholders' count, or for a stage gated by the checks
    the pilot's pass rate times its placeholders (with its variance), and at most those."""

    expected: float
    variance: float = 0.0
    at_most: int | None = None

    def interval(self) -> dict[str, int]:
        spread = Z_95 * math.sqrt(self.variance)
        high = math.ceil(self.expected + spread)
        return {
            "expected": round(self.expected),
            "low": max(0, math.floor(self.expected - spread)),
            "high": high if self.at_most is None else min(high, self.at_most),
        }


def _piloted(rows: pd.DataFrame) -> pd.DataFrame:
    """Requests answered by the cache with a real answer: a pilot's."""
    return rows[rows["cached"] & (rows["status"] == "ok")]


def _requests_to_pay(rows: pd.DataFrame, checked: pd.DataFrame | None) -> _Requests:
    """A stage's requests to pay. For a stage gated by the checks, whose placeholders are every
    pair of placeholder text: none to all of them, and with a pilot of at least `MIN_MEASURED`
    checked requests, the pilot's pass rate times them, with the variance of that many draws
    plus that of the measured rate (binomial)."""
    placeholders = int((rows["status"] == "estimated").sum())
    if checked is None:
        return _Requests(placeholders)
    pilot = len(_piloted(checked))
    if pilot < MIN_MEASURED:
        return _Requests(placeholders, at_most=placeholders)
    rate = min(1.0, len(_piloted(rows)) / pilot)
    spread = rate * (1 - rate)
    variance = placeholders * spread + placeholders**2 * spread / pilot
    return _Requests(rate * placeholders, variance, placeholders)


def _stage(rows: pd.DataFrame, requests: _Requests, pricing: Pricing | None) -> dict[str, Any]:
    to_pay = rows[rows["status"] == "estimated"]
    # the requests the cheapest run pays: for a stage gated by the checks, maybe none of them
    least = to_pay.iloc[0:0] if requests.at_most is not None else to_pay
    prompt = _bounds(least["prompt_tokens"].sum(), to_pay["max_prompt_tokens"].sum())
    completion = _bounds(least["completion_tokens"].sum(), to_pay["max_tokens"].sum())
    projection: dict[str, Any] = {
        "model": str(rows["model"].iloc[0]),
        "requests": len(rows),
        "from_cache": int(rows["cached"].sum()),
        "to_pay": len(to_pay),
        **({"to_pay_at_most": requests.at_most} if requests.at_most is not None else {}),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        **_prices(pricing, prompt, completion),
    }
    measured = _piloted(rows)
    if len(measured) >= MIN_MEASURED and len(to_pay):
        prompt_m = _measured(measured["prompt_tokens"], requests)
        completion_m = _measured(measured["completion_tokens"], requests)
        projection["measured"] = {
            "answers_measured": len(measured),
            "requests_to_pay": requests.interval(),
            "prompt_tokens": prompt_m,
            "completion_tokens": completion_m,
            **_prices(pricing, prompt_m, completion_m),
        }
    return projection


def _bounds(low: float, high: float) -> dict[str, int]:
    return {"low": int(low), "high": int(high)}


def _measured(tokens: pd.Series, requests: _Requests) -> dict[str, int]:
    """As many more answers as `requests` expects, like the measured ones: their tokens and the
    95% interval (the noise of each answer, the uncertainty of the measured mean, and that of
    the number of requests)."""
    mean, variance = float(tokens.mean()), float(tokens.var(ddof=1))
    count = requests.expected
    spread = Z_95 * math.sqrt(
        count * variance + count**2 * variance / len(tokens) + mean**2 * requests.variance
    )
    return {
        "expected": round(count * mean),
        "low": max(0, round(count * mean - spread)),
        "high": round(count * mean + spread),
    }


def _prices(
    pricing: Pricing | None, prompt: dict[str, int], completion: dict[str, int]
) -> dict[str, Any]:
    """USD online and batch for each of the token figures (low, high, expected)."""
    if pricing is None or not pricing.known:
        return {"usd_online": None, "usd_batch": None}
    return {
        f"usd_{mode}": {
            figure: round(price(prompt[figure], completion[figure]), 6) for figure in prompt
        }
        for mode, price in (("online", pricing.online_usd), ("batch", pricing.batch_usd))
    }


def _total(stages: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {
        name: sum(stage[name] for stage in stages) for name in ("requests", "from_cache", "to_pay")
    }
    for name in ("prompt_tokens", "completion_tokens", "usd_online", "usd_batch"):
        figures = [stage[name] for stage in stages]
        total[name] = (
            None
            if any(figure is None for figure in figures)
            else {bound: sum(figure[bound] for figure in figures) for bound in ("low", "high")}
        )
    if any("to_pay_at_most" in stage for stage in stages):
        total["to_pay_at_most"] = total["to_pay"]
    return total


def projection_table(projection: dict[str, Any]) -> str:
    """The projection as a table to print: a row per stage and the total, each column as wide
    as its widest cell (a million requests does not run into the next column)."""
    header = [
        "stage",
        "requests",
        "cached",
        "to pay",
        "prompt tokens",
        "completion tokens",
        "USD online",
        "USD batch",
    ]
    table = [header]
    rows = [*projection["stages"].items(), ("total", projection["total"])]
    for name, stage in rows:
        most = "≤" if "to_pay_at_most" in stage else ""  # a bound, not a count
        table.append(
            [
                name,
                f"{most}{stage['requests']:,}",
                f"{stage['from_cache']:,}",
                f"{most}{stage['to_pay']:,}",
                _range(stage["prompt_tokens"]),
                _range(stage["completion_tokens"]),
                _range(stage["usd_online"], True),
                _range(stage["usd_batch"], True),
            ]
        )
        if "measured" in stage:
            measured = stage["measured"]
            table.append(
                [
                    "  measured",
                    "",
                    "",
                    _range(measured["requests_to_pay"]),
                    _range(measured["prompt_tokens"]),
                    _range(measured["completion_tokens"]),
                    _range(measured["usd_online"], True),
                    _range(measured["usd_batch"], True),
                ]
            )
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    ]
    lines += [
        f"{name}: asked only about pairs that pass the checks, so 0 to "
        f"{stage['to_pay_at_most']:,} requests to pay, their tokens from none to all (an estimate"
        " cannot tell which pass: its placeholder text is not the teacher's)"
        for name, stage in projection["stages"].items()
        if "to_pay_at_most" in stage
    ]
    return "\n".join(lines)


def _amount(value: float, usd: bool) -> str:
    return f"${value:.4f}" if usd else f"{value:,}"


def _range(figure: dict[str, float] | None, usd: bool = False) -> str:
    """`low to high`, or `expected ±half-width` for a measured figure."""
    if figure is None:
        return "no price"
    if "expected" in figure:
        spread = figure["high"] - figure["expected"]
        return f"{_amount(figure['expected'], usd)} ±{_amount(spread, usd).lstrip('$')}"
    return f"{_amount(figure['low'], usd)} to {_amount(figure['high'], usd)}"
