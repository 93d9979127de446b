//! Randomness for the authorization request: PKCE (RFC 7636) verifiers and S256 challenges, and
//! `state` values (RFC 6749 §10.12), all from the operating system's CSPRNG.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| Error::new(ErrorKind::Internal, "the operating system's random number generator failed"))
}

/// `bytes` random bytes as base64url without padding.
fn random_token(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    fill_random(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(&buf))
}

/// A PKCE pair: the verifier stays with the client, the challenge goes in the authorization URL.
#[derive(Clone, Debug)]
pub struct Pkce {
    /// The verifier, kept by the client.
    pub code_verifier: Secret,
    /// BASE64URL(SHA256(verifier)).
    pub code_challenge: String,
}

impl Pkce {
    /// 32 random bytes give a 43-character verifier, the minimum RFC 7636 §4.1 allows and the
    /// length it recommends.
    pub fn generate() -> Result<Pkce> {
        let verifier = random_token(32)?;
        let challenge = s256_challenge(&verifier);
        Ok(Pkce { code_verifier: Secret::new(verifier), code_challenge: challenge })
    }
}

/// BASE64URL(SHA256(verifier)), RFC 7636 §4.2.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

/// A fresh `state`: 128 bits, enough that it cannot be guessed.
pub fn random_state() -> Result<String> {
    random_token(16)
}

/// Compares two strings in time that depends only on their lengths, so a forged `state` learns
/// nothing from timing.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
