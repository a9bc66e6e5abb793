"""Which size profile a run uses, and the flow's parameters with that profile's sizes merged in.

A profile (conf/base/size_profiles.yml) is a set of defaults for a skill's parameters; what a
skill's parameters.yml or `--params` set explicitly wins. The teacher's catalog entry decides
the profile (`size_profile`, or `compact` for the embedded model and `full` for any other),
unless the run names one (`--params size_profile=...`). The judge's sizes (`curation.judge`)
follow the judge's model the same way, so a strong judge of an embedded teacher's pairs is not
held to one-sentence rationales, nor the embedded judge of a strong teacher's let ramble.
Pure functions over config dicts: the project's config loader calls them before Kedro builds
the catalog, so nodes receive plain, already sized parameters.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from agentinstruct.gateway.config import is_embedded

AUTO = "auto"
# A skill's own adjustments to one profile: `<skill>: {profiles: {full: {...}}}`.
PER_SKILL = "profiles"
JUDGE = ("curation", "judge")


def profile_of(entry: Mapping[str, Any]) -> str:
    """The profile a model's catalog entry asks for: its own, or by the model it names."""
    named = entry.get("size_profile", AUTO)
    if named != AUTO:
        return str(named)
    return "compact" if is_embedded(str(entry.get("model", ""))) else "full"


def merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `over` on top, nested mappings merged key by key (lists are values)."""
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def _judge_part(profile: Mapping[str, Any]) -> dict[str, Any]:
    section = profile.get(JUDGE[0], {}).get(JUDGE[1], {})
    return {JUDGE[0]: {JUDGE[1]: dict(section)}}


def _profile(profiles: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    if name not in profiles:
        raise ValueError(
            f"size profile {name!r} is not in conf/base/size_profiles.yml; known:"
            f" {', '.join(sorted(profiles))}"
        )
    return profiles[name]


def sized_skill_params(
    params: Mapping[str, Any],
    profiles: Mapping[str, Any],
    profile: str,
    judge_profile: str,
) -> dict[str, Any]:
    """One skill's parameters over its profile: the profile, then the judge's part of the
    judge's profile, then the skill's adjustments to that profile, then its own values."""
    own = {key: value for key, value in params.items() if key != PER_SKILL}
    per_profile = params.get(PER_SKILL) or {}
    unknown = sorted(set(per_profile) - set(profiles))
    if unknown:
        raise ValueError(f"`profiles:` names {unknown}, which size_profiles.yml does not have")
    adjustments = per_profile.get(profile, {})
    base = merged(_profile(profiles, profile), _judge_part(_profile(profiles, judge_profile)))
    return {**merged(merged(base, adjustments), own), "size_profile": profile}


def sized_parameters(
    parameters: Mapping[str, Any],
    profiles: Mapping[str, Any],
    skills: Iterable[str],
    teacher: Mapping[str, Any],
    judge: Mapping[str, Any],
) -> dict[str, Any]:
    """The project's parameters with every skill's (and the standalone curation's) sized. A
    judge of another model than the teacher is sized for its own model, whatever the run's
    profile: the embedded judge of a `full` run keeps the short rationale its grammar holds."""
    chosen = str(parameters.get("size_profile", AUTO))
    profile = profile_of(teacher) if chosen == AUTO else chosen
    same_model = judge.get("model") == teacher.get("model")
    judge_profile = profile if same_model else profile_of(judge)
    result = dict(parameters)
    for skill in skills:
        result[skill] = sized_skill_params(
            parameters.get(skill) or {}, profiles, profile, judge_profile
        )
    judge_sizes = _judge_part(_profile(profiles, judge_profile))[JUDGE[0]]
    result[JUDGE[0]] = merged(judge_sizes, parameters.get(JUDGE[0]) or {})
    return result
