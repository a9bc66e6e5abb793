"""`kedro run` for this project: a skill's flow runs its corpus in partitions, by default.

Kedro loads the `cli` group of a project's `cli.py` over its own commands. This `run` takes
every option of Kedro's (`--params` as often as it is given), plus `--cluster` (run the
partitions on Dask workers). A run that picks nodes (`--nodes`, `--from-nodes`, `--tags`, ...)
or a runner, sets `partition` itself, or runs a pipeline that is not a skill's flow is Kedro's
own run, unchanged.
"""

import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from kedro.framework.cli.project import run as kedro_run
from kedro.framework.startup import bootstrap_project

from agentinstruct.console import VERBOSE_ENV
from agentinstruct.flow.plan import PlanTooLarge
from agentinstruct.hooks import ESTIMATE_OUTPUTS, PREVIEW_OUTPUTS, is_on
from agentinstruct.pipeline_registry import ALL_SKILLS, DEFAULT_SKILL
from agentinstruct.redaction import redact
from agentinstruct.run_lock import (
    ESTIMATE_LOCK,
    PREVIEW_LOCK,
    RUN_LOCK,
    RUN_STARTED_ENV,
    RunLocked,
    run_lock,
)
from agentinstruct.run_summary import CURATION, EVALUATE, summarize_run
from agentinstruct.scale.partitioned_run import in_process, run_partitioned
from agentinstruct.scale.sessions import Project
from agentinstruct.skill_folders import skill_names

# Kedro's options that choose nodes or a runner: with any of them, the run is Kedro's own.
_KEDRO_ONLY = (
    "tags",
    "node_names",
    "to_nodes",
    "from_nodes",
    "from_inputs",
    "to_outputs",
    "load_versions",
    "namespaces",
    "only_missing_outputs",
    "runner",
    "is_async",
    "runner_params",
)


def _skills(pipeline: str | None, pipelines: list[str]) -> list[str] | None:
    """The skills the named pipelines run, or None if any of them is not a skill's flow."""
    names = pipelines or [pipeline or "__default__"]
    known = skill_names()
    skills: list[str] = []
    for name in names:
        if name == ALL_SKILLS:
            skills += known
        elif name == "__default__":
            skills += [DEFAULT_SKILL] if DEFAULT_SKILL in known else known
        elif name in known:
            skills.append(name)
        else:
            return None
    return list(dict.fromkeys(skills))


def _project(options: dict[str, Any]) -> Project:
    """The project in the working directory, with the run's environment and params."""
    return Project(str(Path.cwd()), options["env"], options["conf_source"], dict(options["params"]))


def _partitioned(cluster: str | None, **options: Any) -> dict[str, Any] | None:
    skills = _skills(options["pipeline"], options["pipelines"])
    chosen = [name for name in _KEDRO_ONLY if options.get(name)]
    if skills is None or chosen or "partition" in options["params"]:
        if cluster:
            raise click.UsageError(
                "--cluster runs the partitions of skills' flows; it does not combine with "
                f"{', '.join('--' + name.replace('_', '-') for name in chosen) or 'this pipeline'}"
            )
        return None
    project = _project(options)
    estimate = _is_estimate(options["params"])
    preview = _is_preview(options["params"])
    if estimate:  # an estimate starts from nothing: no partition of an earlier one is reused
        shutil.rmtree(Path.cwd() / ESTIMATE_OUTPUTS, ignore_errors=True)
    elif preview:  # nor does a preview (its first files may have changed)
        shutil.rmtree(Path.cwd() / PREVIEW_OUTPUTS, ignore_errors=True)
    if not cluster:
        result = run_partitioned(project, skills, in_process)
    else:
        from agentinstruct.scale.cluster import dask_executor  # imports Dask only when asked

        with dask_executor(cluster) as (executor, workers):
            result = run_partitioned(project, skills, executor, processes=workers)
    if estimate:
        _report_projections(project, skills)
    elif preview:
        _show_previews(project, skills)
    return result


def _is_estimate(params: dict[str, Any]) -> bool:
    return is_on(params.get("estimate_only", False))


def _is_preview(params: dict[str, Any]) -> bool:
    return is_on(params.get("preview", False))


def _show_previews(project: Project, skills: list[str]) -> None:
    """Print each skill's preview pairs (agentinstruct/preview.py)."""
    from agentinstruct.preview import show_preview

    with project.session() as session:
        catalog = session.load_context().catalog
        for skill in skills:
            show_preview(catalog, skill)


def _report_projections(project: Project, skills: list[str]) -> None:
    """Print each skill's projection and save it (`<skill>.projection`)."""
    from agentinstruct.flow.projection import projection_table, save_projection

    with project.session(estimate_only=True) as session:
        catalog = session.load_context().catalog
        for skill in skills:
            projection = save_projection(catalog, skill)
            click.echo(f"\nProjection of {skill} (no call was made):\n")
            click.echo(projection_table(projection))


def _report_evaluation_projection(**options: Any) -> None:
    """After an estimate of `evaluate`: print its projection and save it."""
    names = options["pipelines"] or [options["pipeline"]]
    if EVALUATE not in names or not _is_estimate(options["params"]):
        return
    from agentinstruct.evaluation.projection import save_evaluation_projection
    from agentinstruct.flow.projection import projection_table

    project = _project(options)
    with project.session(estimate_only=True) as session:
        projection = save_evaluation_projection(session.load_context().catalog)
    click.echo("\nProjection of the evaluation (no call was made):\n")
    click.echo(projection_table(projection))


logger = logging.getLogger(__name__)


@contextmanager
def _one_run_at_a_time(params: dict[str, Any], wait: bool) -> Iterator[None]:
    """The project's run lock (agentinstruct/run_lock.py; an estimate has its own, so it may run
    beside a real run), and the run's start for its sessions (`run_timeout_s` counts from it)."""
    name = ESTIMATE_LOCK if _is_estimate(params) else RUN_LOCK
    if _is_preview(params):  # beside a real run, as an estimate
        name = PREVIEW_LOCK
    before = os.environ.get(RUN_STARTED_ENV)
    try:
        with run_lock(Path.cwd() / "data", wait, name):
            os.environ[RUN_STARTED_ENV] = str(time.time())
            yield
    except RunLocked as error:
        raise click.ClickException(str(error)) from None
    finally:
        if before is None:
            os.environ.pop(RUN_STARTED_ENV, None)
        else:
            os.environ[RUN_STARTED_ENV] = before


def _summarized(options: dict[str, Any], skills: list[str] | None) -> list[str]:
    """What the summary covers: the skills a partitioned run ran, or `curation` / `evaluate`
    run whole; nothing for an estimate (its projection is its summary) or a run of chosen
    nodes (its reports may be an earlier run's)."""
    if _is_estimate(options["params"]) or _is_preview(options["params"]):
        return []  # an estimate's projection, a preview's pairs: their own summaries
    if skills is not None:
        return skills
    if any(options.get(name) for name in _KEDRO_ONLY):
        return []
    names = options["pipelines"] or [options["pipeline"]]
    return [name for name in names if name in (CURATION, EVALUATE)]


def _print_summary(options: dict[str, Any], names: list[str], wall_s: float) -> None:
    """The run's closing summary (agentinstruct/run_summary.py), printed and saved. A summary
    that cannot be made is a warning: the run itself succeeded."""
    if not names:
        return
    project = _project(options)
    try:
        with project.session() as session:
            click.echo("\n" + summarize_run(session.load_context().catalog, names, wall_s))
    except Exception as error:
        logger.warning("No closing summary: %s", redact(f"{type(error).__name__}: {error}"))


def _run(cluster: str | None, wait_for_lock: bool, verbose: bool, **options: Any) -> Any:
    bootstrap_project(Path.cwd())
    if verbose:
        os.environ[VERBOSE_ENV] = "1"
    started = time.monotonic()
    with _one_run_at_a_time(options["params"], wait_for_lock):
        try:
            result = _partitioned(cluster, **options)
            skills = None if result is None else list(result)
            if result is None:
                result = kedro_run.callback(**_named_pipelines(options))
                _report_evaluation_projection(**options)
            _print_summary(options, _summarized(options, skills), time.monotonic() - started)
            return result
        except Exception as error:
            raise click.ClickException(_said(error)) from None


def _named_pipelines(options: dict[str, Any]) -> dict[str, Any]:
    """`--pipeline=x` as Kedro 1.x's own `--pipelines=x`: the same run, without Kedro's
    deprecation warning (README and docs say `--pipeline`, as users type it)."""
    if not options["pipeline"] or options["pipelines"]:
        return options
    return {**options, "pipeline": None, "pipelines": [options["pipeline"]]}


def _said(error: Exception) -> str:
    """What `kedro run` ends with when the run fails: one line, secrets removed (an exception
    printed by Python would bypass the logs' redaction). A fatal endpoint error or a plan too
    large says what to fix, and its traceback is logged only at debug; any other error's
    traceback is logged, redacted."""
    from agentinstruct.gateway.online.errors import FatalEndpointError  # imports LiteLLM

    expected = isinstance(error, FatalEndpointError | PlanTooLarge)
    logger.log(
        logging.DEBUG if expected else logging.ERROR,
        "The run stopped: %s",
        type(error).__name__,
        exc_info=error,
    )
    return redact(str(error) if expected else f"{type(error).__name__}: {error}")


def _params_given_any_number_of_times(kedro_option: click.Option) -> click.Option:
    """Kedro's `--params`, taken as often as it is given and merged (a later key wins). Kedro
    keeps only the last `--params`, which would drop an earlier `estimate_only=true` and make
    the estimate a paid run."""

    def merged(context: click.Context, parameter: click.Parameter, values: tuple) -> Any:
        joined = ",".join(value for value in values if value)
        return kedro_option.callback(context, parameter, joined)

    return click.Option(
        kedro_option.opts,
        multiple=True,
        type=click.UNPROCESSED,
        callback=merged,
        help=f"{kedro_option.help} May be given more than once.",
    )


def _run_options() -> list[click.Parameter]:
    """Kedro's options of `kedro run`, `--params` given any number of times, and `--cluster`."""
    options = [
        _params_given_any_number_of_times(option) if option.name == "params" else option
        for option in kedro_run.params
    ]
    cluster = click.Option(
        ["--cluster"],
        default=None,
        help="run the partitions on Dask: `local:N` starts N worker processes here;"
        " `tcp://host:8786` uses a running scheduler (docs/scale.md)",
    )
    wait_for_lock = click.Option(
        ["--wait-for-lock"],
        is_flag=True,
        default=False,
        help="if another run of this project is going, wait for it to end instead of failing",
    )
    verbose = click.Option(
        ["-v", "--verbose"],
        is_flag=True,
        default=False,
        help="show Kedro's own INFO records on the console (they always go to logs/)",
    )
    return [*options, cluster, wait_for_lock, verbose]


@click.group(name="agentinstruct")
def cli() -> None:
    """Project commands of AgentInstruct on Kedro."""


cli.add_command(
    click.Command(
        "run",
        callback=_run,
        params=_run_options(),
        help=(kedro_run.help or "Run the pipeline.")
        + " A skill's flow runs its corpus in partitions (docs/scale.md).",
    )
)
