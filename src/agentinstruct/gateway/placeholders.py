"""A deterministic example value for a JSON schema: what the fake teacher answers, and the
placeholder answer of an estimate run (no call), so both make the same items downstream."""

import hashlib
import json
import re
from typing import Any

# How a placeholder's text names itself: an estimate finds it again in later prompts, and can
# take it out to count a prompt as if the answers it quotes were empty.
PLACEHOLDER_ID = r"fake ([0-9a-f]{8})"
PLACEHOLDER_TEXT = r"(?:fake [0-9a-f]{8} ?)+\.?"


def _pick(salt: str, count: int) -> int:
    return int(hashlib.sha256(salt.encode()).hexdigest(), 16) % count


def schema_example(schema: dict[str, Any], salt: str, defs: dict[str, Any] | None = None) -> Any:
    """A value valid for `schema` (the subset Pydantic emits) that depends only on `salt`."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        return schema_example(defs[schema["$ref"].rsplit("/", 1)[-1]], salt, defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][_pick(salt, len(schema["enum"]))]
    if "anyOf" in schema:
        choice = next(sub for sub in schema["anyOf"] if sub.get("type") != "null")
        return schema_example(choice, salt, defs)
    kind = schema.get("type")
    if kind == "object":
        return {
            name: schema_example(sub, f"{salt}.{name}", defs)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        count = max(schema.get("minItems", 1), 1)
        return [schema_example(schema.get("items", {}), f"{salt}[{i}]", defs) for i in range(count)]
    if kind == "string" and "pattern" in schema:
        return f"x{hashlib.sha256(salt.encode()).hexdigest()[:8]}"  # fits identifier patterns
    if kind == "string":
        # words ending in a full stop: prose a curation check reads as a complete sentence
        word = f"fake {hashlib.sha256(salt.encode()).hexdigest()[:8]} "
        text = (word * (schema.get("minLength", 1) // len(word) + 2)).strip() + "."
        limit = schema.get("maxLength", len(text))
        return text if len(text) <= limit else text[: limit - 1].strip() + "." if limit > 1 else "x"
    if kind == "integer":
        return schema.get("minimum", 0)
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return True
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


def placeholder_answer(body: dict[str, Any], schema: dict[str, Any] | None = None) -> str:
    """The JSON text answering a chat request body: an example of the schema it asks for,
    salted by its messages."""
    asked, salt = asked_schema(body, schema)
    return json.dumps(schema_example(asked, salt)) if asked else f"fake answer {salt[:8]}"


def without_placeholders(value: Any) -> Any:
    """`value` (a string, or JSON of lists and dicts) with every placeholder text emptied."""
    if isinstance(value, str):
        return re.sub(PLACEHOLDER_TEXT, "", value)
    if isinstance(value, list):
        return [without_placeholders(item) for item in value]
    if isinstance(value, dict):
        return {key: without_placeholders(item) for key, item in value.items()}
    return value
