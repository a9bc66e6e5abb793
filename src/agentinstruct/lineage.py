"""Walk back from a final pair to the document it came from, through every stage's dataset.

    from agentinstruct.lineage import lineage_from_catalog, format_lineage
    print(format_lineage(lineage_from_catalog(catalog, "reading_comprehension", pair_id)))

For many pairs, load the frames once with `lineage_frames` and call `lineage` for each.

In a Kedro notebook or `kedro ipython`, `catalog` is already defined.
"""

from typing import Any

import pandas as pd

from agentinstruct.run_outputs import run_frame

LINEAGE_DATASETS = (
    "generated_pairs",
    "refined_instructions",
    "seed_instructions",
    "transformed_passages",
    "chunks",
    "documents",
)


def _row(frame: pd.DataFrame, column: str, value: str) -> dict[str, Any]:
    found = frame[frame[column] == value]
    if found.empty:
        raise KeyError(f"no row with {column} = {value!r}")
    return found.iloc[0].to_dict()


def lineage(
    pair_id: str,
    pairs: pd.DataFrame,
    refined_instructions: pd.DataFrame,
    seed_instructions: pd.DataFrame,
    transformed_passages: pd.DataFrame,
    chunks: pd.DataFrame,
    documents: pd.DataFrame,
) -> list[tuple[str, dict[str, Any]]]:
    """(stage, row) from the pair back to its document: pair, refined instruction(s) round by round,
    seed instruction, transformed passage, chunk, document."""
    pair = _row(pairs, "pair_id", pair_id)
    chain: list[tuple[str, dict[str, Any]]] = [("pair", pair)]
    instruction_id = pair["instruction_id"]
    instructions = pd.concat([refined_instructions, seed_instructions], ignore_index=True)
    while True:
        instruction = _row(instructions, "instruction_id", instruction_id)
        round_number = instruction["refinement_round"]
        label = (
            f"refined instruction (round {round_number})" if round_number else "seed instruction"
        )
        chain.append((label, instruction))
        if not round_number:
            break
        instruction_id = instruction["parent_id"]
    passage = _row(transformed_passages, "passage_id", pair["passage_id"])
    chunk = _row(chunks, "chunk_id", pair["chunk_id"])
    document = _row(documents, "doc_id", pair["doc_id"])
    return [*chain, ("transformed passage", passage), ("chunk", chunk), ("document", document)]


def lineage_frames(catalog: Any, skill: str) -> list[pd.DataFrame]:
    """The datasets `lineage` walks, in its argument order, loaded once: the pairs' latest
    version, and every partition of the last run of the others."""
    return [
        catalog.load(f"{skill}.{name}")
        if name == "generated_pairs"
        else run_frame(catalog, skill, name)
        for name in LINEAGE_DATASETS
    ]


def lineage_from_catalog(
    catalog: Any, skill: str, pair_id: str
) -> list[tuple[str, dict[str, Any]]]:
    """`lineage` with every dataset loaded from a Kedro catalog (the latest versions)."""
    return lineage(pair_id, *lineage_frames(catalog, skill))


SHOWN = {
    "pair": ["pair_id", "question_type", "model", "response"],
    "seed instruction": ["instruction_id", "question_type", "answer_format", "question"],
    "transformed passage": ["passage_id", "transformation_agent", "passage"],
    "chunk": ["chunk_id", "chunk_index", "text"],
    "document": ["doc_id", "source_path", "n_chars"],
}
REFINED_SHOWN = ["instruction_id", "parent_id", "refinement_goal", "question"]


def format_lineage(chain: list[tuple[str, dict[str, Any]]], width: int = 100) -> str:
    """The chain as indented text, one stage per block, long texts cut to `width`."""
    lines = []
    for depth, (stage, row) in enumerate(chain):
        lines.append(f"{'  ' * depth}└─ {stage}")
        for column in SHOWN.get(stage, REFINED_SHOWN):
            value = " ".join(str(row[column]).split())
            value = value if len(value) <= width else value[: width - 1] + "…"
            lines.append(f"{'  ' * depth}   {column}: {value}")
    return "\n".join(lines)
