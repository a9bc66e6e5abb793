"""A deterministic example value for a JSON schema: what the fake teacher answers, and the
placeholder answer of an estimate run (no call), so both make the same items downstream. One
walk of the schema; a writer decides the values (`Shortest` here, the fake teacher's natural
lengths in devtools/natural_answers.py)."""

import hashlib
import json
import re
from collections import OrderedDict
from typing import Any

# How a placeholder's text names itself: an estimate finds it again in later prompts, and can
# take it out to count a prompt as if the answers it quotes were empty.
PLACEHOLDER_ID = r"fake ([0-9a-f]{8})"
PLACEHOLDER_TEXT = r"(?:fake [0-9a-f]{8} ?)+\.?"


def _pick(salt: str, count: int) -> int:
    return int(hashlib.sha256(salt.encode()).hexdigest(), 16) % count


class Shortest:
    """How a placeholder is written: the least each schema asks for (its `minLength`, its
    `minItems`, its first choice of an `anyOf`), deterministically from the salt. A subclass
    writes otherwise (the fake teacher's natural lengths, devtools/natural_answers.py)."""

    def choice(self, options: list[Any], salt: str) -> Any:
        return options[_pick(salt, len(options))]

    def branch(self, branches: list[dict[str, Any]], salt: str) -> dict[str, Any]:
        """The `anyOf` branch written (null branches left out)."""
        return branches[0]

    def count(self, schema: dict[str, Any]) -> int:
        return max(schema.get("minItems", 1), 1)

    def field(self, parent: str, name: str) -> str:
        """What a property is called when its strings are written."""
        return name

    def text(self, schema: dict[str, Any], salt: str, field: str) -> str:
        # words ending in a full stop: prose a curation check reads as a complete sentence
        word = f"fake {hashlib.sha256(salt.encode()).hexdigest()[:8]} "
        text = (word * (schema.get("minLength", 1) // len(word) + 2)).strip() + "."
        limit = schema.get("maxLength", len(text))
        return text if len(text) <= limit else text[: limit - 1].strip() + "." if limit > 1 else "x"

    def integer(self, schema: dict[str, Any], salt: str) -> int:
        return schema.get("minimum", 0)

    def number(self, schema: dict[str, Any], salt: str) -> float:
        return float(schema.get("minimum", 0))

    def boolean(self, salt: str) -> bool:
        return True

    def finished(self, value: dict[str, Any]) -> dict[str, Any]:
        """An object once its properties are written."""
        return value


def schema_example(
    schema: dict[str, Any],
    salt: str,
    defs: dict[str, Any] | None = None,
    writer: Shortest = Shortest(),  # noqa: B008 (stateless)
    field: str = "",
) -> Any:
    """A value valid for `schema` (the subset Pydantic emits) that depends only on `salt`,
    written by `writer`; `field` names the property a string is for."""
    defs = schema.get("$defs", {}) if defs is None else defs

    def example(sub: dict[str, Any], sub_salt: str, sub_field: str) -> Any:
        return schema_example(sub, sub_salt, defs, writer, sub_field)

    if "$ref" in schema:
        return example(defs[schema["$ref"].rsplit("/", 1)[-1]], salt, field)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return writer.choice(schema["enum"], salt)
    if "anyOf" in schema:
        branches = [sub for sub in schema["anyOf"] if sub.get("type") != "null"]
        return example(writer.branch(branches, salt), salt, field)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {}).items()
        return writer.finished(
            {
                name: example(sub, f"{salt}.{name}", writer.field(field, name))
                for name, sub in properties
            }
        )
    if kind == "array":
        item = schema.get("items", {})
        return [example(item, f"{salt}[{i}]", field) for i in range(writer.count(schema))]
    if kind == "string" and "pattern" in schema:
        return f"x{hashlib.sha256(salt.encode()).hexdigest()[:8]}"  # fits identifier patterns
    if kind == "string":
        return writer.text(schema, salt, field)
    if kind == "integer":
        return writer.integer(schema, salt)
    if kind == "number":
        return writer.number(schema, salt)
    if kind == "boolean":
        return writer.boolean(salt)
    return None


def asked_schema(
    body: dict[str, Any], schema: dict[str, Any] | None = None
) -> tuple[dict[str, Any] | None, str]:
    """What a chat request body asks the answer to be: its first tool's parameters, its
    `response_format` schema, or `schema` (for modes that put the schema in the prompt); and a
    salt of its messages, so an answer made up for it depends on them only."""
    prompt = json.dumps(body.get("messages", []), sort_keys=True)
    salt = hashlib.sha256(prompt.encode()).hexdigest()
    tools = body.get("tools")
    if tools:
        return tools[0]["function"].get("parameters", {}), salt
    response_format = body.get("response_format") or {}
    asked = response_format.get("json_schema", {}).get("schema") or response_format.get("schema")
    return asked or schema, salt


def placeholder_answer(
    body: dict[str, Any],
    schema: dict[str, Any] | None = None,
    writer: Shortest = Shortest(),  # noqa: B008 (stateless)
) -> str:
    """The JSON text answering a chat request body: an example of the schema it asks for,
    salted by its messages, written by `writer`."""
    asked, salt = asked_schema(body, schema)
    if not asked:
        return f"fake answer {salt[:8]}"
    return json.dumps(schema_example(asked, salt, writer=writer))


def without_placeholders(value: Any) -> Any:
    """`value` (a string, or JSON of lists and dicts) with every placeholder text emptied."""
    if isinstance(value, str):
        return re.sub(PLACEHOLDER_TEXT, "", value)
    if isinstance(value, list):
        return [without_placeholders(item) for item in value]
    if isinstance(value, dict):
        return {key: without_placeholders(item) for key, item in value.items()}
    return value


# Placeholder id -> (the answer it is part of, that answer's max_tokens). Shared by the
# teacher's and the judge's gateways of a process; past the cap the oldest go (a partition's
# stages quote only their own partition's answers).
_QUOTABLE: OrderedDict[str, tuple[str, int]] = OrderedDict()
QUOTABLE_ENTRIES = 500_000


def remember_placeholders(answer: str, key: str, max_tokens: int) -> None:
    """The placeholders of an answer an estimate made up, so later prompts quoting it are told."""
    for placeholder in re.findall(PLACEHOLDER_ID, answer):
        _QUOTABLE[placeholder] = (key, max_tokens)
    while len(_QUOTABLE) > QUOTABLE_ENTRIES:
        _QUOTABLE.popitem(last=False)


def quoted_max_tokens(messages: list[dict]) -> int:
    """The most the earlier answers a prompt quotes could be, each answer counted once."""
    text = " ".join(message.get("content") or "" for message in messages)
    answers = dict(
        _QUOTABLE[placeholder]
        for placeholder in set(re.findall(PLACEHOLDER_ID, text))
        if placeholder in _QUOTABLE
    )
    return sum(answers.values())


def is_placeholder(text: str) -> bool:
    """Whether `text` quotes an answer an estimate of this process made up."""
    return any(placeholder in _QUOTABLE for placeholder in re.findall(PLACEHOLDER_ID, text))
