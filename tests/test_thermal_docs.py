"""The Examples in the thermal docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["_network", "_transient", "_steady"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"thermaljax.thermal.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
