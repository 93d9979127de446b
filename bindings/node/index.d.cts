// Type declarations of tokenkit for Node.js (index.cjs), written by hand; index.d.mts gives the
// same to index.mjs. test/types/ checks them with `tsc --noEmit --strict`.

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type AuthMethod = 'post' | 'basic' | 'none';
/** How tokens are revoked: RFC 7009, or Works with Nest's DELETE <endpoint>/<token>. */
export type RevocationStyle = 'rfc7009' | 'nest-delete';
/** Extra form or query parameters: an object of strings, or [name, value] pairs in order. */
export type Params = Record<string, string> | ReadonlyArray<readonly [string, string]>;

/** The library's retry policy for refresh, client credentials, device polling, revocation,
 * introspection and discovery (never a code exchange). */
export interface RetryPolicy {
  /** Retries after the first attempt (0 turns retrying off). */
  max: number;
  /** Default 200. */
  baseDelayMs?: number;
  /** Default 10 000. */
  maxDelayMs?: number;
}

/** Settings of the transport, used by every request (discovery included). */
export interface TransportOptions {
  /** The deadline of a whole call, retries included (default 30 000). */
  timeoutMs?: number;
  /** Each connection attempt (default 10 000). */
  connectTimeoutMs?: number;
  /** Each attempt within a call (default: only timeoutMs). */
  attemptTimeoutMs?: number;
  /** A number of retries with the default delays, or a whole policy. */
  retries?: number | RetryPolicy;
  /** PEM files of the CAs to trust instead of the system's store. */
  caFile?: string | readonly string[];
  userAgent?: string;
  /** Cap on a response body (default 1 MiB). */
  maxResponseBytes?: number;
  /** Idle keep-alive connections kept per host (default 16). */
  maxIdleConnectionsPerHost?: number;
  /** Receives the request log: a line per attempt and per retry decision (level 1), and at
   * logLevel 2 the request's headers and form body and the response's headers, every secret
   * written as "[redacted]". Called on the main thread while the request waits; kept until the
   * client and the token sources made from it are closed. What it throws rejects the next call
   * on the client (or such a source) that settles. */
  log?: (level: number, line: string) => void | Promise<unknown>;
  /** 1 (the default with log) or 2. */
  logLevel?: 0 | 1 | 2;
}

export interface ClientOptions extends TransportOptions {
  /** The token endpoint: https://, or http:// to a loopback address. */
  tokenUrl?: string;
  /** The authorization endpoint, for authorizationUrl() and signIn(). */
  authorizeUrl?: string;
  /** The device authorization endpoint, for deviceFlow(). */
  deviceAuthorizationUrl?: string;
  /** The revocation endpoint (RFC 7009, or Nest's DELETE base URL). */
  revocationUrl?: string;
  /** The introspection endpoint (RFC 7662). */
  introspectionUrl?: string;
  clientId: string;
  /** Required by 'post' and 'basic'; absent with 'none'. */
  clientSecret?: string;
  /** Default 'post', or what a preset or discovery chose. */
  authMethod?: AuthMethod;
  revocationStyle?: RevocationStyle;
}

export interface IssuerOptions extends Omit<ClientOptions, 'tokenUrl'> {
  tokenUrl?: string;
  /** Stops the discovery request. */
  signal?: AbortSignal;
}

export interface PresetOptions extends ClientOptions {
  /** The Device Access project id: required by 'google-nest'. */
  projectId?: string;
}

export interface CallOptions {
  /** Cancels the native call (within about 100 ms); the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface ExchangeOptions extends CallOptions {
  /** Required when the authorization request had one (RFC 6749 §4.1.3). */
  redirectUri?: string;
  /** The PKCE code verifier (RFC 7636). */
  codeVerifier?: string;
  params?: Params;
}

export interface ScopeOptions extends CallOptions {
  scope?: string;
  params?: Params;
}

export interface TokenHintOptions extends CallOptions {
  /** token_type_hint: 'access_token' or 'refresh_token' (RFC 7009 §2.1). */
  hint?: string;
}

export interface AuthorizationUrlOptions {
  /** Leave unset where the provider has one registered (Works with Nest). */
  redirectUri?: string;
  scope?: string;
  params?: Params;
}

export interface SignInOptions extends CallOptions {
  scope?: string;
  /** Opens the URL in the user's browser; must return promptly. Default: the platform's opener.
   * A throw, or a returned promise that rejects, stops the sign-in with that error. */
  openBrowser?: (url: string) => void | Promise<unknown>;
  /** The port to listen on at 127.0.0.1 (default: any free one). */
  port?: number;
  /** How long the user has (default 300 000). */
  timeoutMs?: number;
  params?: Params;
}

/** What to show the user in the device flow (RFC 8628 §3.2). */
export interface DeviceAuthorization {
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete: string | null;
  /** Seconds the codes stay valid. */
  readonly expiresIn: number;
  /** Seconds between polls. */
  readonly interval: number;
}

export interface DeviceFlowOptions extends CallOptions {
  /** Called once before polling starts. A throw, or a returned promise that rejects, stops the
   * flow with that error. */
  onPrompt: (authorization: DeviceAuthorization) => void | Promise<unknown>;
  scope?: string;
  /** Sent with the device authorization request and every poll. */
  params?: Params;
  /** An S256 challenge, for servers that require PKCE of public clients. */
  pkce?: boolean;
  /** Told after each poll that did not end the flow: 'authorization_pending', 'slow_down' (the
   * interval grew) or 'retrying', and the wait before the next poll. Returning false stops the
   * flow (an AbortError); a throw, or a returned promise that rejects, stops it with that error. */
  onPoll?: (outcome: 'authorization_pending' | 'slow_down' | 'retrying' | (string & {}), intervalMs: number) =>
    void | boolean | Promise<unknown>;
}

/** An introspection response (RFC 7662). */
export interface Introspection {
  readonly active: boolean;
  readonly scope: string | null;
  readonly clientId: string | null;
  readonly username: string | null;
  readonly tokenType: string | null;
  readonly sub: string | null;
  readonly exp: Date | null;
  readonly iat: Date | null;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** tokenkit's saved format of a token. */
export interface SavedToken {
  access_token?: string;
  token_type?: string;
  expires_at?: number;
  refresh_token?: string;
  scope?: string;
  id_token?: string;
  [field: string]: unknown;
}

/** A token (RFC 6749 §5.1), copied out of the library; immutable. */
export declare class Token {
  private constructor();
  readonly accessToken: string;
  /** "Bearer" when the server sent any case of it, or none. */
  readonly tokenType: string;
  /** The lifetime in seconds as sent, or null. */
  readonly expiresIn: number | null;
  readonly expiresAt: Date | null;
  /** null when none was sent: after a refresh, keep the old one. */
  readonly refreshToken: string | null;
  readonly scope: string | null;
  readonly idToken: string | null;
  /** Every field the server sent. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** tokenkit's saved format (secrets). */
  toJSON(): SavedToken;
  /** Reads the saved format back (a string or the parsed object). */
  static fromJSON(json: string | SavedToken): Token;
}

export declare class AuthorizationRequest {
  private constructor();
  readonly url: string;
  /** Compare the redirect's state with it before exchanging the code. */
  readonly state: string;
  /** Give it to exchangeCode() with the code. */
  readonly codeVerifier: string;
}

export declare class Client implements Disposable {
  constructor(options: ClientOptions);
  /** Discovery (RFC 8414, then OpenID Connect), off the main thread. */
  static fromIssuer(issuer: string, options: IssuerOptions): Promise<Client>;
  static fromPreset(name: 'nest' | 'google-nest', options: PresetOptions): Client;
  /** The settings saved in a profile of `store`, completed or overridden by `options` (the
   * client secret when it was not saved, timeouts, caFile, log). */
  static fromStore(store: Store, name: string, options?: Partial<ClientOptions>): Client;
  /** The discovery document of fromIssuer(), else null. */
  readonly metadata: Readonly<Record<string, unknown>> | null;
  exchangeCode(code: string, options?: ExchangeOptions): Promise<Token>;
  refresh(refreshToken: string, options?: ScopeOptions): Promise<Token>;
  clientCredentials(options?: ScopeOptions): Promise<Token>;
  authorizationUrl(options?: AuthorizationUrlOptions): AuthorizationRequest;
  signIn(options?: SignInOptions): Promise<Token>;
  deviceFlow(options: DeviceFlowOptions): Promise<Token>;
  revoke(token: string, options?: TokenHintOptions): Promise<void>;
  introspect(token: string, options?: TokenHintOptions): Promise<Introspection>;
  /** Frees the native client once running calls return; cancels sign-ins and device flows. */
  close(): void;
  [Symbol.dispose](): void;
}

export interface TokenSourceOptions {
  /** A Token, or its saved form (string or object). */
  token?: Token | SavedToken | string;
  /** A refresh token: alone, the first use refreshes; with token, used instead of its own. */
  refreshToken?: string;
  /** How long before expiry a token counts as expired (default 60 000; 0: until it expires). */
  skewMs?: number;
  /** Told about every new token, to persist a rotated refresh token. A throw, or a rejected
   * promise, is reported by the call that made the refresh. */
  onChange?: (token: Token) => void | Promise<unknown>;
}

export declare class TokenSource implements Disposable {
  constructor(client: Client, options: TokenSourceOptions);
  /** A source backed by a profile of `store`: it starts from the saved token and refreshes
   * through the store, once across processes; it keeps its own reference to the store. */
  static fromStore(client: Client, store: Store, name: string,
    options?: Pick<TokenSourceOptions, 'skewMs' | 'onChange'>): TokenSource;
  /** A valid token; concurrent callers share one refresh. The signal stops only the wait. */
  token(options?: CallOptions): Promise<Token>;
  accessToken(options?: CallOptions): Promise<string>;
  refresh(options?: CallOptions): Promise<Token>;
  toJSON(): SavedToken;
  /** fetch() with the token; one refresh and retry on a 401 invalid_token challenge. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  close(): void;
  [Symbol.dispose](): void;
}

/** What Store#profiles() tells of one profile: nothing secret. */
export interface ProfileInfo {
  readonly name: string;
  /** '' when the file could not be read (then problem says why). */
  readonly clientId: string;
  readonly tokenEndpoint: string | null;
  readonly hasToken: boolean;
  readonly hasRefreshToken: boolean;
  readonly expiresAt: Date | null;
  readonly problem: string | null;
}

/** A directory of profiles (a client's settings and its token, <dir>/<name>.json, mode 0600),
 * shared by every process of the user: a refresh holds the profile's lock, so processes sharing
 * one refresh it once. */
export declare class Store implements Disposable {
  /** The directory, or $TOKENKIT_STORE, else $XDG_CONFIG_HOME/tokenkit, else ~/.config/tokenkit. */
  constructor(dir?: string);
  readonly dir: string;
  /** Saves the settings `client` was made with (its secret only withSecret) and a token. */
  saveProfile(name: string, client: Client, options?: { token?: Token; withSecret?: boolean }): Promise<void>;
  /** A fresh token: the saved one, or refreshed through `client` (once for all callers) and saved. */
  token(name: string, client: Client, options?: { skewMs?: number; signal?: AbortSignal }): Promise<Token>;
  savedToken(name: string): Promise<Token | null>;
  saveToken(name: string, token: Token): Promise<void>;
  /** A logout: the removed token, to revoke, or null. */
  removeToken(name: string): Promise<Token | null>;
  /** false when there was no such profile. */
  deleteProfile(name: string): Promise<boolean>;
  profiles(): Promise<readonly ProfileInfo[]>;
  close(): void;
  [Symbol.dispose](): void;
}

export type ErrorKind =
  | 'invalid_argument' | 'oauth_error' | 'http_error' | 'transport_error' | 'timeout'
  | 'tls_error' | 'protocol_error' | 'insecure' | 'internal_error' | 'cancelled';

export declare class TokenKitError extends Error {
  /** The library's name of the status. */
  readonly kind: ErrorKind | (string & {});
  /** TOKENKIT_<KIND>, or ABORT_ERR for an AbortError. */
  readonly code: string;
  /** The HTTP status of the server's answer, when one arrived. */
  readonly status: number | undefined;
  /** The server's error body (request secrets redacted), when there was one. */
  readonly body: string | undefined;
}
export declare class InvalidArgumentError extends TokenKitError {}
export declare class OAuthError extends TokenKitError {
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  readonly errorUri: string | undefined;
}
export declare class HTTPError extends TokenKitError {}
export declare class TransportError extends TokenKitError {}
export declare class TimeoutError extends TokenKitError {}
export declare class TLSError extends TokenKitError {}
export declare class ProtocolError extends TokenKitError {}
export declare class InsecureURLError extends TokenKitError {}
/** name "AbortError", code "ABORT_ERR", cause: the signal's reason. */
export declare class AbortError extends TokenKitError {}

/** The TOKENKIT_ABI_VERSION this package needs. */
export declare const ABI_VERSION: 2;
export declare function libraryInfo(): { path: string; version: string; abiVersion: number };
