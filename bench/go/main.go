// Command bench is the Go side of `make bench` (bench/run.sh runs it): tokenkit's Go binding
// (bindings/go) against Go's net/http with a keep-alive client, in interleaved rounds over http
// and https, with 1 and 8 goroutines sharing one client, a ceiling beside them (ceiling.go); and
// the cached-token cost of TokenSource.AccessToken. It prints result lines (`kind key=value ...`)
// on stdout, progress on stderr.
//
//	bench throughput   environment as for the Rust side, set by bench/run.sh: BENCH_HTTP_URL,
//	                   BENCH_HTTPS_URL, BENCH_CA_FILE, BENCH_STATUS_ADDR, BENCH_N, BENCH_ROUNDS,
//	                   BENCH_WARMUP, BENCH_THREADS, BENCH_SCHEMES
//	bench cached N     N calls of TokenSource.AccessToken on a fresh token
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "throughput":
		throughput()
	case "cached":
		if len(os.Args) < 3 {
			usage()
		}
		n, err := strconv.Atoi(os.Args[2])
		if err != nil {
			usage()
		}
		cached(n)
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: bench throughput | bench cached N")
	os.Exit(2)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// envInt is a number set by bench/run.sh, which holds every default.
func envInt(name string) int {
	return must(strconv.Atoi(strings.TrimSpace(required(name))))
}

func envList(name string) []string {
	return strings.Split(required(name), ",")
}

func required(name string) string {
	v := os.Getenv(name)
	if v == "" {
		panic(name + " is not set: run the benchmark through `make bench`")
	}
	return v
}

// endpoint is the token URL and CA file ("" for http) of a scheme.
func endpoint(scheme string) (string, string) {
	if scheme == "https" {
		return required("BENCH_HTTPS_URL"), required("BENCH_CA_FILE")
	}
	return required("BENCH_HTTP_URL"), ""
}

// newTokenkit is a client with tokenkit's defaults, trusting caFile on top of the system's store.
func newTokenkit(tokenURL, caFile string) *tokenkit.Client {
	cfg := tokenkit.Config{TokenEndpoint: tokenURL, ClientID: "demo-client", ClientSecret: "demo-secret"}
	if caFile != "" {
		cfg.CAFiles = []string{caFile}
	}
	return must(tokenkit.NewClient(context.Background(), cfg))
}

func tokenkitRequest(c *tokenkit.Client) int {
	return len(must(c.ClientCredentials(context.Background(), "")).AccessToken)
}

// newNetHTTP is net/http's default transport with the CA file as root of trust and an idle pool
// of 16 per host (tokenkit's default; the default 2 would make 8 goroutines reconnect).
func newNetHTTP(caFile string) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 16
	if caFile != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(must(os.ReadFile(caFile))) {
			panic("no certificate in " + caFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return &http.Client{Transport: transport}
}

// netHTTPRequest does what tokenkit does: the form, POST, read the body, parse the JSON.
func netHTTPRequest(c *http.Client, tokenURL string) int {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"demo-client"},
		"client_secret": {"demo-secret"}}.Encode()
	req := must(http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp := must(c.Do(req))
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		panic(fmt.Sprintf("net/http: status %d, %v", resp.StatusCode, err))
	}
	var token struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &token); err != nil || token.AccessToken == "" {
		panic(fmt.Sprintf("net/http: bad token response: %v", err))
	}
	return len(token.AccessToken)
}

// cpuSeconds is the process's user + system time so far.
func cpuSeconds() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		panic(err)
	}
	return float64(u.Utime.Sec+u.Stime.Sec) + float64(u.Utime.Usec+u.Stime.Usec)/1e6
}

// accepts is the number of connections nginx has accepted (stub_status), or -1.
func accepts() int64 {
	addr := os.Getenv("BENCH_STATUS_ADDR")
	if addr == "" {
		return -1
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return -1
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
	scanner := bufio.NewScanner(conn)
	for scanner.Scan() {
		if strings.HasPrefix(scanner.Text(), "server accepts") && scanner.Scan() {
			if v, err := strconv.ParseInt(strings.Fields(scanner.Text())[0], 10, 64); err == nil {
				return v
			}
		}
	}
	return -1
}

type phase struct {
	requests         int
	seconds, cpu     float64
	newConns         int64
	newConnsReported bool
}

// run makes n calls of one, spread over the given number of goroutines started together.
func run(goroutines, n int, one func() int) phase {
	perG := max(n/goroutines, 1)
	before := accepts()
	cpu := cpuSeconds()
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(goroutines)
	done.Add(goroutines)
	for range goroutines {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			sink := 0
			for range perG {
				sink += one()
			}
			_ = sink
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	elapsed := time.Since(t0).Seconds()
	p := phase{requests: perG * goroutines, seconds: elapsed, cpu: cpuSeconds() - cpu}
	if after := accepts(); before >= 0 && after >= 0 {
		// The second status request's own connection is counted in its answer.
		p.newConns, p.newConnsReported = after-before-1, true
	}
	return p
}

func throughput() {
	n := envInt("BENCH_N")
	rounds := envInt("BENCH_ROUNDS")
	warmup := envInt("BENCH_WARMUP")
	type config struct {
		scheme   string
		threads  int
		tokenkit func() int
		nethttp  func() int
		ceiling  func() int
	}
	var configs []config
	for _, scheme := range envList("BENCH_SCHEMES") {
		scheme = strings.TrimSpace(scheme)
		tokenURL, caFile := endpoint(scheme)
		tk := newTokenkit(tokenURL, caFile)
		defer tk.Close()
		hc := newNetHTTP(caFile)
		ceiling := newCeiling(tokenURL, caFile)
		defer ceiling.close()
		for _, t := range envList("BENCH_THREADS") {
			threads := must(strconv.Atoi(strings.TrimSpace(t)))
			configs = append(configs, config{scheme, threads,
				func() int { return tokenkitRequest(tk) },
				func() int { return netHTTPRequest(hc, tokenURL) },
				ceiling.request})
		}
	}
	for _, c := range configs {
		run(c.threads, warmup, c.tokenkit)
		run(c.threads, warmup, c.nethttp)
		run(c.threads, warmup, c.ceiling)
	}
	for round := range rounds {
		fmt.Fprintf(os.Stderr, "bench: Go / net/http round %d/%d\n", round+1, rounds)
		for _, c := range configs {
			order := []string{"tokenkit", "nethttp", "cgo"}
			if round%2 == 1 {
				order = []string{"nethttp", "tokenkit", "cgo"}
			}
			for _, impl := range order {
				one := map[string]func() int{"tokenkit": c.tokenkit, "nethttp": c.nethttp, "cgo": c.ceiling}[impl]
				p := run(c.threads, n, one)
				conns := "na"
				if p.newConnsReported {
					conns = strconv.FormatInt(p.newConns, 10)
				}
				fmt.Printf("tput lang=go impl=%s scheme=%s threads=%d round=%d n=%d secs=%.6f cpu=%.6f conns=%s\n",
					impl, c.scheme, c.threads, round, p.requests, p.seconds, p.cpu, conns)
			}
		}
	}
}

// cached measures TokenSource.AccessToken on a fresh token (default skew: 60 s).
func cached(n int) {
	tokenURL, caFile := endpoint("http")
	client := newTokenkit(tokenURL, caFile)
	defer client.Close()
	token := must(client.ClientCredentials(context.Background(), ""))
	source := must(client.NewTokenSource(token, tokenkit.TokenSourceOptions{}))
	defer source.Close()
	sink := 0
	for range n / 10 {
		sink += len(must(source.AccessToken()))
	}
	t0 := time.Now()
	for range n {
		sink += len(must(source.AccessToken()))
	}
	ns := float64(time.Since(t0).Nanoseconds()) / float64(n)
	_ = sink
	fmt.Printf("cached lang=go call=TokenSource.AccessToken n=%d ns=%.1f\n", n, ns)
}
