"""The real embedded model (SmolLM2-135M on llama.cpp, via LiteLLM) on one tiny document."""

import json

import pytest

from agentinstruct.gateway.embedded.provider import EMBEDDED_MODELS, embedded_model_path
from agentinstruct.schemas.frames import PairSchema
from agentinstruct.schemas.llm_outputs import contracts, judge_verdict
from tests.kedro_runs import SKILL, latest_pairs, latest_report, run_pipeline

DEFAULT_MODEL = "local/smollm2-135m-instruct"
SAMPLE_TEXT = (
    "Honeybees live in colonies of tens of thousands. A forager that finds flowers returns to"
    " the hive and dances: the angle of its waggle run tells the direction of the food from the"
    " sun, and its length tells the distance. Other workers follow the dance and fly out."
)


def test_embedded_weights_ship_with_the_package() -> None:
    path = embedded_model_path("smollm2-135m-instruct")
    assert path.stat().st_size > 50_000_000
    assert set(EMBEDDED_MODELS) == {"smollm2-135m-instruct"}
    with pytest.raises(ValueError, match="known: local/smollm2-135m-instruct"):
        embedded_model_path("gpt-5")


@pytest.mark.embedded
@pytest.mark.slow
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
@pytest.mark.slow
def test_sampling_before_the_grammar_check_still_gives_valid_json() -> None:
    from agentinstruct.gateway.embedded.grammar_sampling import GrammarLastLlama
    from agentinstruct.gateway.embedded.provider import _llama_response_format

    llama = GrammarLastLlama(
        model_path=str(embedded_model_path("smollm2-135m-instruct")), n_ctx=2048, verbose=False
    )
    task = "Bees dance to tell their sisters where flowers are. Ask and answer a question."
    compact = contracts()  # the embedded model's profile
    for model in (compact.multiple_choice_question, judge_verdict(), compact.teacher_answer):
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


@pytest.mark.embedded
@pytest.mark.slow
def test_the_sampler_shortlist_picks_the_tokens_the_whole_vocabulary_would(monkeypatch) -> None:
    from agentinstruct.gateway.embedded.grammar_sampling import GrammarLastLlama
    from agentinstruct.gateway.embedded.provider import _llama_response_format

    llama = GrammarLastLlama(
        model_path=str(embedded_model_path("smollm2-135m-instruct")), n_ctx=2048, verbose=False
    )
    schema = {
        "type": "json_schema",
        "json_schema": {"schema": contracts().teacher_answer.model_json_schema()},
    }
    task = "Bees dance to tell their sisters where flowers are. Why do they dance?"

    def answer(temperature: float) -> str:
        output = llama.create_chat_completion(
            messages=[{"role": "user", "content": task}],
            response_format=_llama_response_format(schema),
            temperature=temperature,
            top_k=40,
            repeat_penalty=1.15,  # lowers logits of recent tokens: the shortlist allows for it
            max_tokens=200,
            seed=3,
        )
        return output["choices"][0]["message"]["content"]

    shortlisted = [answer(0.9), answer(0.0)]
    assert llama._shortlist(top_k=40, temp=0.9, repeat_penalty=1.15) == 40 + 64
    monkeypatch.setattr(GrammarLastLlama, "_shortlist", lambda self, **_: None)
    assert [answer(0.9), answer(0.0)] == shortlisted


@pytest.mark.embedded
@pytest.mark.slow
def test_q8_copy_of_the_weights_is_made_once_and_predicts_like_the_shipped_file(
    tmp_path, monkeypatch
) -> None:
    import numpy as np
    from llama_cpp import Llama

    from agentinstruct.gateway.embedded import weights as model_files

    shipped = embedded_model_path("smollm2-135m-instruct")
    monkeypatch.setenv(model_files.CACHE_ENV, str(tmp_path / "models"))
    copy = model_files.fast_weights(shipped)
    assert copy != shipped and copy.is_file() and copy.parent.parent == tmp_path / "models"
    made_at = copy.stat().st_mtime_ns
    assert model_files.fast_weights(shipped) == copy and copy.stat().st_mtime_ns == made_at

    text = SAMPLE_TEXT.encode()
    mean_nll, predictions = [], []
    for path in (shipped, copy):
        llama = Llama(model_path=str(path), n_ctx=1024, logits_all=True, verbose=False)
        tokens = llama.tokenize(text)
        llama.eval(tokens)
        logits = np.asarray(llama.scores[: len(tokens)], dtype=np.float64)
        top = logits.max(axis=1, keepdims=True)
        log_probs = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
        mean_nll.append(-log_probs[np.arange(len(tokens) - 1), tokens[1:]].mean())
        predictions.append(logits.argmax(axis=1))
    # the same model: the text's likelihood within 2% (measured: 0.25% in perplexity on the
    # sample corpus); near-ties may flip a few next-token choices
    assert abs(mean_nll[0] - mean_nll[1]) < 0.02, mean_nll
    assert (predictions[0] == predictions[1]).mean() >= 0.85

    (tmp_path / "not-a-folder").write_text("x")  # the cache cannot be made: use the shipped file
    monkeypatch.setenv(model_files.CACHE_ENV, str(tmp_path / "not-a-folder"))
    assert model_files.fast_weights(shipped) == shipped
