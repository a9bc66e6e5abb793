"""The standalone `curation` pipeline on chat data made elsewhere: bad lines and malformed rows
say what is wrong, OpenAI's multi-part content is read, and reading-comprehension data (a
passage in every user turn, several questions each) is not mistaken for near-duplicates."""

import json
import random
from pathlib import Path

import pandas as pd
import pytest
import yaml

from agentinstruct.curation.context import MIN_CONTEXT_WORDS, find_shared_context
from agentinstruct.curation.nodes import check_external_pairs
from agentinstruct.curation.selection import select_pairs
from agentinstruct.datasets import ChatFolderDataset
from agentinstruct.params import CurationParams
from tests.fake_llm import MODEL
from tests.kedro_runs import run_pipeline, versions

ROOT = Path(__file__).parents[2]
RULES = yaml.safe_load((ROOT / "conf/base/curation/rules.yml").read_text())
SAMPLE = ROOT / "data/01_raw/curation"
NO_JUDGE = CurationParams.model_validate({"judge": {"enabled": False}})
SYSTEM = {"role": "system", "content": "You are a helpful assistant."}

# Ten passages of 150-300 words, four questions each with its answer: the shape of
# orca-agentinstruct-1M's reading comprehension, where the user turn is the passage and a question.
PASSAGES = [
    (
        "The lighthouse on Skerry Point was first lit in 1887, after three ships were lost on the "
        "reef in a single winter. Its lamp burned paraffin until 1934, when the Northern Lights "
        "Board replaced it with an electric lamp fed by a diesel generator. Keepers lived in the "
        "low stone cottages at the foot of the tower, working in pairs so that one of them could "
        "always watch the light through the night. Supplies came by boat every fortnight in "
        "summer, but winter storms could cut the station off for six weeks at a time, and the "
        "keepers kept a garden of potatoes and kale behind a wall that broke the wind.\n\n"
        "Automation arrived in 1991. A sensor now switches the lamp on at dusk, and engineers "
        "visit twice a year to service the batteries and the solar panels that replaced the "
        "generator in 2005. The cottages were sold to a wildlife trust, which uses them as a "
        "base for counting the puffins and guillemots that nest on the cliffs. Visitors can "
        "climb the tower's 118 steps on open days in July, when the trust also shows the "
        "keepers' logbooks, which record every ship that passed and every hour of fog.",
        [
            (
                "Why was the lighthouse on Skerry Point built?",
                "Three ships were lost on the reef"
                " in one winter, so a light was needed to warn vessels away from it.",
            ),
            ("What fuel did the lamp burn before 1934?", "Paraffin."),
            (
                "How often do engineers visit the lighthouse today?",
                "Twice a year, to service the batteries and solar panels.",
            ),
            (
                "Who owns the keepers' cottages now, and what are they used for?",
                "A wildlife trust, which uses them as a base for counting nesting seabirds.",
            ),
        ],
    ),
    (
        "Honeybees keep the temperature of their brood nest close to 35 degrees Celsius, within "
        "about half a degree, whatever the weather outside. On cold days workers cluster over "
        "the comb and shiver their flight muscles without moving their wings, turning the "
        "energy of the honey they have eaten into heat. On hot days the colony cools itself in "
        "the opposite way: foragers bring water back to the hive and spread it in thin films "
        "over the cells, while other workers stand at the entrance and fan their wings to "
        "drive air through the nest, so that the water evaporates and carries heat away.\n\n"
        "The precision matters because developing bees are sensitive to temperature. Pupae "
        "raised only a degree or two too cool emerge as adults that perform the waggle dance "
        "poorly and learn odours more slowly than their sisters. Beekeepers in cold climates "
        "therefore leave enough honey in the autumn for the colony to heat itself through the "
        "winter, and some wrap their hives in insulation. A strong colony of twenty thousand "
        "workers can burn through more than twenty kilograms of honey between October and March.",
        [
            (
                "At what temperature do honeybees keep their brood nest?",
                "Close to 35 degrees Celsius, within about half a degree.",
            ),
            (
                "How do workers produce heat on cold days?",
                "They shiver their flight muscles without moving their wings.",
            ),
            (
                "What happens to pupae that are raised slightly too cool?",
                "They become adults that dance poorly and learn odours more slowly.",
            ),
            (
                "Why do beekeepers in cold climates leave honey in the hive in autumn?",
                "The colony burns it to heat itself through the winter.",
            ),
        ],
    ),
    (
        "The Silk Road was never a single road. It was a shifting web of caravan routes that "
        "linked the cities of China with Central Asia, Persia and the ports of the eastern "
        "Mediterranean, and few merchants ever travelled its whole length. Goods passed from "
        "hand to hand instead: a bale of silk might be sold half a dozen times between Chang'an "
        "and Antioch, its price rising at every oasis town where it changed owners. Camels "
        "carried most of the loads across the deserts, and the Bactrian camel, with its two "
        "humps and thick winter coat, could cross the Taklamakan in conditions that killed "
        "horses.\n\nSilk was only one of the goods that moved along these routes. Westward "
        "went paper, porcelain and tea; eastward came glassware, silver, horses and grapevines. "
        "Ideas travelled too. Buddhism reached China along the caravan routes in the first "
        "centuries of the common era, carried by monks who founded cave temples at Dunhuang, "
        "and the technique of papermaking reached Samarkand in the eighth century. The routes "
        "declined after the fifteenth century, when sea voyages around Africa made it cheaper "
        "to ship goods between Europe and Asia by water.",
        [
            (
                "Did most merchants travel the whole length of the Silk Road?",
                "No. Goods passed from hand to hand between many traders along the way.",
            ),
            (
                "Why were Bactrian camels suited to crossing the Taklamakan?",
                "Their two humps and"
                " thick winter coat let them survive conditions that killed horses.",
            ),
            (
                "Name two goods that travelled eastward along the routes.",
                "Glassware and silver (horses and grapevines also went east).",
            ),
            (
                "What caused the decline of the caravan routes?",
                "Sea voyages around Africa made"
                " shipping goods between Europe and Asia cheaper by water.",
            ),
        ],
    ),
    (
        "Mount Pinatubo in the Philippines had been quiet for about five hundred years when it "
        "began to stir in March 1991. Small earthquakes were followed by steam explosions, and "
        "scientists from the Philippine Institute of Volcanology and the United States "
        "Geological Survey set up seismometers and gas sensors around the mountain. By "
        "measuring the sulphur dioxide coming out of its vents, they saw that fresh magma was "
        "rising, and they drew up a system of alert levels that told local officials when to "
        "move people away.\n\nThe climactic eruption came on 15 June 1991 and was the second "
        "largest of the twentieth century. It threw about ten cubic kilometres of material into "
        "the air and sent an ash column thirty-five kilometres high. A typhoon passing at the "
        "same time soaked the falling ash, which became so heavy that it collapsed roofs across "
        "the region. Because about sixty thousand people had been evacuated in the days before, "
        "the death toll was a few hundred rather than tens of thousands. The sulphur the volcano "
        "put into the stratosphere cooled the whole planet by about half a degree for the "
        "following two years.",
        [
            ("How long had Pinatubo been quiet before 1991?", "About five hundred years."),
            (
                "What measurement showed the scientists that magma was rising?",
                "The amount of sulphur dioxide coming out of the vents.",
            ),
            (
                "Why did so many roofs collapse during the eruption?",
                "A passing typhoon soaked the ash, making it heavy enough to crush them.",
            ),
            (
                "What effect did the eruption have on global temperature?",
                "It cooled the planet by about half a degree for two years.",
            ),
        ],
    ),
    (
        "Before Johannes Gutenberg, a European book was copied by hand or printed from carved "
        "wooden blocks, one block for every page. Gutenberg's innovation, developed in Mainz "
        "in the 1440s, was a system rather than a single machine. He cast individual letters in "
        "a metal alloy of lead, tin and antimony, using a hand mould that produced identical "
        "pieces of type quickly. The letters could be arranged into lines, locked into a frame, "
        "printed and then taken apart and used again for the next page.\n\nHe also needed an "
        "ink that would stick to metal, and he found it by mixing soot with linseed oil, in the "
        "manner of the oil paints used by Flemish artists. His press was adapted from the screw "
        "presses that winemakers used to squeeze grapes. The Bible he printed around 1455 ran to "
        "about 180 copies, some on paper and some on vellum, and roughly fifty survive today. "
        "Within fifty years printing shops had opened in more than two hundred European towns, "
        "and millions of books were in circulation, which made texts far cheaper and helped "
        "spread new ideas during the Reformation.",
        [
            (
                "How were books printed in Europe before Gutenberg's system?",
                "Copied by hand or printed from carved wooden blocks, one per page.",
            ),
            (
                "Which metals made up the alloy Gutenberg used for his type?",
                "Lead, tin and antimony.",
            ),
            (
                "Where did the design of Gutenberg's press come from?",
                "It was adapted from the screw presses winemakers used to squeeze grapes.",
            ),
            ("Roughly how many copies of Gutenberg's Bible survive?", "About fifty."),
        ],
    ),
    (
        "Coral reefs cover less than one percent of the ocean floor, yet they shelter about a "
        "quarter of all known marine species. A reef is built by colonies of tiny animals called "
        "polyps, each of which lays down a skeleton of calcium carbonate. Living inside the "
        "tissues of most reef-building corals are single-celled algae called zooxanthellae. The "
        "algae photosynthesise and pass up to ninety percent of the sugars they make to their "
        "host, and in return they receive shelter and the nutrients in the coral's waste. This "
        "partnership is why reefs grow only in clear, shallow, sunlit water.\n\nWhen the water "
        "stays too warm for too long, the partnership breaks down. Stressed corals expel their "
        "algae and turn white, a process known as bleaching. A bleached coral is not yet dead, "
        "and it can recover if temperatures fall within a few weeks, but a long heatwave leaves "
        "it to starve. The Great Barrier Reef has suffered mass bleaching several times since "
        "1998, and scientists are now breeding corals that tolerate heat in the hope of "
        "replanting damaged sections of the reef.",
        [
            (
                "What share of marine species do coral reefs shelter?",
                "About a quarter of all known marine species.",
            ),
            (
                "What do the zooxanthellae give the coral?",
                "Up to ninety percent of the sugars they make by photosynthesis.",
            ),
            (
                "Is a bleached coral already dead?",
                "No; it can recover if the water cools within a few weeks.",
            ),
            (
                "How are scientists trying to restore damaged reefs?",
                "By breeding heat-tolerant corals to replant damaged sections.",
            ),
        ],
    ),
    (
        "The first transistor was demonstrated at Bell Laboratories in New Jersey in December "
        "1947 by John Bardeen and Walter Brattain, working in a group led by William Shockley. "
        "It was a clumsy device: two gold contacts pressed onto a slab of germanium, held in "
        "place by a plastic wedge and a paper clip. Yet it could amplify a signal, which until "
        "then had required vacuum tubes, glass bulbs that were large, fragile, hot and hungry "
        "for power. The three men shared the Nobel Prize in Physics in 1956.\n\nEarly "
        "transistors were expensive and unreliable, and for some years they appeared mainly in "
        "hearing aids and military equipment. The pocket radio changed that in 1954, and the "
        "move from germanium to silicon made transistors able to work at higher temperatures. "
        "The decisive step came in 1958 and 1959, when Jack Kilby and Robert Noyce separately "
        "showed how to build many transistors and their connections on a single chip. A modern "
        "processor holds tens of billions of transistors, each far smaller than a virus.",
        [
            ("Which material was the first transistor built on?", "A slab of germanium."),
            ("What devices did transistors replace for amplifying signals?", "Vacuum tubes."),
            (
                "Where did transistors mostly appear in their first years?",
                "In hearing aids and military equipment.",
            ),
            (
                "What did Kilby and Noyce show in 1958 and 1959?",
                "How to build many transistors and their connections on a single chip.",
            ),
        ],
    ),
    (
        "When Roald Amundsen set out for the South Pole in October 1911, he relied on skis and "
        "on dogs. His party of five men left their base at the Bay of Whales with four sledges "
        "and fifty-two Greenland dogs, and they planned from the start to kill some of the dogs "
        "along the way to feed the others and themselves. Amundsen had learned polar travel from "
        "the Netsilik people of the Canadian Arctic, and his men wore loose fur clothing that let "
        "sweat escape instead of freezing inside their layers.\n\nThe Norwegians reached the "
        "pole on 14 December 1911, planted a tent and a flag, and left a letter for the King of "
        "Norway in case they did not survive the return. Robert Falcon Scott's British party "
        "arrived on 17 January 1912 and found the tent waiting. Scott had depended on ponies and "
        "motor sledges, which failed in the cold, and then on hauling the sledges by hand. He "
        "and his four companions died on the way back, while Amundsen's party returned to their "
        "base with all five men in good health.",
        [
            ("How many dogs did Amundsen's party start with?", "Fifty-two Greenland dogs."),
            (
                "From whom had Amundsen learned polar travel?",
                "The Netsilik people of the Canadian Arctic.",
            ),
            (
                "What did the Norwegians leave at the pole?",
                "A tent, a flag and a letter for the King of Norway.",
            ),
            (
                "What transport did Scott rely on, and how did it fare?",
                "Ponies and motor"
                " sledges, which failed in the cold, so his men hauled the sledges by hand.",
            ),
        ],
    ),
    (
        "Tea reached Britain in the middle of the seventeenth century as an expensive curiosity "
        "sold in London coffee houses. Its fashion at court owed much to Catherine of Braganza, "
        "the Portuguese princess who married Charles II in 1662 and brought the habit of tea "
        "drinking with her. For the next century heavy import duties kept the price high, and a "
        "large share of the tea drunk in Britain was smuggled in from the Netherlands. The "
        "Commutation Act of 1784 cut the duty from over a hundred percent to about twelve, and "
        "smuggling collapsed almost overnight.\n\nAll of this tea came from China, which would "
        "accept little in exchange but silver. To stop the silver draining away, the East India "
        "Company sold opium grown in India to Chinese traders, a trade that led to two wars. In "
        "the 1830s the company began planting tea in Assam, where a native variety of the plant "
        "grew wild, and by the end of the century India and Ceylon supplied most of the tea "
        "that Britain drank.",
        [
            (
                "Who made tea fashionable at the English court?",
                "Catherine of Braganza, the wife of Charles II.",
            ),
            (
                "What did the Commutation Act of 1784 do to smuggling?",
                "It cut the duty so much that smuggling collapsed almost overnight.",
            ),
            (
                "Why did the East India Company sell opium to Chinese traders?",
                "To stop silver draining away to pay for Chinese tea.",
            ),
            (
                "Where did the company start planting tea in the 1830s?",
                "In Assam, where a native tea plant grew wild.",
            ),
        ],
    ),
    (
        "The Metropolitan Railway opened in London on 10 January 1863 as the world's first "
        "underground railway. It ran for about six kilometres between Paddington and "
        "Farringdon, and on its first day it carried thirty-eight thousand passengers. The line "
        "was built by the cut-and-cover method: workers dug a deep trench along the route of an "
        "existing street, built the railway at the bottom, and roofed it over so that the road "
        "could be restored on top. The trains were pulled by steam locomotives, and despite "
        "vents along the tunnels the stations were often thick with smoke.\n\nDeeper lines "
        "needed a different technique. From the 1890s, tunnels were bored through the London "
        "clay with a tunnelling shield, a steel cylinder pushed forward by hydraulic jacks while "
        "workers dug away the earth at its face. Because steam engines could not be used so far "
        "below ground, these tube lines ran on electricity from the start. The City and South "
        "London Railway, opened in 1890, was the first of them, and its small carriages with "
        "high narrow windows earned them the nickname padded cells.",
        [
            (
                "Between which two stations did the first underground line run?",
                "Paddington and Farringdon.",
            ),
            (
                "How does the cut-and-cover method work?",
                "A trench is dug along a street, the"
                " railway built at the bottom, and the trench roofed over.",
            ),
            (
                "What tool was used to bore the deeper tunnels?",
                "A tunnelling shield pushed forward by hydraulic jacks.",
            ),
            (
                "Why did the deep tube lines use electricity from the start?",
                "Steam engines could not be used that far below ground.",
            ),
        ],
    ),
]


def _task(passage_number: int, passage: str, question: str) -> str:
    """The user turn, in the layouts such data comes in: the question after a blank line, a
    framed passage, or the question on the passage's last line."""
    if passage_number < 4:
        return f"{passage}\n\n{question}"
    if passage_number < 7:
        return f"Read the passage and answer the question.\n\nPassage: {passage}\n\nQ: {question}"
    return f"{passage} {question}"


def _line(user: str, answer: str) -> str:
    chat = [SYSTEM, {"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return json.dumps({"messages": json.dumps(chat)})


def _reading_comprehension_jsonl() -> list[str]:
    """40 distinct questions about 10 passages, then exact copies of 5 of them."""
    lines = [
        _line(_task(number, passage, question), answer)
        for number, (passage, questions) in enumerate(PASSAGES)
        for question, answer in questions
    ]
    return lines + [lines[index] for index in (0, 7, 13, 22, 39)]


def _input_folder(project: Path) -> Path:
    """The `curation` pipeline's input folder of the test project (empty)."""
    folder = project / "data" / "01_raw" / "curation"
    folder.mkdir(parents=True)
    return folder


def _curate(folder: Path, params: CurationParams = NO_JUDGE):
    checked = check_external_pairs(ChatFolderDataset(str(folder)).load(), {}, RULES, params)
    kept, rejected = select_pairs(checked, params)
    assert len(kept) + len(rejected) == len(checked)
    return checked, kept, rejected


def _assert_one_kept_per_distinct_row(kept: pd.DataFrame, rejected: pd.DataFrame) -> None:
    """Every distinct row kept once; each copy rejected as a duplicate of the kept row with the
    same messages (which of two equal rows is kept is up to their ids)."""
    assert kept["messages"].is_unique
    kept_ids = dict(zip(kept["messages"], kept["pair_id"], strict=True))
    for copy in rejected.itertuples():
        assert json.loads(copy.reasons)[0].startswith("duplicate_"), copy.reasons
        assert copy.duplicate_of == kept_ids[copy.messages]


def test_the_passages_are_as_long_as_reading_comprehension_passages_are() -> None:
    assert all(150 <= len(passage.split()) <= 300 for passage, _ in PASSAGES)
    questions = [question for _, questions in PASSAGES for question, _ in questions]
    answers = [answer for _, questions in PASSAGES for _, answer in questions]
    assert len(set(questions)) == len(set(answers)) == 40


def test_questions_about_one_passage_are_kept_and_exact_copies_are_duplicates(tmp_path) -> None:
    lines = _reading_comprehension_jsonl()
    (tmp_path / "rc.jsonl").write_text("\n".join(lines) + "\n")

    checked, kept, rejected = _curate(tmp_path)

    assert len(kept) == 40 and len(rejected) == 5
    assert set(rejected["reasons"]) == {'["duplicate_instruction"]'}
    _assert_one_kept_per_distinct_row(kept, rejected)
    # each passage was found as the shared context of its four questions (and their copies)
    contexts = checked.groupby("context_id")["source_row"].apply(set)
    assert len(contexts) == len(PASSAGES) and checked["context_id"].notna().all()
    assert sorted(len(rows) for rows in contexts) == [4] * 5 + [5] * 5


def test_reading_comprehension_through_the_curation_pipeline_with_the_judge(
    project, fake_teacher
) -> None:
    lines = _reading_comprehension_jsonl()
    folder = _input_folder(project)
    (folder / "rc.jsonl").write_text("\n".join(lines) + "\n")

    run_pipeline(project, "curation", teacher_model=MODEL)

    output = "data/07_model_output/curation"
    kept = pd.read_parquet(versions(project, f"{output}/curated_pairs.parquet")[-1])
    rejected = pd.read_parquet(versions(project, f"{output}/rejected_pairs.parquet")[-1])
    assert len(kept) == 40 and len(rejected) == 5
    _assert_one_kept_per_distinct_row(kept, rejected)
    assert fake_teacher.calls == len(lines)  # judged: every row passed the cheap checks


def test_near_duplicate_questions_about_one_passage_are_still_duplicates(tmp_path) -> None:
    passage, questions = PASSAGES[1]
    rows = [_task(0, passage, question) for question, _ in questions]
    retyped = rows[2].upper().replace("?", " ?!")  # case, whitespace, punctuation: same words
    lines = [_line(row, answer) for row, (_, answer) in zip(rows, questions, strict=True)]
    lines.append(_line(retyped, "A different answer, written by another model."))
    (tmp_path / "bees.jsonl").write_text("\n".join(lines))

    _, kept, rejected = _curate(tmp_path)

    assert len(kept) == 4
    assert rejected["source_row"].tolist() in ([2], [4])  # one of the two is kept
    assert rejected["reasons"].tolist() == ['["duplicate_instruction"]']


def test_the_same_question_about_two_passages_is_not_a_duplicate(tmp_path) -> None:
    question = "What is the main idea of the passage?"
    lines = [
        _line(_task(0, passage, other), answer)
        for passage, questions in PASSAGES[:2]
        for other, answer in questions[:2]
    ]
    lines += [
        _line(_task(0, passage, question), f"Summary {n}.")
        for n, (passage, _) in enumerate(PASSAGES[:2])
    ]
    (tmp_path / "two.jsonl").write_text("\n".join(lines))

    _, kept, rejected = _curate(tmp_path)

    assert rejected.empty and len(kept) == 6


def _random_text(rng: random.Random, words: int) -> str:
    vocabulary = [
        f"{stem}{end}"
        for stem in ("river", "stone", "light", "paper", "orbit", "garden", "market", "signal")
        for end in ("", "s", "ing", "ed", "er", "ly")
    ]
    return " ".join(rng.choice(vocabulary) for _ in range(words)) + "."


def test_near_duplicates_without_shared_context_are_still_caught(tmp_path) -> None:
    rng = random.Random(5)
    users = [_random_text(rng, 60) for _ in range(30)]
    answers = [_random_text(rng, 25) for _ in range(30)]
    near = []
    for user in users[:6]:
        tokens = user.split()
        tokens[rng.randrange(len(tokens))] = "zebra"
        near.append(" ".join(tokens).upper())
    lines = [_line(u, a) for u, a in zip(users + near, answers + answers[:6], strict=True)]
    (tmp_path / "planted.jsonl").write_text("\n".join(lines))

    checked, _, rejected = _curate(tmp_path)

    assert checked["context_id"].isna().all()  # a near-copy is not a passage
    assert sorted(row % 30 for row in rejected["source_row"]) == list(range(6))
    assert set(rejected["reasons"]) == {'["duplicate_instruction"]'}


def test_shared_context_needs_a_long_run_shared_by_different_turns() -> None:
    passage = " ".join(f"Sentence {n} says something about the harbor." for n in range(8))
    short = "Answer in one word."
    ids, rests = find_shared_context(
        [
            f"{passage}\n\nWho built the harbor?",
            f"{passage}\n\nWhen did the harbor open?",
            f"{short} What is the capital of France?",
            f"{short} What is the capital of Peru?",
            "An exact copy shares nothing with a different turn.",
            "An exact copy shares nothing with a different turn.",
            None,
        ]
    )
    assert len(passage.split()) >= MIN_CONTEXT_WORDS > len(short.split())
    assert ids[0] == ids[1] is not None and rests[:2] == [
        "Who built the harbor?",
        "When did the harbor open?",
    ]
    assert ids[2:] == [None] * 5 and rests[2:] == [None] * 5


def test_a_bad_line_is_one_rejected_row_naming_its_file_and_line(tmp_path) -> None:
    good = [
        _line("Why do bees fan their wings at the hive entrance?", "To cool the hive."),
        _line("What fuel did the Skerry Point lamp burn?", "Paraffin, until 1934."),
    ]
    truncated = good[1][:40]
    (tmp_path / "chats.jsonl").write_bytes(
        "\n".join([good[0], "", truncated, "[1, 2]", good[1]]).encode() + b"\n\xff\xfe{\n"
    )

    checked, kept, rejected = _curate(tmp_path)

    assert len(checked) == 5  # the four lines with text and the undecodable one
    assert sorted(kept["source_row"]) == [0, 3]
    assert set(rejected["reasons"]) == {'["invalid_json"]'}
    details = rejected["verification_detail"].tolist()
    assert details[0].startswith("chats.jsonl, line 3: Unterminated string")
    assert details[1] == "chats.jsonl, line 4: not a JSON object but list"
    assert details[2].startswith("chats.jsonl, line 6: not UTF-8")
    assert rejected["messages"].iloc[0] == truncated  # the line as read: nothing is lost


def test_a_truncated_line_does_not_fail_the_curation_pipeline(project) -> None:
    sample = (SAMPLE / "sample_chats.jsonl").read_text().splitlines()
    (_input_folder(project) / "sample_chats.jsonl").write_text(
        "\n".join([*sample, sample[0][:-30]]) + "\n"
    )

    run_pipeline(project, "curation", curation={"judge": {"enabled": False}})

    output = "data/07_model_output/curation"
    kept = pd.read_parquet(versions(project, f"{output}/curated_pairs.parquet")[-1])
    rejected = pd.read_parquet(versions(project, f"{output}/rejected_pairs.parquet")[-1])
    assert len(kept) + len(rejected) == len(sample) + 1
    last = rejected[rejected["source_row"] == len(sample)].iloc[0]
    assert json.loads(last["reasons"]) == ["invalid_json"]
    assert last["verification_detail"].startswith(f"sample_chats.jsonl, line {len(sample) + 1}: ")


def _turns(*turns: object) -> str:
    return json.dumps({"messages": list(turns)})


USER = {"role": "user", "content": "What is the capital of France?"}
ANSWER = {"role": "assistant", "content": "Paris is the capital of France."}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (json.dumps({"messages": "not a chat"}), "messages is not JSON: Expecting value"),
        (json.dumps({"messages": {"role": "user"}}), "messages is not a list but an object"),
        (json.dumps({"origin": "no messages key"}), "messages is missing"),
        (_turns(), "messages is an empty list"),
        (_turns(USER, "hello"), "message 2 is not an object but a string"),
        (_turns({"content": "hi"}, ANSWER), "message 1 has no role"),
        (
            _turns(USER, {"role": "robot", "content": "beep"}),
            "role 'robot' of message 2 is not one of system/user/assistant/tool",
        ),
        (_turns(SYSTEM, USER), "no assistant turn"),
        (_turns(USER, {"role": "assistant", "content": " "}), "no assistant turn has text"),
        (_turns({"role": "user", "content": 42}, ANSWER), "content of message 1 is not text"),
        (
            _turns(
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
                ANSWER,
            ),
            "message 1 has only non-text parts (image_url)",
        ),
        (
            _turns(USER, {"role": "assistant", "tool_calls": ["lookup"]}),
            "a tool call of message 2 has no function",
        ),
        (
            _turns(USER, {"role": "assistant", "content": "x", "tool_calls": 5}),
            "tool_calls of message 2 is not a list but a number",
        ),
    ],
)
def test_each_malformed_row_says_what_is_wrong(tmp_path, line: str, reason: str) -> None:
    (tmp_path / "bad.jsonl").write_text(line + "\n" + _line(USER["content"], ANSWER["content"]))

    _, kept, rejected = _curate(tmp_path)

    assert len(kept) == 1 and len(rejected) == 1
    assert json.loads(rejected.iloc[0]["reasons"]) == ["invalid_messages"]
    assert rejected.iloc[0]["verification_detail"].startswith(reason)


def test_multi_part_content_is_read_as_its_text_parts(tmp_path) -> None:
    parts = [
        {"type": "text", "text": "Look at the chart of hive temperatures."},
        {"type": "image_url", "image_url": {"url": "https://example.org/hive.png"}},
        {"type": "text", "text": "At what temperature do bees keep the brood nest?"},
    ]
    line = _turns(
        {"role": "user", "content": parts},
        {"role": "assistant", "content": [{"type": "text", "text": "About 35 degrees Celsius."}]},
    )
    (tmp_path / "parts.jsonl").write_text(line + "\n")

    checked, kept, _ = _curate(tmp_path)

    assert len(kept) == 1, checked.iloc[0]["verification_detail"]
    assert json.loads(kept.iloc[0]["messages"])[0]["content"] == parts  # kept as it was read


def test_the_judge_reads_multi_part_content(project, fake_teacher) -> None:
    folder = _input_folder(project)
    question = [{"type": "text", "text": "Why do bees fan their wings at the hive entrance?"}]
    (folder / "parts.jsonl").write_text(
        _turns({"role": "user", "content": question}, ANSWER) + "\n"
    )

    run_pipeline(project, "curation", teacher_model=MODEL)

    assert fake_teacher.calls == 1
    assert "Why do bees fan their wings" in fake_teacher.prompts[0]
