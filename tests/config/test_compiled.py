"""The press's hot path runs compiled (config/compiled.py, `make compiled`), and never from a stale build."""

from __future__ import annotations

import importlib
import importlib.machinery
import os

import pytest

from config import compiled


def test_make_test_runs_the_press_path_compiled_from_this_source():
    assert compiled.stale() == []
    for source in compiled.MODULES:
        module = importlib.import_module(compiled.module_name(source))
        assert module.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), (
            f"{source} runs as source: `make compiled` builds it (Cython and a C compiler)"
        )


def _project(tmp_path, *, compiled_sources=()):
    for source in compiled.MODULES:
        path = tmp_path / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
        os.utime(path, (1_000, 1_000))
    for source in compiled_sources:
        built = (tmp_path / source).with_suffix(importlib.machinery.EXTENSION_SUFFIXES[0])
        built.write_bytes(b"")
        os.utime(built, (2_000, 2_000))
    return tmp_path


def test_sources_without_a_compiled_file_run_as_they_are(tmp_path):
    project = _project(tmp_path)
    assert compiled.stale(project) == []
    compiled.refuse_stale(project)


def test_a_source_changed_after_it_was_compiled_stops_every_process(tmp_path):
    edited = compiled.MODULES[0]
    project = _project(tmp_path, compiled_sources=compiled.MODULES)
    assert compiled.stale(project) == []
    os.utime(project / edited, (3_000, 3_000))  # edited after the build: its compiled file is yesterday's code
    assert compiled.stale(project) == [edited]
    with pytest.raises(RuntimeError, match="make compiled"):
        compiled.refuse_stale(project)
