//! application/x-www-form-urlencoded, strictly: malformed escapes, invalid UTF-8 and repeated
//! parameters are errors here (lenient parsers would hide client bugs the tests look for).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Decoded form parameters; duplicates are rejected while parsing.
pub(crate) struct Form(HashMap<String, String>);

impl Form {
    /// RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

pub(crate) fn parse_form(body: &[u8]) -> Result<Form, String> {
    let mut map = HashMap::new();
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let (Some(key), Some(value)) = (form_decode(k), form_decode(v)) else {
            return Err("malformed form encoding".into());
        };
        match map.entry(key) {
            Entry::Occupied(e) => return Err(format!("duplicate parameter {}", e.key())),
            Entry::Vacant(e) => e.insert(value),
        };
    }
    Ok(Form(map))
}

/// '+' is space, %XX a byte, then UTF-8; None for a bad escape or invalid UTF-8.
pub(crate) fn form_decode(s: &[u8]) -> Option<String> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let (hi, lo) = (hex(*s.get(i + 1)?)?, hex(*s.get(i + 2)?)?);
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Encoding with space as '+', for the parameters /authorize appends to a redirect_uri.
pub(crate) fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(form_decode(b"a+b%2B%C3%A9").as_deref(), Some("a b+é"));
        assert_eq!(form_decode(b"%zz"), None);
        assert_eq!(form_decode(b"%C3"), None);
        let form = parse_form(b"a=1&b=&c").unwrap();
        assert_eq!(
            (form.get("a"), form.get("b"), form.get("c")),
            (Some("1"), None, None)
        );
        assert!(parse_form(b"a=1&a=2").is_err());
    }

    #[test]
    fn encoding() {
        assert_eq!(form_encode("a b&c=é/:"), "a+b%26c%3D%C3%A9%2F%3A");
    }
}
