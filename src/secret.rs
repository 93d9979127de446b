//! Secrets (client secrets, codes, tokens) live in `Secret`: zeroized on drop, redacted in `Debug`.
//! The text is stored with a trailing NUL, so the C layer can lend it out as a `const char *`
//! without a second copy.

use std::ffi::CStr;
use std::fmt;

use zeroize::Zeroizing;

/// A secret string: zeroized when dropped, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Takes `value`; a NUL inside it ends the C view of it early (parsers refuse such values).
    pub fn new(value: impl Into<String>) -> Self {
        let mut value = Zeroizing::new(value.into());
        if value.capacity() > value.len() {
            // Room for the NUL: no reallocation, so no copy is left behind.
            value.push('\0');
            return Secret(value);
        }
        let mut text = String::with_capacity(value.len() + 1);
        text.push_str(&value);
        text.push('\0');
        Secret(Zeroizing::new(text)) // `value` is zeroized as it drops
    }

    /// The secret itself; callers must not format it into messages or logs.
    pub fn expose(&self) -> &str {
        &self.0[..self.0.len() - 1]
    }

    /// The same text as a C string, borrowed from the secret.
    pub(crate) fn as_c_str(&self) -> &CStr {
        CStr::from_bytes_until_nul(self.0.as_bytes()).unwrap_or(c"")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        let mut text = String::with_capacity(value.len() + 1);
        text.push_str(value);
        Secret::new(text)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}
