"""The two locks: a production server installs requirements.lock only, so nothing the platform
imports may live in requirements-dev.lock alone, and the test and lint tools stay out of it."""

from __future__ import annotations

import ast
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from django.contrib.staticfiles import finders
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_CODE = ("config", "core", "engines", "modules")


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[canonicalize_name(name)] = version.strip()
    return found


def direct(requirements: list[str]) -> dict[str, str]:
    out = {}
    for text in requirements:
        req = Requirement(text)
        (spec,) = req.specifier
        out[canonicalize_name(req.name)] = spec.version
    return out


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = pins(ROOT / "requirements.lock")
DEV = pins(ROOT / "requirements-dev.lock")


def test_the_dev_lock_adds_to_the_runtime_lock_without_repeating_it():
    assert "-r requirements.lock" in (ROOT / "requirements-dev.lock").read_text().splitlines()
    assert not set(RUNTIME) & set(DEV)


def test_pyproject_agrees_with_the_locks():
    for name, version in direct(PROJECT["dependencies"]).items():
        assert RUNTIME.get(name) == version, f"{name}: pyproject {version}, requirements.lock {RUNTIME.get(name)}"
    extras = PROJECT["optional-dependencies"]
    for name, version in direct(extras["test"] + extras["dev"]).items():
        assert DEV.get(name) == version, f"{name}: pyproject {version}, requirements-dev.lock {DEV.get(name)}"
        assert name not in RUNTIME, f"{name} is a test/dev tool but a production server would install it"


def _imported_top_level(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_platform_imports_nothing_that_only_the_dev_lock_installs():
    dev_only = {module for module, dists in packages_distributions().items() if {canonicalize_name(d) for d in dists} <= set(DEV)}
    offenders = []
    for top in RUNTIME_CODE:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or path.name == "conftest.py" or path.name.startswith("factories"):
                continue
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in sorted(_imported_top_level(path) & dev_only)]
    assert not offenders, "installed by requirements-dev.lock only:\n" + "\n".join(offenders)


def test_test_tools_are_not_served_as_static_files():
    # axe-core runs in the browser tests only (injected by e2e/conftest.py), never from static/.
    assert finders.find("vendor/axe.min.js") is None
    assert "axe" not in (ROOT / "frontend" / "copy-assets.mjs").read_text().split("const assets", 1)[1].split("};", 1)[0]
