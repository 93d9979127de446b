"""The binding checked against include/tokenkit.h, so that a changed signature fails the tests
instead of corrupting a call at run time: every function of the header is declared in
tokenkit/_ffi.py with the ctypes types of its C types (and used by the package), the callback
types match the header's function-pointer typedefs, the struct its fields, and each constant
written in Python (the ABI version, the enum numbers) is the header's. Needs no server."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import tokenkit
from tokenkit import _ffi
from conftest import HEADER

P = ctypes.POINTER

# Functions of the header the binding does not declare on purpose, with the reason.
NOT_BOUND: Dict[str, str] = {}

SCALARS = {
    "void": None,
    "int32_t": ctypes.c_int32,
    "uint32_t": ctypes.c_uint32,
    "int64_t": ctypes.c_int64,
    "uint8_t": ctypes.c_uint8,
    "tokenkit_status": ctypes.c_int32,
    "tokenkit_auth_method": ctypes.c_int32,
    "tokenkit_revocation_style": ctypes.c_int32,
}


class Header:
    def __init__(self, text: str) -> None:
        self.defines = dict(re.findall(r"(?m)^\s*#define\s+(\w+)\s+(\S+)", text))
        self.enums = {name: int(value) for name, value in re.findall(r"\b(TOKENKIT_[A-Z0-9_]+)\s*=\s*(-?\d+)", text)}
        code = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        code = re.sub(r"//[^\n]*", " ", code)
        code = "\n".join(line for line in code.split("\n") if not line.strip().startswith("#"))
        self.functions: Dict[str, Tuple[str, List[str]]] = {}
        self.callbacks: Dict[str, Tuple[str, List[str]]] = {}
        self.structs: Dict[str, List[Tuple[str, str]]] = {}
        for name, body in re.findall(r"typedef\s+struct\s+(\w+)\s*\{([^}]*)\}", code):
            fields = [f.strip() for f in body.split(";") if f.strip()]
            self.structs[name] = [(_split_decl(f)[1], _split_decl(f)[0]) for f in fields]
        code = re.sub(r"typedef\s+struct\s+\w+\s*\{[^}]*\}\s*\w+\s*;", " ", code)
        code = re.sub(r"enum\s+\w+[^{;]*\{[^}]*\}\s*;", " ", code)
        for stmt in code.split(";"):
            stmt = " ".join(stmt.split())
            if "}" in stmt:
                stmt = stmt[stmt.rindex("}") + 1 :].strip()
            m = re.fullmatch(r"typedef (.+?)\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)", stmt)
            if m:
                self.callbacks[m.group(2)] = (m.group(1).strip(), _params(m.group(3)))
                continue
            m = re.fullmatch(r"(?:extern \"C\" \{ )?([\w\s\*]+?)\b(tokenkit_\w+)\s*\((.*)\)", stmt)
            if m and not stmt.startswith("typedef"):
                self.functions[m.group(2)] = (m.group(1).strip(), _params(m.group(3)))


def _split_decl(decl: str) -> Tuple[str, str]:
    """'const char *token_endpoint' -> ('const char *', 'token_endpoint')."""
    m = re.fullmatch(r"(.*?)(\w+)\s*", decl.strip())
    assert m, decl
    return m.group(1).strip(), m.group(2)


def _params(params: str) -> List[str]:
    params = params.strip()
    if params in ("", "void"):
        return []
    return [_split_decl(p)[0] for p in params.split(",")]


def ctype_of(c_type: str) -> Any:
    """The ctypes type the binding must use for a C type of the header."""
    t = " ".join(c_type.replace("*", " * ").split())
    const = t.startswith("const ")
    t = t.removeprefix("const ").replace("struct ", "").replace("enum ", "")
    stars = t.count("*")
    base = t.replace("*", "").strip()
    if base == "char":
        if stars == 1:
            return ctypes.c_char_p if const else P(ctypes.c_char)
        assert stars == 2 and not const, c_type
        return P(P(ctypes.c_char))
    if base == "void" and stars == 1:
        return ctypes.c_void_p
    if base.endswith("_fn"):
        assert stars == 0, c_type
        return getattr(_ffi, base)
    target: Any = SCALARS[base] if base in SCALARS else getattr(_ffi, base)
    for _ in range(stars):
        target = P(target)
    return target


@pytest.fixture(scope="module")
def header() -> Header:
    return Header(HEADER.read_text())


def test_the_header_parses(header: Header) -> None:
    assert len(header.functions) >= 110 and len(header.callbacks) == 5 and "tokenkit_exchange_request" in header.structs


def test_every_declaration_matches_the_header(header: Header) -> None:
    problems = []
    for name, (restype, argtypes) in _ffi.FUNCTIONS.items():
        if name not in header.functions:
            problems.append(f"{name}: not in the header")
            continue
        c_ret, c_params = header.functions[name]
        if restype is not ctype_of(c_ret):
            problems.append(f"{name}: returns {c_ret}, declared {restype}")
        if len(argtypes) != len(c_params):
            problems.append(f"{name}: {len(c_params)} parameters, declared {len(argtypes)}")
            continue
        for i, (declared, c_type) in enumerate(zip(argtypes, c_params)):
            if declared is not ctype_of(c_type):
                problems.append(f"{name}: parameter {i} is {c_type}, declared {declared}")
    assert problems == []


def test_every_function_of_the_header_is_bound_and_used(header: Header) -> None:
    missing = set(header.functions) - set(_ffi.FUNCTIONS) - set(NOT_BOUND)
    assert missing == set(), "bind them in tokenkit/_ffi.py, or list them in NOT_BOUND with the reason"
    assert set(NOT_BOUND) <= set(header.functions), "NOT_BOUND names functions the header no longer has"
    assert _ffi.OPTIONAL <= set(header.functions) and len(_ffi.OPTIONAL) <= 3
    package = Path(tokenkit.__file__).parent
    sources = "\n".join(p.read_text() for p in package.glob("*.py") if p.name != "_ffi.py")
    sources += "\n".join(line for line in (package / "_ffi.py").read_text().split("\n") if "lib." in line or "dll." in line)
    unused = [name for name in _ffi.FUNCTIONS if not re.search(rf"\b{name}\b", sources)]
    assert unused == [], "declared but never called"


def test_callback_types(header: Header) -> None:
    for name, (c_ret, c_params) in header.callbacks.items():
        declared = getattr(_ffi, name)
        assert declared._restype_ is ctype_of(c_ret), name
        assert declared._argtypes_ == tuple(ctype_of(p) for p in c_params), name


def test_struct_layout(header: Header) -> None:
    fields = header.structs["tokenkit_exchange_request"]
    declared = _ffi.tokenkit_exchange_request._fields_
    assert [(n, ctype_of(t)) for n, t in fields] == [(n, t) for n, t in declared]


def test_constants(header: Header) -> None:
    assert int(header.defines["TOKENKIT_ABI_VERSION"]) == _ffi.ABI_VERSION == tokenkit.ABI_VERSION
    statuses = {k: v for k, v in header.enums.items() if k.startswith("TOKENKIT_STATUS_") and k != "TOKENKIT_STATUS_OK"}
    kinds = {f"TOKENKIT_STATUS_{kind.name}": int(kind) for kind in tokenkit.ErrorKind if kind.name != "UNKNOWN"}
    assert kinds == statuses
    assert header.enums["TOKENKIT_STATUS_OK"] == 0
    for name in (
        "TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST",
        "TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC",
        "TOKENKIT_AUTH_METHOD_NONE",
        "TOKENKIT_REVOCATION_STYLE_RFC7009",
        "TOKENKIT_REVOCATION_STYLE_NEST_DELETE",
    ):
        assert getattr(_ffi, name) == header.enums[name], name
    enum_names = {k for k in header.enums if k.startswith(("TOKENKIT_AUTH_METHOD_", "TOKENKIT_REVOCATION_STYLE_"))}
    assert enum_names <= set(dir(_ffi)), "a new enum constant: add it to tokenkit/_ffi.py"


def test_the_library_has_every_function() -> None:
    missing = [name for name in _ffi.FUNCTIONS if name not in _ffi.OPTIONAL and not _ffi.has(name)]
    assert missing == []


def test_a_mismatch_would_be_caught() -> None:
    # The checker itself: a wrong type is noticed.
    fake = Header("tokenkit_status tokenkit_client_new(const struct tokenkit_config *config, int64_t x, struct tokenkit_error **err);")
    c_ret, c_params = fake.functions["tokenkit_client_new"]
    _, declared = _ffi.FUNCTIONS["tokenkit_client_new"]
    assert [ctype_of(p) for p in c_params] != list(declared)
    assert ctype_of("const char *") is ctypes.c_char_p and ctype_of("char **") is P(P(ctypes.c_char))
    optional: Optional[str] = None
    assert optional is None
