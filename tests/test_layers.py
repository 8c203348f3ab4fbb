"""The layer rules of STYLE.md as a test, read from the source (imports and calls):

- crm/services and crm/models never import Flask (flask, flask_*), the web glue
  (crm.web) or a blueprint (crm.blueprints): domain code runs in jobs and the
  CLI without an app;
- crm/models never import crm/services (models are the bottom layer);
- blueprints never build SQL: no sqlalchemy import and no query calls on a
  session (execute, scalar(s), query, get, exec_driver_sql); they call services.

Each rule is also run against planted violations, so the checker itself is
proven to catch them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CRM = ROOT / "crm"

WEB_MODULES = ("flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug.wrappers", "jinja2_fragments", "crm.web", "crm.blueprints")
QUERY_CALLS = {"execute", "scalar", "scalars", "query", "exec_driver_sql"}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module a source imports, at any depth (lazy imports count)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def domain_violations(source: str, *, is_model: bool = False) -> list[str]:
    tree = ast.parse(source)
    out = [f"line {line}: imports {mod}" for line, mod in imported_modules(tree) if _within(mod, WEB_MODULES)]
    if is_model:
        out += [f"line {line}: a model imports {mod}" for line, mod in imported_modules(tree) if _within(mod, ("crm.services",))]
    return sorted(set(out))


def blueprint_violations(source: str) -> list[str]:
    tree = ast.parse(source)
    out = [f"line {line}: imports {mod}" for line, mod in imported_modules(tree) if _within(mod, ("sqlalchemy",))]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else ""
            if node.func.attr in QUERY_CALLS or (node.func.attr == "get" and owner_name in ("session", "db")):
                out.append(f"line {node.lineno}: builds SQL (.{node.func.attr})")
    return sorted(set(out))


def _sources(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        yield path, path.read_text()


@pytest.mark.parametrize("layer", ["services", "models"])
def test_domain_layers_import_no_flask_web_glue_or_blueprint(layer):
    problems = {str(p.relative_to(ROOT)): v for p, s in _sources(CRM / layer)
                if (v := domain_violations(s, is_model=layer == "models"))}
    assert not problems, problems


def test_blueprints_build_no_sql():
    problems = {str(p.relative_to(ROOT)): v for p, s in _sources(CRM / "blueprints") if (v := blueprint_violations(s))}
    assert not problems, problems


@pytest.mark.parametrize("planted", [
    "from flask import request\n",
    "import flask_login\n",
    "def f():\n    from crm.blueprints.distribution import batches\n",
    "from crm.web.views import actor\n",
    "from crm import web\nimport crm.web.htmx\n",
])
def test_the_domain_rule_catches_a_planted_violation(planted):
    assert domain_violations("from sqlalchemy import select\n" + planted)


def test_a_model_importing_a_service_is_caught():
    assert domain_violations("from crm.services import audit\n", is_model=True)
    assert not domain_violations("from crm.services import audit\n", is_model=False)


@pytest.mark.parametrize("planted", [
    "from sqlalchemy import select\n",
    "def view():\n    return get_session().execute(stmt)\n",
    "def view(session):\n    return session.scalars(stmt).all()\n",
    "def view(session):\n    return session.get(User, 1)\n",
    "def view(session):\n    session.connection().exec_driver_sql('DELETE FROM users')\n",
])
def test_the_blueprint_rule_catches_a_planted_violation(planted):
    source = "def view(session):\n    return svc.list_users(session)\n" + planted
    assert blueprint_violations(source)
    assert not blueprint_violations("def view(session):\n    return svc.list_users(session, request.args.get('q'))\n")
