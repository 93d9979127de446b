//! A token client: one authorization server, one set of credentials, one keep-alive connection
//! pool, and the one send path every request takes. `Client` is `Send + Sync`; share one across
//! threads rather than making one per request.

use std::fmt;
use std::time::Instant;

use base64::Engine as _;
use url::Url;
use zeroize::Zeroizing;

use crate::cancel::Cancel;
use crate::config::{AuthMethod, ClientConfig, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::grants::Grant;
use crate::log::{self, Logger, LOG_HEADERS, LOG_REQUESTS};
use crate::options::{RequestOptions, Setting};
use crate::retry::{RetryPolicy, RetryRule};
use crate::secret::Secret;
use crate::token::Token;
use crate::transport::{HttpRequest, HttpResponse, InFlight, Method, Transport, UreqTransport};

/// A token client. Made from a [`ClientConfig`]; every request it sends goes through one path that
/// applies the endpoint policy, client authentication, the retry rule, the body cap, the deadline
/// and the response reader.
///
/// ```no_run
/// use tokenkit::{Client, ClientConfig};
/// let config = ClientConfig::new("https://api.home.nest.com/oauth2/access_token", "CLIENT_ID")?
///     .with_client_secret("CLIENT_SECRET");
/// let client = Client::new(config)?;
/// let token = client.exchange_code("AUTH_CODE", &Default::default())?;
/// println!("{} expires in {:?} s", token.access_token(), token.expires_in());
/// # Ok::<(), tokenkit::Error>(())
/// ```
pub struct Client {
    config: ClientConfig,
    transport: Box<dyn Transport>,
}

/// Parameters the library sets itself; an extra parameter may not repeat them (RFC 6749 §3.2:
/// parameters must not be included more than once).
const RESERVED: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
    "client_id",
    "client_secret",
    "device_code",
    "token",
    "token_type_hint",
];

/// Request parameters whose values are credentials: redacted from any error a server echoes them in.
const SECRET_PARAMS: &[&str] = &["code", "code_verifier", "refresh_token", "device_code", "token"];

/// A form body and the Authorization header value that goes with it; both may hold secrets.
pub(crate) type AuthenticatedForm = (Zeroizing<String>, Option<Zeroizing<String>>);

/// Where a request goes.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    /// A configured endpoint.
    Endpoint(Endpoint),
    /// A configured endpoint with one more path segment (Works with Nest's DELETE of a token).
    EndpointSegment(Endpoint, &'a str),
    /// A URL already checked against the policy (discovery's well-known URLs).
    Url(&'a Url),
}

/// One request as the client sends it.
pub(crate) struct Call<'a> {
    pub target: Target<'a>,
    pub method: Method,
    /// The request's own form fields (POST only).
    pub params: &'a [(&'a str, &'a str)],
    pub grant_type: Option<&'a str>,
    pub extra: &'a [(String, String)],
    /// Whether client authentication (RFC 6749 §2.3.1) is added.
    pub authenticate: bool,
    pub retry: RetryRule,
    pub cancel: Option<&'a Cancel>,
}

impl<'a> Call<'a> {
    /// A client-authenticated POST of `params` to an endpoint.
    pub(crate) fn post(endpoint: Endpoint, params: &'a [(&'a str, &'a str)], retry: RetryRule) -> Self {
        Call {
            target: Target::Endpoint(endpoint),
            method: Method::Post,
            params,
            grant_type: None,
            extra: &[],
            authenticate: true,
            retry,
            cancel: None,
        }
    }
}

impl Client {
    /// Makes a client. Fails when the config lacks a token endpoint or a client id, or when the
    /// secret does not fit the auth method.
    pub fn new(config: ClientConfig) -> Result<Client> {
        config.validate()?;
        Ok(Client::unchecked(config))
    }

    /// The Works with Nest sample's client: client_secret_post with a secret, a public client
    /// without one.
    pub fn for_code_exchange(token_url: &str, client_id: &str, client_secret: Option<&str>) -> Result<Client> {
        let config = ClientConfig::new(token_url, client_id)?;
        Client::new(match client_secret.filter(|s| !s.is_empty()) {
            Some(secret) => config.with_client_secret(secret),
            None => config.with_auth_method(AuthMethod::None),
        })
    }

    /// A client for requests that need no credentials (discovery, before the config is complete).
    pub(crate) fn unchecked(config: ClientConfig) -> Client {
        Client::unchecked_for(config, false)
    }

    /// As `unchecked`, for requests to URLs outside the config (`https` says whether any is https).
    pub(crate) fn unchecked_for(config: ClientConfig, https: bool) -> Client {
        let mut settings = config.transport_settings();
        settings.tls |= https;
        let transport = Box::new(UreqTransport::new(&settings));
        Client { config, transport }
    }

    /// The client's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3), with the options' redirect URI, PKCE
    /// verifier and parameters. Never retried: a code is single-use (§4.1.2).
    pub fn exchange_code(&self, code: &str, options: &RequestOptions) -> Result<Token> {
        use Setting::*;
        options.only("a code exchange", &[RedirectUri, CodeVerifier, Params])?;
        let grant = Grant::AuthorizationCode {
            code,
            redirect_uri: options.redirect_uri.as_deref(),
            code_verifier: options.code_verifier.as_ref().map(Secret::expose),
        };
        self.request_token(&grant, &options.params, options.cancel())
    }

    /// Uses a refresh token (RFC 6749 §6), with the options' scope and parameters. Repeated only
    /// when the server cannot have processed the attempt: a rotated refresh token must not be lost.
    pub fn refresh(&self, refresh_token: &str, options: &RequestOptions) -> Result<Token> {
        options.only("a refresh", &[Setting::Scope, Setting::Params])?;
        let grant = Grant::RefreshToken { refresh_token, scope: options.scope.as_deref() };
        self.request_token(&grant, &options.params, options.cancel())
    }

    /// Client credentials grant (RFC 6749 §4.4), with the options' scope and parameters.
    pub fn client_credentials(&self, options: &RequestOptions) -> Result<Token> {
        options.only("client credentials", &[Setting::Scope, Setting::Params])?;
        let grant = Grant::ClientCredentials { scope: options.scope.as_deref() };
        self.request_token(&grant, &options.params, options.cancel())
    }

    /// Sends one token request and reads the answer, retrying where the grant allows it; `cancel`
    /// stops it between attempts and during waits.
    pub fn request_token(
        &self,
        grant: &Grant<'_>,
        extra: &[(String, String)],
        cancel: Option<&Cancel>,
    ) -> Result<Token> {
        let params = grant.params()?;
        let call = Call {
            grant_type: Some(grant.grant_type()),
            extra,
            cancel,
            ..Call::post(Endpoint::Token, &params, grant.retry_rule())
        };
        self.send(&call, Token::from_response)
    }

    /// Builds a token request's form body and optional Authorization header value, as `request_token`
    /// would send them.
    #[cfg(test)]
    pub(crate) fn token_request(&self, grant: &Grant<'_>, extra: &[(String, String)]) -> Result<AuthenticatedForm> {
        self.authenticated_form(&grant.params()?, Some(grant.grant_type()), extra, true)
    }

    /// A form in the Works with Nest order: the request's own fields, client authentication
    /// (RFC 6749 §2.3.1), `grant_type`, then the caller's extra parameters. The buffer is sized up
    /// front so that no reallocation leaves a copy of a secret behind.
    fn authenticated_form(
        &self,
        params: &[(&str, &str)],
        grant_type: Option<&str>,
        extra: &[(String, String)],
        authenticate: bool,
    ) -> Result<AuthenticatedForm> {
        for (name, _) in extra {
            if name.is_empty() {
                return Err(Error::invalid_argument("extra parameter name is empty"));
            }
            if RESERVED.contains(&name.as_str()) {
                return Err(Error::invalid_argument(format!(
                    "extra parameter {name:?} is set by tokenkit itself and may not be repeated"
                )));
            }
        }
        let secret = self.config.client_secret_value().unwrap_or("");
        let client_id = self.config.client_id();
        // Each byte encodes to at most three; names, '=' and '&' are counted generously.
        let pairs = params.iter().copied().chain(extra.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let capacity = 64
            + 3 * (client_id.len() + secret.len() + grant_type.map_or(0, str::len))
            + pairs.map(|(n, v)| 3 * (n.len() + v.len()) + 2).sum::<usize>();
        let mut form = form_urlencoded::Serializer::new(String::with_capacity(capacity));
        for (name, value) in params {
            form.append_pair(name, value);
        }
        let mut authorization = None;
        match self.config.auth_method() {
            _ if !authenticate => {}
            AuthMethod::ClientSecretPost => {
                form.append_pair("client_id", client_id);
                form.append_pair("client_secret", secret);
            }
            AuthMethod::ClientSecretBasic => authorization = Some(basic_authorization(client_id, secret)),
            AuthMethod::None => {
                form.append_pair("client_id", client_id);
            }
        }
        if let Some(grant_type) = grant_type {
            form.append_pair("grant_type", grant_type);
        }
        for (name, value) in extra {
            form.append_pair(name, value);
        }
        Ok((Zeroizing::new(form.finish()), authorization))
    }

    /// The one send path. Resolves the target (its URL was checked against the policy when it was
    /// set), builds the authenticated form, and makes attempts until one succeeds, the retry rule
    /// says stop, the call's deadline (the config's timeout, waits included) passes or `cancel` is
    /// raised. Every error leaves with the request's own secrets redacted.
    pub(crate) fn send<T>(&self, call: &Call<'_>, read: impl Fn(&HttpResponse) -> Result<T>) -> Result<T> {
        let deadline = Instant::now() + self.config.timeout();
        let (url, segment, what) = match call.target {
            Target::Endpoint(e) => (self.config.required_endpoint(e)?, None, e.name()),
            Target::EndpointSegment(e, s) => (self.config.required_endpoint(e)?, Some(s), e.name()),
            Target::Url(url) => (url, None, "discovery endpoint"),
        };
        let target = segment.map(|s| with_segment(url, s));
        let form = match call.method {
            Method::Post => {
                Some(self.authenticated_form(call.params, call.grant_type, call.extra, call.authenticate)?)
            }
            Method::Get | Method::Delete => None,
        };
        let secrets = self.request_secrets(call, form.as_ref(), segment);
        let (form_body, authorization) = match &form {
            Some((body, authorization)) => (Some(body.as_bytes()), authorization.as_ref().map(|a| a.as_str())),
            None => (None, None),
        };
        let logger = self.config.logger();
        let shown = logger.map(|_| log::shown_url(url, segment.is_some())).unwrap_or_default();
        let mut retry = 0;
        loop {
            if let Some(cancel) = call.cancel {
                cancel.check()?;
            }
            let now = Instant::now();
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                return Err(Error::new(ErrorKind::Timeout, format!("{what} did not answer before the deadline")));
            }
            let request = HttpRequest {
                method: call.method,
                url,
                target: target.as_ref().map(|t| t.as_str()),
                authorization,
                form_body,
                timeout: self.config.attempt_timeout().map_or(left, |a| a.min(left)),
            };
            if let Some(logger) = logger.filter(|l| l.wants(LOG_HEADERS)) {
                log_request(logger, call.method, &shown, authorization, form_body, &secrets);
            }
            let sent = {
                let _in_flight = InFlight::enter(call.cancel);
                self.transport.send(&request)
            };
            if let Some(logger) = logger {
                log_answer(logger, call.method, &shown, now.elapsed(), &sent, &secrets);
            }
            let err = match sent.and_then(|mut response| {
                mask_echoes(&mut response, &secrets);
                read(&response)
            }) {
                Ok(value) => return Ok(value),
                // A cancel cuts the request short; what it cut is no error of the server's.
                Err(_) if call.cancel.is_some_and(Cancel::is_cancelled) => {
                    return Err(Error::cancelled(format!("{what}: cancelled by the application")))
                }
                Err(e) => with_location(e, what, url).redact(&secrets),
            };
            let policy = self.config.retry();
            match policy.next_wait(retry, call.retry, &err) {
                // A wait that would end past the deadline is not started: the call fails now.
                Some(wait) if Instant::now() + wait < deadline => {
                    if let Some(logger) = logger {
                        let max = policy.max_retries();
                        logger.line(
                            LOG_REQUESTS,
                            &format!("retrying in {} ms (retry {} of {max})", wait.as_millis(), retry + 1),
                        );
                    }
                    crate::cancel::sleep(call.cancel, wait)?;
                    retry += 1;
                }
                Some(wait) => {
                    if let Some(logger) = logger {
                        let why = format!("not retrying: a wait of {} ms would pass the deadline", wait.as_millis());
                        logger.line(LOG_REQUESTS, &why);
                    }
                    return Err(err);
                }
                None => {
                    // The rule allowed a retry, so next_wait said no because none is left.
                    if let Some(logger) = logger.filter(|_| RetryPolicy::allows(call.retry, &err)) {
                        logger.line(LOG_REQUESTS, &format!("not retrying: {retry} retries made, none left"));
                    }
                    return Err(err);
                }
            }
        }
    }

    /// The values an error must never show: the client secret, the request's credentials, the
    /// Authorization header's credentials and any extra parameter's value.
    fn request_secrets<'a>(
        &'a self,
        call: &'a Call<'a>,
        form: Option<&'a AuthenticatedForm>,
        segment: Option<&'a str>,
    ) -> Vec<&'a str> {
        let mut secrets: Vec<&str> = call
            .params
            .iter()
            .filter(|(name, _)| SECRET_PARAMS.contains(name))
            .map(|(_, value)| *value)
            .chain(call.extra.iter().map(|(_, v)| v.as_str()))
            .chain(self.config.client_secret_value())
            .chain(segment)
            .collect();
        if let Some(basic) = form.and_then(|(_, a)| a.as_deref()) {
            secrets.extend(basic.strip_prefix("Basic "));
        }
        secrets
    }
}

/// The request as `-vv` shows it: method and URL, then its headers and form body, redacted.
fn log_request(
    logger: &Logger,
    method: Method,
    shown: &str,
    authorization: Option<&str>,
    form_body: Option<&[u8]>,
    secrets: &[&str],
) {
    logger.line(LOG_HEADERS, &format!("> {} {shown}", method.as_str()));
    if let Some(value) = authorization {
        logger.line(LOG_HEADERS, &format!("> Authorization: {}", log::redacted_authorization(value)));
    }
    if let Some(body) = form_body {
        logger.line(LOG_HEADERS, "> Content-Type: application/x-www-form-urlencoded");
        logger.line(LOG_HEADERS, &format!("> {}", log::redacted_form(body, secrets)));
    }
}

/// One attempt's outcome as `-v` shows it: status or error, and time; `-vv` adds the response's
/// headers that tokenkit reads. An error is shown redacted, as the caller would get it.
fn log_answer(
    logger: &Logger,
    method: Method,
    shown: &str,
    took: std::time::Duration,
    sent: &Result<HttpResponse>,
    secrets: &[&str],
) {
    let method = method.as_str();
    let ms = took.as_millis();
    match sent {
        Ok(response) => {
            logger.line(LOG_REQUESTS, &format!("{method} {shown} -> {} ({ms} ms)", response.status));
            if let Some(content_type) = &response.content_type {
                let content_type = crate::response::escape_controls(content_type);
                logger.line(LOG_HEADERS, &format!("< Content-Type: {content_type}"));
            }
            if let Some(after) = response.retry_after {
                logger.line(LOG_HEADERS, &format!("< Retry-After: {}", after.as_secs()));
            }
        }
        Err(e) => {
            let e = e.clone().redact(secrets);
            logger.line(LOG_REQUESTS, &format!("{method} {shown} failed after {ms} ms: {}", e.message()));
        }
    }
}

/// Overwrites, in place, every copy of the request's secrets in an answer that will become an
/// error (not 2xx, or carrying an `error` member): a server that echoes its request must not turn
/// an error into a leak, and masking the bytes before anything is parsed or formatted leaves no
/// copy in the error's text or in the allocations made while building it. A successful answer is
/// left alone: it may rightly carry the refresh token that was sent. Only whole values are masked
/// (see `find_value`), so a short parameter value cannot eat into a word such as `expired_token`.
fn mask_echoes(response: &mut HttpResponse, secrets: &[&str]) {
    let success = (200..300).contains(&response.status);
    // The error code is a protocol word, never a secret: a value that is part of it is left alone.
    let code = if success && find_value(&response.body, b"error", 0).is_none() {
        None
    } else {
        crate::response::error_code(response)
    };
    if success && code.is_none() {
        return;
    }
    let code = code.unwrap_or_default();
    for secret in secrets.iter().filter(|s| s.len() >= MIN_MASKED_LEN && !code.contains(**s)) {
        let encoded: Zeroizing<String> = Zeroizing::new(form_urlencoded::byte_serialize(secret.as_bytes()).collect());
        // JSON writers may escape '/' (PHP does by default).
        let escaped = Zeroizing::new(secret.replace('/', "\\/"));
        for needle in [secret.as_bytes(), encoded.as_bytes(), escaped.as_bytes()] {
            let mut from = 0;
            while let Some(at) = find_value(&response.body, needle, from) {
                response.body[at..at + needle.len()].fill(b'*');
                from = at + needle.len();
            }
        }
    }
}

/// Values shorter than this are not masked: they would match ordinary text.
const MIN_MASKED_LEN: usize = 4;

/// The next occurrence of `needle` at or after `from` that stands alone: not preceded or followed
/// by a character that could continue it (letters, digits, `-._~`).
fn find_value(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let continues = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let (&first, _) = needle.split_first()?;
    let mut start = from;
    while start + needle.len() <= haystack.len() {
        // Jump between candidate first bytes: comparing every window costs thousands of
        // instructions on each token response, which is checked for an `error` member.
        let at = start + haystack[start..=haystack.len() - needle.len()].iter().position(|&b| b == first)?;
        if &haystack[at..at + needle.len()] != needle {
            start = at + 1;
            continue;
        }
        let before = at.checked_sub(1).map(|i| haystack[i]);
        let after = haystack.get(at + needle.len()).copied();
        if !before.is_some_and(continues) && !after.is_some_and(continues) {
            return Some(at);
        }
        start = at + 1;
    }
    None
}

/// Names the endpoint and where it is in errors about the connection, so an operator can tell
/// which host failed. Only the endpoint's own URL appears, never a token in a path.
fn with_location(err: Error, what: &str, url: &Url) -> Error {
    match err.kind() {
        ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Tls => {
            let host = url.host_str().unwrap_or("");
            let port = url.port_or_known_default().unwrap_or(0);
            err.with_context(&format!("{what} {host}:{port}{}", url.path()))
        }
        _ => err,
    }
}

/// `base` with one more path segment holding `segment` percent-encoded: every byte outside the
/// unreserved set, dots included, so no value can change the path, query or fragment (a token
/// `..` must not turn a DELETE of the token into a DELETE of the collection).
fn with_segment(base: &Url, segment: &str) -> Zeroizing<String> {
    let mut url = base.clone();
    url.set_query(None);
    let base_len = url.as_str().len() + base.query().map_or(0, str::len) + 2;
    let mut target = Zeroizing::new(String::with_capacity(base_len + 3 * segment.len()));
    target.push_str(url.as_str().trim_end_matches('/'));
    target.push('/');
    for &b in segment.as_bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'~' {
            target.push(b as char);
        } else {
            target.push_str(&format!("%{b:02X}"));
        }
    }
    if let Some(query) = base.query() {
        target.push('?');
        target.push_str(query);
    }
    target
}

/// RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
pub(crate) fn basic_authorization(client_id: &str, client_secret: &str) -> Zeroizing<String> {
    let mut joined = Zeroizing::new(String::with_capacity(3 * (client_id.len() + client_secret.len()) + 1));
    joined.extend(form_urlencoded::byte_serialize(client_id.as_bytes()));
    joined.push(':');
    joined.extend(form_urlencoded::byte_serialize(client_secret.as_bytes()));
    let mut header = Zeroizing::new(String::with_capacity(6 + joined.len().div_ceil(3) * 4));
    header.push_str("Basic ");
    base64::engine::general_purpose::STANDARD.encode_string(joined.as_bytes(), &mut header);
    header
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("token_endpoint", &self.config.endpoint(Endpoint::Token).map(Url::as_str))
            .field("client_id", &self.config.client_id())
            .field("auth_method", &self.config.auth_method())
            .finish_non_exhaustive()
    }
}
