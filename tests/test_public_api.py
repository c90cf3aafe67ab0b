"""Each package's ``__all__`` is exactly what its ``__init__`` defines or imports, and every
listed name exists (in the spirit of httpx's ``tests/test_exported_members.py``).

The names are read from the ``__init__`` source, not from ``vars(package)``: importing any
submodule binds it on the package, so ``vars`` would also show modules nobody exported.
"""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

PACKAGES = ("vault", "consent", "web.client")


def _bound_in_init(package: str) -> set[str]:
    """Public names bound at the top level of the package's ``__init__``."""
    tree = ast.parse(inspect.getsource(importlib.import_module(package)))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_") and n != "annotations"}


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_exactly_what_init_exports(package: str) -> None:
    module = importlib.import_module(package)
    exported = module.__all__
    assert len(exported) == len(set(exported)), "a name is listed twice"
    assert set(exported) == _bound_in_init(package)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


def test_client_uses_only_public_vault_names() -> None:
    """The client imports vault's item recipe and key lookup from ``vault`` itself."""
    import vault

    for name in ("seal_item", "unwrap_item_key", "open_item_with_key", "KeyLookup"):
        assert name in vault.__all__
    for module in ("web.client.consent", "web.client.writes", "web.client.emergency"):
        source = inspect.getsource(importlib.import_module(module))
        assert "from vault.dossier import" not in source
        assert "from vault.keyring import" not in source
