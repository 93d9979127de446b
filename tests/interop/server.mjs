#!/usr/bin/env node
// Interop fixture: a real, certified OAuth 2.0 / OpenID Connect authorization
// server (panva's `oidc-provider`, pinned in package.json) on 127.0.0.1 only.
//
//   node server.mjs [PORT]        (or env PORT; 0 or unset = ephemeral port)
//
// Prints exactly one line on stdout: the issuer URL `http://127.0.0.1:PORT`.
// If env PORT_FILE is set, that URL is also written to that file (after the
// socket is listening, so a waiting script can poll for the file).
// Everything else (provider notices, errors) goes to stderr; provider
// notices are suppressed unless TK_INTEROP_VERBOSE=1.
//
// Optional env:
//   ACCESS_TOKEN_TTL   seconds, default 3600 (also used for client_credentials)
//   REFRESH_TOKEN_TTL  seconds, default 14 days
//   TK_INTEROP_VERBOSE=1  show oidc-provider's own notices on stderr
//   STRICT_CLIENT_AUTH=1  reject a client that authenticates with another
//                      method than its registered token_endpoint_auth_method
//                      (stock oidc-provider accepts client_secret_basic and
//                      client_secret_post interchangeably for secret clients)
//   EXTRA_REDIRECT_URIS  more loopback redirect URIs for every client,
//                      separated by spaces or commas, e.g.
//                      "http://127.0.0.1/oauth/cb" for a loopback listener on
//                      another path than /callback (the port of a loopback
//                      http:// redirect URI is never compared; the path and
//                      query are). Hosts: 127.0.0.1, localhost, [::1].
//
// For RFC 9207 the provider always puts `iss` in authorization responses
// (success and error) and discovery says
// authorization_response_iss_parameter_supported: true.

import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { writeFileSync, renameSync } from 'node:fs';
import http from 'node:http';

const verbose = process.env.TK_INTEROP_VERBOSE === '1';

// ---- keep stdout clean: only the URL line goes there -------------------
// oidc-provider prints its notices with console.info (stdout) and its
// warnings with console.warn; route both to stderr (or drop them).
const toStderr = (...args) => {
  const line = args.map(String).join(' ');
  if (!verbose && /^(\x1b\[[0-9;]*m)?oidc-provider (NOTICE|WARNING)/.test(line)) return;
  process.stderr.write(`${line}\n`);
};
console.log = toStderr;
console.info = toStderr;
console.warn = toStderr;
console.debug = toStderr;

// Fresh RS256 signing key per run (RS256 is the ID Token default alg);
// generated on the thread pool while the provider module loads.
const keyPair = promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
const { default: Provider, errors } = await import('oidc-provider');

// ---- arguments ----------------------------------------------------------
const rawPort = process.argv[2] ?? process.env.PORT ?? '0';
const port = Number.parseInt(rawPort, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`server.mjs: invalid port ${JSON.stringify(rawPort)}\n`);
  process.exit(2);
}
const HOST = '127.0.0.1';

const num = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`server.mjs: invalid ${name}=${v}\n`);
    process.exit(2);
  }
  return n;
};
const ACCESS_TOKEN_TTL = num('ACCESS_TOKEN_TTL', 60 * 60);
const REFRESH_TOKEN_TTL = num('REFRESH_TOKEN_TTL', 14 * 24 * 60 * 60);

// ---- listen first, so the issuer can carry the real (ephemeral) port ----
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, HOST, resolve);
}).catch((err) => {
  process.stderr.write(`server.mjs: cannot listen on ${HOST}:${port}: ${err.code || err.message}\n`);
  process.exit(1);
});
const issuer = `http://${HOST}:${server.address().port}`;

// ---- configuration --------------------------------------------------------
const { privateKey } = await keyPair;
const signingJwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'tk-interop-rs256' };

const GRANTS_CONFIDENTIAL = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
];
const GRANTS_PUBLIC = GRANTS_CONFIDENTIAL.filter((g) => g !== 'client_credentials');
// application_type "native" makes oidc-provider ignore the port of
// http://127.0.0.1 / http://localhost / http://[::1] redirect URIs when
// matching (RFC 8252 section 7.3): http://127.0.0.1:54321/callback matches
// the registered http://127.0.0.1/callback.
const REDIRECT_URIS = ['http://127.0.0.1/callback', 'http://localhost/callback', 'http://[::1]/callback'];
for (const extra of (process.env.EXTRA_REDIRECT_URIS ?? '').split(/[\s,]+/).filter(Boolean)) {
  let u;
  try { u = new URL(extra); } catch { u = undefined; }
  if (!u || u.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || u.hash) {
    process.stderr.write(`server.mjs: EXTRA_REDIRECT_URIS: want http://127.0.0.1, http://localhost or http://[::1] URIs without fragment, got ${extra}\n`);
    process.exit(2);
  }
  if (!REDIRECT_URIS.includes(extra)) REDIRECT_URIS.push(extra);
}
const common = {
  application_type: 'native',
  redirect_uris: REDIRECT_URIS,
  response_types: ['code'],
};

const configuration = {
  clients: [
    {
      ...common,
      client_id: 'tk-post',
      client_secret: 'tk-post-secret',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: GRANTS_CONFIDENTIAL,
    },
    {
      ...common,
      client_id: 'tk-basic',
      client_secret: 'tk-basic-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: GRANTS_CONFIDENTIAL,
    },
    {
      ...common,
      client_id: 'tk-public',
      token_endpoint_auth_method: 'none',
      grant_types: GRANTS_PUBLIC,
    },
  ],
  scopes: ['openid', 'offline_access', 'read', 'write'],
  responseTypes: ['code'],
  claims: { openid: ['sub'] },
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')], long: { sameSite: 'lax' } },
  async findAccount(_ctx, sub) {
    // devInteractions: any login name is an account.
    return { accountId: sub, async claims() { return { sub }; } };
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: false },
    // RFC 8707 resource indicators: any absolute http(s) URI is accepted as a
    // resource; tokens for it are opaque, audience-restricted and may carry
    // the scopes "read write". Without `resource`, tokens are plain opaque
    // tokens (audience: userinfo) carrying the granted scopes.
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        let u;
        try { u = new URL(resource); } catch { u = undefined; }
        if (!u || !['http:', 'https:'].includes(u.protocol) || u.hash) {
          throw new errors.InvalidTarget();
        }
        return { scope: 'read write', audience: resource, accessTokenFormat: 'opaque', accessTokenTTL: ACCESS_TOKEN_TTL };
      },
    },
  },
  // PKCE: required only for public clients (token_endpoint_auth_method none);
  // optional but honoured for confidential ones. Only S256.
  pkce: {
    methods: ['S256'],
    required: (_ctx, client) => client.clientAuthMethod === 'none',
  },
  // Always issue a refresh token for code / device_code grants when the
  // client has the refresh_token grant (default would need offline_access
  // + prompt=consent).
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Tokens do not die with the (cookie) session of the dev login.
  expiresWithSession: async () => false,
  // Every refresh returns a new refresh token and consumes the old one;
  // re-using a consumed one revokes the whole grant (reuse detection).
  rotateRefreshToken: true,
  ttl: {
    AccessToken: ACCESS_TOKEN_TTL,
    AuthorizationCode: 60,
    ClientCredentials: ACCESS_TOKEN_TTL,
    DeviceCode: 600,
    Grant: 14 * 24 * 60 * 60,
    IdToken: 3600,
    Interaction: 3600,
    RefreshToken: REFRESH_TOKEN_TTL,
    Session: 14 * 24 * 60 * 60,
  },
  clientBasedCORS: () => false,
  async renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (_ctx, err) => {
  process.stderr.write(`oidc-provider server_error: ${err?.stack || err}\n`);
});
// OAuth error responses hide their reason (invalid_grant always says "grant
// request is invalid"); the reason is in these events: one stderr line each.
for (const ev of ['grant.error', 'authorization.error', 'introspection.error', 'revocation.error',
  'device_authorization.error', 'pushed_authorization_request.error', 'userinfo.error',
  'code_verification.error', 'device_resume.error']) {
  provider.on(ev, (_ctx, err) => {
    if (['authorization_pending', 'slow_down'].includes(err?.error)) return; // device polling
    const detail = err?.error_detail ? ` (${err.error_detail})` : '';
    process.stderr.write(`${ev}: ${err?.error || err?.name}: ${err?.error_description || err?.message}${detail}\n`);
  });
}

// Optional strictness layer (our addition, off by default): the stock
// provider treats client_secret_basic and client_secret_post as equivalent.
if (process.env.STRICT_CLIENT_AUTH === '1') {
  const registered = new Map(configuration.clients.map((c) => [c.client_id, c.token_endpoint_auth_method]));
  const paths = new Set(['/token', '/token/introspection', '/token/revocation', '/device/auth', '/request']);
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || !paths.has(ctx.path) || !ctx.is('application/x-www-form-urlencoded')) {
      return next();
    }
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString('utf8');
    ctx.request.body = raw; // oidc-provider re-parses this (stream is consumed)
    const params = new URLSearchParams(raw);
    const authz = ctx.get('authorization');
    let presented;
    let clientId = params.get('client_id');
    if (/^basic /i.test(authz)) {
      presented = 'client_secret_basic';
      const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
      try { clientId = decodeURIComponent(decoded.split(':')[0].replace(/\+/g, ' ')); } catch { /* provider will reject */ }
    } else if (params.has('client_secret')) {
      presented = 'client_secret_post';
    } else if (params.has('client_assertion')) {
      presented = 'jwt';
    } else {
      presented = 'none';
    }
    const want = registered.get(clientId);
    if (want && presented !== want) {
      ctx.status = 401;
      ctx.set('cache-control', 'no-store');
      ctx.body = {
        error: 'invalid_client',
        error_description: `client authentication method ${presented} does not match the registered ${want}`,
      };
      return undefined;
    }
    return next();
  });
}

server.removeAllListeners('error');
server.on('error', (err) => process.stderr.write(`server error: ${err?.stack || err}\n`));
server.on('request', provider.callback());

// ---- announce -------------------------------------------------------------
if (process.env.PORT_FILE) {
  const tmp = `${process.env.PORT_FILE}.tmp-${process.pid}`;
  writeFileSync(tmp, `${issuer}\n`);
  renameSync(tmp, process.env.PORT_FILE);
}
process.stdout.write(`${issuer}\n`);

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
