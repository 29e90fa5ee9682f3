"""Checks the answers before anything is written; a bad answer stops generation with a clear error."""

import re
import sys

ANSWERS = {
    "learner_name": {{ cookiecutter.learner_name | tojson }},
    "github_user": {{ cookiecutter.github_user | tojson }},
    "repo_name": {{ cookiecutter.repo_name | tojson }},
    "stages": {{ cookiecutter.stages | tojson }},
    "grader_source": {{ cookiecutter.grader_source | tojson }},
    "bundle_url": {{ cookiecutter.bundle_url | tojson }},
    "classroom": {{ cookiecutter.classroom | tojson }},
}
ALL_STAGES = {{ cookiecutter._all_stages | tojson }}

# GitHub's rules: a user name is 1-39 letters, digits and single inner hyphens; a repository
# name is letters, digits, '.', '-' and '_', at most 100 characters, and not '.' or '..'.
GITHUB_USER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
REPO_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def problems(answers: dict[str, str]) -> list[str]:
    found = []
    if not answers["learner_name"].strip():
        found.append("learner_name: say who you are (any name)")
    if not GITHUB_USER.match(answers["github_user"]):
        found.append(f"github_user {answers['github_user']!r} is not a GitHub user name "
                     "(letters, digits and single hyphens, at most 39)")
    repo = answers["repo_name"]
    if not REPO_NAME.match(repo) or repo in (".", "..") or repo.lower().endswith(".git"):
        found.append(f"repo_name {repo!r} is not a valid GitHub repository name "
                     "(letters, digits, '.', '-', '_'; at most 100; not ending in .git)")
    if answers["stages"].strip() != "all":
        chosen = [s.strip() for s in answers["stages"].split(",")]
        unknown = [s for s in chosen if s not in ALL_STAGES]
        if unknown or len(set(chosen)) != len(chosen):
            found.append(f"stages {answers['stages']!r}: give 'all' or distinct stages among {', '.join(ALL_STAGES)}")
    if answers["grader_source"] == "bundle" and not answers["bundle_url"].startswith("https://"):
        found.append("bundle_url: a private grader bundle needs its https:// URL")
    if answers["grader_source"] == "pypi" and answers["bundle_url"]:
        found.append("bundle_url: only used with grader_source=bundle; leave it empty")
    return found


if __name__ == "__main__":
    errors = problems(ANSWERS)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    sys.exit(1 if errors else 0)
