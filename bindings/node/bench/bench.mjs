// make bench-node: sequential authorization code exchanges against the local mock server
// (TOKENKIT_TEST_SERVER, from scripts/with_servers.sh), each way on one keep-alive connection:
// tokenkit's Client#exchangeCode, node:http with a keep-alive Agent, and fetch. Each round runs
// the three back to back, so that they share the machine's load of the moment; the ratios are the
// median of the rounds' ratios, the rates each way's best round. Prints both, and exits 1 when
// tokenkit is slower than the http agent or not faster than fetch (issue 11's target).
// BENCH_N (default 3000) exchanges per round, BENCH_ROUNDS (default 5) rounds.
import http from 'node:http';
import { Client } from 'tokenkit';

const base = process.env.TOKENKIT_TEST_SERVER;
if (!base) {
  console.error('bench: TOKENKIT_TEST_SERVER is not set; run it through scripts/with_servers.sh');
  process.exit(2);
}
const N = Number(process.env.BENCH_N ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const tokenUrl = new URL('/token', base);
let serial = 0;
const code = () => `code-bench-${process.pid}-${++serial}`;
const form = (c) => new URLSearchParams({ grant_type: 'authorization_code', code: c, client_id: 'demo-client', client_secret: 'demo-secret' }).toString();

// tokenkit: the client keeps its connection alive between calls.
const client = new Client({ tokenUrl: tokenUrl.href, clientId: 'demo-client', clientSecret: 'demo-secret', maxIdleConnectionsPerHost: 1 });
async function viaTokenkit() {
  const token = await client.exchangeCode(code());
  return token.accessToken;
}

// node:http with one kept-alive socket, the response read and parsed as JSON.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function viaHttp() {
  const body = form(code());
  return new Promise((resolve, reject) => {
    const req = http.request(tokenUrl, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(data).access_token) : reject(new Error(`HTTP ${res.statusCode}: ${data}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// fetch (undici's global dispatcher keeps connections alive).
async function viaFetch() {
  const res = await fetch(tokenUrl, {
    method: 'POST', body: form(code()),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return json.access_token;
}

const ways = { tokenkit: viaTokenkit, 'http keep-alive agent': viaHttp, fetch: viaFetch };
const best = Object.fromEntries(Object.keys(ways).map((k) => [k, 0]));
const ratios = { http: [], fetch: [] };

for (const f of Object.values(ways)) for (let i = 0; i < 200; i++) await f(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const rate = {};
  for (const [name, f] of Object.entries(ways)) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      if (!(await f())) throw new Error(`${name}: no access token`);
    }
    rate[name] = N / (Number(process.hrtime.bigint() - started) / 1e9);
    best[name] = Math.max(best[name], rate[name]);
  }
  ratios.http.push(rate.tokenkit / rate['http keep-alive agent']);
  ratios.fetch.push(rate.tokenkit / rate.fetch);
}
client.close();
agent.destroy();

const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, rate] of Object.entries(best)) console.log(`${name.padEnd(22)} ${rate.toFixed(0).padStart(7)} exchanges/s`);
const vsHttp = median(ratios.http);
const vsFetch = median(ratios.fetch);
console.log(`tokenkit / http keep-alive agent: ${vsHttp.toFixed(2)}   (target >= 1; rounds ${ratios.http.map((r) => r.toFixed(2)).join(' ')})`);
console.log(`tokenkit / fetch:                 ${vsFetch.toFixed(2)}   (target > 1; rounds ${ratios.fetch.map((r) => r.toFixed(2)).join(' ')})`);
if (vsHttp < 1 || vsFetch <= 1) {
  console.log('bench-node: target missed');
  process.exitCode = 1;
}
