"""The real embedded model (SmolLM2-135M on llama.cpp, via LiteLLM) on one tiny document."""

import json

import pytest

from agentinstruct.gateway.local_model import EMBEDDED_MODELS, embedded_model_path
from agentinstruct.schemas.frames import PairSchema
from agentinstruct.schemas.llm_outputs import JudgeVerdict, MultipleChoiceQuestion, TeacherAnswer
from tests.kedro_runs import SKILL, latest_pairs, latest_report, run_pipeline

DEFAULT_MODEL = "local/smollm2-135m-instruct"


def test_embedded_weights_ship_with_the_package() -> None:
    path = embedded_model_path("smollm2-135m-instruct")
    assert path.stat().st_size > 50_000_000
    assert set(EMBEDDED_MODELS) == {"smollm2-135m-instruct"}
    with pytest.raises(ValueError, match="known: local/smollm2-135m-instruct"):
        embedded_model_path("gpt-5")


@pytest.mark.embedded
def test_real_model_end_to_end_on_one_tiny_document(project) -> None:
    raw = project / "data" / "01_raw" / SKILL
    for path in raw.iterdir():
        if path.name != "honeybees.txt":
            path.unlink()

    run_pipeline(project, **{SKILL: {"instructions": {"types_per_passage": 1}}})

    pairs = PairSchema.validate(latest_pairs(project))
    report = latest_report(project)
    assert report["models"] == [DEFAULT_MODEL]
    assert report["llm"]["total"]["new_calls"] > 0
    assert report["llm"]["total"]["completion_tokens"] > 0
    assert report["documents"][0]["status"] == "used"
    # SmolLM2 is weak, but grammar-constrained output must still yield pairs
    assert len(pairs) >= 1
    assert set(pairs["model"]) == {DEFAULT_MODEL}
    assert pairs["response"].str.len().min() > 0


@pytest.mark.embedded
def test_sampling_before_the_grammar_check_still_gives_valid_json() -> None:
    from agentinstruct.gateway.grammar_sampling import GrammarLastLlama
    from agentinstruct.gateway.local_model import _llama_response_format

    llama = GrammarLastLlama(
        model_path=str(embedded_model_path("smollm2-135m-instruct")), n_ctx=2048, verbose=False
    )
    task = "Bees dance to tell their sisters where flowers are. Ask and answer a question."
    for model in (MultipleChoiceQuestion, JudgeVerdict, TeacherAnswer):
        schema = {"type": "json_schema", "json_schema": {"schema": model.model_json_schema()}}
        for seed in (1, 2):
            output = llama.create_chat_completion(
                messages=[{"role": "user", "content": task}],
                response_format=_llama_response_format(schema),
                temperature=0.9,  # a hot sampler proposes many tokens the grammar refuses
                max_tokens=800,  # room for the longest valid answer: no truncation
                seed=seed,
            )
            model.model_validate(
                json.loads(output["choices"][0]["message"]["content"], strict=False)
            )
