"""Files the learner writes for concept and incident exercises: structured answers and postmortems.

They are read in the grader's process as data (never run), with a size limit, and every
problem becomes a failed check that names the file, the field or section, and what to do.
Free text is never graded by keywords: answers are choices, numbers and orderings checked
against a key; a postmortem is checked for its structure.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from swai.grading.checks import fail

MAX_BYTES = 256 * 1024
POSTMORTEM_SECTIONS = ("Symptom", "Detection", "Root cause", "Fix", "Verification", "Prevention")
PLACEHOLDER = re.compile(r"<[^<>\n]{3,}>|\bTODO\b|\bTBD\b", re.IGNORECASE)


def _read(project: Path, relative: str, template_hint: str) -> str:
    path = project / relative
    if not path.is_file():
        fail(f"{relative} is missing", expected=f"the file {relative} in your project",
             got="no such file", hint=template_hint)
    if path.stat().st_size > MAX_BYTES:
        fail(f"{relative} is too large", expected=f"at most {MAX_BYTES // 1024} KiB",
             got=f"{path.stat().st_size // 1024} KiB", hint="Keep answers and postmortems to the point.")
    return path.read_text(encoding="utf-8", errors="replace")


def read_answers(project: Path, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """``answers/<name>.yaml``, parsed and checked against ``schema`` (the grader's, not the key)."""
    relative = f"answers/{name}.yaml"
    text = _read(project, relative, "Start from the template the exercise gave you (swai dev scaffold writes it).")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        fail(f"{relative} is not valid YAML{where}", expected="valid YAML", got=str(exc).splitlines()[0],
             hint="Check the indentation and quote text that contains a colon.")
    errors = sorted(Draft202012Validator(schema).iter_errors(data),
                    key=lambda e: _document_order(data, list(e.absolute_path)))
    if errors:
        error = errors[0]  # the first problem in the file, as the learner reads it
        field = ".".join(str(p) for p in error.absolute_path) or "(the whole file)"
        if error.validator == "required":
            key = error.message.split(" is a required")[0].strip("'\"")
            keys = sorted(map(str, error.instance)) if isinstance(error.instance, dict) else error.instance
            fail(f"{relative}: {key} is missing" + (f" under {field}" if error.absolute_path else ""),
                 expected="every key of the template", got=f"keys {keys}"[:200],
                 hint="Keep the template's keys as they are and fill in their values.")
        blank = error.instance is None
        fail(f"{relative}: {field} is {'not filled in' if blank else 'not an answer the template allows'}",
             expected=_describe(error.schema), got=repr(error.instance)[:200],
             hint=f"{error.message}. " + ("Every blank (null) in the template needs an answer." if blank
                                          else "The comment above this key in the template says what fits."))
    assert isinstance(data, dict)
    return data


def _document_order(data: Any, path: list[str | int]) -> list[int]:
    """Where a value sits in the parsed file: the index of each key or item along its path
    (YAML mappings keep the file's order), so problems are reported top to bottom."""
    order: list[int] = []
    for step in path:
        if isinstance(data, dict) and step in data:
            order.append(list(data).index(step))
            data = data[step]
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            order.append(step)
            data = data[step]
        else:
            order.append(-1)
    return order


def _describe(schema: Any) -> str:
    if isinstance(schema, dict):
        if "enum" in schema:
            return "one of " + ", ".join(map(repr, schema["enum"]))
        if "description" in schema:
            return str(schema["description"])
        if "type" in schema:
            return f"a value of type {schema['type']}"
    return "what the template describes"


def read_postmortem(project: Path, name: str, *, min_words: int = 15) -> dict[str, str]:
    """``postmortems/<name>.md`` with the six fixed sections, each written out (no placeholders left)."""
    relative = f"postmortems/{name}.md"
    text = _read(project, relative, "Start from the postmortem template the exercise gave you.")
    sections: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
        if heading:
            current = heading.group(1).strip()
            sections[current.casefold()] = ""
        elif current is not None:
            sections[current.casefold()] += line + "\n"
    found = {title: sections.get(title.casefold()) for title in POSTMORTEM_SECTIONS}
    missing = [title for title, body in found.items() if body is None]
    if missing:
        fail(f"{relative} lacks sections: {', '.join(missing)}",
             expected="## " + ", ## ".join(POSTMORTEM_SECTIONS), got="headings: " + ", ".join(sections) or "none",
             hint="Keep the template's six '## ' headings; write under each.")
    wanted = [title.casefold() for title in POSTMORTEM_SECTIONS]
    order = [title for title in sections if title in wanted]
    if order != wanted:
        fail(f"{relative}: the sections are out of order", expected=" → ".join(POSTMORTEM_SECTIONS),
             got=" → ".join(order), hint="A postmortem tells the incident in the order it was lived.")
    result: dict[str, str] = {}
    for title in POSTMORTEM_SECTIONS:
        body = (found[title] or "").strip()
        placeholder = PLACEHOLDER.search(body)
        if placeholder:
            fail(f"{relative}: '{title}' still holds template text", expected="your own account",
                 got=placeholder.group(0), hint="Replace every <...> placeholder and TODO.")
        words = len(re.findall(r"\w+", body))
        if words < min_words:
            fail(f"{relative}: '{title}' is too thin", expected=f"at least {min_words} words",
                 got=f"{words} words", hint=f"Say what happened and how you know, for '{title}'.")
        result[title] = body
    return result
