#!/usr/bin/env node
// The Works with Nest sample in Node.js: exchanges an authorization code at a token endpoint and
// prints the token response JSON on stdout.
//
// Environment:
//   TOKENKIT_TOKEN_URL      the token endpoint, e.g. https://api.home.nest.com/oauth2/access_token
//   TOKENKIT_CLIENT_ID      the client id
//   TOKENKIT_CLIENT_SECRET  the client secret (not needed with TOKENKIT_AUTH_METHOD=none)
//   TOKENKIT_CODE           the authorization code
//   TOKENKIT_AUTH_METHOD    optional: post (default), basic or none
//   TOKENKIT_CA_FILE        optional: a PEM file of the CA certificates to trust
//   TOKENKIT_REDIRECT_URI   optional: the redirect_uri the code was issued for
//
// On failure one line on stderr names the error kind and, when the server sent one, the OAuth
// error; the exit status is the tokenkit CLI's: 2 usage or invalid argument, 3 OAuth error,
// 4 transport error, timeout or TLS error, 5 protocol or HTTP error, 6 insecure URL, 7 cancelled
// (Ctrl-C stops the request).
import { Client, TokenKitError } from 'tokenkit';

const EXIT = {
  invalid_argument: 2, oauth_error: 3, transport_error: 4, timeout: 4, tls_error: 4,
  http_error: 5, protocol_error: 5, insecure: 6, cancelled: 7,
};

function fail(line, status) {
  process.stderr.write(`exchange: ${line}\n`);
  process.exitCode = status;
}

/** One line, like the tokenkit CLI: kind, OAuth error and description, HTTP status, else the message. */
function report(e) {
  if (!(e instanceof TokenKitError)) {
    // A TypeError for a value the API cannot take is a usage error too.
    return fail(`invalid_argument: ${e.message}`, e instanceof TypeError || e instanceof RangeError ? 2 : 70);
  }
  let line = e.kind;
  if (e.error) line += `: ${e.error}`;
  if (e.errorDescription) line += `: ${e.errorDescription}`;
  if (e.status) line += ` (HTTP ${e.status})`;
  if (!e.error) line += `: ${e.message}`;
  return fail(line, EXIT[e.kind] ?? 70);
}

async function main(env) {
  for (const name of ['TOKENKIT_TOKEN_URL', 'TOKENKIT_CLIENT_ID', 'TOKENKIT_CODE']) {
    if (!env[name]) return fail(`invalid_argument: ${name} is not set`, 2);
  }
  const authMethod = { '': 'post', post: 'post', basic: 'basic', none: 'none' }[env.TOKENKIT_AUTH_METHOD ?? ''];
  if (!authMethod) return fail('invalid_argument: TOKENKIT_AUTH_METHOD must be post, basic or none', 2);

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  let client;
  try {
    client = new Client({
      tokenUrl: env.TOKENKIT_TOKEN_URL,
      clientId: env.TOKENKIT_CLIENT_ID,
      clientSecret: env.TOKENKIT_CLIENT_SECRET || undefined,
      authMethod,
      caFile: env.TOKENKIT_CA_FILE || undefined,
    });
    const token = await client.exchangeCode(env.TOKENKIT_CODE, {
      redirectUri: env.TOKENKIT_REDIRECT_URI || undefined,
      signal: controller.signal,
    });
    process.stdout.write(JSON.stringify(token.raw) + '\n');
  } catch (e) {
    report(e);
  } finally {
    client?.close();
  }
}

await main(process.env);
