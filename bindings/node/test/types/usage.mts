// Typed use of the ES module entry point: `tsc -p test/types` must accept every line, and each
// line marked to expect an error must be one, so the declarations are neither too loose nor too
// tight.
import tokenkit, {
  Client, TokenSource, Token, Store, type ProfileInfo, TokenKitError, OAuthError, AbortError, HTTPError, TimeoutError, TLSError,
  TransportError, ProtocolError, InsecureURLError, InvalidArgumentError, AuthorizationRequest,
  type DeviceAuthorization, type Introspection, type SavedToken, ABI_VERSION, libraryInfo,
} from 'tokenkit';

export async function sample(signal: AbortSignal): Promise<string> {
  const client = new Client({
    tokenUrl: 'https://api.home.nest.com/oauth2/access_token',
    clientId: 'id',
    clientSecret: 'secret',
    authMethod: 'post',
    timeoutMs: 10_000,
    caFile: ['/etc/ca.pem'],
    retries: { max: 2, baseDelayMs: 100 },
  });
  const token: Token = await client.exchangeCode('code', { redirectUri: 'http://127.0.0.1/cb', codeVerifier: 'v', signal });
  const access: string = token.accessToken;
  const expires: Date | null = token.expiresAt;
  const seconds: number | null = token.expiresIn;
  const refresh: string | null = token.refreshToken;
  const saved: SavedToken = token.toJSON();
  const again: Token = Token.fromJSON(JSON.stringify(saved));
  await client.refresh(refresh ?? '', { scope: 'read', params: { audience: 'api' } });
  await client.clientCredentials({ params: [['resource', 'https://api']] });
  const request: AuthorizationRequest = client.authorizationUrl({ redirectUri: 'http://127.0.0.1/cb', scope: 'read' });
  const url: string = request.url;
  await client.signIn({ scope: 'read', openBrowser: (u: string) => console.log(u), signal });
  await client.deviceFlow({ onPrompt: (d: DeviceAuthorization) => console.log(d.userCode, d.verificationUri), signal });
  await client.revoke(access, { hint: 'access_token' });
  const info: Introspection = await client.introspect(access);
  const active: boolean = info.active;

  const issuer: Client = await Client.fromIssuer('https://issuer', { clientId: 'id', signal });
  const nest: Client = Client.fromPreset('nest', { clientId: 'id', clientSecret: 's' });
  Client.fromPreset('google-nest', { clientId: 'id', clientSecret: 's', projectId: 'p' });

  const source = new TokenSource(client, { token: again, skewMs: 0, onChange: (t: Token) => void t.refreshToken });
  new TokenSource(client, { refreshToken: 'rt' });
  new TokenSource(client, { token: saved });
  const bearer: string = await source.accessToken({ signal });
  const current: Token = await source.token();
  await source.refresh();
  const response: Response = await source.fetch('https://api.example/devices', { method: 'GET', signal });
  source[Symbol.dispose]();
  issuer.close();
  nest[Symbol.dispose]();

  try {
    await client.clientCredentials();
  } catch (e) {
    if (e instanceof OAuthError) {
      const code: string | undefined = e.error;
      const status: number | undefined = e.status;
      void [code, status, e.errorDescription, e.errorUri, e.body];
    } else if (e instanceof AbortError) {
      void e.cause;
    } else if (e instanceof TokenKitError) {
      const kind: string = e.kind;
      void [kind, e.code];
    }
  }
  const classes: (typeof TokenKitError)[] = [HTTPError, TimeoutError, TLSError, TransportError, ProtocolError, InsecureURLError, InvalidArgumentError, AbortError];
  const abi: 2 = ABI_VERSION;
  const lib: string = libraryInfo().path;
  const same: typeof Client = tokenkit.Client;

  // @ts-expect-error clientId is required
  new Client({ tokenUrl: 'https://x' });
  // @ts-expect-error not an auth method
  new Client({ clientId: 'id', authMethod: 'jwt' });
  // @ts-expect-error onPrompt is required
  await client.deviceFlow({});
  // @ts-expect-error tokens are made by tokenkit
  new Token();
  // @ts-expect-error read-only
  token.accessToken = 'x';
  // @ts-expect-error not a preset
  Client.fromPreset('acme', { clientId: 'id' });
  // @ts-expect-error a signal, not a boolean
  await client.exchangeCode('c', { signal: true });

  const store = new Store('/tmp/profiles');
  new Store();
  const logged = new Client({ clientId: 'id', tokenUrl: 'https://x', log: (level: number, line: string) => console.log(level, line), logLevel: 2 });
  await store.saveProfile('work', logged, { token, withSecret: false });
  const profiled: Client = Client.fromStore(store, 'work', { clientSecret: 's', timeoutMs: 5000 });
  const fresh: Token = await store.token('work', profiled, { skewMs: 30_000, signal });
  const maybe: Token | null = await store.savedToken('work');
  await store.saveToken('work', fresh);
  const removed: Token | null = await store.removeToken('work');
  const existed: boolean = await store.deleteProfile('work');
  const profiles: readonly ProfileInfo[] = await store.profiles();
  const storeSource: TokenSource = TokenSource.fromStore(profiled, store, 'work', { skewMs: 0, onChange: (t: Token) => void t });
  await client.deviceFlow({ onPrompt: () => {}, onPoll: (outcome: string, intervalMs: number) => outcome !== 'slow_down' || intervalMs < 10_000 });
  store[Symbol.dispose]();
  // @ts-expect-error a level is 0, 1 or 2
  new Client({ clientId: 'id', logLevel: 3 });
  // @ts-expect-error a profile name is a string
  await store.token(1, profiled);

  void [expires, seconds, url, active, bearer, current, response, classes, abi, lib, same, maybe, removed, existed,
    profiles, storeSource];
  return access;
}
