//! Entry points for the fuzz targets in `fuzz/` (not part of the documented API). Each one feeds
//! arbitrary bytes to one parser of request input and asserts the properties the parser promises,
//! so a fuzzer finds wrong answers as well as panics.

use std::sync::OnceLock;

use http::header::{HeaderMap, HeaderValue, COOKIE};
use url::Url;

use crate::cookies::RequestCookies;
use crate::endpoints::Fields;
use crate::{csrf, redirect, Config, Hallpass};

const SECRET: &str = "fuzzing-secret-fuzzing-secret-0123456789";
/// A fixed "now" well inside the sessions the corpora hold.
const NOW: i64 = 1_900_000_000;

fn instance() -> &'static Hallpass {
    static H: OnceLock<Hallpass> = OnceLock::new();
    H.get_or_init(|| {
        let config = Config::builder()
            .url("https://app.example.com")
            .secret(SECRET)
            .build()
            .expect("fuzzing config");
        Hallpass::builder(config).build().expect("fuzzing instance")
    })
}

/// A `Cookie` header of `data` (skipped when it is not header text).
fn cookie_header(data: &[u8]) -> Option<HeaderMap> {
    let value = HeaderValue::from_bytes(data).ok()?;
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, value);
    Some(headers)
}

/// The session cookie reader: chunk joining, JWE parse and decrypt, the claims. A value that decodes
/// re-encodes to a value that decodes to an equal session.
pub fn session_cookie(data: &[u8]) {
    let h = instance();
    let Some(headers) = cookie_header(data) else {
        return;
    };
    let cookies = RequestCookies::new(&headers);
    let Some(parts) = cookies.get_parts(h.session_cookie_name()) else {
        return;
    };
    if let Ok(session) = h.ctx().jwt.decode_cached(&parts, NOW) {
        let token = session.token();
        let again = h.ctx().jwt.encode(token);
        let decoded = h
            .ctx()
            .jwt
            .decode(&again, NOW)
            .expect("a re-encoded session decodes");
        assert_eq!(&decoded, token, "re-encoding changed the session");
    }
}

/// A JWE alone (no cookie syntax): decrypting arbitrary text never panics, and what decrypts
/// round-trips.
pub fn jwe(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let h = instance();
    if let Ok(token) = h.ctx().jwt.decode(text, NOW) {
        let again = h.ctx().jwt.encode(&token);
        assert_eq!(h.ctx().jwt.decode(&again, NOW).ok(), Some(token));
    }
}

/// The CSRF cookie: only a cookie this server made yields a token; the form token made for it
/// verifies with its binding and no other.
pub fn csrf_cookie(data: &[u8]) {
    let h = instance();
    let (cookie, submitted) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let (Ok(cookie), Ok(submitted)) = (std::str::from_utf8(cookie), std::str::from_utf8(submitted))
    else {
        return;
    };
    let secrets = h.config().secret_bytes();
    let keys = h.cookies().csrf_hash_keys.as_slices();
    let Some(token) = csrf::token_from_cookie(cookie, &keys) else {
        assert!(!csrf::verify(
            Some(cookie),
            Some(submitted),
            "",
            &keys,
            &secrets
        ));
        return;
    };
    let form = csrf::form_token(token, "sub:a", secrets[0]);
    assert!(csrf::verify(
        Some(cookie),
        Some(&form),
        "sub:a",
        &keys,
        &secrets
    ));
    assert!(!csrf::verify(
        Some(cookie),
        Some(&form),
        "sub:b",
        &keys,
        &secrets
    ));
    if submitted != form {
        assert!(!csrf::verify(
            Some(cookie),
            Some(submitted),
            "sub:a",
            &keys,
            &secrets
        ));
    }
}

/// The callback's query and form parser, and the sign-in attempt cookie it leads to: parsing never
/// panics, the first of a repeated name wins, and an arbitrary cookie never yields an attempt.
pub fn callback_params(data: &[u8]) {
    let fields = Fields::parse(data);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (k, _) in &pairs {
        let first = pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(fields.get(k), first);
    }
    let h = instance();
    let state = fields.get("state").unwrap_or("");
    let cookie = format!(
        "{}={}",
        h.cookies().attempt_name(state),
        fields.get("c").unwrap_or("")
    );
    if let Some(headers) = cookie_header(cookie.as_bytes()) {
        let rc = RequestCookies::new(&headers);
        let attempt = h.cookies().read_attempt(&rc, state, "p", Some("b"), NOW);
        assert!(attempt.is_err(), "a forged attempt cookie was accepted");
    }
}

/// `callbackUrl` handling: an accepted URL is same-origin and a fixed point; whatever is refused
/// falls back to the origin itself, never a foreign one.
pub fn callback_url(data: &[u8]) {
    static ORIGIN: OnceLock<Url> = OnceLock::new();
    let origin = ORIGIN.get_or_init(|| Url::parse("https://app.example.com").expect("origin"));
    let Ok(candidate) = std::str::from_utf8(data) else {
        return;
    };
    match redirect::checked(candidate, origin) {
        Some(accepted) => {
            let url = Url::parse(&accepted).expect("an accepted target is a URL");
            assert_eq!(url.origin(), origin.origin(), "{candidate:?} -> {accepted}");
            // Checked again (as after the `redirect` hook) it stays, unless joining it to the
            // origin took it over the length limit.
            if accepted.len() <= 2048 {
                assert_eq!(
                    redirect::checked(&accepted, origin).as_deref(),
                    Some(&*accepted)
                );
            }
        }
        None => assert_eq!(redirect::callback_url(candidate, origin), origin.as_str()),
    }
}

#[cfg(test)]
mod seeds {
    use super::*;
    use crate::SessionToken;

    /// Writes the seed inputs of `fuzz/corpus/` (`cargo test -p hallpass --lib write_fuzz_seeds --
    /// --ignored`); `cargo fuzz cmin` then keeps the ones that add coverage.
    #[test]
    #[ignore]
    fn write_fuzz_seeds() {
        let h = instance();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
        let write = |target: &str, name: &str, data: &[u8]| {
            let d = dir.join(target);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(name), data).unwrap();
        };
        let mut token = SessionToken {
            sub: Some("user-1".into()),
            name: Some("Jane \u{e9}".into()),
            groups: vec!["admin".into()],
            exp: NOW + 3600,
            iat: NOW,
            jti: "j".into(),
            ..Default::default()
        };
        let small = h.ctx().jwt.encode(&token);
        token
            .extra
            .insert("big".into(), serde_json::json!("x".repeat(5000)));
        let big = h.ctx().jwt.encode(&token);
        let name = h.session_cookie_name();
        write(
            "session_cookie",
            "one",
            format!("{name}={small}").as_bytes(),
        );
        let chunks: Vec<String> = big
            .as_bytes()
            .chunks(3933)
            .enumerate()
            .map(|(i, c)| format!("{name}.{i}={}", std::str::from_utf8(c).unwrap()))
            .collect();
        write("session_cookie", "chunked", chunks.join("; ").as_bytes());
        write(
            "session_cookie",
            "gap",
            format!("{name}.0=a; {name}.2=b").as_bytes(),
        );
        write("jwe", "valid", small.as_bytes());
        write("jwe", "five-parts", b"eyJhbGciOiJkaXIifQ..AAAA.BBBB.CCCC");
        let secrets = h.config().secret_bytes();
        let (raw, cookie) = csrf::generate(h.cookies().csrf_hash_keys.as_slices()[0]);
        let form = csrf::form_token(&raw, "sub:a", secrets[0]);
        write(
            "csrf_cookie",
            "valid",
            format!("{cookie}\0{form}").as_bytes(),
        );
        write("csrf_cookie", "raw", format!("{cookie}\0{raw}").as_bytes());
        write(
            "csrf_cookie",
            "forged",
            format!("{raw}|{}\0{raw}", "0".repeat(64)).as_bytes(),
        );
        write(
            "callback_params",
            "code",
            b"code=abc&state=s1&iss=https%3A%2F%2Fidp&c=eyJ",
        );
        write(
            "callback_params",
            "error",
            b"error=access_denied&error_description=a%0Ab&state=s",
        );
        write(
            "callback_params",
            "repeated",
            b"state=a&state=b&c=1&c=2&json=true",
        );
        let corpus = include_str!("../tests/fixtures/openredirects.txt");
        for (i, line) in corpus.lines().take(40).enumerate() {
            write("callback_url", &format!("payload-{i:02}"), line.as_bytes());
        }
        write("callback_url", "relative", b"/protected?tab=1#top");
        write("callback_url", "absolute", b"https://app.example.com/a");
    }
}
