package dev.tokenkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkit.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Exchange example as a user runs it: output, one stderr line, and the C CLI's exit statuses. */
class ExchangeTest {
    @BeforeAll
    static void servers() {
        TestServer.base();
    }

    /** What one run printed and returned. */
    record Run(int status, String out, String err) {}

    private static Map<String, String> env(String path, String code) {
        Map<String, String> env = new HashMap<>();
        env.put("TOKENKIT_TOKEN_URL", TestServer.url(path));
        env.put("TOKENKIT_CLIENT_ID", "demo-client");
        env.put("TOKENKIT_CLIENT_SECRET", "demo-secret");
        env.put("TOKENKIT_CODE", code);
        return env;
    }

    private static Run run(Map<String, String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Exchange.run(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void exchangeThenReuse() {
        Map<String, String> env = env("/token", TestServer.freshCode());
        Run ok = run(env);
        assertEquals(0, ok.status, ok.err);
        assertTrue(ok.out.startsWith("{") && ok.out.contains("\"access_token\":\"at-"), ok.out);
        assertEquals("", ok.err);

        Run reused = run(env);
        assertEquals(3, reused.status);
        assertEquals("", reused.out);
        assertEquals("tokenkit: oauth_error: invalid_grant: authorization code was already used (HTTP 400)\n", reused.err);
    }

    @Test
    void authMethodsAndCaFile() {
        Map<String, String> basic = env("/token", TestServer.freshCode());
        basic.put("TOKENKIT_CLIENT_ID", "basic-client");
        basic.put("TOKENKIT_CLIENT_SECRET", "basic secret:+&/é");
        basic.put("TOKENKIT_AUTH_METHOD", "basic");
        assertEquals(0, run(basic).status, run(basic).err);

        Map<String, String> none = env("/token", TestServer.freshCode());
        none.put("TOKENKIT_CLIENT_ID", "public-client");
        none.put("TOKENKIT_AUTH_METHOD", "none"); // the secret in the environment is not sent
        assertEquals(0, run(none).status);

        Map<String, String> tls = env("/token", TestServer.freshCode());
        tls.put("TOKENKIT_TOKEN_URL", TestServer.tlsUrl());
        tls.put("TOKENKIT_CA_FILE", TestServer.caFile().toString());
        Run ok = run(tls);
        assertEquals(0, ok.status, ok.err);
        assertTrue(ok.out.contains("\"tls-"), ok.out);
    }

    @Test
    void exitStatuses() throws Exception {
        Map<String, String> missing = env("/token", "code-x");
        missing.remove("TOKENKIT_CODE");
        Run usage = run(missing);
        assertEquals(2, usage.status);
        assertEquals("tokenkit: invalid_argument: TOKENKIT_CODE is not set\n", usage.err);

        Map<String, String> badMethod = env("/token", "code-x");
        badMethod.put("TOKENKIT_AUTH_METHOD", "digest");
        assertEquals(2, run(badMethod).status);

        Map<String, String> noSecret = env("/token", "code-x");
        noSecret.remove("TOKENKIT_CLIENT_SECRET");
        Run invalid = run(noSecret);
        assertEquals(2, invalid.status);
        assertTrue(invalid.err.startsWith("tokenkit: invalid_argument: client_secret is required"), invalid.err);

        Map<String, String> refused = env("/token", TestServer.freshCode());
        refused.put("TOKENKIT_TOKEN_URL", TestServer.closedPortUrl());
        assertEquals(4, run(refused).status);

        Run serverError = run(env("/fault/500", TestServer.freshCode()));
        assertEquals(5, serverError.status);
        assertTrue(serverError.err.startsWith("tokenkit: http_error (HTTP 500): "), serverError.err);
        assertEquals(5, run(env("/fault/malformed", TestServer.freshCode())).status);

        Map<String, String> insecure = env("/token", "code-x");
        insecure.put("TOKENKIT_TOKEN_URL", "http://api.home.nest.com/oauth2/access_token");
        assertEquals(6, run(insecure).status);
    }

    /** main() itself, in its own JVM, as the README runs it: the reused code exits with 3. */
    @Test
    void mainExitsWithTheStatus() throws Exception {
        String code = TestServer.freshCode();
        assertEquals(0, runMain(env("/token", code)).status);
        Run reused = runMain(env("/token", code));
        assertEquals(3, reused.status);
        assertTrue(reused.err.startsWith("tokenkit: oauth_error: invalid_grant"), reused.err);
    }

    private static Run runMain(Map<String, String> env) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Djna.library.path=" + System.getProperty("jna.library.path"), Exchange.class.getName());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the example did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
