"""`make compiled`: compile the press's hot path (config/compiled.py's MODULES) with Cython, in place.

Only modules whose source is newer than their compiled file (or that have none) are built; the C files and
objects go to var/cython/. Without Cython or a C compiler it says so and exits 0: the sources run instead.
`--clean` deletes the compiled files (the sources run again).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.compiled import MODULES, compiled_files, module_name, stale  # noqa: E402

BUILD_DIR = BASE_DIR / "var" / "cython"
#: Compile the code as Python: no annotation becomes a C type (a `str` subclass stays a `str`, a float may be
#: None), no variable is given a C type by inference.
DIRECTIVES = {"annotation_typing": False, "infer_types": False, "language_level": 3}


def to_build() -> list[str]:
    """Sources never compiled here, and those changed since (config.compiled.stale)."""
    old = set(stale())
    return [source for source in MODULES if source in old or not compiled_files(source)]


def clean() -> None:
    for source in MODULES:
        for file in compiled_files(source):
            file.unlink()
            print(f"removed {file.relative_to(BASE_DIR)}")


def build(sources: list[str]) -> int:
    try:
        from Cython.Build import cythonize
        from setuptools import Distribution, Extension
    except ImportError as error:
        print(f"compile: {error}; the hot path runs as Python source", file=sys.stderr)
        return 0
    extensions = [Extension(module_name(source), [source]) for source in sources]
    modules = cythonize(extensions, build_dir=str(BUILD_DIR), compiler_directives=DIRECTIVES, force=True, quiet=True)
    distribution = Distribution({"ext_modules": modules, "script_name": "scripts/compile.py"})
    command = distribution.get_command_obj("build_ext")
    command.inplace = True
    command.build_temp = str(BUILD_DIR / "temp")
    command.parallel = 2
    try:
        distribution.run_command("build_ext")
    except Exception as error:  # noqa: BLE001 - a machine without a working compiler runs the sources
        print(f"compile: {error}; the hot path runs as Python source", file=sys.stderr)
        clean()  # no half-built set: each module is either compiled from this source or not at all
        return 0
    print(f"compiled {len(sources)} modules: {', '.join(sources)}")
    return 0


def main() -> int:
    os.chdir(BASE_DIR)  # the extensions' sources and in-place targets are relative to the project
    if "--clean" in sys.argv[1:]:
        clean()
        return 0
    sources = to_build()
    return build(sources) if sources else 0


if __name__ == "__main__":
    raise SystemExit(main())
