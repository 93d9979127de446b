//! Discovery metadata (RFC 8414, OpenID Connect Discovery 1.0), with tenants that get it wrong
//! on purpose.

use serde::Serialize;

use super::json;
use super::token::GRANT_TYPES;
use crate::http::{Request, Response, JSON};

const WELL_KNOWN_OAUTH: &str = "/.well-known/oauth-authorization-server";
const WELL_KNOWN_OIDC: &str = "/.well-known/openid-configuration";

/// Issuers with a path, and servers that get their metadata wrong on purpose.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Tenant {
    Root,
    /// Issuer <issuer>/tenant1.
    Tenant1,
    /// Claims issuer <issuer>/not-evil: clients must notice the mismatch (RFC 8414 §3.3).
    Evil,
    /// 200 with invalid JSON.
    Broken,
}

const TENANTS: [(&str, Tenant); 4] = [
    ("", Tenant::Root),
    ("tenant1", Tenant::Tenant1),
    ("evil", Tenant::Evil),
    ("broken", Tenant::Broken),
];

/// RFC 8414 §3.1 inserts the well-known segment before the issuer's path
/// (/.well-known/oauth-authorization-server/tenant1); OIDC Discovery §4
/// appends it (/tenant1/.well-known/openid-configuration). Both are served.
pub(crate) fn discovery_tenant(path: &str) -> Option<Tenant> {
    let name = if path == WELL_KNOWN_OAUTH || path == WELL_KNOWN_OIDC {
        ""
    } else {
        let inserted = path
            .strip_prefix(WELL_KNOWN_OAUTH)
            .and_then(|p| p.strip_prefix('/'));
        let appended = || {
            path.strip_suffix(WELL_KNOWN_OIDC)
                .and_then(|p| p.strip_prefix('/'))
        };
        inserted.or_else(appended).filter(|name| !name.is_empty())?
    };
    TENANTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, tenant)| tenant)
}

/// One document for every tenant: only the issuer differs, the endpoints
/// stay those of this server.
#[derive(Serialize)]
struct Metadata<'a> {
    issuer: &'a str,
    authorization_endpoint: String,
    token_endpoint: String,
    device_authorization_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    token_endpoint_auth_methods_supported: [&'a str; 3],
    code_challenge_methods_supported: [&'a str; 1],
    grant_types_supported: Vec<&'a str>,
    response_types_supported: [&'a str; 1],
    authorization_response_iss_parameter_supported: bool,
}

pub(crate) fn discovery(req: &Request, tenant: Tenant) -> Response {
    let base = req.issuer();
    let issuer = match tenant {
        Tenant::Root => base.to_string(),
        Tenant::Tenant1 => format!("{base}/tenant1"),
        Tenant::Evil => format!("{base}/not-evil"),
        Tenant::Broken => {
            // Cut off mid-document on purpose.
            let issuer = serde_json::to_string(base).expect("a string serializes");
            return Response::new(
                200,
                JSON,
                format!(r#"{{"issuer":{issuer},"token_endpoint":"#),
            );
        }
    };
    let endpoint = |path: &str| format!("{base}{path}");
    let metadata = Metadata {
        issuer: &issuer,
        authorization_endpoint: endpoint("/authorize"),
        token_endpoint: endpoint("/token"),
        device_authorization_endpoint: endpoint("/device_authorization"),
        revocation_endpoint: endpoint("/revoke"),
        introspection_endpoint: endpoint("/introspect"),
        token_endpoint_auth_methods_supported: [
            "client_secret_post",
            "client_secret_basic",
            "none",
        ],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: GRANT_TYPES.iter().map(|(g, _)| *g).collect(),
        response_types_supported: ["code"],
        authorization_response_iss_parameter_supported: true,
    };
    json(200, &metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants() {
        let cases = [
            ("/.well-known/oauth-authorization-server", Tenant::Root),
            ("/.well-known/openid-configuration", Tenant::Root),
            (
                "/.well-known/oauth-authorization-server/tenant1",
                Tenant::Tenant1,
            ),
            ("/tenant1/.well-known/openid-configuration", Tenant::Tenant1),
            ("/evil/.well-known/openid-configuration", Tenant::Evil),
            ("/broken/.well-known/openid-configuration", Tenant::Broken),
        ];
        for (path, tenant) in cases {
            assert_eq!(discovery_tenant(path), Some(tenant), "{path}");
        }
        for bad in [
            "//.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server/",
            "/other/.well-known/openid-configuration",
        ] {
            assert!(discovery_tenant(bad).is_none(), "{bad}");
        }
    }
}
