"""The package-level import graph of src/phonedesk, and where its mutual pairs go through.

    .venv/bin/python scripts/import_graph.py     # prints the graph; exit 1 on a violation

Layers run one way (DESIGN §3). Where two packages import each other, one
direction must go only through a module that exists to carry it (BOUNDARY),
and no module-level import cycle may exist at all.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "phonedesk"
BOUNDARY = {
    "api.router": "the /api/v1 composition root: mounts every domain's router",
    "auth.secrets": "secret generation and key derivation, used wherever a secret is sealed",
    "auth.sessions": "the session store the profile lifecycle ends (R-D1)",
    "auth.setup_links": "the setup-link store the profile lifecycle issues and voids (R-V1, R-D1)",
    "extensions.population": "set-based holder rules over models only (R-E3, R-E4, R-D1)",
    "messages.storage": "the voicemail and fax file store the outbox attaches from (R-M1)",
    "switch.rpc": "the switch delivery channel the outbox worker sends through (R-SW7)",
    "web.templating": "the Jinja environment every page module renders with",
}
Edge = tuple[str, str]


def module_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module (dotted, without ``phonedesk.``) -> the phonedesk modules it imports."""
    paths = {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p
             for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("phonedesk."):
                base = (node.module or "").removeprefix("phonedesk.")
                # ``from phonedesk.auth import sessions`` imports the module auth.sessions,
                # after running the package's __init__ (which matters when it imports).
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base
                           for a in node.names]
                if base in paths and "import" in paths[base].read_text():
                    targets.append(base)
            elif isinstance(node, ast.Import):
                targets = [a.name.removeprefix("phonedesk.") for a in node.names
                           if a.name.startswith("phonedesk.")]
            for target in targets:
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The module-level import cycles (strongly connected components of two or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_edges(graph: dict[str, set[str]]) -> dict[Edge, set[Edge]]:
    """(package, package) -> the module imports behind it."""
    edges: dict[Edge, set[Edge]] = defaultdict(set)
    for module, targets in graph.items():
        for target in targets:
            a, b = module.split(".")[0], target.split(".")[0]
            if a != b:
                edges[(a, b)].add((module, target))
    return edges


def mutual_pairs(edges: dict[Edge, set[Edge]]) -> list[tuple[str, str, str | None]]:
    """Each pair of packages importing each other, with the boundary modules carrying one
    direction (None: neither direction goes through boundary modules only)."""
    packages = sorted({p for edge in edges for p in edge})
    pairs: list[tuple[str, str, str | None]] = []
    for a, b in itertools.combinations(packages, 2):
        if (a, b) not in edges or (b, a) not in edges:
            continue
        carried = [(x, y) for x, y in ((a, b), (b, a))
                   if all(s in BOUNDARY or t in BOUNDARY for s, t in edges[(x, y)])]
        if not carried:
            pairs.append((a, b, None))
            continue
        x, y = carried[0]
        via = sorted({t if t in BOUNDARY else s for s, t in edges[(x, y)]})
        pairs.append((a, b, f"{x} -> {y} only through {', '.join(via)}"))
    return pairs


def main() -> int:
    graph = module_graph()
    edges = package_edges(graph)
    packages = sorted({p for edge in edges for p in edge})
    print("package -> packages it imports")
    for a in packages:
        print(f"  {a:11} -> {', '.join(sorted(b for x, b in edges if x == a)) or '-'}")
    print("\nmutual pairs:")
    pairs = mutual_pairs(edges)
    for a, b, via in pairs:
        print(f"  {a} <-> {b}: {via or 'NOT through a boundary module'}")
    found = cycles(graph)
    print("\nmodule-level cycles:", found or "none")
    return 1 if found or any(via is None for _, _, via in pairs) else 0


if __name__ == "__main__":
    sys.exit(main())
