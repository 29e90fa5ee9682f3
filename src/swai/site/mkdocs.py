"""A MkDocs project written from Jinja templates and built with ``mkdocs build --strict``.

The configuration keeps to what Material for MkDocs and Zensical both read: the material
theme with its own fonts switched off (no Google Fonts: the site works offline), the built-in
search, and standard Markdown extensions only.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined

MARKDOWN_EXTENSIONS: list[Any] = [
    "tables", "admonition", "attr_list", "md_in_html", "def_list",
    {"toc": {"permalink": True}},
    {"pymdownx.tasklist": {"custom_checkbox": True}},
    "pymdownx.details",
    {"pymdownx.superfences": {}},
]


def environment() -> Environment:
    env = Environment(loader=PackageLoader("swai.site", "templates"), autoescape=False, undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["fenced"] = fenced
    env.filters["cell"] = cell
    env.filters["num"] = number
    return env


def fenced(text: str, info: str = "text") -> str:
    """``text`` as a fenced code block whose fence no line of it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def cell(text: object) -> str:
    """A value safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() or abs(value) >= 100 else f"{value:.3g}"
    return str(value)


@dataclass
class MkDocsProject:
    root: Path
    site_name: str
    nav: list[Any] = field(default_factory=list)
    env: Environment = field(default_factory=environment)

    def page(self, path: str, template: str, context: dict[str, Any], *, title: str,
             section: str | None = None, prefix: str = "") -> None:
        """Render ``template`` to ``docs/<path>`` (after ``prefix``, e.g. the page's own title line);
        ``link(target)`` in the template gives a relative link."""
        here = posixpath.dirname(path)

        def link(target: str) -> str:
            return posixpath.relpath(target, here or ".")

        text = self.env.get_template(template).render(context | {"link": link, "page_path": path})
        self._write(path, f"{prefix}\n\n{text}" if prefix else text)
        entry = {title: path}
        if section is None:
            self.nav.append(entry)
        else:
            group = next((g for g in self.nav if isinstance(g, dict) and list(g) == [section]
                          and isinstance(g[section], list)), None)
            if group is None:
                group = {section: []}
                self.nav.append(group)
            group[section].append(entry)

    def asset(self, path: str, text: str) -> None:
        self._write(path, text)

    def _write(self, path: str, text: str) -> None:
        target = self.root / "docs" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def config(self) -> dict[str, Any]:
        return {
            "site_name": self.site_name,
            "docs_dir": "docs",
            "theme": {"name": "material", "font": False, "features": ["navigation.sections", "navigation.top",
                                                                      "search.highlight"]},
            "plugins": ["search"],
            "markdown_extensions": MARKDOWN_EXTENSIONS,
            "nav": self.nav,
        }

    def build(self, out: Path) -> None:
        config = self.root / "mkdocs.yml"
        config.write_text(yaml.safe_dump(self.config(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(config),
                               "-d", str(out.resolve())], capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"mkdocs build --strict failed:\n{proc.stdout}{proc.stderr}")
