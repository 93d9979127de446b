import dev.tokenkit.Client;
import dev.tokenkit.Config;
import dev.tokenkit.Token;
import dev.tokenkit.TokenSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Java side of {@code make bench} (bench/run.sh runs it): tokenkit's Java binding
 * (bindings/java, JNA direct mapping) against java.net.http.HttpClient, in interleaved rounds over
 * http and https, 1 and 8 threads sharing one client, after a warm-up (JIT); and the cached-token
 * cost of {@code TokenSource.accessToken()}. Prints result lines ({@code kind key=value ...}) on
 * stdout, progress on stderr.
 *
 * <pre>
 *   Bench throughput   environment as for the Rust side (set by bench/run.sh), plus
 *                      BENCH_JAVA_WARMUP: requests per implementation and configuration before
 *                      measuring
 *   Bench cached N     N calls of TokenSource.accessToken() after N untimed ones
 * </pre>
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("throughput")) {
            throughput();
        } else if (args.length == 2 && args[0].equals("cached")) {
            cached(Integer.parseInt(args[1]));
        } else {
            System.err.println("usage: Bench throughput | Bench cached N");
            System.exit(2);
        }
    }

    /** A number set by bench/run.sh, which holds every default. */
    static int envInt(String name) {
        return Integer.parseInt(required(name).trim());
    }

    static String required(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException(name + " is not set: run the benchmark through `make bench`");
        }
        return v;
    }

    static String[] list(String name) {
        return required(name).split(",");
    }

    /** tokenkit's defaults, trusting the CA file (https) on top of the system's store. */
    static Client tokenkit(String scheme) {
        Config.Builder config = Config.builder().tokenEndpoint(url(scheme)).clientId("demo-client")
                .clientSecret("demo-secret");
        if (scheme.equals("https")) {
            config.caFile(Path.of(required("BENCH_CA_FILE")));
        }
        return Client.create(config.build());
    }

    static String url(String scheme) {
        return required(scheme.equals("https") ? "BENCH_HTTPS_URL" : "BENCH_HTTP_URL");
    }

    /** HttpClient's defaults, HTTP/1.1 (the endpoint speaks nothing else), the CA file as root of trust. */
    static HttpClient httpClient(String scheme) throws Exception {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (scheme.equals("https")) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            byte[] pem = Files.readAllBytes(Path.of(required("BENCH_CA_FILE")));
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem))) {
                store.setCertificateEntry("ca" + i++, cert);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            builder.sslContext(context);
        }
        return builder.build();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** HttpClient requests sent again after an I/O error (it does not retry a POST by itself). */
    static final AtomicLong RETRIED = new AtomicLong();

    /**
     * What tokenkit does: the form, POST, read the body, take the access token out of the JSON. An
     * I/O error is retried up to 3 times, as tokenkit retries client credentials by default, and
     * counted in {@link #RETRIED}.
     */
    static int httpClientRequest(HttpClient client, URI uri) {
        String form = "grant_type=" + enc("client_credentials") + "&client_id=" + enc("demo-client")
                + "&client_secret=" + enc("demo-secret");
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        HttpResponse<String> response;
        for (int attempt = 0;; attempt++) {
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofString());
                break;
            } catch (IOException e) {
                if (attempt == 3) {
                    throw new IllegalStateException(e);
                }
                RETRIED.incrementAndGet();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        String body = response.body();
        // The JDK has no JSON parser: the least a program can do is find the one field.
        int key = body.indexOf("\"access_token\"");
        int start = body.indexOf('"', body.indexOf(':', key) + 1) + 1;
        int end = body.indexOf('"', start);
        if (response.statusCode() != 200 || key < 0 || end <= start) {
            throw new IllegalStateException("bad token response: " + response.statusCode());
        }
        return end - start;
    }

    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** Connections nginx has accepted (stub_status at BENCH_STATUS_ADDR), or -1. */
    static long accepts() {
        String addr = System.getenv("BENCH_STATUS_ADDR");
        if (addr == null) {
            return -1;
        }
        String[] hostPort = addr.split(":");
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            String[] lines = text.split("\r?\n");
            for (int i = 0; i + 1 < lines.length; i++) {
                if (lines[i].startsWith("server accepts")) {
                    return Long.parseLong(lines[i + 1].trim().split("\\s+")[0]);
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    record Phase(int requests, double seconds, double cpu, String conns, long retried) {}

    /** n calls of one, spread over the given number of threads started together (1: this thread). */
    static Phase run(int threads, int n, IntSupplier one) throws Exception {
        int perThread = Math.max(n / threads, 1);
        long before = accepts();
        long retried = RETRIED.get();
        double cpu = cpuSeconds();
        long elapsed;
        if (threads == 1) {
            long t0 = System.nanoTime();
            int sink = 0;
            for (int i = 0; i < perThread; i++) {
                sink += one.getAsInt();
            }
            elapsed = System.nanoTime() - t0;
            if (sink == 42) {
                System.err.print("");
            }
        } else {
            CyclicBarrier barrier = new CyclicBarrier(threads + 1);
            List<Thread> workers = new ArrayList<>();
            // A worker that fails must fail the phase, not leave it shorter and faster.
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    try {
                        barrier.await();
                        for (int i = 0; i < perThread; i++) {
                            one.getAsInt();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                worker.start();
                workers.add(worker);
            }
            barrier.await();
            long t0 = System.nanoTime();
            for (Thread worker : workers) {
                worker.join();
            }
            elapsed = System.nanoTime() - t0;
            if (failure.get() != null) {
                throw new IllegalStateException("a worker thread failed", failure.get());
            }
        }
        double used = cpuSeconds() - cpu;
        long after = accepts();
        // The second status request's own connection is counted in its answer.
        String conns = before >= 0 && after >= 0 ? Long.toString(after - before - 1) : "na";
        return new Phase(perThread * threads, elapsed / 1e9, used, conns, RETRIED.get() - retried);
    }

    record Setup(String scheme, int threads, IntSupplier tokenkit, IntSupplier httpClient) {}

    static void throughput() throws Exception {
        int n = envInt("BENCH_N");
        int rounds = envInt("BENCH_ROUNDS");
        int warmup = envInt("BENCH_JAVA_WARMUP");
        List<Setup> setups = new ArrayList<>();
        List<Client> clients = new ArrayList<>();
        for (String s : list("BENCH_SCHEMES")) {
            String scheme = s.trim();
            Client tk = tokenkit(scheme);
            clients.add(tk);
            HttpClient hc = httpClient(scheme);
            URI uri = URI.create(url(scheme));
            for (String t : list("BENCH_THREADS")) {
                setups.add(new Setup(scheme, Integer.parseInt(t.trim()),
                        () -> tk.clientCredentials().accessToken().length(),
                        () -> httpClientRequest(hc, uri)));
            }
        }
        for (Setup setup : setups) {
            run(setup.threads(), warmup, setup.tokenkit());
            run(setup.threads(), warmup, setup.httpClient());
        }
        for (int round = 0; round < rounds; round++) {
            System.err.printf("bench: Java / HttpClient round %d/%d%n", round + 1, rounds);
            for (Setup setup : setups) {
                String[] order = round % 2 == 0 ? new String[] {"tokenkit", "httpclient"}
                        : new String[] {"httpclient", "tokenkit"};
                double seconds = 0;
                for (String impl : order) {
                    Phase p = run(setup.threads(), n, impl.equals("tokenkit") ? setup.tokenkit() : setup.httpClient());
                    print(impl, setup, round, p);
                    seconds = Math.max(seconds, p.seconds());
                }
                if (setup.threads() == 1 && System.getenv("BENCH_WRK") != null) {
                    print("wrk", setup, round, wrk(url(setup.scheme()), seconds));
                }
            }
        }
        for (Client client : clients) {
            client.close();
        }
    }

    static void print(String impl, Setup setup, int round, Phase p) {
        System.out.printf("tput lang=java impl=%s scheme=%s threads=%d round=%d n=%d secs=%.6f cpu=%s conns=%s"
                + " retried=%d%n", impl, setup.scheme(), setup.threads(), round, p.requests(), p.seconds(),
                Double.isNaN(p.cpu()) ? "na" : String.format("%.6f", p.cpu()), p.conns(), p.retried());
    }

    static final Pattern WRK_DONE = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m),");

    /**
     * The ceiling beside the 1-thread rows: wrk (BENCH_WRK, a C load generator on epoll and OpenSSL)
     * over one keep-alive connection, sending the same form with BENCH_WRK_SCRIPT, for about as long
     * as the phases before it took. Nothing a client does per request is cheaper than what wrk does
     * (a prebuilt request, no parsing beyond the HTTP framing, no certificate check), so its rate is
     * the most any client reaches against this endpoint on this machine in this round: it shows how
     * much of a round trip is the machine's (the kernel, the hypervisor waking a halted CPU, nginx).
     * Its CPU time is not the JVM's, so it is not reported.
     */
    static Phase wrk(String url, double seconds) throws Exception {
        long duration = Math.max(1, Math.round(seconds));
        Process process = new ProcessBuilder(System.getenv("BENCH_WRK"), "-t1", "-c1", "-d" + duration + "s",
                "-s", required("BENCH_WRK_SCRIPT"), url).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = WRK_DONE.matcher(text);
        if (process.waitFor() != 0 || !m.find() || text.contains("Non-2xx") || text.contains("Socket errors")) {
            throw new IllegalStateException("wrk failed: " + text);
        }
        double scale = switch (m.group(3)) {
            case "us" -> 1e-6;
            case "ms" -> 1e-3;
            case "m" -> 60;
            default -> 1;
        };
        return new Phase(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)) * scale, Double.NaN, "na", 0);
    }

    /** TokenSource.accessToken() on a fresh token (default skew: 60 s), after as many untimed calls. */
    static void cached(int n) {
        try (Client client = tokenkit("http")) {
            Token token = client.clientCredentials();
            try (TokenSource source = client.tokenSource(token, null)) {
                long sink = 0;
                for (int i = 0; i < n; i++) {
                    sink += source.accessToken().length();
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    sink += source.accessToken().length();
                }
                double ns = (System.nanoTime() - t0) / (double) n;
                System.out.printf("cached lang=java call=TokenSource.accessToken() n=%d ns=%.1f%n", n, ns);
                if (sink == 42) {
                    System.err.print("");
                }
            }
        }
    }
}
