"""The docstring examples in graph.resolve are part of the contract: run them."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import graph.resolve


def _modules() -> list[str]:
    return ["graph.resolve"] + [
        info.name for info in pkgutil.walk_packages(graph.resolve.__path__, "graph.resolve.")
    ]


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_every_module_has_examples() -> None:
    # "docstrings with a doctest-like example": keep it true as modules are added.
    finder = doctest.DocTestFinder()
    for name in _modules():
        module = importlib.import_module(name)
        assert any(t.examples for t in finder.find(module)), f"{name} has no docstring example"
