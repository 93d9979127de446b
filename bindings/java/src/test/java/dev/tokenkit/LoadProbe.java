package dev.tokenkit;

/** Loads the library in a JVM of its own and prints the version, or the load error's message. */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        try {
            System.out.println("loaded " + TokenKit.version());
        } catch (UnsatisfiedLinkError e) {
            System.out.println("error " + e.getMessage());
            // The same clear message on every use, not a NoClassDefFoundError the second time.
            try {
                TokenKit.version();
            } catch (UnsatisfiedLinkError again) {
                System.out.println("again " + again.getMessage());
            }
            System.exit(1);
        }
    }
}
