// tokenkit for Node.js: the ES module entry point, the same objects as the CommonJS one.
import tokenkit from './index.cjs';

export const {
  Client, TokenSource, Store, Token, AuthorizationRequest, TokenKitError, InvalidArgumentError, OAuthError,
  HTTPError, TransportError, TimeoutError, TLSError, ProtocolError, InsecureURLError, AbortError,
  ABI_VERSION, libraryInfo,
} = tokenkit;
export default tokenkit;
