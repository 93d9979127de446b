package dev.tokenkit.examples;

import dev.tokenkit.AuthMethod;
import dev.tokenkit.Client;
import dev.tokenkit.Config;
import dev.tokenkit.ErrorKind;
import dev.tokenkit.RequestOptions;
import dev.tokenkit.Token;
import dev.tokenkit.TokenKitException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The Works with Nest sample in Java: exchanges an authorization code and prints the token
 * response as JSON on stdout.
 *
 * <pre>
 * TOKENKIT_TOKEN_URL      the token endpoint, e.g. https://api.home.nest.com/oauth2/access_token
 * TOKENKIT_CLIENT_ID      the client id
 * TOKENKIT_CLIENT_SECRET  the client secret (not used with TOKENKIT_AUTH_METHOD=none)
 * TOKENKIT_CODE           the authorization code
 * TOKENKIT_AUTH_METHOD    post (default), basic or none
 * TOKENKIT_CA_FILE        a PEM file of extra CA certificates to trust
 * TOKENKIT_REDIRECT_URI   the redirect_uri the code was issued for, when the server wants it repeated
 * </pre>
 *
 * On failure one line goes to stderr, and the exit status is that of the C CLI: 2 usage or invalid
 * argument, 3 OAuth error, 4 transport error, timeout or TLS error, 5 protocol or HTTP error,
 * 6 insecure URL.
 */
public final class Exchange {
    private Exchange() {}

    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err));
    }

    /** The whole program, with its environment and streams passed in so tests can run it. */
    public static int run(Map<String, String> env, PrintStream out, PrintStream err) {
        String method = env.getOrDefault("TOKENKIT_AUTH_METHOD", "post");
        AuthMethod authMethod = switch (method) {
            case "post" -> AuthMethod.CLIENT_SECRET_POST;
            case "basic" -> AuthMethod.CLIENT_SECRET_BASIC;
            case "none" -> AuthMethod.NONE;
            default -> null;
        };
        if (authMethod == null) {
            return usage(err, "TOKENKIT_AUTH_METHOD must be post, basic or none");
        }
        for (String name : new String[] {"TOKENKIT_TOKEN_URL", "TOKENKIT_CLIENT_ID", "TOKENKIT_CODE"}) {
            if (env.get(name) == null) {
                return usage(err, name + " is not set");
            }
        }
        Config.Builder config = Config.builder()
                .tokenEndpoint(env.get("TOKENKIT_TOKEN_URL"))
                .clientId(env.get("TOKENKIT_CLIENT_ID"))
                .authMethod(authMethod);
        if (authMethod != AuthMethod.NONE) {
            config.clientSecret(env.get("TOKENKIT_CLIENT_SECRET"));
        }
        if (env.get("TOKENKIT_CA_FILE") != null) {
            config.caFile(Path.of(env.get("TOKENKIT_CA_FILE")));
        }
        try (Client client = Client.create(config.build())) {
            String redirectUri = env.get("TOKENKIT_REDIRECT_URI");
            Token token = redirectUri == null || redirectUri.isEmpty()
                    ? client.exchangeCode(env.get("TOKENKIT_CODE"))
                    : client.exchangeCode(env.get("TOKENKIT_CODE"), RequestOptions.builder().redirectUri(redirectUri).build());
            out.println(token.json());
            return 0;
        } catch (TokenKitException e) {
            err.println(describe(e));
            return exitStatus(e.kind());
        }
    }

    /** As the C CLI: kind, then the OAuth error and description when sent, the HTTP status, else the message. */
    static String describe(TokenKitException e) {
        StringBuilder line = new StringBuilder("tokenkit: ").append(e.kind().name().toLowerCase(Locale.ROOT));
        e.oauthError().ifPresent(code -> line.append(": ").append(code));
        e.oauthErrorDescription().ifPresent(description -> line.append(": ").append(description));
        if (e.httpStatus() != 0) {
            line.append(" (HTTP ").append(e.httpStatus()).append(')');
        }
        if (e.oauthError().isEmpty()) {
            line.append(": ").append(e.getMessage());
        }
        return line.toString();
    }

    static int exitStatus(ErrorKind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> 2;
            case OAUTH_ERROR -> 3;
            case TRANSPORT_ERROR, TIMEOUT, TLS_ERROR -> 4;
            case HTTP_ERROR, PROTOCOL_ERROR -> 5;
            case INSECURE -> 6;
            case CANCELLED -> 7;
            case INTERNAL_ERROR -> 70;
        };
    }

    private static int usage(PrintStream err, String message) {
        err.println("tokenkit: invalid_argument: " + message);
        return 2;
    }
}
