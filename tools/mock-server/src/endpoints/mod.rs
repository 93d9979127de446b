//! Routing, and the OAuth endpoints one module each.

pub(crate) mod authorize;
pub(crate) mod device;
pub(crate) mod discovery;
pub(crate) mod helpers;
pub(crate) mod introspect;
pub(crate) mod revoke;
pub(crate) mod token;

use serde::Serialize;

use crate::faults;
use crate::form::{parse_form, Form};
use crate::http::{Reply, Request, Response, JSON};
use crate::state::State;

pub(crate) use revoke::NEST_REVOKE_PREFIX;

/// A JSON response from anything serde can serialize (our own types never fail to).
pub(crate) fn json(status: u16, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).expect("response bodies serialize");
    Response::new(status, JSON, bytes)
}

/// `{"error":…,"error_description":…}`; the description is left out when None.
pub(crate) fn json_error(status: u16, error: &str, description: Option<&str>) -> Response {
    #[derive(Serialize)]
    struct ErrorBody<'a> {
        error: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        error_description: Option<&'a str>,
    }
    json(
        status,
        &ErrorBody {
            error,
            error_description: description,
        },
    )
}

/// RFC 6749 §5.2 error response.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    json_error(status, error, Some(description))
}

pub(crate) fn not_found() -> Response {
    json_error(404, "not_found", None)
}

pub(crate) fn method_not_allowed(allow: &'static str) -> Response {
    oauth_error(405, "invalid_request", "method not allowed").with_header("Allow", allow)
}

/// Handlers with many early exits return Err(response) and use `?`.
pub(crate) type Handled = Result<Response, Response>;

pub(crate) fn answer(result: Handled) -> Response {
    result.unwrap_or_else(|resp| resp)
}

pub(crate) fn form_body(req: &Request) -> Result<Form, Response> {
    parse_form(&req.body).map_err(|msg| oauth_error(400, "invalid_request", &msg))
}

pub(crate) fn route(st: &State, req: &Request) -> Reply {
    if let Some(mode) = req.path.strip_prefix("/fault/") {
        if req.method != "POST" {
            return Reply::Send(method_not_allowed("POST"));
        }
        return faults::fault(req, mode).unwrap_or_else(|| Reply::Send(not_found()));
    }
    Reply::Send(route_plain(st, req))
}

/// Every path answers one method; any other gets 405. Unknown paths are 404
/// whatever the method.
fn route_plain(st: &State, req: &Request) -> Response {
    let only = |method: &'static str, handler: &dyn Fn() -> Response| {
        if req.method == method {
            handler()
        } else {
            method_not_allowed(method)
        }
    };
    let path = req.path.as_str();
    match path {
        "/token" => return only("POST", &|| token::token_endpoint(st, req)),
        "/mint" => return only("POST", &|| helpers::mint(st, req)),
        "/echo" => return only("POST", &|| helpers::echo(req)),
        "/authorize" => return only("GET", &|| answer(authorize::authorize(st, req))),
        "/device_authorization" => {
            return only("POST", &|| answer(device::device_authorization(st, req)))
        }
        "/device" => return only("GET", &device::device_page),
        "/revoke" => return only("POST", &|| answer(revoke::revoke(st, req, false))),
        "/revoke/strict" => return only("POST", &|| answer(revoke::revoke(st, req, true))),
        "/introspect" => return only("POST", &|| answer(introspect::introspect(st, req))),
        "/stats" => return only("GET", &|| helpers::stats(st)),
        _ => {}
    }
    if let Some(token) = path.strip_prefix(NEST_REVOKE_PREFIX) {
        return only("DELETE", &|| revoke::nest_revoke(st, token));
    }
    if let Some(flaky) = faults::parse_flaky(path) {
        return only("POST", &|| faults::flaky_token(st, req, &flaky));
    }
    if let Some(held) = faults::parse_held(path) {
        return only("POST", &|| faults::held_token(st, req, &held));
    }
    if let Some(tenant) = discovery::discovery_tenant(path) {
        return only("GET", &|| discovery::discovery(req, tenant));
    }
    not_found()
}
