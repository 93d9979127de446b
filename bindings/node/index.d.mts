// Type declarations of the ES module entry point: the same objects as index.cjs, and a default
// export holding them all.
export * from './index.cjs';
import * as tokenkit from './index.cjs';
export default tokenkit;
