"""A deterministic example value for a JSON schema: what a fake teacher answers."""

import hashlib
from typing import Any


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
