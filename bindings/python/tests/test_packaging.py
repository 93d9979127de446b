"""The installed package: it carries its native library (no LD_LIBRARY_PATH, any directory), is a
platform wheel with type information, finds the library in the documented order, and says what it
tried when there is none. Run against `pip install bindings/python`, not the source tree."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import tokenkit
from conftest import CHECKOUT

PACKAGE = Path(tokenkit.__file__).resolve().parent


def python(code: str, env: Optional[Dict[str, str]] = None, path: Optional[str] = None) -> subprocess.CompletedProcess:
    """Runs code in a fresh interpreter with a bare environment, from /."""
    child_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if path:
        child_env["PYTHONPATH"] = path
    child_env.update(env or {})
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env, cwd="/", timeout=60)


def test_the_installed_package_carries_its_library() -> None:
    assert "TOKENKIT_LIBRARY" not in os.environ, "unset TOKENKIT_LIBRARY to test the installed package"
    assert not PACKAGE.is_relative_to(CHECKOUT / "bindings" / "python" / "src"), (
        f"tokenkit was imported from the source tree ({PACKAGE}): pip install bindings/python first"
    )
    bundled = PACKAGE / "_native" / "libtokenkit.so"
    assert bundled.is_file() and tokenkit.library_path() == str(bundled)
    assert (PACKAGE / "py.typed").is_file()


def test_import_from_anywhere_without_library_path() -> None:
    out = python("import tokenkit; print(tokenkit.library_path()); print(tokenkit.library_version())")
    assert out.returncode == 0, out.stderr
    path, version = out.stdout.split()
    assert path == str(PACKAGE / "_native" / "libtokenkit.so") and version == tokenkit.__version__


def test_a_platform_wheel() -> None:
    wheel = importlib.metadata.distribution("tokenkit-oauth").read_text("WHEEL") or ""
    assert "Root-Is-Purelib: false" in wheel
    tags = re.findall(r"(?m)^Tag: (\S+)$", wheel)
    assert tags and all(t.startswith("py3-none-") and not t.endswith("-any") for t in tags), tags


def test_versions_agree() -> None:
    cargo = re.search(r'(?m)^version = "([^"]+)"', (CHECKOUT / "Cargo.toml").read_text())
    assert cargo and cargo.group(1) == tokenkit.__version__ == importlib.metadata.version("tokenkit-oauth")


def test_tokenkit_library_comes_first() -> None:
    built = CHECKOUT / "target" / "release" / "libtokenkit.so"
    out = python("import tokenkit; print(tokenkit.library_path())", {"TOKENKIT_LIBRARY": str(built)})
    assert out.returncode == 0 and out.stdout.strip() == str(built), out.stderr
    out = python("import tokenkit", {"TOKENKIT_LIBRARY": "/nonexistent/libtokenkit.so"})
    assert out.returncode == 1
    assert "ImportError: tokenkit: cannot load the native library TOKENKIT_LIBRARY=/nonexistent/libtokenkit.so" in out.stderr


def test_a_library_that_is_not_tokenkit_is_refused() -> None:
    libc = next(p for p in ("/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6") if Path(p).exists())
    out = python("import tokenkit", {"TOKENKIT_LIBRARY": libc})
    assert "ImportError" in out.stderr and "lacks tokenkit_" in out.stderr and "not ABI 2" in out.stderr


def test_no_library_says_what_it_tried(tmp_path: Path) -> None:
    # The package without its bundled copy, outside any checkout, and no library on the system.
    copy = tmp_path / "site" / "tokenkit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("_native", "__pycache__"))
    out = python("import tokenkit", path=str(tmp_path / "site"))
    assert out.returncode == 1
    message = out.stderr[out.stderr.index("ImportError") :]
    assert "the native library libtokenkit.so was not found. Tried:" in message
    assert "TOKENKIT_LIBRARY: not set" in message
    assert f"bundled: {copy / '_native' / 'libtokenkit.so'}: no such file" in message
    assert "system loader: libtokenkit.so.2:" in message and "system loader: libtokenkit.so:" in message
    assert "make lib" in message and "TOKENKIT_LIBRARY" in message


def test_a_checkout_library_is_found_from_the_source_tree(tmp_path: Path) -> None:
    # The source tree itself (no bundled copy) finds the checkout's target/release.
    out = python("import tokenkit; print(tokenkit.library_path())", path=str(CHECKOUT / "bindings" / "python" / "src"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(CHECKOUT / "target" / "release" / "libtokenkit.so")
