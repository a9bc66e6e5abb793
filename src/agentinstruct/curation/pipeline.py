"""The standalone `curation` pipeline: the flow's checks on chat data made elsewhere.

Input: every `*.jsonl` / `*.parquet` file in `data/01_raw/curation/`, each row with a `messages`
column in the orca format (a line that is not JSON is a row too, rejected as `invalid_json`);
outputs: `curation.curated_pairs` and `curation.rejected_pairs`. Such data names no passage, so
the `check_external_pairs` node finds the shared context of its user turns (`curation/context.py`).
"""

from kedro.pipeline import Node, Pipeline

from agentinstruct.curation.nodes import check_external_pairs, judge_external_pairs
from agentinstruct.curation.report import build_curation_report
from agentinstruct.curation.selection import select_pairs

NAMESPACE = "curation"


def create_curation_pipeline() -> Pipeline:
    return Pipeline(
        [
            Node(
                check_external_pairs,
                inputs=["external_pairs", "eval_sets", "curation_rules", "params:curation"],
                outputs="checked_pairs",
                name="check_external_pairs",
                tags=["curation"],
            ),
            Node(
                judge_external_pairs,
                inputs=[
                    "checked_pairs",
                    "judge_prompt",
                    "curation_rules",
                    "params:curation",
                    "judge_llm",
                ],
                outputs=["judged_pairs", "judge_llm_calls"],
                name="judge_external_pairs",
                tags=["curation"],
            ),
            Node(
                select_pairs,
                inputs=["judged_pairs", "params:curation"],
                outputs=["curated_pairs", "rejected_pairs"],
                name="select_pairs",
                tags=["curation"],
            ),
            Node(
                build_curation_report,
                inputs=["curated_pairs", "rejected_pairs", "judge_llm_calls"],
                outputs="curation_report",
                name="build_curation_report",
                tags=["reporting"],
            ),
        ],
        namespace=NAMESPACE,
        inputs={"eval_sets", "curation_rules", "judge_llm"},
        parameters={"params:curation"},
    )
