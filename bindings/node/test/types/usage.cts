// Typed use of the CommonJS entry point.
import tokenkit = require('tokenkit');

export async function sample(): Promise<string | null> {
  const client = new tokenkit.Client({ tokenUrl: 'https://x/token', clientId: 'id', authMethod: 'none' });
  const token: tokenkit.Token = await client.clientCredentials({ scope: 'read' });
  const source: tokenkit.TokenSource = new tokenkit.TokenSource(client, { token });
  const e: tokenkit.TokenKitError = new tokenkit.OAuthError('x');
  void e;
  const store: tokenkit.Store = new tokenkit.Store();
  const profiles: readonly tokenkit.ProfileInfo[] = await store.profiles();
  void profiles;
  store.close();
  source.close();
  client.close();
  return token.scope;
}
