package dev.tokenkit;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A Java string as a NUL-terminated UTF-8 string in native memory, borrowed by the library for one
 * call and zeroized when closed (it may be a secret, a code or a token). A null string is a NULL
 * pointer, so the library names the missing argument itself.
 *
 * <p>JNA's own String conversion is not used for inputs: it would cut a string at an embedded NUL
 * (sending "abc" for "abc\0def") and replace unpaired surrogates with '?', both silently, and it
 * leaves the bytes in freed memory.
 */
final class CString implements AutoCloseable {
    private final Memory memory;

    private CString(Memory memory) {
        this.memory = memory;
    }

    /** Encodes {@code value}; {@code name} is the argument's name in the C ABI, for the error message. */
    static CString of(String value, String name) {
        if (value == null) {
            return new CString(null);
        }
        if (value.indexOf('\0') >= 0) {
            throw TokenKitException.invalidArgument(name + " contains a NUL character");
        }
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes;
        try {
            bytes = encoder.encode(CharBuffer.wrap(value));
        } catch (CharacterCodingException e) {
            throw TokenKitException.invalidArgument(name + " is not valid Unicode (an unpaired surrogate)");
        }
        int length = bytes.remaining();
        Memory memory = new Memory(length + 1L);
        memory.write(0, bytes.array(), bytes.arrayOffset() + bytes.position(), length);
        memory.setByte(length, (byte) 0);
        Arrays.fill(bytes.array(), (byte) 0);
        return new CString(memory);
    }

    Pointer pointer() {
        return memory;
    }

    @Override
    public void close() {
        if (memory != null) {
            memory.clear();
            memory.close();
        }
    }
}
