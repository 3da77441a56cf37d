"""Makes ``saving_zoo`` (models and helpers shared by these tests) importable by name;
pytest runs with ``--import-mode=importlib``, which puts no test folder on ``sys.path``."""

import importlib.util
import pathlib
import sys

if "saving_zoo" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "saving_zoo", pathlib.Path(__file__).with_name("saving_zoo.py")
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["saving_zoo"] = _module
    _spec.loader.exec_module(_module)
