"""Answers of natural length: how the fake teacher writes in its `natural` mode, standing in for a
strong model (GPT-4-class, Claude, a 70B) in tests and benchmarks.

A remote model is not bound by a schema's `maxLength` (the schema is a request, not a grammar),
and a strong one writes each field as long as its content needs: a passage of a few paragraphs,
an explanation of several sentences. So strings here have the length such a model gives each
field (`NATURAL_CHARS`, by field name), whatever `maxLength` says, as prose of whole sentences;
lists have the count asked for (`minItems` when it asks for two or more, else up to three); the
rest (enums, numbers, names) is valid for the schema, and a tool decision carries calls exactly
when its action is `call`, as a model following its instructions does. Deterministic: the
answer depends only on the request's messages.
"""

import hashlib
import random
from typing import Any

from agentinstruct.gateway.estimate.placeholders import Shortest, placeholder_answer

# Characters a strong model writes for a field, (fewest, most), by the field's name.
NATURAL_CHARS: dict[str, tuple[int, int]] = {
    "passage": (1000, 2500),
    "reasoning": (300, 1500),
    "explanation": (300, 1500),
    "answer": (20, 600),
    "question": (80, 300),
    "true_statement": (60, 250),
    "false_statement": (60, 250),
    "suggestions": (80, 300),
    "rationale": (150, 600),
    "message": (40, 300),
    "content": (100, 800),
    "reply": (40, 200),
    "description": (40, 200),
    "options": (20, 120),
    "argument": (3, 40),  # a value passed to an API: a name, a date, an id
}
OTHER_FIELD = (40, 300)
# Plain words, none of which a curation check reads as meta text or an injection.
_PLAIN_WORDS = (
    "river valley farmers water season harvest village market bridge stone winter summer rain"
    " soil seeds grain mill road trade salt wool cattle hill forest timber council record"
    " archive letter survey map engineer canal lock barge cargo price ledger merchant guild"
    " school teacher student lesson method result measure sample report study evidence claim"
    " reason cause effect change growth decline pattern period decade century region coast"
    " harbour ship crew voyage island weather storm flood drought crop orchard field fence"
    " workshop tool design plan budget committee vote rule law court dispute agreement"
    " careful early late steady rapid modest large small local northern southern eastern"
    " western public private common rare useful costly simple complex"
)
_VERB_WORDS = (
    "records shows describes explains supports changes reduces increases follows reaches"
    " connects divides protects improves measures compares limits shapes affects requires"
)
_WORDS, _VERBS = _PLAIN_WORDS.split(), _VERB_WORDS.split()


def _rng(salt: str) -> random.Random:
    return random.Random(int(hashlib.sha256(salt.encode()).hexdigest(), 16))


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 7))]
    words.insert(rng.randint(1, len(words) - 1), rng.choice(_VERBS))
    words += [rng.choice(("and", "while", "because", "so")), "the"]
    words += [rng.choice(_WORDS) for _ in range(rng.randint(2, 6))]
    return " ".join(words).capitalize() + "."


def prose(salt: str, fewest: int, most: int) -> str:
    """Whole sentences, a paragraph break every few, about `fewest` to `most` characters."""
    rng = _rng(salt)
    target = rng.randint(fewest, most)
    paragraphs, sentences, size = [], [], 0
    while size < target:
        sentences.append(_sentence(rng))
        size += len(sentences[-1]) + 1
        if len(sentences) == 5:
            paragraphs.append(" ".join(sentences))
            sentences = []
    paragraphs += [" ".join(sentences)] if sentences else []
    return "\n\n".join(paragraphs)


class Natural(Shortest):
    """A strong model's way of writing a schema's values (see the module's docstring)."""

    def choice(self, options: list[Any], salt: str) -> Any:
        return _rng(salt).choice(options)

    def branch(self, branches: list[dict[str, Any]], salt: str) -> dict[str, Any]:
        return _rng(salt).choice(branches)

    def count(self, schema: dict[str, Any]) -> int:
        fewest = schema.get("minItems", 0)
        return fewest if fewest >= 2 else max(1, min(schema.get("maxItems", 3), 3))

    def field(self, parent: str, name: str) -> str:
        return "argument" if parent == "arguments" else name  # an API call's values

    def text(self, schema: dict[str, Any], salt: str, field: str) -> str:
        fewest, most = NATURAL_CHARS.get(field, OTHER_FIELD)
        return prose(salt, max(fewest, schema.get("minLength", 0)), max(most, fewest))

    def integer(self, schema: dict[str, Any], salt: str) -> int:
        return min(schema.get("minimum", 0) + _rng(salt).randint(1, 5), schema.get("maximum", 99))

    def number(self, schema: dict[str, Any], salt: str) -> float:
        return float(schema.get("minimum", 0)) + 1.5

    def boolean(self, salt: str) -> bool:
        return _rng(salt).random() < 0.5

    def finished(self, value: dict[str, Any]) -> dict[str, Any]:
        if "action" in value and "calls" in value:  # a tool decision: calls only to call
            value["calls"] = value["calls"][:1] if value["action"] == "call" else []
        return value


NATURAL = Natural()


def natural_answer(body: dict[str, Any]) -> str:
    """The JSON text answering a chat request body at a strong model's lengths."""
    return placeholder_answer(body, writer=NATURAL)
