"""The exports folder's Hugging Face dataset cards: what the data is and how it was made, and
the configs by which `datasets.load_dataset` finds each format's `train` and `test` files.

`datasets` (5.2; huggingface/datasets#7101) picks one builder for a whole folder, from its first
config's files, so one card cannot hold configs of Parquet and of JSON Lines: measured, a JSON
Lines config of such a card fails with "Parquet magic bytes not found". The exports folder's
card (README.md) therefore has the `hf` config (Parquet), and each format's folder a short card
of its own (`<format>/README.md`): `load_dataset(<exports>)` and
`load_dataset(<exports>/<format>)` both give `train` and `test`.

The cards describe the published data: counts and token lengths are measured on the `hf` export
the run just wrote, the rest comes from the run report. Their front matter names each file
unversioned (`hf/train.parquet`); `DatasetCardDataset` points each at its latest version when it
writes them. The text is a Jinja template (conf/base/exports/dataset_card.md.j2, data like
the prompts); the `evaluate` pipeline fills in the evaluation section later
(`datasets/dataset_card_dataset.py`, `with_evaluation_section`).
"""

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from agentinstruct.datasets.dataset_card_dataset import EVALUATION_END, EVALUATION_START
from agentinstruct.flow.exports import EXPORT_NAMES
from agentinstruct.flow.holdout import SPLITS, TEST, TRAIN
from agentinstruct.flow.token_lengths import (
    Tokenizer,
    bundled_encodings,
    length_stats,
    token_lengths,
    tokenizer_for,
)
from agentinstruct.gateway.config import is_embedded
from agentinstruct.params import DatasetCardParams
from agentinstruct.skill import template

DEFAULT_CONFIG = "hf"  # messages as structs plus provenance columns: the richest format
MAIN_CARD = ""  # the exports folder's own card, among the cards by folder
JUDGE_STAGE = "judge"
COUNTED_BY = ("skill", "question_type", "transformation_agent")
# Hugging Face's size buckets (the Hub's `size_categories` filter), by their upper bound.
_SIZE_CATEGORIES = [
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
]


def file_name(export: str, split: str) -> str:
    """An export's file in its format's folder, unversioned (the catalog's layout)."""
    return f"{split}.{'parquet' if export == 'hf' else 'jsonl'}"


def size_category(rows: int) -> str:
    """The Hub's size bucket of a dataset of `rows` rows."""
    return next((name for bound, name in _SIZE_CATEGORIES if rows < bound), "n>1T")


def loadable_splits(rows_by_split: dict[str, int]) -> list[str]:
    """The splits a config can name: those with a row. `datasets` 5.2 cannot load an empty
    file (measured: an empty JSON Lines file "corresponds to no data"; an empty Parquet file
    fails with "BatchSize must be greater than 0")."""
    return [split for split in SPLITS if rows_by_split.get(split, 0) > 0]


def configs(export: str | None, splits: list[str]) -> list[dict[str, Any]]:
    """A card's one config, its files relative to the card: the main card's (`export` None)
    names the `hf` export's files in hf/, a format's card its own files beside it. No split to
    name: no config."""
    name, folder = (DEFAULT_CONFIG, f"{DEFAULT_CONFIG}/") if export is None else ("default", "")
    files = [
        {"split": split, "path": f"{folder}{file_name(export or DEFAULT_CONFIG, split)}"}
        for split in splits
    ]
    return [{"config_name": name, "default": True, "data_files": files}] if splits else []


def front_matter(
    pretty_name: str, configs: list[dict[str, Any]], rows: int, params: DatasetCardParams
) -> str:
    """A card's YAML metadata, as the Hub reads it."""
    from huggingface_hub import DatasetCardData  # ~0.13 s to import: only when a card is made

    data = DatasetCardData(
        pretty_name=pretty_name,
        license=params.license,
        language=params.language,
        task_categories=params.task_categories,
        size_categories=[size_category(rows)],
        tags=params.tags,
        configs=configs or None,  # left out when there is none
    )
    return data.to_yaml()


def _counts_by(frames: dict[str, pd.DataFrame], column: str) -> list[dict[str, Any]]:
    """A table of pairs per value of `column`: one count per split and the total, largest
    first."""
    counts = pd.DataFrame({split: frame[column].value_counts() for split, frame in frames.items()})
    counts = counts.fillna(0).astype(int).assign(total=lambda table: table.sum(axis=1))
    counts = counts.sort_values("total", ascending=False, kind="stable")
    return [{"value": value, **row} for value, row in counts.to_dict("index").items()]


def _tokens(frames: dict[str, pd.DataFrame], tokenizer: Tokenizer | None) -> list[dict]:
    if tokenizer is None:
        return []
    rows = []
    for split, frame in frames.items():
        if frame.empty:
            continue
        lengths = token_lengths(frame["messages"], tokenizer.encoding)
        rows += [{"split": split, "part": part, **length_stats(lengths[part])} for part in lengths]
    return rows


def _judge(report: dict[str, Any]) -> dict[str, Any]:
    """Whether a judge ran, which model, and whether its scores decided anything."""
    judge = report["params"]["curation"]["judge"]
    return {
        "enabled": judge["enabled"],
        "models": report["models_by_stage"].get(JUDGE_STAGE, []),
        "min_scores": judge["min_scores"],
    }


def card_context(
    frames: dict[str, pd.DataFrame],
    report: dict[str, Any],
    params: DatasetCardParams,
    eval_sets: list[str],
    tokenizer: Tokenizer | None,
    made_on: date,
) -> dict[str, Any]:
    """What the cards say, measured on the exported `frames` (by split) and read from the
    run's report."""
    skill = report["skill"]
    teachers = sorted(set().union(*(frame["model"] for frame in frames.values())))
    return {
        "skill": skill,
        "pretty_name": params.pretty_name or f"AgentInstruct {skill}",
        "made_on": made_on.isoformat(),
        "teachers": teachers,
        "embedded_teachers": [model for model in teachers if is_embedded(model)],
        "judge": _judge(report),
        "size_profile": report["params"]["size_profile"],
        "prompt_version": report["prompt_version"],
        "params_hash": report["params_hash"],
        "splits": [
            {"name": split, "rows": len(frame), "documents": frame["doc_id"].nunique()}
            for split, frame in frames.items()
        ],
        "loadable": loadable_splits({split: len(frame) for split, frame in frames.items()}),
        "default_config": DEFAULT_CONFIG,
        "exports": sorted(EXPORT_NAMES, key=lambda export: export != DEFAULT_CONFIG),
        "by": [{"column": column, "rows": _counts_by(frames, column)} for column in COUNTED_BY],
        "tokenizer": tokenizer.description if tokenizer else None,
        "tokens": _tokens(frames, tokenizer),
        "funnel": report["curation"]["funnel"],
        "decontamination": report["params"]["curation"]["decontamination"]["enabled"],
        "eval_sets": eval_sets,
    }


def render_cards(
    card_template: str, context: dict[str, Any], params: DatasetCardParams
) -> dict[str, str]:
    """The cards by folder (MAIN_CARD, then each format's): YAML front matter, then the
    template rendered with `export` naming the format (None for the main card). The main card
    must hold the evaluation markers once each: the `evaluate` pipeline writes between them."""
    body = template(card_template)
    rows = sum(split["rows"] for split in context["splits"])
    cards = {}
    for export in (None, *EXPORT_NAMES):
        name = context["pretty_name"] + (f" ({export})" if export else "")
        matter = front_matter(name, configs(export, context["loadable"]), rows, params)
        text = body.render(**context, export=export).strip()
        cards[export or MAIN_CARD] = f"---\n{matter}\n---\n\n{text}\n"
    main = cards[MAIN_CARD]
    if main.count(EVALUATION_START) != 1 or main.count(EVALUATION_END) != 1:
        raise ValueError(f"the dataset card must hold {EVALUATION_START} and {EVALUATION_END} once")
    return cards


def write_dataset_card(
    hf_train: pd.DataFrame,
    hf_test: pd.DataFrame,
    run_report: dict[str, Any],
    params: DatasetCardParams,
    eval_sets: dict[str, pd.DataFrame],
    card_template: str,
) -> dict[str, str]:
    """The exports' dataset cards by folder (`render_cards`), from the `hf` export's splits
    (the published data) and the run report. Their data files are unversioned: the dataset
    points them at their latest versions."""
    frames = {TRAIN: hf_train, TEST: hf_test}
    teachers = sorted(set(hf_train["model"]) | set(hf_test["model"]))
    context = card_context(
        frames,
        run_report,
        params,
        sorted(eval_sets),
        tokenizer_for(teachers, bundled_encodings()),
        datetime.now(UTC).date(),  # the day the data was made: this run's, as the exports are
    )
    return render_cards(card_template, context, params)
