"""The lengths of every LLM contract, as data: a size profile (conf/base/size_profiles.yml) sets
them, and the response models are built from them (`llm_outputs.contracts`).

Two ways to hold a limit, because two kinds of model meet them:
- `reask`: the limit is a constraint of the response model (`maxLength` / `maxItems`), which a
  grammar-constrained embedded model cannot exceed; a remote model that does is re-asked.
- `fail`: the limit is a guard against runaway output, far above what a strong model writes. A
  response over it becomes a failure record with the reason (`over_limit`), never a paid
  re-ask: asking again for shorter text costs a whole second answer and rarely helps.
Lower bounds of strings are constraints in both (an empty or one-word passage is malformed
output); as guards, a list may have fewer items than it asks for (but one).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Bounds = tuple[int, int]  # (fewest, most): characters of a string, items of a list
OverLimit = Literal["reask", "fail"]


class OverLimitError(Exception):
    """A response longer than a guard allows. Not a `ValueError`, so Pydantic lets it through
    as it is and Instructor does not re-ask: the gateway records it as `over_limit`."""


class ContractLimits(BaseModel):
    """Characters of each string and items of each list an LLM may return. The defaults are the
    `compact` profile's: what the embedded 135M model can write."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    over_limit: OverLimit = Field(
        default="reask",
        description="reask: limits are schema constraints; fail: guards, a longer response is"
        " a failure record with reason over_limit",
    )
    passage: Bounds = Field(default=(100, 1000), description="a transformed passage")
    edited_passage: Bounds = Field(default=(60, 1000), description="an editor's passage")
    question: Bounds = Field(default=(10, 400), description="a task's question or statement")
    reference_answer: Bounds = Field(default=(1, 400), description="a task's own answer")
    option: Bounds = Field(default=(1, 200), description="a multiple-choice option")
    questions: int = Field(
        default=10, ge=1, description="most items of a list of questions (a guard)"
    )
    suggestion: Bounds = Field(default=(10, 300), description="one suggestion of a suggester")
    suggestions: Bounds = Field(
        default=(1, 3),
        description="items of a suggester's list; the fewest are what it is asked for, and what"
        " an editor edits one by one (`refinement.edit_each_suggestion`)",
    )
    answer: Bounds = Field(default=(1, 300), description="the teacher's answer")
    explanation: Bounds = Field(
        default=(10, 600), description="the teacher's explanation, or its reasoning first"
    )
    follow_up: Bounds = Field(default=(10, 300), description="a simulated user's next message")
    tool_result: Bounds = Field(default=(2, 400), description="a simulated API's reply")
    tool_message: Bounds = Field(default=(5, 400), description="the teacher's message beside calls")
    tool_calls: int = Field(default=3, ge=1, description="most calls of one decision")
    apis: Bounds = Field(default=(2, 3), description="APIs of a library")
    api_description: Bounds = Field(default=(10, 150), description="what an API does")
    parameters: Bounds = Field(default=(1, 4), description="parameters of an API")
    parameter_description: Bounds = Field(default=(5, 100), description="what a parameter is")
    argument: Bounds = Field(default=(1, 200), description="a string argument of a call")

    @field_validator("*")
    @classmethod
    def _ordered(cls, value: object) -> object:
        if isinstance(value, tuple) and not 0 <= value[0] <= value[1]:
            raise ValueError(f"bounds must be 0 <= fewest <= most, got {list(value)}")
        return value
