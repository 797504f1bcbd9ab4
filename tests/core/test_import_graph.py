"""DESIGN §3: layers run one way. No module of src/phonedesk takes part in an import cycle
(an import that works only in one order is a bug waiting for the next refactor), and
packages that import each other do so in one direction only through the boundary
modules ``scripts/import_graph.py`` names."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "import_graph.py"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("import_graph", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_module_level_import_cycle() -> None:
    graph = _script()
    modules = graph.module_graph()
    assert "profiles.service" in modules  # the scan found the package
    assert graph.cycles(modules) == []


def test_packages_that_import_each_other_do_so_through_boundary_modules() -> None:
    graph = _script()
    pairs = graph.mutual_pairs(graph.package_edges(graph.module_graph()))
    assert ("auth", "profiles", "profiles -> auth only through auth.sessions, "
            "auth.setup_links") in pairs
    assert [(a, b) for a, b, via in pairs if via is None] == [], (
        "give one direction a module that exists to carry it, and name it in "
        "scripts/import_graph.py BOUNDARY")


def test_the_finder_sees_a_cycle() -> None:
    graph = _script()
    assert graph.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
