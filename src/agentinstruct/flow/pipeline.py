"""The flow as one modular pipeline, instanced per skill under the skill's namespace."""

from kedro.pipeline import Node, Pipeline

from agentinstruct.curation.nodes import (
    check_flow_documents,
    check_flow_pairs,
    judge_flow_pairs,
)
from agentinstruct.flow.answers import answer_instructions
from agentinstruct.flow.assembly import assemble_pairs
from agentinstruct.flow.chunking import chunk_documents
from agentinstruct.flow.dataset_card import write_dataset_card
from agentinstruct.flow.gather import (
    EXPORTS,
    STAGE_CALL_LOGS,
    export_partitioned_pairs,
    gather_call_logs,
    gather_pairs,
    select_partitioned_pairs,
    split_partitioned_pairs,
)
from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.flow.instructions import generate_seed_instructions
from agentinstruct.flow.partitions import partition_documents, pick_partition, plan_partition
from agentinstruct.flow.refinement import refine_instructions
from agentinstruct.flow.report import build_run_report, summarize_partition
from agentinstruct.flow.transformation import transform_passages

TEACHER = "teacher_llm"
JUDGE = "judge_llm"
# Shared by every skill (and the standalone curation pipeline), so outside the namespaces.
PARTITION = "params:partition"
EVALUATION = "params:evaluation"  # the held-out split's settings, shared with `evaluate`
DATASET_CARD = "params:dataset_card"  # what the exports' card says beyond what a run measured
SHARED_INPUTS = {TEACHER, JUDGE, "eval_sets", "curation_rules"}
# Tags of the three steps of a partitioned run (see flow/partitions.py): the corpus once, then
# each partition in a session of its own, then the gather.
CORPUS, PARTITION_TAG, GATHER = "corpus", "partition", "gather"


def _one(name: str) -> str:
    """A partition's output as its session writes and reads it: one frame (Kedro transcoding:
    the same data as `_every(name)`, so Kedro orders their readers after its writer)."""
    return f"{name}@pandas"


def _every(name: str) -> str:
    """Every partition's `name` of the run, as `Frames` (`PartitionsDataset`)."""
    return f"{name}@partitions"


def _lazy(name: str) -> str:
    """A table of the run read back a row group at a time, as `Frames`."""
    return f"{name}@frames"


CALL_LOGS = [f"{stage}_llm_calls" for stage in STAGE_CALL_LOGS]


def _corpus() -> list[Node]:
    return [
        Node(
            ingest_documents,
            inputs=["raw_documents", "params:flow"],
            outputs=["ingested_documents", "quarantined_documents", "input_files"],
            name="ingest_documents",
            tags=["ingestion", CORPUS],
        ),
        Node(
            partition_documents,
            inputs=["ingested_documents", "params:flow", "skill"],
            outputs=["document_partitions", "partition_index"],
            name="partition_documents",
            tags=["ingestion", CORPUS],
        ),
    ]


def _partition() -> list[Node]:
    nodes = [
        Node(
            pick_partition,
            inputs=["document_partitions", "partition_index", PARTITION],
            outputs=["documents", "this_partition"],
            name="pick_partition",
            tags=["ingestion"],
        ),
        Node(
            chunk_documents,
            inputs=["documents", "params:flow"],
            outputs="chunks",
            name="chunk_documents",
            tags=["ingestion"],
        ),
        # Before the plan: a document these set aside (benchmark overlap, an injection phrase)
        # is planned nothing, so it costs no call.
        Node(
            check_flow_documents,
            inputs=["documents", "eval_sets", "curation_rules", "params:flow"],
            outputs="document_checks",
            name="check_flow_documents",
            tags=["curation"],
        ),
        Node(
            plan_partition,
            inputs=["chunks", "document_checks", "skill", "params:flow", "this_partition"],
            outputs="run_plan",
            name="plan_partition",
            tags=["plan"],
        ),
        Node(
            transform_passages,
            inputs=["chunks", "run_plan", "skill", "params:flow", TEACHER],
            outputs=["transformed_passages", _one("transformation_llm_calls")],
            name="transform_passages",
            tags=["transformation"],
        ),
        Node(
            generate_seed_instructions,
            inputs=["transformed_passages", "run_plan", "skill", "params:flow", TEACHER],
            outputs=["seed_instructions", _one("instruction_llm_calls")],
            name="generate_seed_instructions",
            tags=["instructions"],
        ),
        Node(
            refine_instructions,
            inputs=["seed_instructions", "skill", "params:flow", TEACHER],
            outputs=["refined_instructions", _one("refinement_llm_calls")],
            name="refine_instructions",
            tags=["refinement"],
        ),
        Node(
            answer_instructions,
            inputs=["seed_instructions", "refined_instructions", "skill", "params:flow", TEACHER],
            outputs=["answered_tasks", _one("answer_llm_calls")],
            name="answer_instructions",
            tags=["answers"],
        ),
        Node(
            assemble_pairs,
            inputs=["answered_tasks", "skill"],
            outputs=_one("pairs"),
            name="assemble_pairs",
            tags=["assembly"],
        ),
        # The checks and the judge look at one pair at a time, so they run with its partition;
        # deduplication needs every pair and runs in the gather (select_partitioned_pairs).
        Node(
            check_flow_pairs,
            inputs=[_one("pairs"), "eval_sets", "curation_rules", "params:flow"],
            outputs="checked_pairs",
            name="check_flow_pairs",
            tags=["curation"],
        ),
        Node(
            judge_flow_pairs,
            inputs=["checked_pairs", "skill", "curation_rules", "params:flow", JUDGE],
            outputs=[_one("judged_pairs"), _one("judge_llm_calls")],
            name="judge_flow_pairs",
            tags=["curation"],
        ),
        # Last: it takes every stage's call log, the judge's included.
        Node(
            summarize_partition,
            inputs={
                **{
                    name: name
                    for name in (
                        "documents",
                        "document_checks",
                        "chunks",
                        "run_plan",
                        "transformed_passages",
                        "seed_instructions",
                        "refined_instructions",
                    )
                },
                "pairs": _one("pairs"),
                "this_partition": "this_partition",
                "params": "params:flow",
                "skill": "skill",
                **{calls: _one(calls) for calls in CALL_LOGS},
            },
            outputs="partition_summary@json",
            name="summarize_partition",
            tags=["reporting"],
        ),
    ]
    return [node.tag(PARTITION_TAG) for node in nodes]


def _gather() -> list[Node]:
    return [
        Node(
            gather_pairs,
            inputs=_every("pairs"),
            outputs=["generated_pairs_jsonl", "generated_pairs"],
            name="gather_pairs",
            tags=["assembly", GATHER],
        ),
        Node(
            gather_call_logs,
            inputs={calls: _every(calls) for calls in CALL_LOGS},
            outputs=_one("llm_calls"),
            name="gather_call_logs",
            tags=["reporting", GATHER],
        ),
        Node(
            select_partitioned_pairs,
            inputs=[_every("judged_pairs"), "params:flow", EVALUATION],
            outputs="pair_decisions",
            name="select_partitioned_pairs",
            tags=["curation", GATHER],
        ),
        Node(
            split_partitioned_pairs,
            inputs=[_every("judged_pairs"), "pair_decisions"],
            outputs=[_one("curated_pairs"), _one("rejected_pairs")],
            name="split_partitioned_pairs",
            tags=["curation", GATHER],
        ),
        Node(
            export_partitioned_pairs,
            inputs=_lazy("curated_pairs"),
            outputs=EXPORTS,
            name="export_partitioned_pairs",
            tags=["exports", GATHER],
        ),
        # The card describes the published data, so it reads the `hf` export back.
        Node(
            write_dataset_card,
            inputs=[
                "hf_train",
                "hf_test",
                "run_report",
                DATASET_CARD,
                "eval_sets",
                "dataset_card_template",
            ],
            outputs="dataset_card",
            name="write_dataset_card",
            tags=["exports", GATHER],
        ),
        Node(
            build_run_report,
            inputs=[
                "input_files",
                "quarantined_documents",
                _every("partition_summary"),
                _lazy("curated_pairs"),
                _lazy("rejected_pairs"),
                _lazy("llm_calls"),
                "skill",
                "params:flow",
            ],
            outputs="run_report",
            name="build_run_report",
            tags=["reporting", GATHER],
        ),
    ]


def _flow() -> Pipeline:
    return Pipeline([*_corpus(), *_partition(), *_gather()])


def create_flow_pipeline(skill: str) -> Pipeline:
    """The flow for `skill`: datasets become `<skill>.<name>`, params come from `params:<skill>`.

    The models, the evaluation sets and the curation rules are shared by every skill, so they
    stay outside the namespace.
    """
    return Pipeline(
        _flow(),
        namespace=skill,
        inputs=SHARED_INPUTS,
        parameters={
            "params:flow": f"params:{skill}",
            PARTITION: PARTITION,
            EVALUATION: EVALUATION,
            DATASET_CARD: DATASET_CARD,
        },
    )
