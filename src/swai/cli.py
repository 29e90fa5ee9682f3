"""The ``swai`` command line.

Exit codes of ``swai grade`` (also in the README):
  0  every graded exercise passed all its correctness checks
  1  some exercise failed (or its grader could not finish)
  2  usage error: unknown target, not a learner repository, bad swai.toml, nothing ready to grade
  3  this environment cannot grade the target (e.g. no Docker engine for a deploy exercise)
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markdown import Markdown

from swai import __version__
from swai.catalog import Catalog, CatalogError, Exercise, load_catalog
from swai.classroom import encode, stage_result
from swai.environment import capabilities, python_info
from swai.learner import LearnerRepo, NotALearnerRepo
from swai.render import print_report, print_roadmap
from swai.report import ExerciseResult, Report, validate_report
from swai.runner import grade_exercise
from swai.scaffold import scaffold
from swai.site.progress import SiteError, build_progress_site
from swai.template import ExportError, export_template

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def fail_usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def catalog_or_exit() -> Catalog:
    try:
        return load_catalog()
    except CatalogError as exc:
        fail_usage(f"the course catalog is invalid: {exc}")
        raise  # unreachable; keeps type checkers informed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="swai")
def main() -> None:
    """SWAI: a self-grading course from CRUD engineer to architect."""


@main.command("list")
@click.argument("stage", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the roadmap as JSON, one object per checkbox or lab.")
def list_(stage: str | None, as_json: bool) -> None:
    """Show every roadmap checkbox and fault-table lab with its exercise, kind and status."""
    catalog = catalog_or_exit()
    boxes = catalog.items
    if stage:
        boxes = [b for b in boxes if b.stage == stage]
        if not boxes:
            fail_usage(f"no stage {stage!r}; stages are {', '.join(s.id for s in catalog.stages)}")
    if as_json:
        click.echo(json.dumps([checkbox_json(b) for b in boxes], ensure_ascii=False, indent=2))
        return
    print_roadmap(boxes, Console())


def checkbox_json(box: object) -> dict[str, object]:
    from swai.catalog import Checkbox

    assert isinstance(box, Checkbox)
    exercise = box.exercise
    return {
        "stage": box.stage, "id": box.id, "text": box.text, "section": box.section, "heading": box.heading,
        "kind": box.kind, "title": box.title, "status": box.status, **({"remedy": box.remedy} if box.is_lab else {}),
        "exercise": None if exercise is None else {
            "title": exercise.title, "difficulty": exercise.difficulty, "points": exercise.points,
            "prerequisites": list(exercise.prerequisites), "blurb": exercise.blurb,
        },
    }


@main.command()
@click.argument("target")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The learner repository to grade.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the JSON report to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report on stdout instead of the table.")
@click.option("-v", "--verbose", is_flag=True, help="Show the message of every failed check.")
@click.option("--check", "checks", multiple=True, metavar="NAME",
              help="Run only this check of the exercise (e.g. capacity_is_validated); repeatable.")
@click.option("-j", "--jobs", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Grade this many exercises at once.")
def grade(target: str, repo: Path, report_path: Path | None, as_json: bool, verbose: bool,
          checks: tuple[str, ...], jobs: int) -> None:
    """Grade TARGET: a stage (stage2), an exercise (stage2/lru-cache or lru-cache) or all."""
    catalog = catalog_or_exit()
    try:
        boxes = catalog.resolve(target)
        learner = LearnerRepo.load(repo)
    except (LookupError, NotALearnerRepo, CatalogError) as exc:
        fail_usage(str(exc))
    exercises = [b.exercise for b in boxes if b.exercise is not None and b.exercise.status == "ready"]
    exercises = [e for e in exercises if e.stage in learner.stages or len(boxes) == 1]
    if not exercises:
        planned = sum(b.exercise is None for b in boxes)
        fail_usage(f"nothing to grade for {target!r}: {planned} of {len(boxes)} checkboxes are still planned, "
                   f"and the rest are not in this repository's stages ({', '.join(learner.stages)})")
    if checks and len(exercises) != 1:
        fail_usage(f"--check needs one exercise as the target, not {target!r} ({len(exercises)} exercises)")
    only = [name if name.startswith("test_") else f"test_{name}" for name in checks]
    started = time.monotonic()
    report = Report(target=target, repo=str(learner.root))
    console = Console(stderr=as_json)
    def one(exercise: Exercise) -> ExerciseResult:
        if not as_json:
            console.print(f"[dim]grading {exercise.id} ...[/dim]")
        return grade_one(catalog, learner, exercise, only)

    # Each exercise grades in its own processes, so several can run at once; performance checks
    # are ratios measured inside one process, proven to hold with every core busy.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        report.exercises.extend(pool.map(one, exercises))
    report.duration_s = time.monotonic() - started
    if report_path:
        report.write(report_path)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print_report(report, console, verbose=verbose)
    statuses = {e.status for e in report.exercises}
    if statuses & {"failed", "error"}:
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_UNAVAILABLE if "unavailable" in statuses else EXIT_PASSED)


def grade_one(catalog: Catalog, learner: LearnerRepo, exercise: Exercise, only: list[str]) -> ExerciseResult:
    capability = capabilities()[exercise.kind]
    if not capability.available:
        return ExerciseResult(exercise.id, exercise.title, exercise.stage, exercise.kind, "unavailable",
                              message=f"cannot be graded here: {capability.reason}")
    return grade_exercise(exercise, learner.project_dir(catalog, exercise.stage), only=only)


@main.command()
@click.argument("exercise")
def hint(exercise: str) -> None:
    """Show the hints of EXERCISE (stage2/lru-cache or lru-cache)."""
    catalog = catalog_or_exit()
    try:
        (box,) = catalog.resolve(exercise)
    except (LookupError, ValueError):
        fail_usage(f"{exercise!r} is not one exercise; `swai list` shows them all")
    if box.exercise is None:
        fail_usage(f"{box.id} is planned: it has no spec or hints yet")
    assert box.exercise is not None
    Console().print(Markdown(box.exercise.hints.read_text(encoding="utf-8")))


@main.command()
def doctor() -> None:
    """Show which exercise kinds this environment can grade, and why not."""
    console = Console()
    console.print(f"swai {__version__}, {python_info()}")
    catalog = catalog_or_exit()
    labs = len(catalog.items) - len(catalog.checkboxes)
    console.print(f"course: {catalog.root} ({len(catalog.checkboxes)} checkboxes, {labs} labs, "
                  f"{sum(e.status == 'ready' for e in catalog.exercises)} ready exercises)")
    for kind, capability in capabilities().items():
        mark = "[green]yes[/green]" if capability.available else "[yellow]no[/yellow]"
        console.print(f"  {kind:<9} {mark}  {capability.reason}")


@main.command()
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The learner repository.")
def sync(repo: Path) -> None:
    """Add the stubs of exercises that are new in this course version; never touches your files."""
    catalog = catalog_or_exit()
    try:
        learner = LearnerRepo.load(repo)
    except (NotALearnerRepo, CatalogError) as exc:
        fail_usage(str(exc))
    before = {p for p in learner.root.rglob("*") if p.is_file()}
    scaffold(catalog, learner.root, source="stub", stages=learner.stages, overwrite=False)
    added = sorted(p.relative_to(learner.root).as_posix() for p in learner.root.rglob("*")
                   if p.is_file() and p not in before)
    click.echo("\n".join(["added:", *(f"  {name}" for name in added)]) if added else "nothing new to add")


@main.command()
@click.argument("target", required=False)
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The learner repository.")
def watch(target: str | None, repo: Path) -> None:
    """Re-grade the exercise you are editing each time you save (or always TARGET)."""
    from watchfiles import watch as file_changes

    from swai.watch import watch_loop

    catalog = catalog_or_exit()
    try:
        learner = LearnerRepo.load(repo)
        boxes = catalog.resolve(target) if target else []
    except (LookupError, NotALearnerRepo, CatalogError) as exc:
        fail_usage(str(exc))
    if target and (len(boxes) != 1 or boxes[0].exercise is None or boxes[0].exercise.status != "ready"):
        fail_usage(f"{target!r} is not one ready exercise")
    console = Console()
    console.print(f"watching {learner.root / 'projects'}; save a file of an exercise to grade it (Ctrl-C stops)")
    # Ctrl-C sets the watcher's stop event as well as interrupting: the watcher then returns
    # within one poll step whatever it was doing, and a grading in progress stops with it.
    stop = threading.Event()

    def interrupted(signum: int, frame: object) -> None:
        stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    batches = file_changes(learner.root / "projects", debounce=400, raise_interrupt=False, stop_event=stop)
    changes = ({Path(path) for _change, path in batch} for batch in batches)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            watch_loop(catalog, learner, changes, lambda exercise, project: grade_exercise(exercise, project),
                       console, target=boxes[0].exercise if target else None)
    finally:
        stop.set()
        with contextlib.suppress(KeyboardInterrupt):
            batches.close()
    console.print("stopped watching")


@main.group()
def site() -> None:
    """The learner's progress site."""


@site.command("build")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The learner repository.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The JSON report to show [default: REPO/reports/report.json].")
@click.option("--history", "history_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Earlier history.json to extend (the published site's) [default: REPO/reports/history.json].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the site [default: REPO/site].")
def site_build(repo: Path, report_path: Path | None, history_path: Path | None, out: Path | None) -> None:
    """Build the progress site (MkDocs, --strict) from the latest report and the history."""
    catalog = catalog_or_exit()
    try:
        learner = LearnerRepo.load(repo)
    except (NotALearnerRepo, CatalogError) as exc:
        fail_usage(str(exc))
    reports = learner.root / "reports"
    out = out or learner.root / "site"
    with tempfile.TemporaryDirectory(prefix="swai-site-") as work:
        try:
            build_progress_site(catalog, learner, report_path or reports / "report.json",
                                history_path or reports / "history.json", out, Path(work))
        except SiteError as exc:
            fail_usage(str(exc))
    click.echo(f"progress site: {out / 'index.html'}")


@main.command("classroom-result")
@click.argument("report_path", metavar="REPORT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stage", required=True, help="The stage whose checks become this runner's tests.")
@click.option("--decoded", is_flag=True, help="Print the JSON instead of its base64 (to read it).")
def classroom_result(report_path: Path, stage: str, decoded: bool) -> None:
    """Print a GitHub Classroom runner result for STAGE of a JSON report (per-check points).

    In a workflow step with an id: echo "result=$(swai classroom-result report.json --stage stage2)" >> "$GITHUB_OUTPUT"
    """
    catalog = catalog_or_exit()
    if stage not in {s.id for s in catalog.stages}:
        fail_usage(f"no stage {stage!r}; stages are {', '.join(s.id for s in catalog.stages)}")
    try:
        data = json.loads(report_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        fail_usage(f"{report_path} is not JSON: {exc}")
    problems = validate_report(data)
    if problems:
        fail_usage(f"{report_path} is not a swai report: {problems[0]}")
    result = stage_result(data, stage, catalog)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False) if decoded else encode(result))


@main.group()
def dev() -> None:
    """Commands for course maintainers."""


@dev.command("scaffold")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from", "source", type=click.Choice(["stub", "reference"]), default="stub", show_default=True,
              help="Fill the projects with the learner stubs or the hidden reference solutions.")
@click.option("--stages", help="Comma-separated stages to include (default: all).")
def dev_scaffold(dest: Path, source: str, stages: str | None) -> None:
    """Materialise a learner repository in DEST."""
    catalog = catalog_or_exit()
    try:
        written = scaffold(catalog, dest, source=source, stages=stages.split(",") if stages else None)
    except (LookupError, FileNotFoundError) as exc:
        fail_usage(str(exc))
    click.echo(f"{dest}: {len(written)} exercises from the {source} ({', '.join(e.id for e in written)})")


@dev.command("course-site")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("site/build"),
              show_default=True, help="Where to write the site.")
def dev_course_site(out: Path) -> None:
    """Build the public course site (roadmap, stages, exercise specs; MkDocs --strict)."""
    from swai.site.course import build_course_site

    catalog = catalog_or_exit()
    with tempfile.TemporaryDirectory(prefix="swai-course-site-") as work:
        build_course_site(catalog, out, Path(work))
    click.echo(f"course site: {out / 'index.html'}")


@dev.command("export-template")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def dev_export_template(dest: Path) -> None:
    """Export the learner template as a standalone repository in DEST (cookiecutter gh:swai/template)."""
    catalog = catalog_or_exit()
    try:
        written = export_template(catalog.root, dest)
    except ExportError as exc:
        fail_usage(str(exc))
    click.echo(f"{dest}: {len(written)} files; try it with: cookiecutter {dest}")
