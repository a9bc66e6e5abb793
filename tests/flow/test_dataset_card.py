"""The exports' Hugging Face dataset cards: `datasets` loads what they name, the Hub's parser
reads them, their counts are the data's, and they follow the latest run."""

import os
import shutil
from collections.abc import Iterator
from itertools import takewhile
from pathlib import Path

import datasets
import pandas as pd
import pytest
import tiktoken
import tiktoken.load  # its own module: not imported by `import tiktoken`
import tiktoken.registry
from huggingface_hub import DatasetCard

from agentinstruct.datasets import DatasetCardDataset
from agentinstruct.datasets.dataset_card_dataset import with_evaluation_section
from agentinstruct.devtools.scratch_project import scratch_project
from agentinstruct.flow import dataset_card as cards
from agentinstruct.flow.exports import EXPORT_NAMES
from agentinstruct.flow.holdout import SPLITS
from agentinstruct.flow.token_lengths import bundled_encodings, token_lengths, tokenizer_for
from agentinstruct.params import DatasetCardParams
from tests import fake_llm
from tests.conftest import PROJECT_ROOT, SAMPLE_CORPUS
from tests.kedro_runs import SKILL, latest_report, run_pipeline, versions

EXPORTS = f"data/07_model_output/{SKILL}/exports"
# The fake teacher's answers name no option and its judge scores are drawn at random: without
# these two checks the run keeps enough pairs for both splits.
LENIENT = {"curation": {"verification": {"enabled": False}, "judge": {"min_scores": {}}}}
TEMPLATE = (PROJECT_ROOT / "conf/base/exports/dataset_card.md.j2").read_text()


@pytest.fixture(scope="module")
def card_project(tmp_path_factory) -> Iterator[Path]:
    """reading_comprehension run twice on the fake teacher (the second run's exports are the
    latest), with one evaluation set."""
    root = scratch_project(PROJECT_ROOT, tmp_path_factory.mktemp("card") / "project")
    shutil.copytree(SAMPLE_CORPUS, root / "data" / "01_raw" / SKILL)
    eval_sets = root / "data" / "01_raw" / "eval_sets"
    eval_sets.mkdir()
    pd.DataFrame({"question": ["Which planet has the most moons?"]}).to_json(
        eval_sets / "trivia.jsonl", orient="records", lines=True
    )
    fake_llm.install()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for _ in range(2):
            run_pipeline(root, teacher_model=fake_llm.MODEL, **{SKILL: LENIENT})
    yield root


def _curated(project: Path) -> pd.DataFrame:
    path = versions(project, f"data/07_model_output/{SKILL}/curated_pairs.parquet")[-1]
    return pd.read_parquet(path)


def _card(project: Path, folder: str = "") -> DatasetCard:
    return DatasetCard.load(project / EXPORTS / folder / "README.md")


@pytest.mark.slow
def test_load_dataset_gives_each_format_the_curated_splits(card_project, tmp_path) -> None:
    curated = _curated(card_project)
    expected = curated["split"].value_counts().to_dict()
    assert set(expected) == set(SPLITS)  # the sample corpus holds out whole documents
    folder = card_project / EXPORTS
    loaded = datasets.load_dataset(str(folder), cache_dir=str(tmp_path))
    assert {split: rows.num_rows for split, rows in loaded.items()} == expected
    for split, rows in loaded.items():
        assert list(rows["pair_id"]) == list(curated[curated["split"] == split]["pair_id"])
    for name in EXPORT_NAMES:  # each format's own card
        by_format = datasets.load_dataset(str(folder / name), cache_dir=str(tmp_path))
        assert {split: rows.num_rows for split, rows in by_format.items()} == expected, name
    named = datasets.load_dataset(str(folder), cards.DEFAULT_CONFIG, cache_dir=str(tmp_path))
    assert {split: rows.num_rows for split, rows in named.items()} == expected


def test_the_hub_reads_the_cards(card_project) -> None:
    params = DatasetCardParams()
    card = _card(card_project).data.to_dict()
    assert card["license"] == params.license and card["tags"] == params.tags
    assert card["language"] == params.language and card["size_categories"] == ["n<1K"]
    assert card["pretty_name"] == f"AgentInstruct {SKILL}"
    (config,) = card["configs"]
    assert config["config_name"] == "hf" and config["default"] is True
    assert [entry["split"] for entry in config["data_files"]] == list(SPLITS)
    for name in EXPORT_NAMES:
        (config,) = _card(card_project, name).data.to_dict()["configs"]
        assert [entry["path"].split("/")[0] for entry in config["data_files"]] == [
            cards.file_name(name, split) for split in SPLITS
        ]


def _table(text: str, heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after `heading`, without its header rows."""
    lines = text.split(heading, 1)[1].splitlines()
    start = next(number for number, line in enumerate(lines) if line.startswith("|"))
    rows = list(takewhile(lambda line: line.startswith("|"), lines[start:]))[2:]
    return [[cell.strip(" `") for cell in row.strip("|").split("|")] for row in rows]


def test_the_card_counts_what_it_publishes(card_project) -> None:
    curated, report = _curated(card_project), latest_report(card_project)
    text = _card(card_project).text
    documents = curated.groupby("split")["doc_id"].nunique()
    assert _table(text, "## Splits") == [
        [split, str(sum(curated["split"] == split)), str(documents[split])] for split in SPLITS
    ]
    by_type = {row[0]: [int(cell) for cell in row[1:]] for row in _table(text, "question type")}
    counts = curated.groupby(["question_type", "split"]).size().unstack(fill_value=0)
    assert by_type == {
        kind: [int(counts.loc[kind, split]) for split in SPLITS] + [int(counts.loc[kind].sum())]
        for kind in counts.index
    }
    tokens = _table(text, "## Token lengths")
    assert [(row[0], row[1], int(row[2])) for row in tokens] == [
        (split, part, sum(curated["split"] == split))
        for split in SPLITS
        for part in ("prompt", "response")
    ]
    assert "`cl100k_base` (tiktoken), an approximation" in text  # fake/teacher: no tokenizer
    funnel = _table(text, "## Curation")
    assert [int(row[-1]) for row in funnel] == [
        step["remaining"] for step in report["curation"]["funnel"]
    ]
    assert "evaluation sets: `trivia.jsonl`." in text
    assert "| teacher | `fake/teacher` |" in text
    assert "| judge | `fake/teacher`: scores recorded, not enforced |" in text
    assert f"| prompt version | `{report['prompt_version']}`" in text
    assert "not a dataset to train on" not in text  # only for the embedded teacher
    assert "No evaluation yet: `kedro run --pipeline=evaluate`." in text


def test_a_second_run_moves_every_card_to_its_version(card_project) -> None:
    first, second = (
        path.parent.name for path in versions(card_project, f"{EXPORTS}/hf/train.parquet")
    )
    for folder in ("", *EXPORT_NAMES):
        paths = [
            entry["path"]
            for config in _card(card_project, folder).data.to_dict()["configs"]
            for entry in config["data_files"]
        ]
        assert all(f"/{second}/" in path and first not in path for path in paths), folder


def test_a_card_saved_again_keeps_its_files(card_project, tmp_path) -> None:
    """As `evaluate` does: load the card, fill in its evaluation, save it."""
    shutil.copytree(card_project / EXPORTS, tmp_path / "exports")
    dataset = DatasetCardDataset(str(tmp_path / "exports"))
    evaluated = with_evaluation_section(dataset.load(), "| student | score |")
    dataset.save(evaluated)
    assert dataset.load() == evaluated
    assert dataset.exists() and dataset._describe()["path"] == str(tmp_path / "exports")


def _frames(project: Path) -> dict[str, pd.DataFrame]:
    return {
        split: pd.read_parquet(versions(project, f"{EXPORTS}/hf/{split}.parquet")[-1])
        for split in SPLITS
    }


def _render(
    project: Path, frames: dict[str, pd.DataFrame], report: dict | None = None, **params
) -> dict[str, str]:
    card_params = DatasetCardParams(**params)
    context = cards.card_context(
        frames,
        report or latest_report(project),
        card_params,
        [],
        None,
        pd.Timestamp("2026-01-02").date(),
    )
    return cards.render_cards(TEMPLATE, context, card_params)


def test_an_empty_split_is_left_out_of_the_configs(card_project) -> None:
    frames = _frames(card_project)
    rendered = _render(card_project, {**frames, "test": frames["test"].iloc[:0]}, license="mit")
    for folder, text in rendered.items():
        (config,) = DatasetCard(text).data.to_dict()["configs"]
        assert [entry["split"] for entry in config["data_files"]] == ["train"], folder
    main = DatasetCard(rendered[cards.MAIN_CARD])
    assert main.data.license == "mit"
    assert "`test` has no pair" in main.text
    assert "Not counted: no tokenizer" in main.text


def test_a_run_without_a_pair_has_cards_that_name_no_file(card_project) -> None:
    empty = {split: frame.iloc[:0] for split, frame in _frames(card_project).items()}
    rendered = _render(card_project, empty)
    assert all("configs" not in DatasetCard(text).data.to_dict() for text in rendered.values())
    main = DatasetCard(rendered[cards.MAIN_CARD]).text
    assert "This run kept no pair" in main and "| teacher | none (no pair) |" in main


@pytest.mark.parametrize(
    ("judge", "says"),
    [
        (
            {"min_scores": {"correctness": 4, "clarity": 3}},
            "`fake/teacher`: pairs scoring below 3 in clarity or 4 in correctness rejected",
        ),
        ({"enabled": False}, "none (turned off)"),
    ],
)
def test_the_card_says_what_the_judge_decided(card_project, judge, says) -> None:
    report = latest_report(card_project)
    report["params"]["curation"]["judge"].update(judge)
    text = _render(card_project, _frames(card_project), report)[cards.MAIN_CARD]
    assert f"| judge | {says} |" in text


def test_the_card_of_the_embedded_teacher_says_it_is_not_for_training(card_project) -> None:
    embedded = "local/smollm2-135m-instruct"
    frames = {split: frame.assign(model=embedded) for split, frame in _frames(card_project).items()}
    text = _render(card_project, frames)[cards.MAIN_CARD]
    assert "This data proves the machinery; it is not a dataset to train on." in text
    assert f"| teacher | `{embedded}` |" in text


def test_with_evaluation_section_replaces_only_what_is_between_the_markers() -> None:
    card = f"# Card\n\n{cards.EVALUATION_START}\nNo evaluation yet.\n{cards.EVALUATION_END}\nEnd\n"
    once = with_evaluation_section(card, "| student | score |\n|---|---|\n| a | 7.1 |\n")
    assert once == (
        f"# Card\n\n{cards.EVALUATION_START}\n| student | score |\n|---|---|\n| a | 7.1 |\n"
        f"{cards.EVALUATION_END}\nEnd\n"
    )
    assert with_evaluation_section(once, "No evaluation yet.") == card  # replaced again
    with pytest.raises(ValueError, match="evaluation:start"):
        with_evaluation_section("# Card\n", "scores")


def test_a_card_template_without_the_markers_is_refused(card_project) -> None:
    frames = _frames(card_project)
    context = cards.card_context(
        frames, latest_report(card_project), DatasetCardParams(), [], None, pd.Timestamp(0).date()
    )
    with pytest.raises(ValueError, match="evaluation:start"):
        cards.render_cards("# {{ skill }}", context, DatasetCardParams())


@pytest.fixture
def offline_tiktoken(monkeypatch, tmp_path) -> Path:
    """tiktoken with no encoding loaded yet, a cache folder of its own (returned), and no
    network."""

    def no_network(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to fetch {blobpath}")

    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))  # empty: must not be the one read
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


@pytest.mark.parametrize(
    ("models", "encoding", "approximation"),
    [
        (["openai/gpt-4o-mini"], "o200k_base", False),
        (["gpt-4"], "cl100k_base", False),
        (["hosted_vllm/gpt-oss-20b"], "o200k_harmony", False),  # o200k_base's file
        (["local/smollm2-135m-instruct"], "cl100k_base", True),
        (["fake/teacher"], "cl100k_base", True),
        (["gpt2"], "cl100k_base", True),  # tiktoken knows it; LiteLLM does not ship its file
        (["openai/gpt-4o", "openai/gpt-4"], "cl100k_base", True),  # two tokenizers
    ],
)
def test_the_tokenizer_is_the_teachers_where_known_and_never_fetched(
    offline_tiktoken, models, encoding, approximation
) -> None:
    tokenizer = tokenizer_for(models, bundled_encodings())
    assert tokenizer is not None and tokenizer.encoding.name == encoding
    assert ("an approximation" in tokenizer.description) == approximation
    assert all(f"`{model}`" in tokenizer.description for model in models)
    assert tokenizer.encoding.encode_ordinary("Bees fan their wings.")
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(offline_tiktoken)  # put back


def test_without_litellm_files_nothing_is_counted(offline_tiktoken, tmp_path) -> None:
    assert tokenizer_for(["openai/gpt-4o"], None) is None
    assert tokenizer_for(["openai/gpt-4o"], tmp_path) is None  # a folder without the files


def test_token_lengths_split_prompt_from_response(offline_tiktoken) -> None:
    encoding = tokenizer_for(["gpt-4"], bundled_encodings()).encoding
    chat = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
        {"role": "tool", "content": "4 C, rain", "tool_call_id": "c1"},
        {"role": "assistant", "content": "Rainy, <|endoftext|> 4 C."},  # plain text here
    ]
    lengths = token_lengths(pd.Series([chat, chat[:2] + chat[-1:]]), encoding)

    def count(text: str) -> int:
        return len(encoding.encode_ordinary(text))

    prompt = count("Be brief.") + count("Weather in Oslo?")
    response = count("Rainy, <|endoftext|> 4 C.")
    assert lengths.to_dict("list") == {
        "prompt": [prompt + count("4 C, rain"), prompt],
        "response": [response + count('[{"id": "c1"}]'), response],
    }


def test_size_categories_follow_the_hub() -> None:
    assert [cards.size_category(n) for n in (0, 999, 1_000, 25_000, 10**6, 10**13)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "10K<n<100K",
        "1M<n<10M",
        "n>1T",
    ]
