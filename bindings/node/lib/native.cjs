'use strict';
// The native library: where it is found, the ABI check, and every C function the package calls,
// declared with the header's own prototypes (test/header.test.mjs compares them with
// include/tokenkit.h). Nothing here knows OAuth; lib/*.cjs only convert and delegate.

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

/** The TOKENKIT_ABI_VERSION this package was written for (include/tokenkit.h). */
const ABI_VERSION = 2;

/** tokenkit_status numbers (fixed and never reused, include/tokenkit.h). */
const Status = Object.freeze({
  OK: 0,
  INVALID_ARGUMENT: 1,
  OAUTH_ERROR: 2,
  HTTP_ERROR: 3,
  TRANSPORT_ERROR: 4,
  TIMEOUT: 5,
  TLS_ERROR: 6,
  PROTOCOL_ERROR: 7,
  INSECURE: 8,
  INTERNAL_ERROR: 9,
  CANCELLED: 10,
});

/** tokenkit_auth_method numbers, by the names the API takes. */
const AuthMethod = Object.freeze({ post: 0, basic: 1, none: 2 });

/** tokenkit_revocation_style numbers, by the names the API takes. */
const RevocationStyle = Object.freeze({ rfc7009: 0, 'nest-delete': 1 });

// Types. Opaque objects are BigInt addresses in koffi 3. A `char **` output that tokenkit hands
// over is declared as `tokenkit_string *`: koffi copies it into a JS string and then calls
// tokenkit_string_free (which zeroizes it) on the pointer.
const OPAQUE = ['tokenkit_authorization', 'tokenkit_cancel', 'tokenkit_client', 'tokenkit_config',
  'tokenkit_device_authorization', 'tokenkit_device_options', 'tokenkit_error',
  'tokenkit_introspection', 'tokenkit_request_options', 'tokenkit_sign_in_options',
  'tokenkit_source', 'tokenkit_source_options', 'tokenkit_store', 'tokenkit_token'];

/** The callback typedefs of the header, as `typedef RESULT (*NAME)(PARAMS)` reads. */
const CALLBACKS = {
  tokenkit_device_prompt_fn:
    'int32_t tokenkit_device_prompt_fn(void *user_data, const tokenkit_device_authorization *authorization)',
  tokenkit_open_url_fn: 'int32_t tokenkit_open_url_fn(void *user_data, const char *url)',
  tokenkit_token_changed_fn:
    'void tokenkit_token_changed_fn(void *user_data, const tokenkit_token *token)',
  tokenkit_device_poll_fn:
    'int32_t tokenkit_device_poll_fn(void *user_data, const char *outcome, int64_t interval_ms)',
  tokenkit_log_fn: 'void tokenkit_log_fn(void *user_data, int32_t level, const char *line)',
};

// Every bound function, as in the header with `struct ` left out, `_Out_` on outputs, and
// `tokenkit_string *` for a `char **` output freed with tokenkit_string_free.
const PROTOTYPES = [
  'uint32_t tokenkit_abi_version(void)',
  'const char *tokenkit_version(void)',
  'const char *tokenkit_status_name(int32_t status)',
  'void tokenkit_string_free(char *s)',

  'const char *tokenkit_authorization_code_verifier(const tokenkit_authorization *authorization)',
  'void tokenkit_authorization_free(tokenkit_authorization *authorization)',
  'const char *tokenkit_authorization_state(const tokenkit_authorization *authorization)',
  'const char *tokenkit_authorization_url(const tokenkit_authorization *authorization)',

  'tokenkit_cancel *tokenkit_cancel_new(void)',
  'void tokenkit_cancel_trigger(const tokenkit_cancel *cancel)',
  'void tokenkit_cancel_free(tokenkit_cancel *cancel)',

  'tokenkit_status tokenkit_client_new(const tokenkit_config *config, _Out_ tokenkit_client **out, _Out_ tokenkit_error **err)',
  'void tokenkit_client_free(tokenkit_client *client)',
  'tokenkit_status tokenkit_client_authorization_request(const tokenkit_client *client, const tokenkit_request_options *options, _Out_ tokenkit_authorization **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_client_client_credentials(const tokenkit_client *client, const tokenkit_request_options *options, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_client_device_flow(const tokenkit_client *client, const tokenkit_device_options *options, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_client_exchange_code(const tokenkit_client *client, const char *code, const tokenkit_request_options *options, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_client_introspect(const tokenkit_client *client, const char *token, const tokenkit_request_options *options, _Out_ tokenkit_introspection **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_client_refresh(const tokenkit_client *client, const char *refresh_token, const tokenkit_request_options *options, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_client_revoke(const tokenkit_client *client, const char *token, const tokenkit_request_options *options, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_client_sign_in(const tokenkit_client *client, const tokenkit_sign_in_options *options, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',

  'tokenkit_config *tokenkit_config_new(void)',
  'void tokenkit_config_free(tokenkit_config *config)',
  'tokenkit_status tokenkit_config_add_ca_file(tokenkit_config *config, const char *path, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_apply_preset(tokenkit_config *config, const char *name, const char *project_id, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_discover(tokenkit_config *config, const char *issuer, const tokenkit_request_options *options, _Out_ tokenkit_string *metadata_json, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_attempt_timeout_ms(tokenkit_config *config, int64_t timeout_ms, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_auth_method(tokenkit_config *config, int32_t auth_method, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_authorization_endpoint(tokenkit_config *config, const char *url, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_client_id(tokenkit_config *config, const char *client_id, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_client_secret(tokenkit_config *config, const char *client_secret, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_connect_timeout_ms(tokenkit_config *config, int64_t timeout_ms, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_device_authorization_endpoint(tokenkit_config *config, const char *url, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_introspection_endpoint(tokenkit_config *config, const char *url, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_log(tokenkit_config *config, int32_t level, tokenkit_log_fn log, void *user_data, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_max_idle_connections_per_host(tokenkit_config *config, int32_t count, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_max_response_bytes(tokenkit_config *config, int64_t max_bytes, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_retry(tokenkit_config *config, int32_t max_retries, int64_t base_delay_ms, int64_t max_delay_ms, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_revocation_endpoint(tokenkit_config *config, const char *url, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_revocation_style(tokenkit_config *config, int32_t style, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_timeout_ms(tokenkit_config *config, int64_t timeout_ms, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_token_endpoint(tokenkit_config *config, const char *url, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_config_set_user_agent(tokenkit_config *config, const char *user_agent, _Out_ tokenkit_error **err)',

  'int64_t tokenkit_device_authorization_expires_in(const tokenkit_device_authorization *authorization)',
  'int64_t tokenkit_device_authorization_interval(const tokenkit_device_authorization *authorization)',
  'const char *tokenkit_device_authorization_user_code(const tokenkit_device_authorization *authorization)',
  'const char *tokenkit_device_authorization_verification_uri(const tokenkit_device_authorization *authorization)',
  'const char *tokenkit_device_authorization_verification_uri_complete(const tokenkit_device_authorization *authorization)',

  'tokenkit_device_options *tokenkit_device_options_new(void)',
  'void tokenkit_device_options_free(tokenkit_device_options *options)',
  'tokenkit_status tokenkit_device_options_add_param(tokenkit_device_options *options, const char *name, const char *value, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_device_options_set_cancel(tokenkit_device_options *options, const tokenkit_cancel *cancel, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_device_options_set_on_prompt(tokenkit_device_options *options, tokenkit_device_prompt_fn on_prompt, void *user_data, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_device_options_set_on_poll(tokenkit_device_options *options, tokenkit_device_poll_fn on_poll, void *user_data, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_device_options_set_pkce(tokenkit_device_options *options, uint8_t pkce, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_device_options_set_scope(tokenkit_device_options *options, const char *scope, _Out_ tokenkit_error **err)',

  'const char *tokenkit_error_body(const tokenkit_error *err)',
  'void tokenkit_error_free(tokenkit_error *err)',
  'int32_t tokenkit_error_http_status(const tokenkit_error *err)',
  'tokenkit_status tokenkit_error_kind(const tokenkit_error *err)',
  'const char *tokenkit_error_message(const tokenkit_error *err)',
  'const char *tokenkit_error_oauth_error(const tokenkit_error *err)',
  'const char *tokenkit_error_oauth_error_description(const tokenkit_error *err)',
  'const char *tokenkit_error_oauth_error_uri(const tokenkit_error *err)',

  'uint8_t tokenkit_introspection_active(const tokenkit_introspection *introspection)',
  'const char *tokenkit_introspection_client_id(const tokenkit_introspection *introspection)',
  'uint8_t tokenkit_introspection_exp(const tokenkit_introspection *introspection, _Out_ int64_t *out)',
  'void tokenkit_introspection_free(tokenkit_introspection *introspection)',
  'uint8_t tokenkit_introspection_iat(const tokenkit_introspection *introspection, _Out_ int64_t *out)',
  'const char *tokenkit_introspection_json(const tokenkit_introspection *introspection)',
  'const char *tokenkit_introspection_scope(const tokenkit_introspection *introspection)',
  'const char *tokenkit_introspection_sub(const tokenkit_introspection *introspection)',
  'const char *tokenkit_introspection_token_type(const tokenkit_introspection *introspection)',
  'const char *tokenkit_introspection_username(const tokenkit_introspection *introspection)',

  'tokenkit_request_options *tokenkit_request_options_new(void)',
  'void tokenkit_request_options_free(tokenkit_request_options *options)',
  'tokenkit_status tokenkit_request_options_add_param(tokenkit_request_options *options, const char *name, const char *value, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_request_options_set_cancel(tokenkit_request_options *options, const tokenkit_cancel *cancel, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_request_options_set_code_verifier(tokenkit_request_options *options, const char *code_verifier, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_request_options_set_redirect_uri(tokenkit_request_options *options, const char *redirect_uri, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_request_options_set_scope(tokenkit_request_options *options, const char *scope, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_request_options_set_token_type_hint(tokenkit_request_options *options, const char *hint, _Out_ tokenkit_error **err)',

  'tokenkit_sign_in_options *tokenkit_sign_in_options_new(void)',
  'void tokenkit_sign_in_options_free(tokenkit_sign_in_options *options)',
  'tokenkit_status tokenkit_sign_in_options_add_param(tokenkit_sign_in_options *options, const char *name, const char *value, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_sign_in_options_set_cancel(tokenkit_sign_in_options *options, const tokenkit_cancel *cancel, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_sign_in_options_set_open_url(tokenkit_sign_in_options *options, tokenkit_open_url_fn open_url, void *user_data, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_sign_in_options_set_port(tokenkit_sign_in_options *options, int32_t port, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_sign_in_options_set_scope(tokenkit_sign_in_options *options, const char *scope, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_sign_in_options_set_timeout_ms(tokenkit_sign_in_options *options, int64_t timeout_ms, _Out_ tokenkit_error **err)',

  'tokenkit_status tokenkit_source_access_token(const tokenkit_source *source, _Out_ tokenkit_string *out, _Out_ tokenkit_error **err)',
  'void tokenkit_source_free(tokenkit_source *source)',
  'tokenkit_status tokenkit_source_from_json(const tokenkit_client *client, const char *json, const tokenkit_source_options *options, _Out_ tokenkit_source **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_source_from_store(const tokenkit_client *client, const tokenkit_store *store, const char *name, const tokenkit_source_options *options, _Out_ tokenkit_source **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_source_new(const tokenkit_client *client, const tokenkit_token *token, const tokenkit_source_options *options, _Out_ tokenkit_source **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_source_refresh(const tokenkit_source *source, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_source_to_json(const tokenkit_source *source, _Out_ tokenkit_string *out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_source_token(const tokenkit_source *source, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',

  'tokenkit_source_options *tokenkit_source_options_new(void)',
  'void tokenkit_source_options_free(tokenkit_source_options *options)',
  'tokenkit_status tokenkit_source_options_set_on_change(tokenkit_source_options *options, tokenkit_token_changed_fn on_change, void *user_data, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_source_options_set_refresh_token(tokenkit_source_options *options, const char *refresh_token, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_source_options_set_skew_ms(tokenkit_source_options *options, int64_t skew_ms, _Out_ tokenkit_error **err)',

  'const char *tokenkit_token_access_token(const tokenkit_token *token)',
  'uint8_t tokenkit_token_expires_at(const tokenkit_token *token, _Out_ int64_t *unix_seconds)',
  'uint8_t tokenkit_token_expires_in(const tokenkit_token *token, _Out_ int64_t *seconds)',
  'void tokenkit_token_free(tokenkit_token *token)',
  'tokenkit_status tokenkit_token_from_json(const char *json, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'const char *tokenkit_token_id_token(const tokenkit_token *token)',
  'const char *tokenkit_token_json(const tokenkit_token *token)',
  'const char *tokenkit_token_refresh_token(const tokenkit_token *token)',
  'const char *tokenkit_token_scope(const tokenkit_token *token)',
  'tokenkit_status tokenkit_token_to_json(const tokenkit_token *token, _Out_ tokenkit_string *out, _Out_ tokenkit_error **err)',
  'const char *tokenkit_token_token_type(const tokenkit_token *token)',

  'tokenkit_status tokenkit_store_open(const char *dir, _Out_ tokenkit_store **out, _Out_ tokenkit_error **err)',
  'const char *tokenkit_store_dir(const tokenkit_store *store)',
  'tokenkit_status tokenkit_store_save_profile(const tokenkit_store *store, const char *name, const tokenkit_config *config, const tokenkit_token *token, uint8_t with_secret, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_store_config(const tokenkit_store *store, const char *name, _Out_ tokenkit_config **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_store_token(const tokenkit_store *store, const char *name, const tokenkit_client *client, int64_t skew_ms, const tokenkit_request_options *options, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_store_saved_token(const tokenkit_store *store, const char *name, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_store_save_token(const tokenkit_store *store, const char *name, const tokenkit_token *token, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_store_remove_token(const tokenkit_store *store, const char *name, _Out_ tokenkit_token **out, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_store_delete_profile(const tokenkit_store *store, const char *name, _Out_ uint8_t *existed, _Out_ tokenkit_error **err)',
  'tokenkit_status tokenkit_store_profiles(const tokenkit_store *store, _Out_ tokenkit_string *out, _Out_ tokenkit_error **err)',
  'void tokenkit_store_free(tokenkit_store *store)',
];

/** Header functions the package does not call, and why (test/header.test.mjs checks the list). */
const NOT_BOUND = {
  tokenkit_exchange_code: 'the one-call exchange takes no options, so no cancel flag: Client#exchangeCode covers it',
  tokenkit_client_device_authorize: 'deviceFlow() runs the whole flow; the two halves are not part of this API',
  tokenkit_client_device_poll: 'deviceFlow() runs the whole flow; the two halves are not part of this API',
  tokenkit_device_authorization_free: 'only borrowed device authorizations (the prompt callback\'s) are read',
  tokenkit_source_access_token_copy: 'a JS string cannot be zeroized anyway; the char ** form is one small allocation',
};

const LIBRARY_NAMES = {
  linux: { file: 'libtokenkit.so', system: ['libtokenkit.so.2', 'libtokenkit.so'] },
  darwin: { file: 'libtokenkit.dylib', system: ['libtokenkit.2.dylib', 'libtokenkit.dylib'] },
  win32: { file: 'tokenkit.dll', system: ['tokenkit.dll'] },
};

/**
 * Where the library is looked for, in order: TOKENKIT_LIBRARY alone when it is set; else the copy
 * bundled in the package (prebuilds/PLATFORM-ARCH, placed by scripts/bundle-library.cjs), the
 * checkout's target/release, then the system loader's names.
 */
function candidates(env = process.env) {
  const names = LIBRARY_NAMES[process.platform] ?? LIBRARY_NAMES.linux;
  if (env.TOKENKIT_LIBRARY) return [{ path: env.TOKENKIT_LIBRARY, file: true, from: 'TOKENKIT_LIBRARY' }];
  const root = path.join(__dirname, '..');
  return [
    { path: path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, names.file), file: true, from: 'bundled' },
    { path: path.join(root, '..', '..', 'target', 'release', names.file), file: true, from: 'checkout' },
    ...names.system.map((name) => ({ path: name, file: false, from: 'system loader' })),
  ];
}

let loaded = null;

/** Loads the library once and returns { lib, fn, path, version }; throws a clear error if it cannot. */
function load() {
  if (loaded) return loaded;
  const tried = [];
  let lib = null;
  let where = null;
  for (const c of candidates()) {
    if (c.file && !fs.existsSync(c.path)) {
      tried.push(`${c.path} (${c.from}): not found`);
      continue;
    }
    try {
      lib = koffi.load(c.path);
      where = c;
      break;
    } catch (e) {
      tried.push(`${c.path} (${c.from}): ${String(e.message).split('\n')[0]}`);
    }
  }
  if (!lib) {
    const err = new Error('tokenkit: cannot load the native library; tried:\n  ' + tried.join('\n  ') +
      '\nSet TOKENKIT_LIBRARY to the path of libtokenkit, or build it with `make lib` in the checkout.');
    err.code = 'TOKENKIT_LIBRARY_NOT_FOUND';
    err.tried = tried;
    throw err;
  }
  declareTypes();
  const fn = {};
  for (const proto of PROTOTYPES) {
    const f = lib.func(proto);
    fn[f.info?.name ?? nameOf(proto)] = f;
  }
  const abi = fn.tokenkit_abi_version();
  if (abi !== ABI_VERSION) {
    const err = new Error(`tokenkit: ${where.path} has ABI version ${abi}, but this package needs ABI ${ABI_VERSION}`);
    err.code = 'TOKENKIT_ABI_MISMATCH';
    throw err;
  }
  loaded = { lib, fn, path: where.path, version: fn.tokenkit_version() };
  return loaded;
}

let typesDeclared = false;
function declareTypes() {
  if (typesDeclared) return;
  typesDeclared = true;
  for (const name of OPAQUE) koffi.opaque(name);
  koffi.alias('tokenkit_status', 'int32_t');
  for (const [name, proto] of Object.entries(CALLBACKS)) {
    // C's typedef names a pointer to the function type: koffi names the two apart.
    koffi.pointer(name, koffi.proto(proto.replace(name, `${name}_type`)));
  }
  koffi.disposable('tokenkit_string', 'char *', (s) => loaded.fn.tokenkit_string_free(s));
}

function nameOf(proto) {
  return /(\w+)\s*\(/.exec(proto)[1];
}

module.exports = { ABI_VERSION, Status, AuthMethod, RevocationStyle, CALLBACKS, PROTOTYPES, NOT_BOUND, candidates, load, koffi };
