package dev.tokenkit;

import com.sun.jna.Pointer;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * A device authorization response (RFC 8628 §3.2): what to show the user, and the device code
 * the library keeps to poll with (never exposed). Made by {@link Client#deviceAuthorize}; pass it
 * to {@link Client#devicePoll}, then close it, which frees and zeroizes the native copy.
 *
 * <pre>{@code
 * DeviceOptions options = DeviceOptions.builder().scope("read").cancellation(cancel).build();
 * try (DeviceAuthorization auth = client.deviceAuthorize(options)) {
 *     System.out.println("Go to " + auth.verificationUri() + " and enter " + auth.userCode());
 *     Token token = client.devicePoll(auth, options);
 * }
 * }</pre>
 *
 * <p>The values are copied when it is made, so its accessors work after {@code close()}; only
 * {@code devicePoll} needs it open. Thread-safe: several threads may poll with it, and
 * {@code close()} waits for them. The one {@link Client#deviceFlow} shows its callback is a copy
 * without the device code: it cannot be polled, and closing it does nothing.
 */
public final class DeviceAuthorization implements AutoCloseable {
    private final String userCode;
    private final String verificationUri;
    private final String verificationUriComplete;
    private final long expiresIn;
    private final long interval;
    private final NativeHandle handle; // null for the copy deviceFlow shows

    private DeviceAuthorization(Pointer authorization, boolean owned) {
        // Own the pointer first, so it is freed even if copying a value fails. The strings are
        // borrowed from it, and copied while it is alive.
        this.handle = owned
                ? new NativeHandle(this, authorization, LibTokenKit::tokenkit_device_authorization_free,
                        "device authorization is closed")
                : null;
        this.userCode = NativeStrings.borrowed(LibTokenKit.tokenkit_device_authorization_user_code(authorization));
        this.verificationUri = NativeStrings.borrowed(
                LibTokenKit.tokenkit_device_authorization_verification_uri(authorization));
        this.verificationUriComplete = NativeStrings.borrowed(
                LibTokenKit.tokenkit_device_authorization_verification_uri_complete(authorization));
        this.expiresIn = LibTokenKit.tokenkit_device_authorization_expires_in(authorization);
        this.interval = LibTokenKit.tokenkit_device_authorization_interval(authorization);
    }

    /** Takes ownership of the response a successful call stored. */
    static DeviceAuthorization take(Pointer authorization) {
        if (authorization == null) {
            throw new TokenKitException(ErrorKind.INTERNAL_ERROR,
                    "the library reported success but returned no device authorization");
        }
        return new DeviceAuthorization(authorization, true);
    }

    /** Copies the values of a response the library lends a callback; the copy cannot be polled. */
    static DeviceAuthorization copy(Pointer borrowed) {
        return new DeviceAuthorization(borrowed, false);
    }

    /** Runs {@code body} with the live native response; INVALID_ARGUMENT once closed, or for a copy. */
    <T> T call(Function<Pointer, T> body) {
        if (handle == null) {
            throw TokenKitException.invalidArgument(
                    "this device authorization is the copy deviceFlow shows, without the device code: deviceFlow polls for it");
        }
        return handle.call(body);
    }

    /** The code the user enters, e.g. "WDJB-MJHT". */
    public String userCode() {
        return userCode;
    }

    /** Where the user goes ({@code verification_uri}, or the {@code verification_url} some servers send). */
    public String verificationUri() {
        return verificationUri;
    }

    /** The verification URI with the user code in it, for a link or a QR code, if the server sent one. */
    public Optional<String> verificationUriComplete() {
        return Optional.ofNullable(verificationUriComplete);
    }

    /** How long the device code stays valid, counted from the response's arrival. */
    public Duration expiresIn() {
        return Duration.ofSeconds(expiresIn);
    }

    /** The polling interval (5 s when the server named none). */
    public Duration interval() {
        return Duration.ofSeconds(interval);
    }

    /** Whether it is closed, or is the copy {@link Client#deviceFlow} shows (neither can be polled). */
    public boolean isClosed() {
        return handle == null || handle.isClosed();
    }

    /** Frees the native response, zeroizing the device code, once running polls have ended. Idempotent. */
    @Override
    public void close() {
        if (handle != null) {
            handle.close();
        }
    }

    /** The user code and where to enter it; never the device code. */
    @Override
    public String toString() {
        return "DeviceAuthorization[userCode=" + userCode + ", verificationUri=" + verificationUri
                + ", expiresIn=" + expiresIn + "s, interval=" + interval + "s" + (isClosed() ? ", closed]" : "]");
    }
}
