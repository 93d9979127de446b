package dev.tokenkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks the binding against include/tokenkit.h, the reference, so that a changed signature fails
 * the build instead of corrupting a call at run time. It parses the header (cbindgen's output:
 * comments, preprocessor lines, enums, typedefs of callbacks and structs, then one declaration per
 * function), finds every native method the binding declares by reflection (the {@code native}
 * methods of every class of dev.tokenkit's main code, and the methods of any JNA {@link Library}
 * interface there), and checks for each: the function exists, the parameter count matches, each
 * parameter's and the result's Java type is a JNA mapping of its C type, and a callback parameter's
 * interface matches the callback's typedef, a structure's fields the struct. It also checks that
 * every function of the header is bound, and that the constants written in Java (the ABI version,
 * the enum numbers) are the header's.
 */
class HeaderCheckTest {
    /** Functions of the header the binding does not bind on purpose, with the reason. */
    private static final Map<String, String> NOT_BOUND = Map.of();

    @Test
    void everyNativeMethodMatchesTheHeader() throws Exception {
        Header header = Header.read(headerPath());
        List<Method> methods = nativeMethods();
        assertTrue(methods.size() >= 100, "found only " + methods.size() + " native methods");
        List<String> problems = new ArrayList<>();
        for (Method m : methods) {
            problems.addAll(header.check(m));
        }
        assertEquals(List.of(), problems, "native methods that do not match " + headerPath());
    }

    @Test
    void everyFunctionOfTheHeaderIsBound() throws Exception {
        Header header = Header.read(headerPath());
        Set<String> bound = nativeMethods().stream().map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
        Set<String> missing = new TreeSet<>(header.functions.keySet());
        missing.removeAll(bound);
        missing.removeAll(NOT_BOUND.keySet());
        assertEquals(Set.of(), missing, "functions of the header the binding does not declare (bind them, or list "
                + "them in NOT_BOUND with the reason)");
        Set<String> stale = new TreeSet<>(NOT_BOUND.keySet());
        stale.removeAll(header.functions.keySet());
        assertEquals(Set.of(), stale, "NOT_BOUND names functions the header no longer has");
    }

    @Test
    void constantsWrittenInJavaAreTheHeaders() throws Exception {
        Header header = Header.read(headerPath());
        assertEquals(header.defines.get("TOKENKIT_ABI_VERSION"), (long) LibTokenKit.ABI_VERSION, "TOKENKIT_ABI_VERSION");
        assertEquals(header.enumValue("tokenkit_status", "TOKENKIT_STATUS_OK"), (long) LibTokenKit.STATUS_OK);
        Map<String, Long> statuses = new LinkedHashMap<>();
        for (ErrorKind kind : ErrorKind.values()) {
            statuses.put("TOKENKIT_STATUS_" + kind.name(), (long) kind.status());
        }
        assertEnum(header, "tokenkit_status", statuses, Set.of("TOKENKIT_STATUS_OK"));
        Map<String, Long> methods = new LinkedHashMap<>();
        for (AuthMethod m : AuthMethod.values()) {
            methods.put("TOKENKIT_AUTH_METHOD_" + m.name(), (long) m.value());
        }
        assertEnum(header, "tokenkit_auth_method", methods, Set.of());
        Map<String, Long> styles = new LinkedHashMap<>();
        for (RevocationStyle s : RevocationStyle.values()) {
            styles.put("TOKENKIT_REVOCATION_STYLE_" + s.name(), (long) s.value());
        }
        assertEnum(header, "tokenkit_revocation_style", styles, Set.of());
    }

    private static void assertEnum(Header header, String name, Map<String, Long> java, Set<String> notInJava) {
        Map<String, Long> c = new LinkedHashMap<>(header.enums.get(name));
        notInJava.forEach(c::remove);
        assertEquals(c, java, "enum " + name);
    }

    /** The checker itself: a drifted declaration must be reported, or the check proves nothing. */
    @Test
    void driftIsReported() throws Exception {
        Header header = Header.read(headerPath());
        Map<String, String> expected = Map.of(
                "tokenkit_client_new", "tokenkit_client_new: 2 parameters, the header has 3",
                "tokenkit_config_set_timeout_ms", "tokenkit_config_set_timeout_ms parameter 2 (timeout_ms): Java int, C int64_t",
                "tokenkit_token_expires_in", "tokenkit_token_expires_in result: Java int, C uint8_t",
                "tokenkit_client_sign_in", "tokenkit_client_sign_in parameter 2 (options): Java String, C const struct "
                        + "tokenkit_sign_in_options *",
                "tokenkit_sign_in_options_set_open_url", "tokenkit_sign_in_options_set_open_url parameter 2 (open_url): "
                        + "callback LegacyOpenUrl.invoke result: Java void, C int32_t",
                "tokenkit_string_free", "tokenkit_string_free parameter 1 (s): Java String, C char *",
                "tokenkit_client_sign_in_loopback", "tokenkit_client_sign_in_loopback: not in the header");
        for (Method m : Drifted.class.getDeclaredMethods()) {
            if (!Modifier.isNative(m.getModifiers())) {
                continue;
            }
            List<String> problems = header.check(m);
            assertEquals(List.of(expected.get(m.getName())), problems, m.getName());
        }
    }

    /** Declarations as they would be after the header changed under them; never registered. */
    @SuppressWarnings("unused")
    private static final class Drifted {
        interface LegacyOpenUrl extends Callback {
            void invoke(Pointer userData, Pointer url);
        }

        static native int tokenkit_client_new(Pointer config, PointerByReference out);

        static native int tokenkit_config_set_timeout_ms(Pointer config, int timeoutMs, PointerByReference err);

        static native int tokenkit_token_expires_in(Pointer token, LongByReference seconds);

        static native int tokenkit_client_sign_in(Pointer client, String options, PointerByReference out,
                PointerByReference err);

        static native int tokenkit_sign_in_options_set_open_url(Pointer options, LegacyOpenUrl openUrl, Pointer userData,
                PointerByReference err);

        static native void tokenkit_string_free(String s);

        static native int tokenkit_client_sign_in_loopback(Pointer client);
    }

    // The header and the binding

    static Path headerPath() {
        String configured = System.getProperty("tokenkit.header");
        Path path = configured != null ? Path.of(configured) : Path.of("../../include/tokenkit.h");
        assertTrue(Files.isRegularFile(path), "no header at " + path.toAbsolutePath() + " (system property tokenkit.header)");
        return path;
    }

    /**
     * The native methods of every class of the binding's main code (target/classes/dev/tokenkit),
     * and the methods of its JNA Library interfaces, if any.
     */
    static List<Method> nativeMethods() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(LibTokenKit.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = classes.resolve("dev").resolve("tokenkit");
        List<String> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
                    .map(n -> "dev.tokenkit." + n.substring(0, n.length() - ".class".length())).sorted().toList();
        }
        List<Method> methods = new ArrayList<>();
        for (String name : names) {
            Class<?> c = Class.forName(name, false, HeaderCheckTest.class.getClassLoader());
            boolean library = c.isInterface() && Library.class.isAssignableFrom(c);
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isNative(m.getModifiers()) || (library && !m.isDefault() && !Modifier.isStatic(m.getModifiers()))) {
                    methods.add(m);
                }
            }
        }
        return methods;
    }

    /** What the header declares. */
    static final class Header {
        final Map<String, Function> functions = new LinkedHashMap<>();
        final Map<String, Function> callbacks = new LinkedHashMap<>();
        final Map<String, List<Param>> structs = new LinkedHashMap<>();
        final Map<String, Map<String, Long>> enums = new LinkedHashMap<>();
        final Map<String, Long> defines = new LinkedHashMap<>();

        record Param(String type, String name) {}

        record Function(String result, List<Param> params) {}

        private static final Pattern DEFINE = Pattern.compile("(?m)^\\s*#define\\s+(\\w+)\\s+\\(?(-?\\d+)\\)?\\s*$");
        private static final Pattern ENUM = Pattern.compile("\\benum\\s+(\\w+)\\s*(?::\\s*\\w+\\s*)?\\{([^}]*)}\\s*;");
        private static final Pattern STRUCT = Pattern.compile("\\btypedef\\s+struct\\s+(\\w+)\\s*\\{([^}]*)}\\s*\\w+\\s*;");
        private static final Pattern CALLBACK =
                Pattern.compile("\\btypedef\\s+([\\w\\s*]+?)\\s*\\(\\s*\\*\\s*(\\w+)\\s*\\)\\s*\\(([^)]*)\\)\\s*;");
        private static final Pattern TYPEDEF = Pattern.compile("\\btypedef\\s+[^;{}()]*;");
        private static final Pattern FUNCTION = Pattern.compile("([\\w\\s*]+?)\\b(tokenkit_\\w+)\\s*\\(([^()]*)\\)\\s*;");

        static Header read(Path path) throws IOException {
            String text = Files.readString(path);
            Header h = new Header();
            Matcher d = DEFINE.matcher(text);
            while (d.find()) {
                h.defines.put(d.group(1), Long.parseLong(d.group(2)));
            }
            // Comments, preprocessor lines and `extern "C"` go; one line of tokens remains.
            String code = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ")
                    .replaceAll("(?m)^\\s*#.*$", " ").replace("extern \"C\" {", " ").replaceAll("\\s+", " ");
            Matcher e = ENUM.matcher(code);
            while (e.find()) {
                Map<String, Long> values = new LinkedHashMap<>();
                for (String item : e.group(2).split(",")) {
                    String[] kv = item.trim().split("\\s*=\\s*");
                    if (kv.length == 2) {
                        values.put(kv[0], Long.parseLong(kv[1]));
                    }
                }
                h.enums.put(e.group(1), values);
            }
            code = ENUM.matcher(code).replaceAll(" ");
            Matcher s = STRUCT.matcher(code);
            while (s.find()) {
                List<Param> fields = new ArrayList<>();
                for (String field : s.group(2).split(";")) {
                    if (!field.isBlank()) {
                        fields.add(param(field));
                    }
                }
                h.structs.put(s.group(1), fields);
            }
            code = STRUCT.matcher(code).replaceAll(" ");
            Matcher c = CALLBACK.matcher(code);
            while (c.find()) {
                h.callbacks.put(c.group(2), new Function(normalize(c.group(1)), params(c.group(3))));
            }
            code = TYPEDEF.matcher(CALLBACK.matcher(code).replaceAll(" ")).replaceAll(" ");
            Matcher f = FUNCTION.matcher(code);
            while (f.find()) {
                h.functions.put(f.group(2), new Function(normalize(f.group(1)), params(f.group(3))));
            }
            assertTrue(h.functions.size() >= 100, "parsed only " + h.functions.size() + " functions from " + path);
            assertTrue(h.enums.containsKey("tokenkit_status"), "no enum tokenkit_status in " + path);
            return h;
        }

        private static List<Param> params(String list) {
            String trimmed = list.trim();
            if (trimmed.isEmpty() || trimmed.equals("void")) {
                return List.of();
            }
            return Arrays.stream(trimmed.split(",")).map(Header::param).toList();
        }

        /** "const struct tokenkit_client *client" -> type "const struct tokenkit_client *", name "client". */
        private static Param param(String declaration) {
            String spaced = normalize(declaration.replace("*", " * "));
            int last = spaced.lastIndexOf(' ');
            return new Param(normalize(spaced.substring(0, last)), spaced.substring(last + 1));
        }

        /** Single spaces, and stars written "T *" / "T **". */
        private static String normalize(String type) {
            return type.replace("*", " * ").replaceAll("\\s+", " ").trim().replace("* *", "**");
        }

        Long enumValue(String name, String constant) {
            return enums.get(name).get(constant);
        }

        /** Every mismatch between a Java declaration and the header, as sentences; empty when it matches. */
        List<String> check(Method m) {
            String name = m.getName();
            Function f = functions.get(name);
            if (f == null) {
                return List.of(name + ": not in the header");
            }
            Class<?>[] types = m.getParameterTypes();
            if (types.length != f.params().size()) {
                return List.of(name + ": " + types.length + " parameters, the header has " + f.params().size());
            }
            List<String> problems = new ArrayList<>();
            checkType(name + " result", m.getReturnType(), f.result(), true, problems);
            for (int i = 0; i < types.length; i++) {
                Param p = f.params().get(i);
                checkType(name + " parameter " + (i + 1) + " (" + p.name() + ")", types[i], p.type(), false, problems);
            }
            return problems;
        }

        private void checkType(String where, Class<?> java, String c, boolean result, List<String> problems) {
            int stars = (int) c.chars().filter(ch -> ch == '*').count();
            String base = c.replace("*", "").replace("const ", "").replace("struct ", "").replace("enum ", "").trim();
            boolean constant = c.startsWith("const ");
            List<Class<?>> allowed = new ArrayList<>();
            if (stars == 0) {
                switch (base) {
                    case "int32_t", "uint32_t" -> allowed.add(int.class);
                    case "int64_t", "uint64_t" -> allowed.add(long.class);
                    case "uint8_t", "int8_t" -> allowed.add(byte.class);
                    case "int16_t", "uint16_t" -> allowed.add(short.class);
                    case "void" -> allowed.add(void.class);
                    default -> {
                        if (enums.containsKey(base)) {
                            allowed.add(int.class); // cbindgen's enums are int32_t (typedef and `: int32_t`)
                        } else if (callbacks.containsKey(base)) {
                            checkCallback(where, java, base, problems);
                            return;
                        }
                    }
                }
            } else if (stars == 1) {
                allowed.add(Pointer.class);
                switch (base) {
                    case "char" -> {
                        // A string the library only reads, or lends: a String may stand for it; a
                        // `char *` the caller hands back to be freed must stay a Pointer.
                        if (constant) {
                            allowed.add(String.class);
                        }
                    }
                    case "int64_t" -> allowed.add(LongByReference.class);
                    default -> {
                        if (structs.containsKey(base) && !result) {
                            checkStructure(where, java, base, problems);
                            if (Structure.class.isAssignableFrom(java)) {
                                return;
                            }
                        }
                    }
                }
            } else if (stars == 2) {
                allowed.add(PointerByReference.class);
                allowed.add(Pointer.class);
            }
            if (!allowed.contains(java)) {
                problems.add(where + ": Java " + java.getSimpleName() + ", C " + c);
            }
        }

        /** A callback parameter: a Callback interface whose one method has the typedef's signature. */
        private void checkCallback(String where, Class<?> java, String typedef, List<String> problems) {
            if (!Callback.class.isAssignableFrom(java) || !java.isInterface()) {
                problems.add(where + ": Java " + java.getSimpleName() + ", C " + typedef + " (a Callback interface)");
                return;
            }
            List<Method> methods = Arrays.stream(java.getMethods())
                    .filter(m -> !m.isDefault() && !Modifier.isStatic(m.getModifiers())).toList();
            if (methods.size() != 1) {
                problems.add(where + ": " + java.getSimpleName() + " has " + methods.size() + " methods, a Callback needs one");
                return;
            }
            Method m = methods.get(0);
            Function f = callbacks.get(typedef);
            String inner = where + ": callback " + java.getSimpleName() + "." + m.getName();
            if (m.getParameterCount() != f.params().size()) {
                problems.add(inner + ": " + m.getParameterCount() + " parameters, " + typedef + " has " + f.params().size());
                return;
            }
            checkType(inner + " result", m.getReturnType(), f.result(), true, problems);
            for (int i = 0; i < m.getParameterCount(); i++) {
                Param p = f.params().get(i);
                checkType(inner + " parameter " + (i + 1) + " (" + p.name() + ")", m.getParameterTypes()[i], p.type(), false,
                        problems);
            }
        }

        /** A struct pointer given as a Structure: its fields, in order, by name and type. */
        private void checkStructure(String where, Class<?> java, String struct, List<String> problems) {
            if (!Structure.class.isAssignableFrom(java)) {
                return; // a Pointer: checked by the caller
            }
            Structure.FieldOrder order = java.getAnnotation(Structure.FieldOrder.class);
            List<String> names = order == null ? List.of() : List.of(order.value());
            List<Param> fields = structs.get(struct);
            List<String> cNames = fields.stream().map(Param::name).toList();
            if (!names.equals(cNames)) {
                problems.add(where + ": " + java.getSimpleName() + " fields " + names + ", struct " + struct + " has " + cNames);
                return;
            }
            for (Param field : fields) {
                try {
                    Field jf = java.getField(field.name());
                    checkType(where + " field " + field.name(), jf.getType(), field.type(), false, problems);
                } catch (NoSuchFieldException e) {
                    problems.add(where + ": " + java.getSimpleName() + " has no public field " + field.name());
                }
            }
        }
    }
}
