package dev.tokenkit;

import static dev.tokenkit.TestServer.expect;
import static dev.tokenkit.TestServer.freshCode;
import static dev.tokenkit.TestServer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The static entry points: the version, the ABI check, and the one-call exchange. */
class TokenKitTest {
    @Test
    void versionAndAbi() {
        assertTrue(TokenKit.version().matches("\\d+\\.\\d+\\.\\d+.*"), TokenKit.version());
        assertEquals(LibTokenKit.ABI_VERSION, LibTokenKit.tokenkit_abi_version());
    }

    @Test
    void oneCallExchange() {
        String code = freshCode();
        Token token = TokenKit.exchangeCode(url("/token"), code, "demo-client", "demo-secret");
        assertTrue(token.accessToken().startsWith("at-"), token.accessToken());
        assertTrue(token.refreshToken().isPresent());
        TokenKitException e = expect(ErrorKind.OAUTH_ERROR,
                () -> TokenKit.exchangeCode(url("/token"), code, "demo-client", "demo-secret"));
        assertEquals(Optional.of("invalid_grant"), e.oauthError());
    }

    @Test
    void oneCallPublicClient() {
        Token token = TokenKit.exchangeCode(url("/token"), freshCode(), "public-client", null);
        assertTrue(token.accessToken().startsWith("at-"));
    }
}
