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
import json
import random
from typing import Any

from agentinstruct.gateway.placeholders import asked_schema

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


def _count(schema: dict[str, Any]) -> int:
    fewest = schema.get("minItems", 0)
    return fewest if fewest >= 2 else max(1, min(schema.get("maxItems", 3), 3))


def natural_example(
    schema: dict[str, Any], salt: str, field: str = "", defs: dict[str, Any] | None = None
) -> Any:
    """A value for `schema` as a strong model would write it; `field` names the string."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        return natural_example(defs[schema["$ref"].rsplit("/", 1)[-1]], salt, field, defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return _rng(salt).choice(schema["enum"])
    if "anyOf" in schema:
        choices = [sub for sub in schema["anyOf"] if sub.get("type") != "null"]
        return natural_example(_rng(salt).choice(choices), salt, field, defs)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        within = "argument" if field == "arguments" else None  # an API call's values
        value = {
            name: natural_example(sub, f"{salt}.{name}", within or name, defs)
            for name, sub in properties.items()
        }
        if "action" in value and "calls" in value:  # a tool decision: calls only to call
            value["calls"] = value["calls"][:1] if value["action"] == "call" else []
        return value
    if kind == "array":
        item = schema.get("items", {})
        return [natural_example(item, f"{salt}[{i}]", field, defs) for i in range(_count(schema))]
    if kind == "string" and "pattern" in schema:
        return f"x{hashlib.sha256(salt.encode()).hexdigest()[:8]}"  # fits identifier patterns
    if kind == "string":
        fewest, most = NATURAL_CHARS.get(field, OTHER_FIELD)
        return prose(salt, max(fewest, schema.get("minLength", 0)), max(most, fewest))
    if kind == "integer":
        return min(schema.get("minimum", 0) + _rng(salt).randint(1, 5), schema.get("maximum", 99))
    if kind == "number":
        return float(schema.get("minimum", 0)) + 1.5
    if kind == "boolean":
        return _rng(salt).random() < 0.5
    return None


def natural_answer(body: dict[str, Any], schema: dict[str, Any] | None = None) -> str:
    """The JSON text answering a chat request body at natural length (the schema it asks for:
    `placeholders.asked_schema`), salted by its messages."""
    asked, salt = asked_schema(body, schema)
    return json.dumps(natural_example(asked, salt)) if asked else prose(salt, *OTHER_FIELD)
