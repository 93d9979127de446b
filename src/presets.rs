//! Ready configurations for known providers. Adding one is a few lines in `PRESETS`.

use crate::config::{AuthMethod, AuthorizationStyle, ClientConfig, Endpoint, Provider, RevocationStyle};
use crate::error::{Error, Result};

struct Preset {
    name: &'static str,
    /// `{project_id}` is replaced by the caller's project id.
    authorization_endpoint: &'static str,
    token_endpoint: &'static str,
    revocation_endpoint: Option<&'static str>,
    revocation_style: RevocationStyle,
    authorization_style: AuthorizationStyle,
    auth_method: AuthMethod,
    default_scope: Option<&'static str>,
    authorization_params: &'static [(&'static str, &'static str)],
}

const PRESETS: &[Preset] = &[
    // Works with Nest (retired): 10-year access tokens, no refresh tokens, DELETE revocation.
    Preset {
        name: "nest",
        authorization_endpoint: "https://home.nest.com/login/oauth2",
        token_endpoint: "https://api.home.nest.com/oauth2/access_token",
        revocation_endpoint: Some("https://api.home.nest.com/oauth2/access_tokens"),
        revocation_style: RevocationStyle::NestDelete,
        authorization_style: AuthorizationStyle::NestLegacy,
        auth_method: AuthMethod::ClientSecretPost,
        default_scope: None,
        authorization_params: &[],
    },
    // Google's Device Access (the Smart Device Management API), Nest's successor.
    Preset {
        name: "google-nest",
        authorization_endpoint: "https://nestservices.google.com/partnerconnections/{project_id}/auth",
        token_endpoint: "https://www.googleapis.com/oauth2/v4/token",
        revocation_endpoint: Some("https://oauth2.googleapis.com/revoke"),
        revocation_style: RevocationStyle::Rfc7009,
        authorization_style: AuthorizationStyle::Standard,
        auth_method: AuthMethod::ClientSecretPost,
        default_scope: Some("https://www.googleapis.com/auth/sdm.service"),
        authorization_params: &[("access_type", "offline"), ("prompt", "consent")],
    },
];

/// The names `apply_preset` accepts.
pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|p| p.name)
}

impl ClientConfig {
    /// Sets the endpoints, auth method, default scope and authorization parameters of a provider.
    /// `project_id` is required by presets whose URLs name one (google-nest).
    pub fn apply_preset(&mut self, name: &str, project_id: Option<&str>) -> Result<()> {
        let preset = PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
            let known = preset_names().collect::<Vec<_>>().join(", ");
            Error::invalid_argument(format!("unknown preset {name:?} (known: {known})"))
        })?;
        let mut authorization_endpoint = preset.authorization_endpoint.to_owned();
        if authorization_endpoint.contains("{project_id}") {
            let id = project_id
                .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
                .ok_or_else(|| {
                    Error::invalid_argument(format!("preset {name} needs a project_id of letters, digits, - and _"))
                })?;
            authorization_endpoint = authorization_endpoint.replace("{project_id}", id);
        }
        // Checked in full before anything is changed: a failed preset leaves the config as it was.
        let mut updated = self.clone();
        updated.set_endpoint(Endpoint::Authorization, &authorization_endpoint)?;
        updated.set_endpoint(Endpoint::Token, preset.token_endpoint)?;
        match preset.revocation_endpoint {
            Some(url) => updated.set_endpoint(Endpoint::Revocation, url)?,
            None => updated.clear_endpoint(Endpoint::Revocation),
        }
        updated.set_revocation_style(preset.revocation_style);
        updated.set_auth_method(preset.auth_method);
        updated.set_provider(Provider {
            authorization_style: preset.authorization_style,
            default_scope: preset.default_scope.map(str::to_owned),
            authorization_params: preset
                .authorization_params
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        });
        updated.set_preset(name, project_id);
        *self = updated;
        Ok(())
    }
}
