# tokenkit build and test entry points. `make demo` and `make test` do all set-up they need beyond
# the toolchains (see .ci/run for a fresh machine).

SHELL    := bash
CARGO    ?= cargo
REL      := target/release
CLI_DIR  := target/cli
CTEST    := target/ctest
CFLAGS   ?= -std=c11 -O1 -g -Wall -Wextra -Werror
CXXFLAGS ?= -std=c++17 -O1 -g -Wall -Wextra -Werror
CPPFLAGS += -Iinclude
# Shared: found at run time through the rpath (programs record the SONAME, libtokenkit.so.2,
# which `make lib` links to libtokenkit.so). Static: the system libraries the archive needs, as
# rustc prints them for this build (`make lib` writes them to $(REL)/native-static-libs.txt).
SHARED_LIBS := -L$(REL) -ltokenkit -Wl,-rpath,$(abspath $(REL))
STATIC_LIBS  = $(REL)/libtokenkit.a $$(cat $(REL)/native-static-libs.txt)
VALGRIND := valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --error-exitcode=99 \
            --suppressions=tests/c/valgrind.supp
WITH_SERVERS := scripts/with_servers.sh
# pkg-config finds the checkout's library first (target/pkgconfig, written by `make lib`): the Go
# binding links through `#cgo pkg-config`, in the checkout as against an installed tokenkit.
export PKG_CONFIG_PATH := $(CURDIR)/target/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))

.PHONY: all lib cli demo test test-rust test-residue fuzz fuzz-short test-miri check-header check-header-matrix test-c test-c-valgrind test-c-sanitize test-cli test-interop test-interop-hydra test-go test-java test-node test-python python-venv node-deps example-go example-java example-c example-node example-python bench bench-build bench-node bench-python mutants mutants-critical clean

all: lib cli

# The library (shared, static) and the mock server (tools/mock-server: HTTP and HTTPS in one
# process, $(REL)/mock_server), in one cargo run; then the SONAME link, the static library's
# system libraries and target/pkgconfig (scripts/capi.sh checkout). The header is committed.
lib:
	$(CARGO) build --release -p tokenkit -p tokenkit-mock-server --lib --bin mock_server
	scripts/capi.sh checkout

cli: lib
	@mkdir -p $(CLI_DIR)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pthread cli/*.c -o $(CLI_DIR)/tokenkit $(SHARED_LIBS)
	$(CLI_DIR)/tokenkit --man > $(CLI_DIR)/tokenkit.1
	$(CC) $(CPPFLAGS) $(CFLAGS) examples/c/exchange_code.c -o $(CLI_DIR)/exchange_code $(SHARED_LIBS)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) examples/cpp/exchange.cpp -o $(CLI_DIR)/exchange_cpp $(SHARED_LIBS)

demo: cli
	scripts/demo.sh

test: test-rust check-header test-c test-cpp test-residue test-cli test-interop test-go test-java test-node test-python fuzz-short test-miri test-install
	@echo "make test: all suites passed"

# The Rust gates and tests: format, lints, unused dependencies, then the core's tests (network
# behaviour against the fixture crate over real sockets) and the fixture's own.
test-rust:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --all-targets --workspace -- -D warnings
	scripts/check_deps.sh
	$(CARGO) test --release --workspace

# include/tokenkit.h is generated from src/ffi by cbindgen and committed; builds use it as it is
# and never compile cbindgen. tools/gen-header (its own lock file and target directory) checks
# that it is up to date, and `make header` regenerates it after a change to src/ffi.
GEN_HEADER := $(CARGO) run --quiet --locked --manifest-path tools/gen-header/Cargo.toml --target-dir target/gen-header --
check-header:
	$(GEN_HEADER) --check

header:
	$(GEN_HEADER)

# The header as each supported language mode sees it: tests/c/header_matrix.c built with
# -Wall -Wextra -pedantic -Werror as C99, C11, C17 ($(CC)) and C++11, C++17, C++20 ($(CXX)),
# linked to the shared library and run (it makes no network call).
MATRIX_WARN := -O1 -Wall -Wextra -pedantic -Werror
check-header-matrix: lib
	@mkdir -p $(CTEST)
	@set -e; for std in c99 c11 c17; do \
	  echo "header-matrix: $(CC) -std=$$std"; \
	  $(CC) -std=$$std $(MATRIX_WARN) -Wstrict-prototypes $(CPPFLAGS) tests/c/header_matrix.c \
	    -o $(CTEST)/header_$$std $(SHARED_LIBS); \
	  $(CTEST)/header_$$std; \
	done; for std in c++11 c++17 c++20; do \
	  echo "header-matrix: $(CXX) -std=$$std"; \
	  $(CXX) -std=$$std $(MATRIX_WARN) -Wold-style-cast $(CPPFLAGS) -x c++ tests/c/header_matrix.c -x none \
	    -o $(CTEST)/header_$$std $(SHARED_LIBS); \
	  $(CTEST)/header_$$std; \
	done

# Every C gate: the header matrix, the ABI tests under valgrind, and under ASan/UBSan.
test-c: check-header-matrix test-c-valgrind test-c-sanitize

# The C ABI tests, linked once against the shared and once against the static library, under valgrind.
test-c-valgrind: lib
	@mkdir -p $(CTEST)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pthread tests/c/test_abi.c -o $(CTEST)/test_abi_shared $(SHARED_LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pthread tests/c/test_abi.c -o $(CTEST)/test_abi_static $(STATIC_LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pthread tests/c/test_flows.c -o $(CTEST)/test_flows_shared $(SHARED_LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pthread tests/c/test_store.c -o $(CTEST)/test_store_shared $(SHARED_LIBS)
	$(WITH_SERVERS) $(VALGRIND) $(CTEST)/test_abi_shared
	$(WITH_SERVERS) $(VALGRIND) $(CTEST)/test_abi_static
	$(WITH_SERVERS) $(VALGRIND) $(CTEST)/test_flows_shared
	$(WITH_SERVERS) $(VALGRIND) $(CTEST)/test_store_shared

# The same tests built with AddressSanitizer (leak checking on) and UndefinedBehaviorSanitizer,
# against the static library, run without valgrind (the two do not mix). Any report fails the run.
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
test-c-sanitize: lib
	@mkdir -p $(CTEST)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANITIZE) -pthread tests/c/test_abi.c -o $(CTEST)/test_abi_asan $(STATIC_LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANITIZE) -pthread tests/c/test_flows.c -o $(CTEST)/test_flows_asan $(STATIC_LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANITIZE) -pthread tests/c/test_store.c -o $(CTEST)/test_store_asan $(STATIC_LIBS)
	$(WITH_SERVERS) env $(SANITIZE_ENV) $(CTEST)/test_abi_asan
	$(WITH_SERVERS) env $(SANITIZE_ENV) $(CTEST)/test_flows_asan
	$(WITH_SERVERS) env $(SANITIZE_ENV) $(CTEST)/test_store_asan

# include/tokenkit.hpp: it wraps every function of tokenkit.h (scripts/check_hpp.sh), compiles
# cleanly as C++20 too, and tests/cpp drives each class against the mock server under ASan and
# UBSan (static library).
test-cpp: lib
	@mkdir -p $(CTEST)
	scripts/check_hpp.sh
	$(CXX) -std=c++20 -fsyntax-only $(MATRIX_WARN) -Wold-style-cast -Wshadow $(CPPFLAGS) tests/cpp/test_tokenkit_hpp.cpp
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -Wpedantic -Wold-style-cast $(SANITIZE) -pthread tests/cpp/test_tokenkit_hpp.cpp \
	  -o $(CTEST)/test_hpp_asan $(STATIC_LIBS)
	$(WITH_SERVERS) env $(SANITIZE_ENV) $(CTEST)/test_hpp_asan

test-cli: cli
	$(WITH_SERVERS) cli/tests/test_cli.sh $(CLI_DIR)
	$(WITH_SERVERS) cli/tests/test_store.sh $(CLI_DIR)

# Against oidc-provider (npm), a certified server nobody on this project wrote; needs Node.js.
test-interop: cli test-interop-hydra
	@mkdir -p $(CTEST)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pthread tests/interop/test_interop.c -o $(CTEST)/test_interop $(SHARED_LIBS)
	tests/interop/run.sh $(VALGRIND) $(CTEST)/test_interop
	tests/interop/test_cli.sh $(CLI_DIR)

# Against Ory Hydra v2.3.0 (Go, another lineage): built once from the Go module proxy into
# target/hydra/hydra (about 2 minutes, then cached); each run.sh starts Hydra and its
# login/consent app on loopback and stops them. The same matrix from the CLI, C, Go, Java,
# Python and Node.js.
HYDRA := tests/interop/hydra
test-interop-hydra: cli python-venv node-deps
	@mkdir -p $(CTEST)
	$(HYDRA)/build.sh
	$(CC) $(CPPFLAGS) $(CFLAGS) -pthread $(HYDRA)/test_hydra.c -o $(CTEST)/test_hydra $(SHARED_LIBS)
	$(HYDRA)/run.sh $(VALGRIND) $(CTEST)/test_hydra
	$(HYDRA)/test_cli.sh $(CLI_DIR)
	$(HYDRA)/run.sh bash -c 'cd bindings/go && go test -race -count=1 -run Hydra .'
	$(HYDRA)/run.sh bash -c 'cd bindings/java && mvn -q -B -ntp -Dstyle.color=never test-compile surefire:test@default-test -Dtest=HydraTest'
	$(HYDRA)/run.sh bash -c 'cd bindings/python && ../../$(PY_VENV)/bin/python -m pytest tests/test_hydra.py'
	$(HYDRA)/run.sh bash -c 'cd bindings/node && node --test test/hydra.test.mjs'

# Go (cgo, through pkg-config): libtokenkit.a by default; -tags tokenkit_shared links the .so.
test-go: lib
	$(WITH_SERVERS) bash -c 'cd bindings/go && test -z "$$(gofmt -l .)" && go vet ./... && go vet -tags tokenkit_shared ./... && go test -race ./...'

# The Nest sample per language, against the local server: TOKENKIT_* variables as in the READMEs.
example-go: lib
	@mkdir -p target/go
	cd bindings/go && go build -o ../../target/go/exchange ./examples/exchange
	$(WITH_SERVERS) scripts/run_example.sh target/go/exchange

# Java (JNA): the library is found through jna.library.path, or bundled in the jar.
JAVA_RUN := java -Djna.library.path=$(abspath $(REL)) -cp "bindings/java/target/classes:bindings/java/target/test-classes:$$(cat bindings/java/target/classpath.txt)"

test-java: capi
	$(WITH_SERVERS) bash -c 'cd bindings/java && mvn -B -ntp -Dstyle.color=never test'

example-java: capi
	cd bindings/java && mvn -q -B -ntp test-compile
	$(WITH_SERVERS) scripts/run_example.sh bash -c '$(JAVA_RUN) dev.tokenkit.examples.Exchange'

# Python (ctypes): installed with pip from bindings/python into a virtualenv, so the packaging is
# tested too; mypy --strict, then pytest against the mock server and oidc-provider.
PY_VENV := target/python-venv
# The package installed with pip (it bundles the library) into a virtualenv, with its test extras.
python-venv: lib
	python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install -q --upgrade pip
	$(PY_VENV)/bin/python -m pip install -q './bindings/python[test]'

test-python: python-venv
	cd bindings/python && ../../$(PY_VENV)/bin/python -m mypy --strict
	tests/interop/run.sh $(WITH_SERVERS) bash -c 'cd bindings/python && ../../$(PY_VENV)/bin/python -m pytest'

example-python: lib
	python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install -q ./bindings/python
	$(WITH_SERVERS) scripts/run_example.sh $(PY_VENV)/bin/python bindings/python/examples/exchange.py

# Node.js (koffi): npm test type-checks the TypeScript declarations, then runs node:test against
# the mock server and oidc-provider.
node-deps:
	cd bindings/node && npm ci --no-audit --no-fund --loglevel=error

test-node: lib node-deps
	$(WITH_SERVERS) tests/interop/run.sh bash -c 'cd bindings/node && npm test'

example-node: lib node-deps
	$(WITH_SERVERS) scripts/run_example.sh node bindings/node/examples/exchange.mjs

# Not part of `make test`: the Python binding against requests.Session, httpx.Client and
# http.client; exits 1 when a target is missed.
bench-python: python-venv
	$(WITH_SERVERS) $(PY_VENV)/bin/python bindings/python/bench/bench_exchange.py

# Not part of `make test`: the Node binding against node:http's keep-alive agent and fetch.
bench-node: lib node-deps
	$(WITH_SERVERS) bash -c 'cd bindings/node && npm run bench'

example-c: cli
	$(WITH_SERVERS) scripts/run_example.sh scripts/exchange_with_cli.sh

# Installing, in cargo-c's layout (scripts/capi.sh): `make install PREFIX=/usr/local DESTDIR=`
# puts tokenkit.h and tokenkit.hpp in INCLUDEDIR; libtokenkit.so.VERSION (stripped, SONAME
# libtokenkit.so.ABI) with its links, libtokenkit.a (only tokenkit_* exported), pkgconfig/ and
# cmake/tokenkit/ in LIBDIR; the CLI in BINDIR (RUNPATH $$ORIGIN/../lib); the licences in DOCDIR.
# `make capi` stages the stripped libraries in target/capi (the jar bundles its copy from there).
.PHONY: capi install uninstall dist header test-cpp test-install
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR     ?= $(PREFIX)/share/doc/tokenkit
INSTALL_ENV = PREFIX='$(PREFIX)' DESTDIR='$(DESTDIR)' BINDIR='$(BINDIR)' LIBDIR='$(LIBDIR)' \
              INCLUDEDIR='$(INCLUDEDIR)' DOCDIR='$(DOCDIR)' CC='$(CC)'
capi: lib
	scripts/capi.sh stage

install: capi
	$(INSTALL_ENV) scripts/capi.sh install

uninstall:
	$(INSTALL_ENV) scripts/capi.sh uninstall

# target/dist/tokenkit-VERSION-OS-ARCH.tar.gz: the install tree, relocatable, and its debug info.
dist: capi
	scripts/capi.sh dist

# Each ecosystem's consumer, outside the checkout, against a fresh install into a temporary
# prefix: C with pkg-config (shared and static), C++ with CMake's find_package, a Go module and
# a fresh Maven project; each exchanges a code with the mock server. Also the installed CLI from
# a copy of the prefix, and the content of `make dist`.
test-install: capi
	$(WITH_SERVERS) tests/install/run.sh

# Not part of `make test`: tokenkit against plain ureq, Go's net/http and Java's HttpClient on a
# local nginx, with syscalls, CPU, cached-token cost, cold start, RSS and library size; see
# bench/run.sh (it starts and stops its own endpoint; BENCH_N, BENCH_ROUNDS, ... override counts).
# Exit status 1 when a target of issue 12 is missed. bench-build only builds the programs.
BENCH_OUT := target/bench
bench: bench-build
	bench/run.sh

bench-build: capi cli
	$(CARGO) build --release --manifest-path bench/Cargo.toml --target-dir $(BENCH_OUT)
	cd bench/go && go build -o ../../$(BENCH_OUT)/go-bench .
	cd bindings/java && mvn -q -B -ntp -Dstyle.color=never test-compile
	@mkdir -p $(BENCH_OUT)/java
	javac -Xlint:all -d $(BENCH_OUT)/java \
	  -cp "bindings/java/target/classes:$$(cat bindings/java/target/classpath.txt)" bench/java/Bench.java

# Secrets leave no residue: after every free, no canary secret is left in the process's writable
# memory (http); over https the copies rustls keeps are counted and reported.
test-residue: lib
	@mkdir -p $(CTEST)
	$(CC) $(CPPFLAGS) $(CFLAGS) tests/residue/test_residue.c -o $(CTEST)/test_residue $(SHARED_LIBS)
	$(WITH_SERVERS) $(CTEST)/test_residue
	RESIDUE_HTTPS=1 $(WITH_SERVERS) $(CTEST)/test_residue

# Fuzzing: every parser of untrusted input (fuzz/fuzz_targets, entry points in src/fuzzing.rs),
# with cargo-fuzz on nightly, from the seed corpora in fuzz/corpus. `make fuzz` runs each target
# FUZZ_SECONDS (default 300); `make test` runs fuzz-short, 20 s each.
FUZZ_TARGETS := token_response revocation_response discovery_document device_response \
                introspection_response saved_token redirect_request
FUZZ_SECONDS ?= 300
fuzz:
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  cargo +nightly fuzz run --release $$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
	    | grep -E '^(stat::number_of_executed_units|INFO: Loaded|==|SUMMARY|thread)' | sed "s/^/$$t: /"; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

fuzz-short:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

# Miri over the unit tests that need no sockets and no ring (the parsers, the saved format, the
# error type): undefined behaviour in the safe core's unsafe-free code paths and in its deps.
# A representative handful (Miri runs each test about a thousand times slower); widen with
# `make test-miri MIRI_TESTS=tests::parse`.
MIRI_TESTS ?= tests::parse::oauth_error_with_all_fields tests::parse::form_encoded_body_github \
              tests::parse::nul_inside_a_value tests::parse::expires_in_as_string \
              tests::parse::debug_output_redacts tests::parse::oauth_error_in_a_form_body
test-miri:
	@if ! $(CARGO) +nightly miri --version >/dev/null 2>&1; then \
	  echo "test-miri: SKIPPED, Miri is not installed (rustup component add miri rust-src --toolchain nightly)"; \
	else \
	  MIRIFLAGS=-Zmiri-disable-isolation $(CARGO) +nightly miri test -p tokenkit --lib -- $(MIRI_TESTS); \
	fi

# Mutation testing (cargo-mutants; not part of `make test`; settings in .cargo/mutants.toml):
# plants one small bug at a time in src/ and runs the Rust tests, which reach the fixture over
# real sockets, to see whether any test notices. `make mutants` takes the whole library (hours on
# two cores), `make mutants-critical` the security-critical modules (about an hour); for a change,
# `git diff origin/main > /tmp/change.diff && make mutants MUTANTS_ARGS="--in-diff /tmp/change.diff"`.
MUTANTS_CRITICAL := -f src/transport/policy.rs -f src/transport/resolve.rs -f src/transport/wipe.rs \
  -f src/pkce.rs -f src/secret.rs -f src/retry.rs -f src/loopback.rs -f src/ffi/boundary.rs
mutants:
	command -v cargo-mutants >/dev/null || $(CARGO) install cargo-mutants --locked
	$(CARGO) mutants --output target/mutants $(MUTANTS_ARGS)

mutants-critical:
	command -v cargo-mutants >/dev/null || $(CARGO) install cargo-mutants --locked
	$(CARGO) mutants --output target/mutants $(MUTANTS_CRITICAL) $(MUTANTS_ARGS)

clean:
	$(CARGO) clean
