//! Token revocation: RFC 7009, and the Works with Nest form `DELETE …/access_tokens/{token}`.

use crate::client::{Call, Client, Target};
use crate::config::{Endpoint, RevocationStyle};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::response::{read_status, Answer};
use crate::retry::RetryRule;
use crate::transport::Method;

impl Client {
    /// Revokes `token`, with the options' `token_type_hint` (RFC 7009 §2.1). Any 2xx is success, whatever its body says (RFC 7009 §2.2: an invalid token is not an
    /// error). Retried on transport failures, 5xx and 429: revoking twice is harmless.
    pub fn revoke(&self, token: &str, options: &RequestOptions) -> Result<()> {
        let params = options.token_params("revocation", token)?;
        let cancel = options.cancel();
        let read = |r: &_| read_status(r, Answer::Revocation);
        match self.config().revocation_style() {
            RevocationStyle::Rfc7009 => {
                let call = Call { cancel, ..Call::post(Endpoint::Revocation, &params, RetryRule::Transient) };
                self.send(&call, read)
            }
            RevocationStyle::NestDelete => {
                // `.` and `..` are path steps to URL normalisers even when percent-encoded
                // (WHATWG URL, RFC 3986 §6.2.2): such a token could DELETE the collection.
                if token.bytes().all(|b| b == b'.') {
                    return Err(Error::invalid_argument("a token of only dots cannot be revoked in a URL path"));
                }
                let call = Call {
                    target: Target::EndpointSegment(Endpoint::Revocation, token),
                    method: Method::Delete,
                    authenticate: false,
                    cancel,
                    ..Call::post(Endpoint::Revocation, &[], RetryRule::Transient)
                };
                self.send(&call, read)
            }
        }
    }
}
