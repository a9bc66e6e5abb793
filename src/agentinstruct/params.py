"""Typed run parameters of a flow: Kedro validates `params:<skill>` against these before a run."""

from pydantic import BaseModel, ConfigDict, Field


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestionParams(_Params):
    extensions: list[str] = [".txt", ".md"]
    max_document_bytes: int = Field(default=1_000_000, gt=0)
    min_document_chars: int = Field(default=20, ge=1)


class ChunkingParams(_Params):
    chunk_chars: int = Field(default=1000, ge=200)


class TransformationParams(_Params):
    agents_per_chunk: int = Field(default=1, ge=1)
    agent_weights: dict[str, float] = Field(
        default_factory=dict, description="relative draw weights; agents left out weigh 1"
    )
    max_tokens: int = Field(default=450, gt=0)


class InstructionParams(_Params):
    types_per_passage: int = Field(default=2, ge=1)
    max_tokens: int = Field(default=300, gt=0)


class RefinementParams(_Params):
    rounds: int = Field(default=1, ge=0)
    goals_per_instruction: int = Field(default=1, ge=1)
    goal_weights: dict[str, float] = Field(default_factory=dict)
    suggest_max_tokens: int = Field(default=200, gt=0)
    edit_max_tokens: int = Field(default=550, gt=0)


class AnswerParams(_Params):
    max_tokens: int = Field(default=350, gt=0)
    follow_up_turns: int = Field(
        default=1, ge=0, description="multi-turn skills: user follow-ups after the first answer"
    )
    follow_up_max_tokens: int = Field(default=120, gt=0)
    tool_max_tokens: int = Field(default=300, gt=0, description="tool-use calls and results")


class FlowParams(_Params):
    """All knobs of one flow run; the same params and inputs give the same dataset."""

    seed: int = 42
    ingestion: IngestionParams = IngestionParams()
    chunking: ChunkingParams = ChunkingParams()
    transformation: TransformationParams = TransformationParams()
    instructions: InstructionParams = InstructionParams()
    refinement: RefinementParams = RefinementParams()
    answers: AnswerParams = AnswerParams()
