"""The flow as one modular pipeline, instanced per skill under the skill's namespace."""

from kedro.pipeline import Node, Pipeline

from agentinstruct.curation.nodes import check_flow_pairs, judge_flow_pairs, select_flow_pairs
from agentinstruct.flow.answers import answer_instructions
from agentinstruct.flow.assembly import assemble_pairs
from agentinstruct.flow.chunking import chunk_documents
from agentinstruct.flow.exports import export_pairs
from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.flow.instructions import generate_seed_instructions
from agentinstruct.flow.plan import plan_run
from agentinstruct.flow.refinement import refine_instructions
from agentinstruct.flow.report import build_run_report
from agentinstruct.flow.transformation import transform_passages

TEACHER = "teacher_llm"
JUDGE = "judge_llm"
# Shared by every skill (and the standalone curation pipeline), so outside the namespaces.
SHARED_INPUTS = {TEACHER, JUDGE, "eval_sets", "curation_rules"}
# What the run report counts, by dataset name (also its parameter names).
STAGE_CALL_LOGS = ["transformation", "instruction", "refinement", "answer", "judge"]
REPORTED = [
    "raw_documents",
    "documents",
    "quarantined_documents",
    "document_checks",
    "chunks",
    "run_plan",
    "transformed_passages",
    "seed_instructions",
    "refined_instructions",
    "curated_pairs",
    "rejected_pairs",
    *(f"{stage}_llm_calls" for stage in STAGE_CALL_LOGS),
]


def _flow() -> Pipeline:
    return Pipeline(
        [
            Node(
                ingest_documents,
                inputs=["raw_documents", "params:flow"],
                outputs=["documents", "quarantined_documents"],
                name="ingest_documents",
                tags=["ingestion"],
            ),
            Node(
                chunk_documents,
                inputs=["documents", "params:flow"],
                outputs="chunks",
                name="chunk_documents",
                tags=["ingestion"],
            ),
            Node(
                plan_run,
                inputs=["chunks", "skill", "params:flow"],
                outputs="run_plan",
                name="plan_run",
                tags=["plan"],
            ),
            Node(
                transform_passages,
                inputs=["chunks", "run_plan", "skill", "params:flow", TEACHER],
                outputs=["transformed_passages", "transformation_llm_calls"],
                name="transform_passages",
                tags=["transformation"],
            ),
            Node(
                generate_seed_instructions,
                inputs=["transformed_passages", "run_plan", "skill", "params:flow", TEACHER],
                outputs=["seed_instructions", "instruction_llm_calls"],
                name="generate_seed_instructions",
                tags=["instructions"],
            ),
            Node(
                refine_instructions,
                inputs=["seed_instructions", "skill", "params:flow", TEACHER],
                outputs=["refined_instructions", "refinement_llm_calls"],
                name="refine_instructions",
                tags=["refinement"],
            ),
            Node(
                answer_instructions,
                inputs=[
                    "seed_instructions",
                    "refined_instructions",
                    "skill",
                    "params:flow",
                    TEACHER,
                ],
                outputs=["answered_tasks", "answer_llm_calls"],
                name="answer_instructions",
                tags=["answers"],
            ),
            Node(
                assemble_pairs,
                inputs=["answered_tasks", "skill"],
                outputs=["pairs_jsonl", "pairs_parquet"],
                name="assemble_pairs",
                tags=["assembly"],
            ),
            Node(
                check_flow_pairs,
                inputs=["pairs_parquet", "documents", "eval_sets", "curation_rules", "params:flow"],
                outputs=["checked_pairs", "document_checks"],
                name="check_pairs",
                tags=["curation"],
            ),
            Node(
                judge_flow_pairs,
                inputs=["checked_pairs", "skill", "curation_rules", "params:flow", JUDGE],
                outputs=["judged_pairs", "judge_llm_calls"],
                name="judge_pairs",
                tags=["curation"],
            ),
            Node(
                select_flow_pairs,
                inputs=["judged_pairs", "params:flow"],
                outputs=["curated_pairs", "rejected_pairs"],
                name="select_pairs",
                tags=["curation"],
            ),
            Node(
                export_pairs,
                inputs="curated_pairs",
                outputs=["orca_messages", "openai_chat", "sharegpt", "hf_parquet"],
                name="export_pairs",
                tags=["exports"],
            ),
            Node(
                build_run_report,
                inputs={
                    **{name: name for name in REPORTED},
                    "pairs": "pairs_parquet",
                    "skill": "skill",
                    "params": "params:flow",
                },
                outputs="run_report",
                name="build_run_report",
                tags=["reporting"],
            ),
        ]
    )


def create_flow_pipeline(skill: str) -> Pipeline:
    """The flow for `skill`: datasets become `<skill>.<name>`, params come from `params:<skill>`.

    The models, the evaluation sets and the curation rules are shared by every skill, so they
    stay outside the namespace.
    """
    return Pipeline(
        _flow(),
        namespace=skill,
        inputs=SHARED_INPUTS,
        parameters={"params:flow": f"params:{skill}"},
    )
