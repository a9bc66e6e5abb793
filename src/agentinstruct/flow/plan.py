"""The run plan, decided before the first LLM call: which chunks are rewritten by which agents,
and which question types are asked about each passage.

Without `plan.target_pairs` every chunk is used, with agents and question types drawn per item
(seeded, so adding a document never changes the draws of the others). With it, chunks are
taken in a seeded order spread across documents (each document's first pick, then each one's
second, ... at most `plan.max_chunks_per_document` each) until the seed instructions planned,
times the pairs each one makes (itself and its refined variants), reach the target; each
passage gets the question types used least so far (relative to `instructions.type_weights`),
so the types come out as even as the agents' suitable types allow. A seed's pairs count its
items and refined variants as the size profile asks for them (`pairs_per_seed_instruction`).
"""

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pandas as pd

from agentinstruct.ids import seeded_rng, stable_id, weighted_sample
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import PlanSchema, frame_of
from agentinstruct.skill import Skill

logger = logging.getLogger(__name__)


def pairs_per_seed_instruction(params: FlowParams, skill: Skill, answer_format: str) -> int:
    """The pairs one planned seed call makes: its items (`questions_per_type`, two statements
    each for true/false pairs), each with its refined variants (each round refines the previous
    round's: goals times the items an editor makes per goal). A plan of the items asked for;
    a teacher that writes fewer makes fewer."""
    edits = params.goal_count(list(skill.refinement_goals)) * params.edits_per_goal()
    rounds = params.refinement.rounds
    return params.items_per_seed_call(answer_format) * sum(edits**r for r in range(rounds + 1))


def _agents(chunk: Any, skill: Skill, params: FlowParams) -> list[str]:
    return weighted_sample(
        seeded_rng(params.seed, "transformation", chunk.chunk_id),
        list(skill.transformation_agents),
        params.transformation.agent_weights,
        params.transformation.agents_per_chunk,
    )


def _drawn_types(passage_id: str, allowed: list[str], params: FlowParams) -> list[str]:
    return weighted_sample(
        seeded_rng(params.seed, "instructions", passage_id),
        allowed,
        params.instructions.type_weights,
        params.instructions.types_per_passage,
    )


def _least_used_types(
    passage_id: str, allowed: list[str], count: int, used: Counter, params: FlowParams
) -> list[str]:
    """The `count` suitable types furthest below their share; ties broken by a seeded shuffle."""
    weights = params.instructions.type_weights
    candidates = [name for name in allowed if weights.get(name, 1.0) > 0]
    seeded_rng(params.seed, "instructions", passage_id).shuffle(candidates)
    candidates.sort(key=lambda name: (used[name] + 1) / weights.get(name, 1.0))
    return candidates[:count]


def chunk_order(chunks: pd.DataFrame, params: FlowParams) -> Iterator[Any]:
    """Chunks in a seeded order spread across documents, at most `max_chunks_per_document`
    from each. A chunk's place depends only on its own and its document's id."""
    cap = params.plan.max_chunks_per_document
    keyed = [
        (stable_id(params.seed, "plan", c.doc_id), stable_id(params.seed, "plan", c.chunk_id), c)
        for c in chunks.itertuples(index=False)
    ]
    keyed.sort(key=lambda item: (item[0], item[1]))
    ranked, rank, previous = [], 0, None
    for doc_key, chunk_key, chunk in keyed:
        rank = rank + 1 if doc_key == previous else 0
        previous = doc_key
        if cap is None or rank < cap:
            ranked.append((rank, doc_key, chunk_key, chunk))
    ranked.sort(key=lambda item: item[:3])
    return (chunk for *_, chunk in ranked)


def _candidates(
    chunks: pd.DataFrame, skill: Skill, params: FlowParams, used: Counter
) -> Iterator[tuple[Any, str, str]]:
    """(chunk, agent, question type) in plan order: chunks spread across documents, each
    passage's least used suitable types first (`used` as the plan stands when it gets there)."""
    count = params.instructions.types_per_passage
    for chunk in chunk_order(chunks, params):
        for agent in _agents(chunk, skill, params):
            passage_id = stable_id(chunk.chunk_id, agent)
            allowed = skill.question_types_for(agent)
            for name in _least_used_types(passage_id, allowed, count, used, params):
                yield chunk, agent, name


def _row(chunk: Any, agent: str, question_type: str, pairs: int) -> dict[str, Any]:
    passage_id = stable_id(chunk.chunk_id, agent)
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "source_path": chunk.source_path,
        "transformation_agent": agent,
        "passage_id": passage_id,
        "question_type": question_type,
        "instruction_id": stable_id(passage_id, question_type),
        "pairs": pairs,
    }


def plan_run(chunks: pd.DataFrame, skill: Skill, params: FlowParams) -> pd.DataFrame:
    """One row per planned seed instruction (chunk, agent, passage, question type) and the pairs
    it is to make.

    Returns:
        `PlanSchema` frame.
    """

    def pairs(name: str) -> int:
        return pairs_per_seed_instruction(params, skill, skill.question_types[name].answer_format)

    target = params.plan.target_pairs
    rows: list[dict[str, Any]] = []
    if target is None:
        for chunk in chunks.itertuples(index=False):
            for agent in _agents(chunk, skill, params):
                allowed = skill.question_types_for(agent)
                for name in _drawn_types(stable_id(chunk.chunk_id, agent), allowed, params):
                    rows.append(_row(chunk, agent, name, pairs(name)))
    else:
        used: Counter = Counter()
        planned = 0
        # every type making the same pairs (always so in compact): the nearest count of seeds
        same = {pairs(name) for name in skill.question_types}
        seeds = max(1, round(target / same.pop())) if len(same) == 1 else None
        for chunk, agent, name in _candidates(chunks, skill, params, used):
            per_seed = pairs(name)
            enough = len(rows) >= seeds if seeds else rows and planned + per_seed / 2 >= target
            if enough:  # one more seed would take the plan further from the target
                break
            used[name] += 1
            rows.append(_row(chunk, agent, name, per_seed))
            planned += per_seed
        else:
            if planned < target:
                logger.warning(
                    "Run plan: the corpus allows %d of the %d pairs target_pairs asks for (add"
                    " documents, or raise max_chunks_per_document or types_per_passage)",
                    planned,
                    target,
                )
    plan = frame_of(PlanSchema, rows)
    logger.info("Run plan: %s", plan_summary(plan, params))
    return plan


def plan_summary(plan: pd.DataFrame, params: FlowParams) -> dict[str, Any]:
    """What the run will make, for the log and the run report."""
    return {
        "target_pairs": params.plan.target_pairs,
        "documents": int(plan["doc_id"].nunique()),
        "chunks": int(plan["chunk_id"].nunique()),
        "passages": int(plan["passage_id"].nunique()),
        "seed_instructions": len(plan),
        "pairs": int(plan["pairs"].sum()),
        "question_types": {
            str(name): int(count) for name, count in plan["question_type"].value_counts().items()
        },
    }


class PlanTooLarge(RuntimeError):
    """A plan of more requests than the user agreed to pay for without looking first."""


def requests_per_seed(pairs: float) -> float:
    """About how many LLM requests a seed instruction making `pairs` pairs costs: its seed call,
    and for each pair about three (the call that wrote it, its answer, the judge's)."""
    return 1 + 3 * pairs


def planned_requests(plan: pd.DataFrame) -> int:
    """About how many LLM requests a plan makes: a transformation per passage, and each seed's
    (`requests_per_seed`). Within ~25% of what runs measured (the main job: 120 planned, 98
    made); an estimate (`estimate_only=true`) counts them exactly."""
    return round(plan["passage_id"].nunique() + plan["pairs"].map(requests_per_seed).sum())


def projected_requests(documents: pd.DataFrame, skill: Skill, params: FlowParams) -> dict[str, int]:
    """What the whole corpus's plan will be, from the documents' sizes alone, before any
    partition is chunked or planned: chunks (a chunk per `chunk_chars`), passages, seeds, pairs
    and requests, as `plan_run` plans them (every chunk, or `plan.target_pairs`)."""
    chunk_chars = params.chunking.chunk_chars
    chunks = sum(max(1, -(-int(chars) // chunk_chars)) for chars in documents["n_chars"])
    agents = min(params.transformation.agents_per_chunk, len(skill.transformation_agents))
    types = min(params.instructions.types_per_passage, len(skill.question_types))
    per_seed = sum(
        pairs_per_seed_instruction(params, skill, spec.answer_format)
        for spec in skill.question_types.values()
    ) / max(1, len(skill.question_types))
    passages, seeds = chunks * agents, chunks * agents * types
    if params.plan.target_pairs is not None:
        seeds = min(seeds, -(-params.plan.target_pairs // max(1, round(per_seed))))
        passages = min(passages, seeds)
    pairs = round(seeds * per_seed)
    return {
        "chunks": chunks,
        "passages": passages,
        "seed_instructions": seeds,
        "pairs": pairs,
        "requests": round(passages + seeds * requests_per_seed(per_seed)),
    }


def check_plan_size(documents: pd.DataFrame, skill: Skill, params: FlowParams) -> None:
    """Stop before the first call, before any partition runs, when the corpus's plan would
    pass `plan.max_requests_without_confirmation`: with its numbers and how to go on."""
    limit = params.plan.max_requests_without_confirmation
    if limit is None or documents.empty:
        return
    projected = projected_requests(documents, skill, params)
    if projected["requests"] <= limit:
        return
    largest = documents.loc[documents["n_chars"].idxmax()]
    parameter = f"{skill.name}.plan.max_requests_without_confirmation"
    raise PlanTooLarge(
        f"The run plan of {skill.name} makes about {projected['requests']:,} LLM requests"
        f" ({projected['seed_instructions']:,} seed instructions, {projected['pairs']:,} pairs"
        f" from about {projected['chunks']:,} chunks; the largest document, {largest.source_path},"
        f" has {int(largest.n_chars):,} characters), more than"
        f" plan.max_requests_without_confirmation={limit:,}. No call was made. See the cost"
        f" first: kedro run --pipeline={skill.name} --params=estimate_only=true,{parameter}="
        f"{projected['requests']}; then run with --params={parameter}={projected['requests']},"
        f" or make fewer with {skill.name}.plan.target_pairs."
    )
