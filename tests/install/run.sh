#!/usr/bin/env bash
# `make test-install`: tokenkit as a user outside this checkout gets it. `make install` into a
# temporary prefix, then, each in a directory of its own and seeing only the prefix:
#   - the installed layout: SONAME, links, exports, stripped files, pkg-config and CMake files
#   - the installed CLI, run from a copy of the prefix after the prefix itself is gone
#   - C with pkg-config: the shared library (tokenkit) and the static one (tokenkit-static, and
#     tokenkit --static's list)
#   - C++ with CMake's find_package(tokenkit): tokenkit::tokenkit and tokenkit::tokenkit_static
#   - a Go module that `go get`s the binding (a replace to bindings/go, as the module is not
#     published) and links through pkg-config, static and -tags tokenkit_shared; CGO_ENABLED=0
#     fails with the binding's message
#   - a fresh Maven project depending on dev.tokenkit:tokenkit, installed by `mvn install` into a
#     temporary local repository, run with no jna.library.path
#   - `make dist`: the tarball's content, unpacked and used where it lands
# Each program runs the Nest sample against the mock server (scripts/with_servers.sh): a fresh code
# gives a token that the server then says is active (asked by the installed CLI), and the same
# code again gives the server's invalid_grant.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
server=${TOKENKIT_TEST_SERVER:?run through scripts/with_servers.sh}
work=$(mktemp -d "${TMPDIR:-/tmp}/tokenkit-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
abi=$(sed -n 's/^#define TOKENKIT_ABI_VERSION \([0-9][0-9]*\)$/\1/p' "$root/include/tokenkit.h")
failed=0
started=$SECONDS

ok() { echo "  ok: $*"; }
fail() { echo "  FAIL: $*"; failed=1; }
# check DESCRIPTION CMD...: CMD must succeed (its output is shown only when it fails).
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$what"; else fail "$what"; printf '%s\n' "$out" | tail -n 20 | sed 's/^/    /'; fi
}
section() { echo "--- test-install: $* ($((SECONDS - started)) s)"; }

# The consumers see the prefix and nothing of the checkout.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
unset LD_LIBRARY_PATH PKG_CONFIG_LIBDIR CPATH LIBRARY_PATH
export TOKENKIT_TOKEN_URL=$server/token TOKENKIT_CLIENT_ID=demo-client TOKENKIT_CLIENT_SECRET=demo-secret
cli=$work/moved/bin/tokenkit # the installed CLI, from the copy of the prefix
codes=0

# nest NAME CMD...: the sample with a fresh TOKENKIT_CODE; CMD reads the TOKENKIT_* variables (or
# gets them as arguments through sample_args).
nest() {
  local name=$1 out err rc at
  shift
  codes=$((codes + 1))
  export TOKENKIT_CODE="code-install-$$-$BASHPID-$codes" # subshells count from the same number
  out=$("$@" 2> "$work/err"); rc=$?
  at=$(printf '%s\n' "$out" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p; s/^access_token=\([^ ]*\) .*/\1/p' | head -n 1)
  if [ $rc -ne 0 ] || [ "${at#at-}" = "$at" ]; then
    fail "$name: exchange (exit $rc)"
    sed 's/^/    /' "$work/err" | tail -n 20
    printf '%s\n' "$out" | tail -n 5 | sed 's/^/    /'
    return
  fi
  if TOKENKIT_TOKEN=$at "$cli" introspect --introspection-url "$server/introspect" --client-id demo-client 2>&1 |
    grep -q '"active":true'; then
    ok "$name: exchanged a code for a token the server knows"
  else
    fail "$name: the server does not know the token $at"
  fi
  "$@" > /dev/null 2> "$work/err"; rc=$?
  if [ $rc -ne 0 ] && grep -q invalid_grant "$work/err"; then
    ok "$name: the same code again is the server's invalid_grant"
  else
    fail "$name: reused code: exit $rc, $(head -c 300 "$work/err")"
  fi
}
# For the samples that take TOKEN_ENDPOINT CLIENT_ID CODE as arguments.
sample_args() { "$@" "$TOKENKIT_TOKEN_URL" "$TOKENKIT_CLIENT_ID" "$TOKENKIT_CODE"; }

section "make install PREFIX=$prefix"
if ! make -C "$root" --no-print-directory install PREFIX="$prefix" > "$work/install.log" 2>&1; then
  cat "$work/install.log"
  echo "test-install: make install failed"
  exit 1
fi
lib=$prefix/lib
check "SONAME libtokenkit.so.$abi" bash -c "readelf -d '$lib/libtokenkit.so.$version' | grep -q 'Library soname: \[libtokenkit.so.$abi\]'"
check "libtokenkit.so -> libtokenkit.so.$abi -> libtokenkit.so.$version" bash -c \
  "[ \"\$(readlink '$lib/libtokenkit.so')\" = libtokenkit.so.$abi ] && [ \"\$(readlink '$lib/libtokenkit.so.$abi')\" = libtokenkit.so.$version ]"
check "the shared library exports only tokenkit_*" bash -c \
  "[ -z \"\$(nm -D --defined-only '$lib/libtokenkit.so.$version' | awk 'NF == 3 && \$3 !~ /^tokenkit_/')\" ]"
check "the static library exports only tokenkit_*" bash -c \
  "n=\$(nm -g --defined-only '$lib/libtokenkit.a' | awk 'NF == 3 {print \$3}' | grep -vc '^tokenkit_'); [ \"\$n\" = 0 ]"
check "the libraries are stripped, with a debuglink" bash -c \
  "! readelf -S '$lib/libtokenkit.so.$version' | grep -q debug_info && readelf -S '$lib/libtokenkit.so.$version' | grep -q gnu_debuglink && ! readelf -S '$lib/libtokenkit.a' | grep -q debug_info"
check "the CLI's RUNPATH is \$ORIGIN/../lib" bash -c "readelf -d '$prefix/bin/tokenkit' | grep -q 'R.*PATH.*\[\$ORIGIN/../lib\]'"
check "headers, pkg-config, CMake and licence files" bash -c "cd '$prefix' && ls include/tokenkit.h include/tokenkit.hpp \
  lib/pkgconfig/tokenkit.pc lib/pkgconfig/tokenkit-static.pc lib/cmake/tokenkit/tokenkitConfig.cmake \
  lib/cmake/tokenkit/tokenkitConfigVersion.cmake share/doc/tokenkit/LICENSE-MIT share/doc/tokenkit/LICENSE-APACHE share/man/man1/tokenkit.1"
check "pkg-config --modversion tokenkit is $version" bash -c "[ \"\$(pkg-config --modversion tokenkit)\" = '$version' ]"
check "pkg-config --static --libs tokenkit adds rustc's libraries" bash -c \
  "[ \"\$(pkg-config --static --libs tokenkit | sed 's/ *$//')\" = \"-L$lib -ltokenkit \$(cat '$root/target/release/native-static-libs.txt')\" ]"

section "the installed CLI, from a copy of the prefix"
cp -a "$prefix" "$work/moved"
check "the CLI names no path of the checkout or of the prefix" bash -c \
  "! grep -qF '$root' '$cli' && ! grep -qF '$prefix' '$cli'"
check "the copy's CLI loads the copy's library" bash -c \
  "[ \"\$(realpath \"\$(ldd '$cli' | sed -n 's/.*libtokenkit.so.$abi => \(.*\) (.*/\1/p')\")\" = '$work/moved/lib/libtokenkit.so.$version' ]"
mv "$prefix" "$work/prefix.away" # the original install is gone while the copy runs
nest "installed CLI" "$cli" exchange --token-url "$TOKENKIT_TOKEN_URL" --client-id demo-client
mv "$work/prefix.away" "$prefix"

section "C with pkg-config"
mkdir -p "$work/c" && cp "$root/examples/c/exchange_code.c" "$work/c/"
(
  cd "$work/c" || exit 1
  check "cc \$(pkg-config --cflags --libs tokenkit)" bash -c \
    'cc -std=c11 -Wall -Werror $(pkg-config --cflags tokenkit) exchange_code.c $(pkg-config --libs tokenkit) -o nest_shared'
  check "the program records libtokenkit.so.$abi" bash -c "readelf -d nest_shared | grep -q 'NEEDED.*libtokenkit.so.$abi'"
  nest "C, shared" sample_args env LD_LIBRARY_PATH="$lib" ./nest_shared
  check "cc \$(pkg-config --static --cflags --libs tokenkit-static)" bash -c \
    'cc -std=c11 -Wall -Werror $(pkg-config --static --cflags tokenkit-static) exchange_code.c $(pkg-config --static --libs tokenkit-static) -o nest_static'
  check "the static program needs no libtokenkit.so" bash -c "! readelf -d nest_static | grep -q libtokenkit"
  nest "C, static" sample_args ./nest_static
  exit $failed
) || failed=1

section "C++ with CMake find_package"
mkdir -p "$work/cmake" && cp "$root/tests/install/cmake/CMakeLists.txt" "$root/examples/cpp/exchange.cpp" "$work/cmake/"
(
  cd "$work/cmake" || exit 1
  check "cmake configure with CMAKE_PREFIX_PATH" cmake -S . -B build -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
  check "cmake --build" cmake --build build -j 2
  check "tokenkit::tokenkit links libtokenkit.so.$abi" bash -c "readelf -d build/nest_shared | grep -q 'libtokenkit.so.$abi'"
  check "tokenkit::tokenkit_static links no libtokenkit.so" bash -c "! readelf -d build/nest_static | grep -q libtokenkit"
  nest "C++ (CMake), shared" sample_args build/nest_shared
  nest "C++ (CMake), static" sample_args build/nest_static
  exit $failed
) || failed=1

section "Go module outside the checkout"
mkdir -p "$work/go" && cp "$root/bindings/go/examples/exchange/main.go" "$work/go/"
(
  cd "$work/go" || exit 1
  module=github.com/tokenkit/tokenkit/bindings/go
  # The binding is not published: a replace stands for the download; the rest is as for any module.
  check "go mod init; go get $module" bash -c "go mod init example.com/nest && \
    go mod edit -replace=$module=$root/bindings/go && cp '$root/bindings/go/go.sum' . && \
    go get $module@v0.0.0"
  check "go build (libtokenkit.a through pkg-config)" go build -o nest_static .
  check "the Go program needs no libtokenkit.so" bash -c "! readelf -d nest_static | grep -q libtokenkit"
  nest "Go, static" ./nest_static
  check "go build -tags tokenkit_shared" go build -tags tokenkit_shared -o nest_shared .
  check "the shared Go program records libtokenkit.so.$abi" bash -c "readelf -d nest_shared | grep -q 'libtokenkit.so.$abi'"
  nest "Go, shared" env LD_LIBRARY_PATH="$lib" ./nest_shared
  check "CGO_ENABLED=0 fails with the binding's message" bash -c \
    "! CGO_ENABLED=0 go build -o /dev/null . > out.txt 2>&1 && grep -q 'tokenkit needs cgo: CGO_ENABLED=1 and a C compiler' out.txt"
  exit $failed
) || failed=1

section "Maven: mvn install into a temporary local repository, then a fresh project"
m2=$work/m2
if [ -d "$HOME/.m2/repository" ]; then cp -r "$HOME/.m2/repository" "$m2"; else mkdir -p "$m2"; fi
pom_version=$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' "$root/bindings/java/pom.xml")
mvn=(mvn -B -ntp -q -Dstyle.color=never "-Dmaven.repo.local=$m2")
check "mvn install (jar, sources, javadoc)" "${mvn[@]}" -f "$root/bindings/java/pom.xml" -Dmaven.test.skip=true install
installed=$m2/dev/tokenkit/tokenkit/$pom_version
jar=$installed/tokenkit-$pom_version.jar
check "the jar carries the stripped library at linux-x86-64/libtokenkit.so" bash -c \
  "unzip -p '$jar' linux-x86-64/libtokenkit.so > '$work/bundled.so' && cmp -s '$work/bundled.so' '$lib/libtokenkit.so.$version'"
check "sources and javadoc jars, licences, Automatic-Module-Name" bash -c "ls '$installed/tokenkit-$pom_version-sources.jar' \
  '$installed/tokenkit-$pom_version-javadoc.jar' && unzip -l '$jar' | grep -q META-INF/LICENSE-APACHE && \
  unzip -p '$jar' META-INF/MANIFEST.MF | grep -q 'Automatic-Module-Name: dev.tokenkit' && \
  grep -q '<name>Apache-2.0</name>' '$installed/tokenkit-$pom_version.pom'"
check "mvn package fails when the native library is missing" bash -c "! ${mvn[*]} -o -f '$root/bindings/java/pom.xml' \
  -Dmaven.test.skip=true -Dtokenkit.bundle.dir='$work/none' package > '$work/nolib.log' 2>&1 && \
  grep -q 'The jar must carry the native library' '$work/nolib.log'"
mkdir -p "$work/maven/src/main/java/dev/tokenkit/examples"
cp "$root/tests/install/maven/pom.xml" "$work/maven/"
cp "$root/bindings/java/src/test/java/dev/tokenkit/examples/Exchange.java" "$work/maven/src/main/java/dev/tokenkit/examples/"
(
  cd "$work/maven" || exit 1
  check "fresh project: mvn -o process-classes (dev.tokenkit:tokenkit:$pom_version from the local repository)" \
    "${mvn[@]}" -o "-Dtokenkit.version=$pom_version" process-classes
  java_run=(java -cp "target/classes:$(cat target/classpath.txt 2> /dev/null)" dev.tokenkit.examples.Exchange)
  nest "Java (fresh Maven project)" "${java_run[@]}"
  check "JNA loaded the library from the jar" bash -c "TOKENKIT_CODE=code-install-$$-jna \
    java -Djna.debug_load=true -cp 'target/classes:$(cat target/classpath.txt 2> /dev/null)' dev.tokenkit.examples.Exchange 2>&1 |
    grep -q 'Found library resource at jar:file:.*tokenkit-$pom_version.jar!/linux-x86-64/libtokenkit.so'"
  exit $failed
) || failed=1
# What Maven downloaded goes back to the user's cache, so the next run needs no network.
rm -rf "$m2/dev/tokenkit"
mkdir -p "$HOME/.m2/repository" && cp -rn "$m2/." "$HOME/.m2/repository/" 2> /dev/null || true

section "make dist"
if make -C "$root" --no-print-directory dist > "$work/dist.log" 2>&1; then
  tarball=$(ls "$root"/target/dist/tokenkit-"$version"-*.tar.gz | grep -v -- -debug.tar.gz | head -n 1)
  name=$(basename "$tarball" .tar.gz)
  check "$name.tar.gz holds the install tree and the licences" bash -c "tar -tzf '$tarball' > '$work/dist.txt' && \
    for f in bin/tokenkit include/tokenkit.h include/tokenkit.hpp lib/libtokenkit.so.$version lib/libtokenkit.so.$abi \
      lib/libtokenkit.so lib/libtokenkit.a lib/pkgconfig/tokenkit.pc lib/pkgconfig/tokenkit-static.pc \
      lib/cmake/tokenkit/tokenkitConfig.cmake share/doc/tokenkit/LICENSE-MIT share/doc/tokenkit/LICENSE-APACHE share/man/man1/tokenkit.1; do \
      grep -qx '$name/'\$f '$work/dist.txt' || { echo missing \$f; exit 1; }; done"
  mkdir -p "$work/dist" && tar -xzf "$tarball" -C "$work/dist"
  check "unpacked anywhere: pkg-config points into it, the CLI runs" bash -c \
    "[ \"\$(PKG_CONFIG_PATH='$work/dist/$name/lib/pkgconfig' pkg-config --variable=includedir tokenkit)\" -ef '$work/dist/$name/include' ] && \
     '$work/dist/$name/bin/tokenkit' --help > /dev/null 2>&1; [ \$? -le 2 ]"
  check "unpacked anywhere: CMake builds against it" bash -c "cmake -S '$work/cmake' -B '$work/cmake/build-dist' \
    -DCMAKE_PREFIX_PATH='$work/dist/$name' > /dev/null && cmake --build '$work/cmake/build-dist' --target nest_shared > /dev/null"
  nest "C++ (CMake) against the unpacked tarball" sample_args "$work/cmake/build-dist/nest_shared"
else
  cat "$work/dist.log"
  fail "make dist"
fi

section "make uninstall"
make -C "$root" --no-print-directory uninstall PREFIX="$prefix" > /dev/null 2>&1
check "nothing of tokenkit is left in the prefix" bash -c "[ -z \"\$(find '$prefix' -type f -o -type l)\" ]"

echo "test-install: $((SECONDS - started)) s"
if [ $failed -ne 0 ]; then
  echo "test-install: FAILED"
  exit 1
fi
echo "test-install: every consumer built and ran the sample"
