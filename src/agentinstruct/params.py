"""Typed run parameters of a flow: Kedro validates `params:<skill>` against these before a run."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentinstruct.readers.formats import READER_NAMES, SUFFIXES
from agentinstruct.readers.tables import TableColumns
from agentinstruct.schemas.limits import Bounds, ContractLimits, OverLimit
from agentinstruct.schemas.llm_outputs import JudgeDimension


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TableParams(_Params):
    """Which columns of a table (JSONL, CSV, Parquet, a saved dataset) make its rows' documents."""

    text_column: str = "text"
    id_column: str | None = Field(
        default=None, description="a stable record id per row; default: the row number"
    )
    title_column: str | None = None
    metadata_columns: list[str] = Field(
        default_factory=list, description="kept as a JSON object in the documents' `metadata`"
    )

    def columns(self) -> TableColumns:
        return TableColumns(
            self.text_column, self.id_column, self.title_column, tuple(self.metadata_columns)
        )


class IngestionParams(_Params):
    extensions: list[str] = Field(
        default_factory=lambda: list(SUFFIXES),
        description="the file types read; others are quarantined",
    )
    readers: dict[str, str] = Field(
        default_factory=dict,
        description="more file types and the reader of each, e.g. {.markdown: text, .xhtml: html}",
    )
    max_document_bytes: int = Field(
        default=200_000_000, gt=0, description="larger files are quarantined as oversized"
    )
    warn_document_chars: int = Field(
        default=10_000_000,
        gt=0,
        description="a document of more characters is read, with a warning: one such file can"
        " make most of a run's plan (plan.max_requests_without_confirmation stops it in time)",
    )
    # A zip is bounded by what it unpacks to, not by its size: deflate packs repeated text
    # 1000:1, and python-docx holds a DOCX at ~7x its unpacked size (20 MB of document.xml: 136
    # MB and 5.5 s). 100 MB is ten times the document.xml of a 1,000-page book.
    max_unpacked_bytes: int = Field(
        default=100_000_000,
        gt=0,
        description="a zip-based file (DOCX) unpacking to more is quarantined as a zip bomb",
    )
    max_archive_entries: int = Field(
        default=10_000, gt=0, description="a DOCX has tens; more entries: quarantined"
    )
    html_fallback_below: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="HTML: where trafilatura keeps less than this share of the page's visible"
        " text, the page's content is read instead (0: never)",
    )
    follow_symlinks: bool = Field(
        default=False,
        description="read a symbolic link of the raw folder that leads to a file inside it;"
        " a link leading outside is never followed",
    )
    min_document_chars: int = Field(default=20, ge=1)
    encoding: str | None = Field(
        default=None,
        description="read every file in this encoding; default: a byte-order mark, UTF-8, "
        "or detection (windows-1252 where it reads as cleanly as the detected one)",
    )
    table: TableParams = TableParams()

    @model_validator(mode="after")
    def _known_readers(self) -> "IngestionParams":
        unknown = {name for name in self.readers.values() if name not in READER_NAMES}
        if unknown:
            raise ValueError(f"unknown readers {sorted(unknown)}; known: {sorted(READER_NAMES)}")
        return self

    def reader_of(self) -> dict[str, str]:
        """The reader name of every file type read (lower-case suffixes)."""
        readers = {**SUFFIXES, **{suffix.lower(): name for suffix, name in self.readers.items()}}
        allowed = {suffix.lower() for suffix in self.extensions} | set(self.readers)
        return {suffix: name for suffix, name in readers.items() if suffix in allowed}


class ChunkingParams(_Params):
    chunk_chars: int = Field(default=1000, ge=200)


class PromptParams(_Params):
    """The wording of the prompts: `style` picks the branch of each template (`compact`: the
    short prompts a 135M model follows; `full`: system messages and instructions a strong
    teacher deserves), the rest is how long a text is asked to be (`prompts.<name>` in a
    template; the hard limits are in `limits`)."""

    style: Literal["compact", "full"] = "compact"
    passage: str = "three to six sentences"
    suggestions: str = "one to three short suggestions"
    rationale: str = "a one-sentence rationale"


class TransformationParams(_Params):
    agents_per_chunk: int = Field(default=1, ge=1)
    agent_weights: dict[str, float] = Field(
        default_factory=dict, description="relative draw weights; agents left out weigh 1"
    )
    max_tokens: int = Field(default=450, gt=0)


class InstructionParams(_Params):
    types_per_passage: int = Field(default=2, ge=1)
    type_weights: dict[str, float] = Field(
        default_factory=dict,
        description="relative shares of question types; types left out weigh 1, 0 never drawn",
    )
    questions_per_type: int = Field(
        default=1,
        ge=1,
        description="items one call writes for a passage and question type, each its own pair"
        " (the paper's list); above 1 the response is a list",
    )
    true_false_pairs: bool = Field(
        default=False,
        description="a true/false item is two statements, one true and one false (the paper's"
        " critical comprehension), each its own pair",
    )
    max_tokens: int = Field(default=300, gt=0)


class RefinementParams(_Params):
    rounds: int = Field(default=1, ge=0)
    goals_per_instruction: int | Literal["all"] = Field(
        default=1, description="refinement goals drawn per instruction, or all of the skill's"
    )
    goal_weights: dict[str, float] = Field(default_factory=dict)
    edit_each_suggestion: bool = Field(
        default=False,
        description="the editor makes one item per suggestion (the paper's more pairs); false:"
        " one item from all suggestions",
    )
    suggest_max_tokens: int = Field(default=200, gt=0)
    edit_max_tokens: int = Field(default=550, gt=0)

    @model_validator(mode="after")
    def _goals_are_counted(self) -> "RefinementParams":
        if isinstance(self.goals_per_instruction, int) and self.goals_per_instruction < 1:
            raise ValueError("goals_per_instruction must be at least 1, or `all`")
        return self


class AnswerParams(_Params):
    max_tokens: int = Field(default=350, gt=0)
    reasoning_first: bool = Field(
        default=False,
        description="the teacher reasons step by step, then gives the final answer (Orca"
        " style); false: the answer, then a short explanation",
    )
    follow_up_turns: int = Field(
        default=1,
        ge=0,
        description="multi-turn skills: user follow-ups after the first answer; a chat that"
        " cannot have all of them is not kept",
    )
    follow_up_max_tokens: int = Field(default=120, gt=0)
    complete_chats_only: bool = Field(
        default=False,
        description="multi-turn skills: keep a chat only with all its follow-ups; false: a chat"
        " whose follow-up failed is kept as long as it got",
    )
    clarification_turns: int = Field(
        default=0,
        ge=0,
        description="tool use: times a simulated user answers the assistant's question for a"
        " missing value before the conversation goes on to the calls",
    )
    tool_max_tokens: int = Field(default=300, gt=0, description="tool-use calls and results")


class DuplicateParams(_Params):
    """MinHash LSH over word shingles; Jaccard at or above a threshold makes a duplicate."""

    enabled: bool = True
    instruction_threshold: float = Field(default=0.7, gt=0, le=1, description="user turns")
    pair_threshold: float = Field(default=0.7, gt=0, le=1, description="all turns")
    shingle_words: int = Field(default=2, ge=1)
    num_perm: int = Field(default=128, ge=16)
    bands: int = Field(default=32, ge=1, description="LSH bands; num_perm must divide by it")

    @model_validator(mode="after")
    def _bands_divide_permutations(self) -> "DuplicateParams":
        if self.num_perm % self.bands:
            raise ValueError(f"num_perm={self.num_perm} is not a multiple of bands={self.bands}")
        return self


class DecontaminationParams(_Params):
    enabled: bool = True
    ngram_words: int = Field(default=13, ge=3)
    min_item_words: int = Field(
        default=8,
        ge=1,
        description="benchmark texts shorter than ngram_words but at least this"
        " long are matched whole; shorter ones are too generic to check",
    )
    reject_pairs_of_contaminated_documents: bool = Field(
        default=True,
        description="make no pair of a seed document that overlaps an evaluation-set item (it"
        " is set aside before the plan, at no call); off: it is used and listed",
    )


class VerificationParams(_Params):
    enabled: bool = True


class ArtifactParams(_Params):
    """Cheap deterministic checks, each on or off; phrase lists are in conf/base/curation/."""

    meta_text: bool = True
    unbalanced_markup: bool = True
    truncated: bool = True
    missing_options: bool = True
    prompt_injection: bool = True
    copies_passage: bool = True
    copy_overlap: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="share of the response's 8-grams found in the user turns",
    )


class JudgeParams(_Params):
    enabled: bool = True
    only_clean: bool = Field(
        default=True, description="judge only pairs that passed the cheap checks (saves calls)"
    )
    min_scores: dict[JudgeDimension, Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=dict,
        description="reject below these scores, e.g. {correctness: 4, clarity: 3, quality: 3};"
        " empty: scores are recorded, not enforced (the embedded 135M judge is noise)",
    )
    max_tokens: int = Field(default=160, gt=0)
    rationale: Bounds = Field(default=(10, 200), description="characters of its rationale")
    prompts: PromptParams = PromptParams()
    over_limit: OverLimit = Field(
        default="reask", description="a rationale past its limit: re-asked, or a failure"
    )


class CurationParams(_Params):
    """Which checks run and their thresholds; every pair ends kept or rejected with reasons."""

    duplicates: DuplicateParams = DuplicateParams()
    decontamination: DecontaminationParams = DecontaminationParams()
    verification: VerificationParams = VerificationParams()
    artifacts: ArtifactParams = ArtifactParams()
    judge: JudgeParams = JudgeParams()


class PlanParams(_Params):
    """How much of the corpus a run uses; decided before the first LLM call (`run_plan`)."""

    target_pairs: int | None = Field(
        default=None,
        ge=1,
        description="make about this many pairs (before curation) from a seeded sample of"
        " chunks, question types as even as the taxonomy allows; default: every chunk",
    )
    max_chunks_per_document: int | None = Field(
        default=None, ge=1, description="with target_pairs: at most this many chunks a document"
    )
    max_requests_without_confirmation: int | None = Field(
        default=50_000,
        ge=1,
        description="a plan of more LLM requests than this (projected over the whole corpus)"
        " stops before the first call, saying how many and how to go on; null: no limit",
    )


class PartitionParams(_Params):
    """How a corpus is split so that memory depends on the partition, not the corpus."""

    documents_per_partition: int | None = Field(
        default=1000,
        ge=1,
        description="at most about this many documents a partition (the count of partitions is"
        " a power of two); null: one partition",
    )


class FlowParams(_Params):
    """All knobs of one flow run; the same params and inputs give the same dataset.

    The sizes (chunk, limits, max_tokens, lengths asked for) and the paper's shape switches come
    from a size profile (conf/base/size_profiles.yml), merged in by the project's config loader
    before the run; these defaults are the `compact` profile's."""

    seed: int = 42
    size_profile: str = Field(
        default="compact",
        description="the profile of conf/base/size_profiles.yml these sizes came from (set by"
        " the project's config loader)",
    )
    limits: ContractLimits = ContractLimits()
    prompts: PromptParams = PromptParams()
    ingestion: IngestionParams = IngestionParams()
    chunking: ChunkingParams = ChunkingParams()
    partitions: PartitionParams = PartitionParams()
    plan: PlanParams = PlanParams()
    transformation: TransformationParams = TransformationParams()
    instructions: InstructionParams = InstructionParams()
    refinement: RefinementParams = RefinementParams()
    answers: AnswerParams = AnswerParams()
    curation: CurationParams = CurationParams()

    @model_validator(mode="after")
    def _lists_are_asked_for(self) -> "FlowParams":
        """Several items per call need the prompts that ask for them: the compact ones ask for
        one task, so a list schema would fail every call."""
        lists = self.instructions.questions_per_type > 1 or self.instructions.true_false_pairs
        if lists and self.prompts.style != "full":
            raise ValueError(
                "instructions.questions_per_type > 1 and true_false_pairs need prompts.style:"
                " full (the compact prompts ask for one task a call)"
            )
        return self

    def statement_pairs(self, answer_format: str) -> bool:
        """Whether a true/false seed call writes pairs of statements, one true, one false."""
        return self.instructions.true_false_pairs and answer_format == "true_false"

    def items_per_seed_call(self, answer_format: str) -> int:
        """The items a seed call is asked for (a pair of statements is two)."""
        pairs = 2 if self.statement_pairs(answer_format) else 1
        return self.instructions.questions_per_type * pairs

    def goal_count(self, goals: list[str]) -> int:
        """How many of a skill's refinement goals each item gets (goals of weight 0 never)."""
        drawable = [name for name in goals if self.refinement.goal_weights.get(name, 1.0) > 0]
        wanted = self.refinement.goals_per_instruction
        return len(drawable) if wanted == "all" else min(wanted, len(drawable))

    def edits_per_goal(self) -> int:
        """Items an editor makes for one goal: one per suggestion asked for (the first of
        `limits.suggestions`), or one from all of them."""
        return self.limits.suggestions[0] if self.refinement.edit_each_suggestion else 1


class EvaluationJudgeParams(_Params):
    """The Orca-Bench judge: the student's response against the reference answer, 0 to 10."""

    enabled: bool = True
    max_tokens: int = Field(default=300, gt=0)
    rationale: Bounds = Field(default=(10, 600), description="characters of its rationale")
    over_limit: OverLimit = "reask"


class EvaluationParams(_Params):
    """The held-out split every skill's gather makes, and the `evaluate` pipeline that scores
    students on it (and on the multiple-choice sets of data/01_raw/eval_sets/)."""

    test_fraction: float = Field(
        default=0.05, ge=0, lt=1, description="share of kept pairs held out as `test`"
    )
    min_test_items: int = Field(
        default=20,
        ge=0,
        description="hold out at least this many pairs when the run kept enough of them (never"
        " more than max_test_share)",
    )
    max_test_share: float = Field(
        default=0.25,
        gt=0,
        lt=1,
        description="the test split's most of the kept pairs, so a small run keeps most of them"
        " for training",
    )
    seed: int = Field(default=42, description="which documents are held out")
    skills: list[str] | None = Field(
        default=None, description="skills to evaluate; default: every skill with test items"
    )
    eval_sets: bool = Field(
        default=True,
        description="also score students on the multiple-choice sets of data/01_raw/eval_sets/"
        " (question, choices, answer; MMLU / AGIEval style)",
    )
    max_items_per_set: int | None = Field(
        default=None, ge=1, description="a seeded sample of each eval set; default: all items"
    )
    student_max_tokens: int = Field(
        default=4096,
        gt=0,
        description="a cap, not a length asked for: a student trained on the `full` profile's"
        " reasoned answers writes as long; one cut here scores 0 (raise it for reasoning models)",
    )
    answer: Bounds = Field(
        default=(1, 32_000), description="characters of a student's answer (a guard, not asked)"
    )
    judge: EvaluationJudgeParams = EvaluationJudgeParams()
    bootstrap_samples: int = Field(default=2000, ge=100)
    confidence: float = Field(default=0.95, gt=0, lt=1)


class DatasetCardParams(_Params):
    """What the exports' Hugging Face dataset card (README.md) says beyond what a run measured."""

    license: str = Field(default="other", description="a Hub license id, e.g. cc-by-4.0, mit")
    language: list[str] = Field(default_factory=lambda: ["en"])
    pretty_name: str | None = None
    task_categories: list[str] = Field(
        default_factory=lambda: ["text-generation", "question-answering"]
    )
    tags: list[str] = Field(
        default_factory=lambda: ["synthetic", "agentinstruct", "instruction-tuning"]
    )
