"""Build hook of tokenkit-oauth: puts the native library inside the package and tags the wheel.

The metadata lives in pyproject.toml. This file only adds two steps to setuptools:

- build_py copies libtokenkit into tokenkit/_native/ of the build, from the first of:
  1. $TOKENKIT_LIBRARY (a path to the library file);
  2. src/tokenkit/_native/ of this source tree (where an sdist made by this file carries it);
  3. ../../target/release/ (the checkout this directory belongs to, after `make lib`);
  4. `cargo build --release -p tokenkit --lib` at the checkout's root, when cargo is on PATH and
     TOKENKIT_NO_CARGO is not set, then 3 again.
  It fails with a message naming each place when none has it. On Linux the copy is stripped of
  debug information (`strip --strip-unneeded`, when binutils is there and TOKENKIT_NO_STRIP is
  not set): 3 MiB instead of 22.
- bdist_wheel tags the wheel py3-none-<platform>: it carries a native library, but loads it with
  ctypes, so it does not depend on the Python version or ABI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

try:  # setuptools >= 70.1
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools, with the wheel package
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent.parent
if sys.platform == "darwin":
    LIBRARY = "libtokenkit.dylib"
elif sys.platform == "win32":
    LIBRARY = "tokenkit.dll"
else:
    LIBRARY = "libtokenkit.so"
BUNDLED = Path("src", "tokenkit", "_native", LIBRARY)


def find_library() -> Path:
    tried = []
    env = os.environ.get("TOKENKIT_LIBRARY")
    if env:
        if Path(env).is_file():
            return Path(env)
        raise SystemExit(f"tokenkit-oauth: TOKENKIT_LIBRARY={env} is not a file")
    tried.append("TOKENKIT_LIBRARY (not set)")
    candidates = [HERE / BUNDLED, CHECKOUT / "target" / "release" / LIBRARY]
    for path in candidates:
        if path.is_file():
            return path
        tried.append(str(path))
    if (CHECKOUT / "Cargo.toml").is_file() and shutil.which("cargo") and not os.environ.get("TOKENKIT_NO_CARGO"):
        print("tokenkit-oauth: building the native library: cargo build --release -p tokenkit --lib", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "-p", "tokenkit", "--lib"], cwd=CHECKOUT, check=True)
        if candidates[1].is_file():
            return candidates[1]
    tried.append("cargo build at " + str(CHECKOUT) + " (no cargo, no Cargo.toml there, or TOKENKIT_NO_CARGO set)")
    raise SystemExit(
        f"tokenkit-oauth: the native library {LIBRARY} was not found. Tried:\n  "
        + "\n  ".join(tried)
        + "\nRun `make lib` at the checkout's root, or set TOKENKIT_LIBRARY to the library's path."
    )


class build_py_with_library(build_py):
    """build_py, then the native library into tokenkit/_native/."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib, "tokenkit", "_native", LIBRARY)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = find_library()
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
            strip(target)
        print(f"tokenkit-oauth: bundled {source} as {target}", file=sys.stderr)


def strip(library: Path) -> None:
    if sys.platform.startswith("linux") and shutil.which("strip") and not os.environ.get("TOKENKIT_NO_STRIP"):
        done = subprocess.run(["strip", "--strip-unneeded", str(library)], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"tokenkit-oauth: strip failed, the library is bundled as built: {done.stderr}", file=sys.stderr)


class sdist_with_library(sdist):
    """An sdist carries the library too, so that a wheel built from it (python -m build) has it."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        target = Path(base_dir, BUNDLED)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(find_library(), target)
        strip(target)


class BinaryDistribution(Distribution):
    """Carries a native library: installed as platlib, in a platform wheel."""

    def has_ext_modules(self) -> bool:
        return True


class platform_wheel(bdist_wheel):
    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    distclass=BinaryDistribution,
    cmdclass={"build_py": build_py_with_library, "sdist": sdist_with_library, "bdist_wheel": platform_wheel},
)
