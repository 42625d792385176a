//! Seed validation and the library's admin methods.

use std::collections::BTreeMap;

use crate::*;
use userpool::{Error, NewUser};

#[test]
fn bad_seeds_are_refused_with_a_reason() {
    let cases = [
        ("[[pools]]\nid = \"nope\"\n", "not of the form"),
        ("[[pools]]\nid = \"us-east-1_a-b\"\n", "not of the form"),
        ("[[pools]]\nid = \"us-east-1_A\"\n[[pools]]\nid = \"us-east-1_A\"\n", "twice"),
        (
            "[[pools]]\nid = \"us-east-1_A\"\n[[pools.clients]]\nid = \"c\"\ncallback_urls = [\"http://example.com/cb\"]\n",
            "http is allowed only for localhost",
        ),
        (
            "[[pools]]\nid = \"us-east-1_A\"\n[[pools.clients]]\nid = \"c\"\n[[pools]]\nid = \"us-east-1_B\"\n[[pools.clients]]\nid = \"c\"\n",
            "unique",
        ),
        ("[[pools]]\nid = \"us-east-1_A\"\n[pools.token_validity]\nid_token_minutes = 2\n", "5 to 1440"),
        ("[[pools]]\nid = \"us-east-1_A\"\nbogus = 1\n", "unknown field"),
        (
            "[[pools]]\nid = \"us-east-1_A\"\n[[pools.users]]\nemail = \"x\"\npassword = \"p\"\n",
            "not an email",
        ),
        (
            "[[pools]]\nid = \"us-east-1_A\"\n[[pools.users]]\nemail = \"x@example.com\"\npassword = \"p\"\nattributes = { shoe_size = \"9\" }\n",
            "neither a standard attribute",
        ),
    ];
    for (toml, why) in cases {
        let err = Seed::from_toml_str(toml).unwrap_err().to_string();
        assert!(err.contains(why), "{toml:?}: {err}");
    }
}

#[test]
fn example_seed_file_is_valid() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("userpool.example.toml");
    let seed = Seed::from_file(&path).unwrap();
    assert!(!seed.pools.is_empty());
}

#[tokio::test]
async fn add_user_and_group_then_sign_in() {
    let t = spawn_pool().await;
    let mut attributes = BTreeMap::new();
    attributes.insert("name".to_string(), "Carol".to_string());
    let sub = t
        .pool()
        .add_user(
            POOL,
            NewUser {
                email: "carol@example.com".into(),
                password: "C4rol!pass".into(),
                attributes,
                confirmed: true,
            },
        )
        .await
        .unwrap();
    t.pool()
        .add_to_group(POOL, "carol@example.com", "editors")
        .await
        .unwrap();
    let dup = t
        .pool()
        .add_user(
            POOL,
            NewUser {
                email: "CAROL@example.com".into(),
                password: "C4rol!pass".into(),
                attributes: BTreeMap::new(),
                confirmed: true,
            },
        )
        .await;
    assert!(
        matches!(dup, Err(Error::UserExists)),
        "emails are case-insensitive"
    );
    let weak = t
        .pool()
        .add_user(
            POOL,
            NewUser {
                email: "dave@example.com".into(),
                password: "weak".into(),
                attributes: BTreeMap::new(),
                confirmed: true,
            },
        )
        .await;
    assert!(matches!(weak, Err(Error::InvalidParameter(m)) if m.contains("not long enough")));
    assert!(matches!(
        t.pool().add_to_group(POOL, "nobody@example.com", "x").await,
        Err(Error::NoSuchUser)
    ));

    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
                ("scope", "openid"),
            ],
            "carol@example.com",
            "C4rol!pass",
        )
        .await;
    let code = param(&cb, "code").unwrap();
    let r = t
        .token_basic(
            CONF,
            CONF_SECRET,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
            ],
        )
        .await;
    let tokens: Value = r.json().await.unwrap();
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], sub.as_str());
    assert_eq!(id["cognito:groups"], serde_json::json!(["editors"]));
    assert_eq!(id["name"], "Carol");

    let list = t.pool().list().await.unwrap();
    let p = list.iter().find(|p| p.id == POOL).unwrap();
    assert!(p.groups.contains(&"editors".to_string()) && p.groups.contains(&"readers".to_string()));
    let carol = p
        .users
        .iter()
        .find(|u| u.email == "carol@example.com")
        .unwrap();
    assert_eq!(carol.groups, ["editors"]);
    assert_eq!(p.kids.len(), 2);
}

#[tokio::test]
async fn demo_seed_serves_the_demo_user() {
    let site = Url::parse("http://localhost:3000").unwrap();
    let t = spawn_with(Seed::demo(&site), "sqlite::memory:").await;
    let cb_url = "http://localhost:3000/api/auth/callback/cognito";
    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", userpool::DEMO_CLIENT_ID),
                ("redirect_uri", cb_url),
                ("scope", "openid email profile"),
            ],
            userpool::DEMO_USER_EMAIL,
            userpool::DEMO_USER_PASSWORD,
        )
        .await;
    let code = param(&cb, "code").unwrap();
    let r = t
        .token_basic(
            userpool::DEMO_CLIENT_ID,
            userpool::DEMO_CLIENT_SECRET,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", cb_url),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let tokens: Value = r.json().await.unwrap();
    let id = t
        .verify(userpool::DEMO_POOL_ID, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(id["email"], "demo@example.com");
    assert_eq!(id["name"], "Demo User");
    assert_eq!(id["cognito:groups"], serde_json::json!(["admin"]));
    // Sign-out URL registered.
    let r = t
        .http
        .get(t.url("/logout"))
        .query(&[
            ("client_id", userpool::DEMO_CLIENT_ID),
            ("logout_uri", "http://localhost:3000/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r).as_str(), "http://localhost:3000/");
}
