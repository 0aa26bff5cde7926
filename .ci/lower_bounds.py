"""Check that the lower bounds in pyproject.toml are the versions the resolver installs.

``make test-oldest`` resolves the runtime dependencies with ``uv pip compile --resolution
lowest-direct`` and passes the result here. A direct dependency resolved above the lower
bound that pyproject.toml declares means that bound cannot be installed with the rest:
raise it to the version printed.

Usage::

    python .ci/lower_bounds.py pyproject.toml .venv-oldest/oldest.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

RUNTIME_EXTRAS = ("langchain", "llama-index", "emulator")
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)")


def declared_lower_bounds(pyproject: Path) -> dict[str, str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    lines = list(project["dependencies"])
    for extra in RUNTIME_EXTRAS:
        lines += project["optional-dependencies"][extra]
    bounds: dict[str, str] = {}
    for line in lines:
        requirement = Requirement(line)
        for spec in requirement.specifier:
            if spec.operator in (">=", "=="):
                bounds[canonicalize_name(requirement.name)] = spec.version
    return bounds


def resolved(pins: Path) -> dict[str, str]:
    found = {}
    for line in pins.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[canonicalize_name(match["name"])] = match["version"]
    return found


def main(pyproject: str, pins: str) -> int:
    bounds, versions = declared_lower_bounds(Path(pyproject)), resolved(Path(pins))
    wrong = {
        name: (bound, versions.get(name))
        for name, bound in bounds.items()
        if name not in versions or Version(versions[name]) != Version(bound)
    }
    for name, version in sorted(bounds.items()):
        mark = "" if name not in wrong else f"  <- resolved {wrong[name][1]}"
        print(f"  {name}>={version}{mark}")
    if wrong:
        print(
            "These lower bounds cannot be installed together: raise each to the version "
            "resolved, in pyproject.toml.",
            file=sys.stderr,
        )
        return 1
    print("Every lower bound is the version installed.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
