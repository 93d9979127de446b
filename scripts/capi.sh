#!/usr/bin/env bash
# The C library as the system's tools expect it, in cargo-c's layout (see [package.metadata.capi]
# in Cargo.toml), driven by the Makefile:
#
#   capi.sh checkout   after `cargo build`: target/release/libtokenkit.so.ABI (the SONAME, a link to
#                      libtokenkit.so, for programs linked in the checkout), the system libraries the
#                      static library needs (target/release/native-static-libs.txt) and pkg-config
#                      files for building against the checkout (target/pkgconfig)
#   capi.sh stage      the shipped artifacts in target/capi: lib/libtokenkit.so.VERSION stripped
#                      (its debug info in lib/libtokenkit.so.VERSION.debug, named by a debuglink),
#                      lib/libtokenkit.a exporting only tokenkit_*, jna/PLATFORM/libtokenkit.so for
#                      the jar
#   capi.sh install    the staged artifacts, the headers, pkg-config and CMake files, the CLI and
#                      the licences into $DESTDIR with $PREFIX, $BINDIR, $LIBDIR, $INCLUDEDIR, $DOCDIR
#   capi.sh uninstall  removes what install put there
#   capi.sh dist       target/dist/tokenkit-VERSION-OS-ARCH.tar.gz: a relocatable install tree (and
#                      ...-debug.tar.gz with the debug info, to unpack over it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rel=$root/target/release
stage=$root/target/capi
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
abi=$(sed -n 's/^#define TOKENKIT_ABI_VERSION \([0-9][0-9]*\)$/\1/p' "$root/include/tokenkit.h")
real=libtokenkit.so.$version # the file, named by the crate version
soname=libtokenkit.so.$abi   # what programs record (DT_NEEDED): the ABI version
description="OAuth 2.0 token client with a C ABI (tokenkit.h) and a C++17 header (tokenkit.hpp)"

die() { echo "capi: $*" >&2; exit 1; }
[ -n "$version" ] && [ -n "$abi" ] || die "cannot read the version from Cargo.toml or the ABI from include/tokenkit.h"

# JNA's name for this platform (Platform.RESOURCE_PREFIX), where the jar carries the library.
jna_platform() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo linux-x86-64 ;;
    Linux-aarch64) echo linux-aarch64 ;;
    *) echo unsupported ;;
  esac
}

# The system libraries a static link of libtokenkit.a needs, as rustc prints them for a staticlib
# of exactly this dependency graph: a one-line crate that links the tokenkit rlib cargo just built
# (no recompilation, no change to cargo's fingerprints; the archive it writes is thrown away).
native_static_libs() {
  local tmp
  tmp=$(mktemp -d)
  echo 'extern crate tokenkit;' > "$tmp/probe.rs"
  rustc --edition 2021 --crate-type staticlib --crate-name tokenkit_native_libs -C opt-level=0 \
    -L "dependency=$rel/deps" --extern "tokenkit=$rel/libtokenkit.rlib" \
    --print "native-static-libs=$tmp/libs.txt" -o "$tmp/probe.a" "$tmp/probe.rs" 2> "$tmp/err" ||
    { cat "$tmp/err" >&2; rm -rf "$tmp"; die "rustc could not link the probe against $rel/libtokenkit.rlib"; }
  tr -s ' \n' ' ' < "$tmp/libs.txt" | sed 's/^ //; s/ $//; $a\'
  rm -rf "$tmp"
}

# write_if_changed FILE: stdin into FILE, leaving FILE (and its mtime) alone when it is the same.
write_if_changed() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat > "$tmp"
  chmod 644 "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; fi
}

# write_pc DIR PREFIX LIBDIR INCLUDEDIR SHARED_EXTRA NATIVES_FILE: tokenkit.pc (the shared library, cargo-c's
# file: Libs.private for `pkg-config --static`) and tokenkit-static.pc (libtokenkit.a itself: a
# static link with no other flags, whether or not the .so sits beside it).
write_pc() {
  local dir=$1 prefix=$2 libdir=$3 includedir=$4 extra=$5 natives
  natives=$(cat "$6")
  mkdir -p "$dir"
  write_if_changed "$dir/tokenkit.pc" <<EOF
prefix=$prefix
exec_prefix=\${prefix}
libdir=$libdir
includedir=$includedir

Name: tokenkit
Description: $description
URL: https://github.com/tokenkit/tokenkit
Version: $version
Libs: -L\${libdir} -ltokenkit${extra:+ $extra}
Libs.private: $natives
Cflags: -I\${includedir}
EOF
  write_if_changed "$dir/tokenkit-static.pc" <<EOF
prefix=$prefix
exec_prefix=\${prefix}
libdir=$libdir
includedir=$includedir

Name: tokenkit-static
Description: $description; libtokenkit.a, linked statically
URL: https://github.com/tokenkit/tokenkit
Version: $version
Libs: \${libdir}/libtokenkit.a $natives
Cflags: -I\${includedir}
EOF
}

checkout() {
  [ -f "$rel/libtokenkit.so" ] || die "no $rel/libtokenkit.so: run make lib"
  local got
  got=$(readelf -d "$rel/libtokenkit.so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
  [ "$got" = "$soname" ] || die "target/release/libtokenkit.so has SONAME '$got', want $soname (build.rs)"
  ln -sfn libtokenkit.so "$rel/$soname"
  native_static_libs | write_if_changed "$rel/native-static-libs.txt"
  write_pc "$root/target/pkgconfig" "$root" "\${prefix}/target/release" "\${prefix}/include" "-Wl,-rpath,\${libdir}" \
    "$rel/native-static-libs.txt"
}

# The inputs of the stage, by size and time: the stage is remade only when one of them changed.
stage_inputs() {
  stat -c '%n %s %Y' "$rel/libtokenkit.so" "$rel/libtokenkit.a" "$rel/native-static-libs.txt" "$root/scripts/capi.sh" \
    "$root/Cargo.toml" "$root/include/tokenkit.h"
}

stage() {
  [ -f "$rel/native-static-libs.txt" ] || die "run capi.sh checkout (make lib) first"
  if [ -f "$stage/.inputs" ] && [ "$(stage_inputs)" = "$(cat "$stage/.inputs")" ]; then return 0; fi
  local tmp platform
  mkdir -p "$root/target"
  tmp=$(mktemp -d "$root/target/capi.XXXXXX") # concurrent runs each stage into their own
  chmod 755 "$tmp"
  mkdir -p "$tmp/lib"
  # Shared: the exports are already only tokenkit_* (rustc's version script for a cdylib). Strip
  # it, keep the debug info beside it, found by gdb through the debuglink.
  objcopy --only-keep-debug "$rel/libtokenkit.so" "$tmp/lib/$real.debug"
  strip --strip-unneeded -o "$tmp/lib/$real" "$rel/libtokenkit.so"
  (cd "$tmp/lib" && objcopy --add-gnu-debuglink="$real.debug" "$real")
  ln -s "$real" "$tmp/lib/$soname"
  ln -s "$soname" "$tmp/lib/libtokenkit.so"
  # Static: Rust's archive exports thousands of symbols (std, compiler-builtins, ring's C) that
  # would clash with another Rust library in the same program. Link it into one object keeping
  # only what the tokenkit_* functions reach, make every other symbol local, drop the debug info
  # and the embedded LLVM bitcode (which also trips binutils' LLVM plugin), and archive that.
  readelf --dyn-syms --wide "$rel/libtokenkit.so" |
    awk '$5 == "GLOBAL" && $7 != "UND" && $8 ~ /^tokenkit_/ { print $8 }' | sort -u > "$tmp/exports.txt"
  [ -s "$tmp/exports.txt" ] || die "no tokenkit_* exports in $rel/libtokenkit.so"
  ld -r --gc-sections $(sed 's/^/-u /' "$tmp/exports.txt") --whole-archive "$rel/libtokenkit.a" -o "$tmp/tokenkit.o"
  objcopy --keep-global-symbols="$tmp/exports.txt" --strip-debug --strip-unneeded \
    --remove-section=.llvmbc --remove-section=.llvmcmd "$tmp/tokenkit.o"
  ar rcsD "$tmp/lib/libtokenkit.a" "$tmp/tokenkit.o"
  rm -f "$tmp/tokenkit.o" "$tmp/exports.txt"
  cp "$rel/native-static-libs.txt" "$tmp/native-static-libs.txt"
  # The jar's copy, at JNA's resource path (bindings/java/pom.xml bundles it from here).
  platform=$(jna_platform)
  if [ "$platform" != unsupported ]; then
    mkdir -p "$tmp/jna/$platform"
    cp "$tmp/lib/$real" "$tmp/jna/$platform/libtokenkit.so"
  fi
  stage_inputs > "$tmp/.inputs"
  rm -rf "$stage"
  # Another run may have put its (equal) stage there in the meantime: then keep that one.
  mv -T "$tmp" "$stage" 2> /dev/null || rm -rf "$tmp"
}

# The install directories, from the environment (the Makefile passes its variables).
paths() {
  PREFIX=${PREFIX-/usr/local}
  DESTDIR=${DESTDIR-}
  BINDIR=${BINDIR:-$PREFIX/bin}
  LIBDIR=${LIBDIR:-$PREFIX/lib}
  INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
  DOCDIR=${DOCDIR:-$PREFIX/share/doc/tokenkit}
  MANDIR=${MANDIR:-$PREFIX/share/man}
  CMAKEDIR=$LIBDIR/cmake/tokenkit
  PCDIR=$LIBDIR/pkgconfig
}

# A directory as the .pc file names it: under ${prefix} when it is under PREFIX.
pc_dir() {
  case $1 in
    "$PREFIX"/*) printf '${prefix}/%s' "${1#"$PREFIX"/}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# relative FROM TO: the path of TO seen from directory FROM (by name: symlinks of this machine,
# such as /lib -> usr/lib, say nothing about the tree being installed).
relative() { realpath -m -s --relative-to="$1" "$2"; }

write_cmake() {
  local dir=$1 to_lib to_include natives
  to_lib=$(relative "$CMAKEDIR" "$LIBDIR")
  to_include=$(relative "$CMAKEDIR" "$INCLUDEDIR")
  natives=$(sed 's/ /;/g' "$stage/native-static-libs.txt")
  cat > "$dir/tokenkitConfig.cmake" <<EOF
# tokenkit $version (ABI $abi): find_package(tokenkit CONFIG REQUIRED) gives
#   tokenkit::tokenkit         the shared library ($soname)
#   tokenkit::tokenkit_static  libtokenkit.a and the system libraries it needs
# both with tokenkit.h (C) and tokenkit.hpp (C++17) on the include path. Relocatable: paths are
# taken from where this file is.
get_filename_component(_tokenkit_libdir "\${CMAKE_CURRENT_LIST_DIR}/$to_lib" ABSOLUTE)
get_filename_component(_tokenkit_includedir "\${CMAKE_CURRENT_LIST_DIR}/$to_include" ABSOLUTE)
set(tokenkit_ABI_VERSION $abi)

if(NOT TARGET tokenkit::tokenkit)
  add_library(tokenkit::tokenkit SHARED IMPORTED)
  set_target_properties(tokenkit::tokenkit PROPERTIES
    IMPORTED_LOCATION "\${_tokenkit_libdir}/$real"
    IMPORTED_SONAME "$soname"
    INTERFACE_INCLUDE_DIRECTORIES "\${_tokenkit_includedir}")
endif()

if(NOT TARGET tokenkit::tokenkit_static)
  add_library(tokenkit::tokenkit_static STATIC IMPORTED)
  set_target_properties(tokenkit::tokenkit_static PROPERTIES
    IMPORTED_LOCATION "\${_tokenkit_libdir}/libtokenkit.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_INCLUDE_DIRECTORIES "\${_tokenkit_includedir}"
    INTERFACE_LINK_LIBRARIES "$natives")
endif()

unset(_tokenkit_libdir)
unset(_tokenkit_includedir)
EOF
  # Any version when none is asked for; else, for 0.x, the same minor version (from 1.0 on, the
  # same major) no older than asked. 64-bit only.
  cat > "$dir/tokenkitConfigVersion.cmake" <<EOF
set(PACKAGE_VERSION "$version")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
if(NOT PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
elseif(PACKAGE_FIND_VERSION VERSION_LESS_EQUAL PACKAGE_VERSION)
  string(REGEX MATCH "^[0-9]+\\\\.[0-9]+" _tokenkit_have "\${PACKAGE_VERSION}")
  if("\${PACKAGE_VERSION}" MATCHES "^0\\\\.")
    set(_tokenkit_want "\${PACKAGE_FIND_VERSION_MAJOR}.\${PACKAGE_FIND_VERSION_MINOR}")
  else()
    string(REGEX MATCH "^[0-9]+" _tokenkit_have "\${PACKAGE_VERSION}")
    set(_tokenkit_want "\${PACKAGE_FIND_VERSION_MAJOR}")
  endif()
  if(_tokenkit_have STREQUAL _tokenkit_want)
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  endif()
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
  unset(_tokenkit_have)
  unset(_tokenkit_want)
endif()
if(NOT CMAKE_SIZEOF_VOID_P STREQUAL "" AND NOT CMAKE_SIZEOF_VOID_P STREQUAL "8")
  set(PACKAGE_VERSION "\${PACKAGE_VERSION} (64-bit)")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
endif()
EOF
}

install_tree() {
  paths
  [ -f "$stage/.inputs" ] || die "nothing staged: run make capi"
  local d=$DESTDIR
  install -d "$d$INCLUDEDIR" "$d$LIBDIR" "$d$PCDIR" "$d$CMAKEDIR" "$d$BINDIR" "$d$DOCDIR"
  install -m 644 "$root/include/tokenkit.h" "$root/include/tokenkit.hpp" "$d$INCLUDEDIR/"
  install -m 755 "$stage/lib/$real" "$d$LIBDIR/"
  ln -sfn "$real" "$d$LIBDIR/$soname"
  ln -sfn "$soname" "$d$LIBDIR/libtokenkit.so"
  install -m 644 "$stage/lib/libtokenkit.a" "$d$LIBDIR/"
  write_pc "$d$PCDIR" "${PC_PREFIX:-$PREFIX}" "$(pc_dir "$LIBDIR")" "$(pc_dir "$INCLUDEDIR")" "" \
    "$stage/native-static-libs.txt"
  write_cmake "$d$CMAKEDIR"
  # The CLI finds the library relative to itself ($ORIGIN), so the tree can be moved.
  "${CC:-cc}" -std=c11 -O2 -pthread -ffile-prefix-map="$root/=" -I"$root/include" "$root"/cli/*.c \
    -o "$d$BINDIR/tokenkit" -L"$stage/lib" -ltokenkit "-Wl,-rpath,\$ORIGIN/$(relative "$BINDIR" "$LIBDIR")"
  strip "$d$BINDIR/tokenkit"
  install -d "$d$MANDIR/man1"
  LD_LIBRARY_PATH="$stage/lib" "$d$BINDIR/tokenkit" --man >"$d$MANDIR/man1/tokenkit.1"
  install -m 644 "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$root/README.md" "$d$DOCDIR/"
  echo "capi: installed tokenkit $version (ABI $abi) into $d$PREFIX"
}

uninstall_tree() {
  paths
  local d=$DESTDIR
  rm -f "$d$INCLUDEDIR/tokenkit.h" "$d$INCLUDEDIR/tokenkit.hpp" \
    "$d$LIBDIR/$real" "$d$LIBDIR/$soname" "$d$LIBDIR/libtokenkit.so" "$d$LIBDIR/libtokenkit.a" \
    "$d$PCDIR/tokenkit.pc" "$d$PCDIR/tokenkit-static.pc" \
    "$d$CMAKEDIR/tokenkitConfig.cmake" "$d$CMAKEDIR/tokenkitConfigVersion.cmake" \
    "$d$BINDIR/tokenkit" "$d$MANDIR/man1/tokenkit.1" "$d$DOCDIR/LICENSE-MIT" "$d$DOCDIR/LICENSE-APACHE" "$d$DOCDIR/README.md"
  rmdir "$d$CMAKEDIR" "$d$DOCDIR" 2>/dev/null || true
  echo "capi: removed tokenkit $version from $d$PREFIX"
}

dist() {
  local out=$root/target/dist name tar_opts
  name=tokenkit-$version-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m)
  rm -rf "${out:?}/$name" "$out/$name.tar.gz" "$out/$name-debug.tar.gz"
  DESTDIR=$out/$name PREFIX="" BINDIR=/bin LIBDIR=/lib INCLUDEDIR=/include DOCDIR=/share/doc/tokenkit MANDIR=/share/man \
    PC_PREFIX='${pcfiledir}/../..' install_tree > /dev/null
  # Reproducible: fixed owner, order and time (the last commit's, when there is one).
  tar_opts=(--owner=0 --group=0 --numeric-owner --sort=name
    "--mtime=@$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)")
  tar "${tar_opts[@]}" -czf "$out/$name.tar.gz" -C "$out" "$name"
  mkdir -p "$out/$name-debug/$name/lib/.debug"
  cp "$stage/lib/$real.debug" "$out/$name-debug/$name/lib/.debug/"
  tar "${tar_opts[@]}" -czf "$out/$name-debug.tar.gz" -C "$out/$name-debug" "$name"
  rm -rf "${out:?}/$name-debug"
  echo "capi: $out/$name.tar.gz"
}

case ${1:-} in
  checkout) checkout ;;
  stage) stage ;;
  install) install_tree ;;
  uninstall) uninstall_tree ;;
  dist) dist ;;
  *) die "usage: capi.sh checkout|stage|install|uninstall|dist" ;;
esac
