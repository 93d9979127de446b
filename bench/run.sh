#!/usr/bin/env bash
# `make bench`: tokenkit against the fastest plain clients of each platform, on one machine, in one
# run, against a local static keep-alive token endpoint: nginx (Debian's), started here as a plain
# process from a config written to a temporary directory, answering POST /token on 127.0.0.1 over
# http and https (a throwaway CA made here with openssl, given to every client as a CA file) with a
# fixed token JSON, and reporting its accepted connections at /status. A static server costs the
# same for every client and is not the fixture's Rust code, so it cannot favour tokenkit.
#
# Steps (each prints result lines to one file; bench/src/report.rs turns them into the table):
#   1. throughput, interleaved rounds: the C ABI vs plain ureq (target/bench/release/tokenkit-bench),
#      the Go binding vs net/http (target/bench/go-bench), the Java binding vs HttpClient (Bench)
#   2. cached-token cost: C, Go, Java
#   3. syscalls per request: `strace -f -c` over BENCH_STRACE_N requests, minus a run without them;
#      user-space instructions per request the same way under valgrind (BENCH_INSTR_N), a count
#      that other work on the machine cannot disturb
#   4. RSS before and after BENCH_RSS_N requests through the C ABI
#   5. cold start: the CLI vs a one-shot ureq program vs curl, BENCH_COLD_N runs each
#   6. the stripped size of libtokenkit.so
#
# Knobs: BENCH_N (requests per phase, 8000), BENCH_ROUNDS (9), BENCH_WARMUP (1000),
# BENCH_JAVA_WARMUP (20000), BENCH_THREADS (1,8), BENCH_SCHEMES (http,https), BENCH_CACHED_N
# (2000000), BENCH_STRACE_N (2000), BENCH_INSTR_N (1000), BENCH_RSS_N (100000), BENCH_COLD_N (30).
# Exit status: 0 when every target of issue 12 is met, 1 when one is missed, 2 on failure.
#
# `bench/run.sh CMD ARGS...` runs CMD instead of the steps, with the endpoint up and BENCH_HTTP_URL,
# BENCH_HTTPS_URL, BENCH_CA_FILE and BENCH_STATUS_ADDR set: for profiling one side, e.g.
# `bench/run.sh perf record -g target/bench/release/tokenkit-bench requests tokenkit https 20000`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/target/bench
rel=$root/target/release
rust=$out/release/tokenkit-bench

need=()
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "bench: needs ${need[*]} (apt-get install -y ${need[*]})" >&2
    exit 2
  fi
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A CA and a server certificate for 127.0.0.1 signed by it (a CA certificate cannot serve as the
# server's own: webpki refuses a CA as an end entity).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=tokenkit bench CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile "$work/ext" -out "$work/server.pem" 2>/dev/null

token='{"access_token":"bench-access-token-4f1c2a9e7d3b8a6c5e0f","token_type":"Bearer","expires_in":3600,"refresh_token":"bench-refresh-token-9a8b7c6d","scope":"read write"}'

start_nginx() { # HTTP_PORT HTTPS_PORT
  mkdir -p "$work/tmp"
  cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  # Keep-alive without the default limit of 1000 requests per connection.
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$1;
    listen 127.0.0.1:$2 ssl;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /token { return 200 '$token'; }
    location = /status { stub_status; }
  }
}
CONF
  "$nginx" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
  nginx_pid=$!
  for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/status" && return 0
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=
  return 1
}

free_ports() { # two ports the kernel has just handed out, released for nginx
  python3 -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])'
}
started=
for _ in 1 2 3; do
  read -r http_port https_port < <(free_ports)
  if start_nginx "$http_port" "$https_port"; then started=1; break; fi
done
[ -n "$started" ] || { echo "bench: nginx did not start:" >&2; cat "$work/error.log" >&2; exit 2; }

export BENCH_HTTP_URL="http://127.0.0.1:$http_port/token"
export BENCH_HTTPS_URL="https://127.0.0.1:$https_port/token"
export BENCH_CA_FILE="$work/ca.pem"
export BENCH_STATUS_ADDR="127.0.0.1:$http_port"
export BENCH_CLI="$root/target/cli/tokenkit"
export BENCH_ONESHOT="$out/release/oneshot_ureq"
# The ceiling beside Java's 1-thread rows: wrk over one connection, the same form as every client.
export BENCH_WRK=$(command -v wrk) BENCH_WRK_SCRIPT="$work/form.lua"
cat > "$BENCH_WRK_SCRIPT" <<'LUA'
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
LUA
curl -sf --cacert "$BENCH_CA_FILE" -d grant_type=client_credentials -o /dev/null "$BENCH_HTTPS_URL" \
  || { echo "bench: the https endpoint does not answer" >&2; exit 2; }

# The knobs' defaults, in one place for every program.
export BENCH_N=${BENCH_N:-8000} BENCH_ROUNDS=${BENCH_ROUNDS:-9} BENCH_WARMUP=${BENCH_WARMUP:-1000} \
  BENCH_JAVA_WARMUP=${BENCH_JAVA_WARMUP:-20000} BENCH_THREADS=${BENCH_THREADS:-1,8} \
  BENCH_SCHEMES=${BENCH_SCHEMES:-http,https} BENCH_STRACE_WARMUP=${BENCH_STRACE_WARMUP:-200}

if [ $# -gt 0 ]; then
  "$@"
  exit
fi

results=$out/results.txt
: > "$results"
note() { echo "note $*" >> "$results"; }
stat_start=$(head -1 /proc/stat)
note "machine: $(nproc) cores, $(uname -r); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
note "peers: $("$nginx" -v 2>&1 | sed 's/.*: //'), $(go version | cut -d' ' -f3), java $(java -version 2>&1 | head -1 | cut -d'"' -f2), ureq 3.5.2, $(curl --version | head -1 | cut -d' ' -f1-2), $("$BENCH_WRK" -v 2>&1 | head -1 | cut -d' ' -f1-2)"
failed=()
step() { # NAME COMMAND...: appends the command's result lines; a failure is reported, not fatal
  local name=$1; shift
  echo "bench: [${SECONDS}s] $name" >&2
  if ! "$@" >> "$results"; then
    echo "bench: $name FAILED" >&2
    failed+=("$name")
  fi
}
java_bench() {
  java -Djna.library.path="$rel" \
    -cp "$out/java:$root/bindings/java/target/classes:$(cat "$root/bindings/java/target/classpath.txt")" Bench "$@"
}
syscalls() { # IMPL SCHEME
  local n=${BENCH_STRACE_N:-2000}
  strace -f -c -o "$work/strace-$1-$2-0" "$rust" requests "$1" "$2" 0 &&
    strace -f -c -o "$work/strace-$1-$2-n" "$rust" requests "$1" "$2" "$n" &&
    "$rust" strace-diff "$1" "$2" "$n" "$work/strace-$1-$2-0" "$work/strace-$1-$2-n"
}
instructions() { # IMPL SCHEME: user-space instructions per request (valgrind), the same subtraction
  local n=${BENCH_INSTR_N:-1000} refs=()
  for count in 0 "$n"; do
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
      "$rust" requests "$1" "$2" "$count" 2> "$work/cachegrind" || return 1
    refs+=("$(sed -n 's/.*I *refs: *//p' "$work/cachegrind" | tr -d ,)")
  done
  echo "instr impl=$1 scheme=$2 n=$n per_req=$(( (refs[1] - refs[0]) / n ))"
}
lib_size() {
  cp "$rel/libtokenkit.so" "$work/libtokenkit.so"
  strip "$work/libtokenkit.so"
  echo "size unstripped=$(stat -c %s "$rel/libtokenkit.so") stripped=$(stat -c %s "$work/libtokenkit.so")"
}

# One thread measures one round trip at a time, and on these two-core VMs where the scheduler puts
# the client and nginx decides it more than the client does: on one CPU a wake-up is a context switch,
# on two it is an interrupt to a halted virtual CPU (about 20 us each way here, in perf), and which
# one a process gets shifts with whatever else runs (a JVM's compiler threads, the hypervisor's other
# guests): rounds of the same client differed threefold. So the 1-thread phases run with nginx's
# worker on CPU 0 and the client (every thread of it: HttpClient's selector, net/http's loops, wrk)
# on CPU 1, as with a server on another machine; more threads run where the scheduler puts them.
worker=$(pgrep -P "$nginx_pid" | head -1)
all_cpus="0-$(( $(nproc) - 1 ))"
pin=
if [ "$(nproc)" -ge 2 ] && [ -n "$worker" ]; then
  pin=1
  note "placement: 1-thread phases with nginx's worker on CPU 0 and the client on CPU 1; more threads unpinned"
fi
tput() { # COMMAND...: the command once per thread count in BENCH_THREADS, one thread pinned
  local t status=0
  for t in ${BENCH_THREADS//,/ }; do
    if [ "$t" = 1 ] && [ -n "$pin" ]; then
      taskset -pc 0 "$worker" >/dev/null && taskset -pc 1 "$BASHPID" >/dev/null || status=1
      BENCH_THREADS=1 "$@" || status=1
      taskset -pc "$all_cpus" "$BASHPID" >/dev/null && taskset -pc "$all_cpus" "$worker" >/dev/null || status=1
    else
      BENCH_THREADS=$t "$@" || status=1
    fi
  done
  return $status
}

cached_n=${BENCH_CACHED_N:-2000000}
step "throughput: C ABI vs plain ureq" tput "$rust" throughput
step "throughput: Go binding vs net/http" tput "$out/go-bench" throughput
step "throughput: Java binding vs HttpClient (after warm-up)" tput java_bench throughput
step "cached token: C" "$rust" cached "$cached_n"
step "cached token: Go" "$out/go-bench" cached "$cached_n"
step "cached token: Java" java_bench cached "$cached_n"
for scheme in http https; do
  for impl in tokenkit ureq; do
    step "syscalls: $impl over $scheme" syscalls "$impl" "$scheme"
    step "instructions: $impl over $scheme" instructions "$impl" "$scheme"
  done
done
step "RSS through the C ABI" "$rust" rss "${BENCH_RSS_N:-100000}"
step "cold start" "$rust" coldstart "${BENCH_COLD_N:-30}"
step "library size" lib_size

note "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); CPU stolen by the hypervisor during the run: $(
  head -1 /proc/stat | awk -v start="$stat_start" '{ split(start, a, " "); total = 0
    for (i = 2; i <= 9; i++) total += $i - a[i]; printf "%.1f%%", total ? 100 * ($9 - a[9]) / total : 0 }')"
echo >&2
status=0
"$rust" report "$results" || status=$?
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench: steps that failed: ${failed[*]}"
  status=2
fi
exit $status
