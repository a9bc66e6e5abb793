"""`kedro run --pipeline=evaluate`: students answer the held-out test pairs of every skill
(and the multiple-choice eval sets); exact match, the judge's 0-10 score, a report with
bootstrap intervals, and each skill's dataset card gets the table."""

from kedro.pipeline import Node, Pipeline

from agentinstruct.evaluation.answers import answer_items
from agentinstruct.evaluation.nodes import (
    collect_items,
    report_evaluation,
    score_student_answers,
)

NAMESPACE = "evaluation"
PIPELINE = "evaluate"
PARAMS = "params:evaluation"
STUDENTS, JUDGE = "student_llms", "judge_llm"


def create_evaluation_pipeline() -> Pipeline:
    return Pipeline(
        [
            Node(
                collect_items,
                inputs=["held_out_pairs", "eval_sets", "multiple_choice_prompt", PARAMS],
                outputs="tasks",
                name="collect_items",
                tags=["evaluation"],
            ),
            Node(
                answer_items,
                inputs=["tasks", STUDENTS, PARAMS],
                outputs=["student_answers", "student_llm_calls"],
                name="answer_items",
                tags=["evaluation"],
            ),
            Node(
                score_student_answers,
                inputs=["student_answers", "judge_prompt", "curation_rules", PARAMS, JUDGE],
                outputs=["evaluation_items", "judge_llm_calls"],
                name="score_student_answers",
                tags=["evaluation"],
            ),
            Node(
                report_evaluation,
                inputs=["evaluation_items", "student_llm_calls", "judge_llm_calls", PARAMS],
                outputs=["evaluation_report", "card_sections"],
                name="report_evaluation",
                tags=["evaluation", "reporting"],
            ),
        ],
        namespace=NAMESPACE,
        inputs={"eval_sets", "curation_rules", STUDENTS, JUDGE},
        parameters={PARAMS},
    )
