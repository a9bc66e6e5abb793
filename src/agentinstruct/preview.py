"""`kedro run --pipeline=<skill> --params=preview=true`: a skill's flow end to end on its first
raw file (`preview_documents: N` for more), its pairs shown in the terminal, kept or rejected
with the reasons. Everything it writes goes under data/preview/ (the catalog's `_outputs`), so
nothing lands beside a real run's outputs; its answers are cached, so the real run that follows
pays for none of them again."""

import json
from typing import Any

import pandas as pd
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from agentinstruct.curation.verification import settled_verdicts

SHOWN_CHARS = 700  # of a passage or an answer: enough to judge it, short enough to scroll past
JUDGED = ("correctness", "clarity", "difficulty", "quality")


def _cut(text: Any) -> str:
    text = str(text or "").strip()
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + " …"


def _verdict(pair: dict[str, Any], kept: bool) -> Text:
    scores = [
        f"{name} {int(pair[f'judge_{name}'])}"
        for name in JUDGED
        if not pd.isna(pair.get(f"judge_{name}"))
    ]
    reasons = ", ".join(json.loads(pair["reasons"])) if not kept else ""
    said = "kept" if kept else f"rejected: {reasons}"
    verdict = settled_verdicts(pd.DataFrame([pair])).iloc[0]
    details = [said, f"check against its reference: {verdict}"]
    if scores:
        details.append("judge " + " · ".join(scores))
    return Text(" | ".join(details), style="green" if kept else "red")


def pair_panel(pair: dict[str, Any], kept: bool) -> Panel:
    """One pair as a panel: its passage, question and answer, and curation's verdict."""
    body = Group(
        Text("PASSAGE", style="bold"),
        Text(_cut(pair["passage"])),
        Text("\nQUESTION", style="bold"),
        Text(_cut(pair["question"])),
        Text("\nANSWER", style="bold"),
        Text(_cut(pair["response"])),
        Text(""),
        _verdict(pair, kept),
    )
    title = f"{pair['question_type']} · {pair['transformation_agent']} · {pair['source_path']}"
    return Panel(body, title=title, border_style="green" if kept else "red")


def show_preview(catalog: Any, skill: str, console: Console | None = None) -> int:
    """Print every pair of a preview run of `skill`; how many were shown."""
    console = console or Console()
    kept = catalog.load(f"{skill}.curated_pairs")
    rejected = catalog.load(f"{skill}.rejected_pairs")
    for frame, is_kept in ((kept, True), (rejected, False)):
        for pair in frame.to_dict("records"):
            console.print(pair_panel(pair, is_kept))
    console.print(
        f"Preview of {skill}: {len(kept) + len(rejected)} pairs, {len(kept)} kept. Nothing was"
        " written beside the real outputs (see data/preview/); the answers are cached, so"
        " the real run reuses them."
    )
    return len(kept) + len(rejected)
