//! `make bench`: N sequential authorization-code exchanges against the local keep-alive mock server,
//! once through tokenkit's C ABI and once through a plain `ureq` loop doing the same work (form
//! POST, read the body, parse the JSON, take the access token), interleaved in rounds in one run so
//! that machine noise hits both alike. Prints both rates, their ratio, and the resident memory
//! before and after the C ABI requests.
//!
//! Environment: TOKENKIT_TEST_SERVER (the mock server), BENCH_N (default 100000), BENCH_ROUNDS (10).

use std::ffi::{CStr, CString};
use std::ptr;
use std::time::{Duration, Instant};

use std::ffi::c_char;

// The C ABI as include/tokenkit.h declares it; the symbols come from the tokenkit library itself.
use tokenkit as _;
#[allow(non_camel_case_types)]
enum tokenkit_config {}
#[allow(non_camel_case_types)]
enum tokenkit_client {}
#[allow(non_camel_case_types)]
enum tokenkit_token {}
#[allow(non_camel_case_types)]
enum tokenkit_error {}
const OK: i32 = 0;

extern "C" {
    fn tokenkit_config_new() -> *mut tokenkit_config;
    fn tokenkit_config_set_token_endpoint(
        c: *mut tokenkit_config,
        url: *const c_char,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_config_set_client_id(c: *mut tokenkit_config, id: *const c_char, err: *mut *mut tokenkit_error) -> i32;
    fn tokenkit_config_set_client_secret(
        c: *mut tokenkit_config,
        s: *const c_char,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_config_free(c: *mut tokenkit_config);
    fn tokenkit_client_new(
        c: *const tokenkit_config,
        out: *mut *mut tokenkit_client,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_client_exchange_code(
        client: *const tokenkit_client,
        code: *const c_char,
        options: *const std::ffi::c_void,
        out: *mut *mut tokenkit_token,
        err: *mut *mut tokenkit_error,
    ) -> i32;
    fn tokenkit_client_free(c: *mut tokenkit_client);
    fn tokenkit_token_access_token(t: *const tokenkit_token) -> *const c_char;
    fn tokenkit_token_free(t: *mut tokenkit_token);
    fn tokenkit_error_message(e: *const tokenkit_error) -> *const c_char;
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One client through the C ABI, exactly as a C program would drive it.
struct AbiClient(*mut tokenkit_client);

impl AbiClient {
    fn new(endpoint: &str) -> Self {
        let endpoint = CString::new(endpoint).unwrap();
        unsafe {
            let config = tokenkit_config_new();
            let mut client = ptr::null_mut();
            let mut err = ptr::null_mut();
            assert_eq!(tokenkit_config_set_token_endpoint(config, endpoint.as_ptr(), &mut err), OK);
            assert_eq!(tokenkit_config_set_client_id(config, c"demo-client".as_ptr(), &mut err), OK);
            assert_eq!(tokenkit_config_set_client_secret(config, c"demo-secret".as_ptr(), &mut err), OK);
            assert_eq!(tokenkit_client_new(config, &mut client, &mut err), OK);
            tokenkit_config_free(config);
            AbiClient(client)
        }
    }

    fn exchange(&self, code: &CStr) -> usize {
        unsafe {
            let mut token = ptr::null_mut();
            let mut err = ptr::null_mut();
            let status = tokenkit_client_exchange_code(self.0, code.as_ptr(), ptr::null(), &mut token, &mut err);
            if status != OK {
                let message = CStr::from_ptr(tokenkit_error_message(err)).to_string_lossy().into_owned();
                panic!("C ABI exchange failed: {message}");
            }
            let access_token = tokenkit_token_access_token(token);
            let len = CStr::from_ptr(access_token).to_bytes().len();
            tokenkit_token_free(token);
            len
        }
    }
}

impl Drop for AbiClient {
    fn drop(&mut self) {
        unsafe { tokenkit_client_free(self.0) }
    }
}

/// The baseline: what a Rust program would write by hand with ureq.
fn plain_exchange(agent: &ureq::Agent, endpoint: &str, code: &str) -> usize {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", code)
        .append_pair("client_id", "demo-client")
        .append_pair("client_secret", "demo-secret")
        .append_pair("grant_type", "authorization_code")
        .finish();
    let mut response = agent
        .post(endpoint)
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body.as_bytes())
        .expect("plain ureq request");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.body_mut().with_config().limit(1 << 20).read_to_vec().expect("body");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    json["access_token"].as_str().expect("access_token").len()
}

fn main() {
    let server = std::env::var("TOKENKIT_TEST_SERVER").expect("TOKENKIT_TEST_SERVER");
    let endpoint = format!("{server}/token");
    let n = env_usize("BENCH_N", 100_000);
    let rounds = env_usize("BENCH_ROUNDS", 10).max(1);
    let per_round = n / rounds;
    let pid = std::process::id();

    let abi = AbiClient::new(&endpoint);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent();
    // Warm both paths (connections, allocator) before measuring.
    for i in 0..200 {
        abi.exchange(&CString::new(format!("code-warm-a-{pid}-{i}")).unwrap());
        plain_exchange(&agent, &endpoint, &format!("code-warm-b-{pid}-{i}"));
    }

    let rss_before = rss_kib();
    let (mut abi_time, mut plain_time) = (Duration::ZERO, Duration::ZERO);
    for round in 0..rounds {
        let start = Instant::now();
        for i in 0..per_round {
            abi.exchange(&CString::new(format!("code-abi-{pid}-{round}-{i}")).unwrap());
        }
        abi_time += start.elapsed();
        let start = Instant::now();
        for i in 0..per_round {
            plain_exchange(&agent, &endpoint, &format!("code-plain-{pid}-{round}-{i}"));
        }
        plain_time += start.elapsed();
    }
    let rss_after = rss_kib();

    let total = (per_round * rounds) as f64;
    let abi_rate = total / abi_time.as_secs_f64();
    let plain_rate = total / plain_time.as_secs_f64();
    let ratio = abi_rate / plain_rate;
    println!("requests per path:   {}", per_round * rounds);
    println!("C ABI (tokenkit):    {abi_rate:>10.0} exchanges/s");
    println!("plain ureq loop:     {plain_rate:>10.0} exchanges/s");
    println!("ratio C ABI / ureq:  {ratio:>10.3}  (target >= 0.95)");
    println!(
        "RSS before / after:  {rss_before} KiB / {rss_after} KiB  (growth {} KiB)",
        rss_after as i64 - rss_before as i64
    );
    let memory_ok = rss_after <= rss_before + 4096;
    if ratio >= 0.95 && memory_ok {
        println!("bench: target met");
    } else {
        println!("bench: target MISSED");
        std::process::exit(1);
    }
}
