"""How fast the deterministic curation checks run on large synthetic datasets.

Synthetic pairs (instructions of ~80 words, responses of ~40, Zipf-distributed words), 5% of them
planted near-duplicates and 1% carrying a benchmark item; an evaluation set of 10k items of ~50
words. Measures, per size: near-duplicate detection (MinHash LSH over user turns, then over whole
pairs), benchmark decontamination (13-gram index build + lookup), and every cheap check together
(`check_pairs` + `select_pairs`, judge off), as seconds and pairs/s. With `--compare-datasketch`
(and datasketch installed), also MinHash + LSH by datasketch against rensa on the same texts.
With `--standalone`, the `curation` pipeline's checks on reading-comprehension chat data made
elsewhere (a passage of ~200 words and a question in each user turn, 10 questions a passage, 1%
exact copies): finding the shared context alone, every check and the selection, and how many
distinct questions would be rejected as duplicates without the shared context taken out.
Prints a table and writes JSON.

    .venv/bin/python benchmarks/curation_benchmark.py --sizes 10000 100000
    .venv/bin/python benchmarks/curation_benchmark.py --sizes --standalone 5000 10000 20000
"""

import argparse
import json
import random
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from agentinstruct.curation.checks import check_pairs
from agentinstruct.curation.contamination import BenchmarkIndex
from agentinstruct.curation.context import CONTEXT_ID, TASK_WITHOUT_CONTEXT, find_shared_context
from agentinstruct.curation.duplicates import duplicate_of
from agentinstruct.curation.nodes import check_external_pairs
from agentinstruct.curation.rules import CurationRules
from agentinstruct.curation.selection import select_pairs
from agentinstruct.curation.text import shingles, words
from agentinstruct.ids import stable_id
from agentinstruct.params import CurationParams

ROOT = Path(__file__).resolve().parents[1]
PARAMS = CurationParams.model_validate({"judge": {"enabled": False}})


class Corpus:
    """Zipf-distributed pseudo-words: texts share common words, as real text does."""

    def __init__(self, seed: int, vocabulary: int = 20_000) -> None:
        self.rng = np.random.default_rng(seed)
        self.words = np.array([f"w{index}" for index in range(vocabulary)])
        weights = 1.0 / np.arange(1, vocabulary + 1)
        self.weights = weights / weights.sum()

    def texts(self, count: int, length: int) -> list[str]:
        drawn = self.rng.choice(len(self.words), size=(count, length), p=self.weights)
        return [" ".join(row) + "." for row in self.words[drawn]]


def synthetic(size: int, eval_items: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    corpus = Corpus(seed)
    items = corpus.texts(eval_items, 50)
    users, responses = corpus.texts(size, 80), corpus.texts(size, 40)
    rng = random.Random(seed)
    for index in rng.sample(range(size), size // 20):  # near-duplicates of another pair
        source = users[rng.randrange(size)].split()
        source[rng.randrange(len(source))] = "zebra"
        users[index] = " ".join(source).upper()
    for index in rng.sample(range(size), size // 100):  # a benchmark item inside the task
        users[index] = f"{users[index]} {rng.choice(items)}"
    messages = [
        json.dumps(
            [
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": user},
                {"role": "assistant", "content": response},
            ]
        )
        for user, response in zip(users, responses, strict=True)
    ]
    pairs = pd.DataFrame(
        {
            "pair_id": [stable_id(seed, index) for index in range(size)],
            "source_file": "synthetic.jsonl",
            "source_row": range(size),
            "messages": messages,
        }
    )
    return pairs, pd.DataFrame({"question": items})


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def measure(size: int, eval_items: int, rules: CurationRules) -> dict:
    pairs, benchmark = synthetic(size, eval_items)
    chats = [json.loads(m) for m in pairs["messages"]]
    users = [chat[1]["content"] for chat in chats]
    wholes = [f"{chat[1]['content']}\n{chat[2]['content']}" for chat in chats]
    rank = [(0.0, pair_id) for pair_id in pairs["pair_id"]]
    settings = PARAMS.duplicates
    options = {
        "shingle_words": settings.shingle_words,
        "num_perm": settings.num_perm,
        "bands": settings.bands,
    }
    dedup_users, kept_by = timed(
        duplicate_of, users, rank, settings.instruction_threshold, **options
    )
    dedup_pairs, _ = timed(duplicate_of, wholes, rank, settings.pair_threshold, **options)
    build_s, index = timed(BenchmarkIndex, {"eval.jsonl": benchmark}, PARAMS.decontamination)
    lookup_s, found = timed(index.matches, wholes)
    all_checks_s, _ = timed(lambda: select_pairs(check_pairs(pairs, index, rules, PARAMS), PARAMS))
    dedup_s = dedup_users + dedup_pairs
    decontamination_s = build_s + lookup_s
    return {
        "pairs": size,
        "eval_items": eval_items,
        "dedup_s": round(dedup_s, 2),
        "decontamination_s": round(decontamination_s, 2),
        "dedup_and_decontamination_s": round(dedup_s + decontamination_s, 2),
        "pairs_per_s": round(size / (dedup_s + decontamination_s)),
        "all_cheap_checks_s": round(all_checks_s + build_s, 2),
        "all_cheap_checks_pairs_per_s": round(size / (all_checks_s + build_s)),
        "duplicates_found": sum(keeper is not None for keeper in kept_by),
        "contaminated_found": sum(label is not None for label in found),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


QUESTIONS_PER_PASSAGE = 10


def reading_comprehension(rows: int, seed: int = 0) -> tuple[pd.DataFrame, int]:
    """Orca-format chats whose user turn is a passage (13 sentences of 15 words) and a question
    of 12 words, 10 questions a passage, then exact copies of 1% of the rows; the copies."""
    corpus = Corpus(seed)
    distinct = rows - rows // 100
    passages = [
        " ".join(corpus.texts(13, 15)) for _ in range(-(-distinct // QUESTIONS_PER_PASSAGE))
    ]
    questions = [text[:-1] + "?" for text in corpus.texts(distinct, 12)]
    answers = corpus.texts(distinct, 25)
    messages = [
        json.dumps(
            [
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": f"{passages[i // QUESTIONS_PER_PASSAGE]}\n\n{q}"},
                {"role": "assistant", "content": answer},
            ]
        )
        for i, (q, answer) in enumerate(zip(questions, answers, strict=True))
    ]
    copies = random.Random(seed).sample(messages, rows - distinct)
    return pd.DataFrame({"messages": messages + copies}), len(copies)


def measure_standalone(rows: int, rules: CurationRules) -> dict:
    table, copies = reading_comprehension(rows)
    users = [json.loads(m)[1]["content"] for m in table["messages"]]
    context_s, (ids, _) = timed(find_shared_context, users)
    checks_s, checked = timed(check_external_pairs, {"rc.jsonl": table}, {}, rules, PARAMS)
    select_s, (kept, rejected) = timed(select_pairs, checked, PARAMS)
    without = checked.drop(columns=[CONTEXT_ID, TASK_WITHOUT_CONTEXT])
    _, (kept_without, _) = timed(select_pairs, without, PARAMS)
    distinct = len(table) - copies
    return {
        "rows": rows,
        "passages": len(set(ids)),
        "shared_context_s": round(context_s, 2),
        "checks_s": round(checks_s, 2),
        "select_s": round(select_s, 2),
        "rows_per_s": round(rows / (checks_s + select_s)),
        "copies": copies,
        "rejected": len(rejected),
        "distinct_rejected": distinct - len(kept),
        "distinct_rejected_without_context": distinct - len(kept_without),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def compare_libraries(size: int) -> list[dict]:
    """MinHash signatures + LSH index and queries, rensa vs datasketch, on the same shingles."""
    from datasketch import MinHash, MinHashLSH  # optional: not a project dependency
    from rensa import RMinHash, RMinHashLSH

    pairs, _ = synthetic(size, 10)
    sets = [shingles(words(json.loads(m)[1]["content"]), 2) for m in pairs["messages"]]
    started = time.perf_counter()
    signatures = RMinHash.from_token_sets(sets, 128, 42)
    index = RMinHashLSH(0.7, 128, 32)
    index.insert_many(signatures, 0)
    index.query_all(signatures)
    rensa_s = time.perf_counter() - started
    started = time.perf_counter()
    hashes = MinHash.bulk([[s.encode() for s in shingle] for shingle in sets], num_perm=128)
    lsh = MinHashLSH(threshold=0.7, num_perm=128)
    with lsh.insertion_session() as session:
        for key, signature in enumerate(hashes):
            session.insert(key, signature)
    for signature in hashes:
        lsh.query(signature)
    datasketch_s = time.perf_counter() - started
    return [
        {"library": "rensa", "texts": size, "seconds": round(rensa_s, 2)},
        {"library": "datasketch", "texts": size, "seconds": round(datasketch_s, 2)},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--standalone", type=int, nargs="*", default=[], metavar="ROWS")
    parser.add_argument("--eval-items", type=int, default=10_000)
    parser.add_argument("--compare-datasketch", type=int, default=0, metavar="TEXTS")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks/results/curation_benchmark.json"
    )
    args = parser.parse_args()
    rules = CurationRules.model_validate(
        yaml.safe_load((ROOT / "conf/base/curation/rules.yml").read_text())
    )
    rows = [measure(size, args.eval_items, rules) for size in args.sizes]
    header = ["pairs", "dedup s", "decont s", "both s", "pairs/s", "all checks s", "pairs/s"]
    if rows:
        print(f"\neval set: {args.eval_items} items; 5% planted near-duplicates, 1% leaked items\n")
        print(" ".join(f"{name:>12}" for name in header))
    for row in rows:
        print(
            f"{row['pairs']:>12} {row['dedup_s']:>12.2f} {row['decontamination_s']:>12.2f} "
            f"{row['dedup_and_decontamination_s']:>12.2f} {row['pairs_per_s']:>12} "
            f"{row['all_cheap_checks_s']:>12.2f} {row['all_cheap_checks_pairs_per_s']:>12}"
        )
    standalone = [measure_standalone(size, rules) for size in args.standalone]
    if standalone:
        print("\nreading comprehension made elsewhere: 10 questions a passage, 1% exact copies\n")
        header = ["rows", "passages", "context s", "checks s", "select s", "rows/s"]
        print(" ".join(f"{name:>10}" for name in [*header, "copies", "rejected"]), end="")
        print("   distinct rejected (without context)")
        for row in standalone:
            print(
                f"{row['rows']:>10} {row['passages']:>10} {row['shared_context_s']:>10.2f} "
                f"{row['checks_s']:>10.2f} {row['select_s']:>10.2f} {row['rows_per_s']:>10} "
                f"{row['copies']:>10} {row['rejected']:>10}   {row['distinct_rejected']} "
                f"({row['distinct_rejected_without_context']})"
            )
    libraries = compare_libraries(args.compare_datasketch) if args.compare_datasketch else []
    for row in libraries:
        print(f"MinHash + LSH, {row['texts']} texts, {row['library']}: {row['seconds']} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    results = {"rows": rows, "standalone": standalone, "libraries": libraries}
    args.json.write_text(json.dumps(results, indent=2))
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
