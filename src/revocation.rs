//! Token revocation: RFC 7009, and the Works with Nest form `DELETE …/access_tokens/{token}`.

use crate::client::Client;
use crate::retry::RetryRule;
use crate::config::RevocationStyle;
use crate::error::{Error, Result};
use crate::token::check_response;
use crate::transport::{send, HttpRequest};

impl Client {
    /// Revokes `token`. `token_type_hint` is "access_token" or "refresh_token" (RFC 7009 §2.1), or
    /// None. Success means the server no longer honours the token (an unknown token counts too,
    /// RFC 7009 §2.2). Retried on transport failures, 5xx and 429: revoking twice is harmless.
    pub fn revoke(&self, token: &str, token_type_hint: Option<&str>) -> Result<()> {
        if token.is_empty() {
            return Err(Error::invalid_argument("token is empty"));
        }
        let endpoint = self.endpoint(self.config().revocation_endpoint.as_deref(), "revocation_endpoint")?;
        match self.config().revocation_style {
            RevocationStyle::Rfc7009 => {
                let mut params = vec![("token", token)];
                if let Some(hint) = token_type_hint.filter(|h| !h.is_empty()) {
                    params.push(("token_type_hint", hint));
                }
                self.post_authenticated(&endpoint, &params, None, &[], RetryRule::Transient, |r| {
                    check_response(r, "revocation endpoint").map(drop)
                })
            }
            RevocationStyle::NestDelete => {
                // The token is the last path segment; the URL parser percent-encodes it.
                let mut url = endpoint;
                url.path_segments_mut()
                    .map_err(|_| Error::invalid_argument("revocation_endpoint cannot take a path"))?
                    .pop_if_empty()
                    .push(token);
                let request = HttpRequest { method: "DELETE", url: &url, authorization: None, form_body: None };
                self.config().retry.run(|| {
                    let response = send(self.agent(), &request, self.config().max_response_bytes)?;
                    check_response(&response, "revocation endpoint").map(drop)
                })
            }
        }
    }
}
