package dev.tokenkit;

import static dev.tokenkit.TestServer.closedPortUrl;
import static dev.tokenkit.TestServer.freshCode;
import static dev.tokenkit.TestServer.url;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Whatever went wrong (an HTTP error without an OAuth error, a broken or oversize body, a dropped
 * connection, a redirect, a timeout, a refused connection, a server echoing the request), the
 * exception's message, body and toString never show the client secret, the code or the refresh
 * token that were sent.
 */
class SecretsTest {
    private static final String SECRET = "Java-Canary-Secret-51c0";
    private static final String REFRESH = "Java-Canary-Refresh-e7d2";

    @Test
    void noFailureShowsTheRequestSecrets() throws Exception {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("HTTP 500", url("/fault/500"));
        endpoints.put("404 without OAuth", url("/nothing-here"));
        endpoints.put("malformed", url("/fault/malformed"));
        endpoints.put("oversize", url("/fault/oversize"));
        endpoints.put("connection closed", url("/fault/close"));
        endpoints.put("redirect", url("/fault/redirect"));
        endpoints.put("timeout", url("/fault/hang"));
        endpoints.put("refused", closedPortUrl());
        endpoints.put("echoed 500 (JSON)", url("/fault/echo-500-json"));
        endpoints.put("echoed 400 (OAuth)", url("/fault/echo-400"));
        for (Map.Entry<String, String> endpoint : endpoints.entrySet()) {
            Config config = Config.builder().tokenEndpoint(endpoint.getValue()).clientId("demo-client").clientSecret(SECRET)
                    .timeout(Duration.ofMillis(300)).retry(RetryPolicy.NONE).build();
            String code = "Java-Canary-" + freshCode();
            try (Client client = Client.create(config)) {
                List<Function<Client, Token>> calls = List.of(c -> c.exchangeCode(code), c -> c.refresh(REFRESH),
                        Client::clientCredentials);
                for (Function<Client, Token> call : calls) {
                    TokenKitException e = assertThrows(TokenKitException.class, () -> call.apply(client));
                    String shown = e.getMessage() + " | " + e.body().orElse("") + " | " + e;
                    for (String canary : List.of(SECRET, code, REFRESH)) {
                        assertFalse(shown.contains(canary), endpoint.getKey() + ": " + canary + " in " + shown);
                    }
                }
            }
        }
    }
}
