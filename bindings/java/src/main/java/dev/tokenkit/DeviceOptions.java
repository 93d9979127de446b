package dev.tokenkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The settings of a device flow (RFC 8628, {@code tokenkit_device_options}) for
 * {@link Client#deviceFlow}, {@link Client#deviceAuthorize} and {@link Client#devicePoll}.
 * Immutable and reusable; made with {@link #builder()}. What is not set keeps the library's
 * default (the config's scope, no PKCE, no cancellation).
 *
 * <pre>{@code
 * Token token = client.deviceFlow(DeviceOptions.builder()
 *         .scope("read")
 *         .onPrompt(auth -> {
 *             System.out.println("Go to " + auth.verificationUri() + " and enter " + auth.userCode());
 *             return true;                                       // false would stop the flow
 *         })
 *         .cancellation(cancel)
 *         .build());
 * }</pre>
 */
public final class DeviceOptions {
    /**
     * Shows the user code and where to enter it ({@code tokenkit_device_prompt_fn}). Called once,
     * on the thread that called {@link Client#deviceFlow}, before polling starts; it must return
     * promptly (print or display them). The {@link DeviceAuthorization} it gets is a copy that
     * cannot be polled. Return true to go on; returning false, or throwing, stops the flow at
     * once: {@code deviceFlow} throws CANCELLED, whose cause is what this threw.
     */
    @FunctionalInterface
    public interface Prompt {
        boolean show(DeviceAuthorization authorization) throws Exception;
    }

    /**
     * Told after each poll that did not end the flow ({@code tokenkit_device_poll_fn}), to keep a
     * prompt alive: {@code outcome} is "authorization_pending", "slow_down" (the interval grew) or
     * "retrying" (a transient failure), {@code interval} the wait before the next poll. Called on
     * the polling thread. Return true to go on; returning false, or throwing, stops the flow at
     * once: the call throws CANCELLED, whose cause is what this threw.
     */
    @FunctionalInterface
    public interface Poll {
        boolean polled(String outcome, Duration interval) throws Exception;
    }

    private final String scope;
    private final List<Map.Entry<String, String>> params;
    private final Boolean pkce;
    private final Prompt onPrompt;
    private final Poll onPoll;
    private final Cancellation cancellation;

    private DeviceOptions(Builder b) {
        this.scope = b.scope;
        this.params = Params.copy(b.params);
        this.pkce = b.pkce;
        this.onPrompt = b.onPrompt;
        this.onPoll = b.onPoll;
        this.cancellation = b.cancellation;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The scope to ask for, or null for the config's default. */
    public String scope() {
        return scope;
    }

    /** Extra parameters, sent with the device authorization request and every poll; empty for none. */
    public List<Map.Entry<String, String>> params() {
        return params;
    }

    /** Whether PKCE is used, or null for the default (no). */
    public Boolean pkce() {
        return pkce;
    }

    /** Shows the user code during {@link Client#deviceFlow}, or null. */
    public Prompt onPrompt() {
        return onPrompt;
    }

    /** Told of each poll during {@link Client#deviceFlow} and {@link Client#devicePoll}, or null. */
    public Poll onPoll() {
        return onPoll;
    }

    /** The cancellation that stops the flow, or null. */
    public Cancellation cancellation() {
        return cancellation;
    }

    /**
     * The native options for one call, with {@code promptFn} and {@code pollFn} (either may be
     * null) as the callbacks.
     */
    static NativeOptions toNative(DeviceOptions o, LibTokenKit.DevicePromptFn promptFn, LibTokenKit.DevicePollFn pollFn) {
        if (o == null) {
            return NativeOptions.NONE;
        }
        return NativeOptions.make(LibTokenKit.tokenkit_device_options_new(), LibTokenKit::tokenkit_device_options_free,
                n -> {
                    if (promptFn != null) {
                        n.set((p, err) -> LibTokenKit.tokenkit_device_options_set_on_prompt(p, promptFn, null, err));
                    }
                    if (pollFn != null) {
                        n.set((p, err) -> LibTokenKit.tokenkit_device_options_set_on_poll(p, pollFn, null, err));
                    }
                    n.setString(LibTokenKit::tokenkit_device_options_set_scope, o.scope, "scope");
                    n.addParams(LibTokenKit::tokenkit_device_options_add_param, o.params);
                    if (o.pkce != null) {
                        byte on = (byte) (o.pkce ? 1 : 0);
                        n.set((p, err) -> LibTokenKit.tokenkit_device_options_set_pkce(p, on, err));
                    }
                    n.setCancel(LibTokenKit::tokenkit_device_options_set_cancel, o.cancellation);
                });
    }

    @Override
    public String toString() {
        return "DeviceOptions[scope=" + scope + ", params=" + Params.names(params)
                + ", pkce=" + (pkce == null ? "(default)" : pkce)
                + ", cancellation=" + (cancellation == null ? "(none)" : "(set)") + "]";
    }

    /** Builds {@link DeviceOptions}. Setting a value twice keeps the last; parameters add up. */
    public static final class Builder {
        private String scope;
        private final List<Map.Entry<String, String>> params = new ArrayList<>();
        private Boolean pkce;
        private Prompt onPrompt;
        private Poll onPoll;
        private Cancellation cancellation;

        private Builder() {}

        /** The scope to ask for; null (the default) for the config's. */
        public Builder scope(String scope) {
            this.scope = scope;
            return this;
        }

        /**
         * Adds a parameter, sent with the device authorization request and with every poll (so
         * give {@link Client#devicePoll} the same options as {@link Client#deviceAuthorize}).
         */
        public Builder param(String name, String value) {
            this.params.add(Params.entry(name, value));
            return this;
        }

        /** Adds every entry of {@code params} in its iteration order. */
        public Builder params(Map<String, String> params) {
            if (params != null) {
                params.forEach(this::param);
            }
            return this;
        }

        /**
         * PKCE (RFC 7636) for the device flow: an S256 challenge on the authorization request and
         * the verifier on every poll, for servers that require it of public clients. Default off.
         */
        public Builder pkce(boolean pkce) {
            this.pkce = pkce;
            return this;
        }

        /** Required by {@link Client#deviceFlow}: shows the user code (see {@link Prompt}). */
        public Builder onPrompt(Prompt onPrompt) {
            this.onPrompt = onPrompt;
            return this;
        }

        /** Told of each poll (see {@link Poll}); null (the default) for none. */
        public Builder onPoll(Poll onPoll) {
            this.onPoll = onPoll;
            return this;
        }

        /** Stops the flow (requests and waits alike) when raised from another thread; null for none. */
        public Builder cancellation(Cancellation cancellation) {
            this.cancellation = cancellation;
            return this;
        }

        public DeviceOptions build() {
            return new DeviceOptions(this);
        }
    }
}
