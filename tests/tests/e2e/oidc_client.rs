//! `api::sign_in::oidc` against a real OpenID provider (`tests/node/oidc-provider.mjs`,
//! panva's oidc-provider): discovery, the code flow with PKCE, the ID token's checks, and
//! every tampered answer refused. The browser's part is `pmf_tests::oidc::SignInBrowser`;
//! the redirect URI is never served, only caught.
//!
//! Ignored by default (a clone with only Rust has no Node); `.ci/run` runs it:
//! `cargo test -p pmf-tests --test e2e -- --ignored oidc_client`.
use api::sign_in::oidc::{
    Callback, ClientSecret, EmailClaim, IdTokenProblem, OidcClient, OidcError, OidcSettings,
    PendingSignIn, ProviderConfig, SubjectClaim, VerifiedIdentity,
};
use pmf_tests::oidc::{OidcProvider, SignInBrowser};
use serde_json::{Value, json};

const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/oidc/callback";
const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const OTHER_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

fn config(issuer_path: &str, accounts: Value) -> Value {
    json!({
        "issuerPath": issuer_path,
        "clients": [{ "client_id": "council-app", "client_secret": "s3cret",
                      "redirect_uris": [REDIRECT_URI] }],
        "accounts": accounts,
    })
}

struct Rig {
    idp: OidcProvider,
    provider: ProviderConfig,
    oidc: OidcClient,
    browser: SignInBrowser,
}

impl Rig {
    async fn start(issuer_path: &str, accounts: Value) -> Self {
        let idp = OidcProvider::start(config(issuer_path, accounts)).await;
        let provider = ProviderConfig::new(
            idp.issuer.clone(),
            "council-app",
            ClientSecret::new("s3cret"),
            "Test provider",
            None,
        )
        .expect("a valid provider");
        Self {
            idp,
            provider,
            oidc: OidcClient::new(OidcSettings::default()).expect("an HTTP client"),
            browser: SignInBrowser::new(),
        }
    }

    /// Starts a sign-in for `login_hint` and walks the browser back to the redirect URI.
    async fn authorize(&self, login_hint: &str) -> (PendingSignIn, Callback) {
        let (url, pending) = self
            .oidc
            .start(&self.provider, REDIRECT_URI, Some(login_hint))
            .await
            .expect("start a sign-in");
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(param("response_type"), Some("code"));
        assert_eq!(param("code_challenge_method"), Some("S256"));
        assert_eq!(param("scope"), Some("openid email profile"));
        assert_eq!(param("state"), Some(pending.state.as_str()));
        assert_eq!(param("nonce"), Some(pending.nonce.as_str()));
        assert_eq!(param("login_hint"), Some(login_hint));
        assert_eq!(param("redirect_uri"), Some(REDIRECT_URI));

        let back = self.browser.follow(url.as_str(), REDIRECT_URI).await;
        let mut callback = Callback::default();
        for (k, v) in back.query_pairs() {
            let v = Some(v.into_owned());
            match k.as_ref() {
                "code" => callback.code = v,
                "state" => callback.state = v,
                "iss" => callback.iss = v,
                "error" => callback.error = v,
                "error_description" => callback.error_description = v,
                _ => {}
            }
        }
        (pending, callback)
    }

    async fn sign_in(&self, login_hint: &str) -> Result<VerifiedIdentity, OidcError> {
        let (pending, callback) = self.authorize(login_hint).await;
        self.oidc.finish(&self.provider, pending, &callback).await
    }

    /// A sign-in whose next ID token is tampered with `changes`.
    async fn sign_in_tampered(&self, login_hint: &str, changes: Value) -> OidcError {
        let (pending, callback) = self.authorize(login_hint).await;
        self.idp.tamper_next_id_token(changes.clone()).await;
        match self.oidc.finish(&self.provider, pending, &callback).await {
            Ok(identity) => panic!("a token tampered with {changes} was accepted: {identity:?}"),
            Err(e) => e,
        }
    }
}

#[tokio::test]
#[ignore = "needs Node and tests/node's packages (npm ci --prefix tests/node): .ci/run runs it"]
async fn a_generic_provider_signs_in_and_refuses_tampered_answers() {
    let rig = Rig::start(
        "",
        json!([
            { "sub": "alice-sub", "email": "Alice@Council.Example", "email_verified": true,
              "name": "Alice Example" },
            { "sub": "bob-sub", "email": "bob@council.example", "email_verified": false },
        ]),
    )
    .await;
    assert!(!rig.provider.is_entra());

    let alice = rig.sign_in("alice-sub").await.expect("alice signs in");
    assert_eq!(alice.issuer, rig.idp.issuer);
    assert_eq!(alice.subject, "alice-sub");
    assert_eq!(alice.subject_claim, SubjectClaim::Sub);
    assert_eq!(alice.email.as_deref(), Some("alice@council.example"));
    assert_eq!(alice.email_claim, Some(EmailClaim::Email));
    assert!(alice.email_is_verified());
    assert_eq!(alice.name.as_deref(), Some("Alice Example"));
    assert_eq!(alice.tenant_id, None);

    // The same browser switches account by login_hint; an unverified address says so.
    let bob = rig
        .sign_in("bob@council.example")
        .await
        .expect("bob signs in");
    assert_eq!(bob.subject, "bob-sub");
    assert_eq!(bob.email_verified, Some(false));
    assert!(!bob.email_is_verified());

    // A state that is not ours: refused before the code is exchanged.
    let (pending, mut callback) = rig.authorize("alice-sub").await;
    callback.state = Some(format!("{}x", pending.state));
    assert_eq!(
        rig.oidc.finish(&rig.provider, pending, &callback).await,
        Err(OidcError::StateMismatch)
    );

    // Each tampered ID token, re-signed with the provider's own key, is refused.
    let invalid = OidcError::IdTokenInvalid;
    for (changes, expected) in [
        (
            json!({ "nonce": "wrong" }),
            invalid(IdTokenProblem::NonceMismatch),
        ),
        (
            json!({ "nonce": null }),
            invalid(IdTokenProblem::NonceMismatch),
        ),
        (
            json!({ "aud": "someone-else" }),
            invalid(IdTokenProblem::WrongAudience),
        ),
        (
            json!({ "aud": ["council-app", "someone-else"] }),
            invalid(IdTokenProblem::WrongAudience),
        ),
        (
            json!({ "iss": "http://evil" }),
            invalid(IdTokenProblem::WrongIssuer),
        ),
        (json!({ "expired": true }), invalid(IdTokenProblem::Expired)),
    ] {
        let error = rig.sign_in_tampered("alice-sub", changes.clone()).await;
        assert_eq!(error, expected, "tampered with {changes}");
    }

    // A code is good once.
    let (pending, callback) = rig.authorize("alice-sub").await;
    rig.oidc
        .finish(&rig.provider, pending.clone(), &callback)
        .await
        .expect("the first exchange");
    let again = rig.oidc.finish(&rig.provider, pending, &callback).await;
    assert!(
        matches!(&again, Err(OidcError::TokenExchangeRefused { error, .. }) if error == "invalid_grant"),
        "{again:?}"
    );

    // A wrong client secret.
    let wrong_secret = ProviderConfig {
        client_secret: ClientSecret::new("not-the-secret"),
        ..rig.provider.clone()
    };
    let (pending, callback) = rig.authorize("alice-sub").await;
    let refused = rig.oidc.finish(&wrong_secret, pending, &callback).await;
    assert!(
        matches!(&refused, Err(OidcError::TokenExchangeRefused { error, .. }) if error == "invalid_client"),
        "{refused:?}"
    );

    // An account the provider does not know: sent back with error=access_denied.
    let (pending, callback) = rig.authorize("nobody@council.example").await;
    assert!(matches!(
        rig.oidc.finish(&rig.provider, pending, &callback).await,
        Err(OidcError::ProviderDenied { error, .. }) if error == "access_denied"
    ));

    // Nothing the provider logged is a token or the secret in our errors.
    assert!(!format!("{:?}", rig.provider).contains("s3cret"));
}

#[tokio::test]
#[ignore = "needs Node and tests/node's packages (npm ci --prefix tests/node): .ci/run runs it"]
async fn an_entra_shaped_provider_checks_the_tenant_and_binds_on_oid() {
    let rig = Rig::start(
        &format!("/{TENANT}/v2.0"),
        json!([
            { "sub": "alice-pairwise", "oid": "oid-alice", "tid": TENANT,
              "email": "alice@council.example", "email_verified": true,
              "preferred_username": "alice@council.example", "name": "Alice Example" },
            { "sub": "bob-pairwise", "oid": "oid-bob", "tid": TENANT,
              "preferred_username": "Bob@Council.Example" },
            { "sub": "mallory-pairwise", "oid": "oid-mallory", "tid": OTHER_TENANT,
              "email": "mallory@council.example" },
        ]),
    )
    .await;
    assert!(rig.provider.is_entra());
    assert_eq!(rig.provider.expected_tenant().as_deref(), Some(TENANT));

    let alice = rig.sign_in("alice-pairwise").await.expect("alice signs in");
    assert_eq!(alice.subject, "oid-alice");
    assert_eq!(alice.subject_claim, SubjectClaim::Oid);
    assert_eq!(alice.tenant_id.as_deref(), Some(TENANT));
    assert_eq!(alice.email.as_deref(), Some("alice@council.example"));
    assert_eq!(alice.email_claim, Some(EmailClaim::Email));
    // Entra vouches for no address, whatever the token says.
    assert_eq!(alice.email_verified, None);

    // No email claim: preferred_username, marked as such.
    let bob = rig.sign_in("bob-pairwise").await.expect("bob signs in");
    assert_eq!(bob.subject, "oid-bob");
    assert_eq!(bob.email.as_deref(), Some("bob@council.example"));
    assert_eq!(bob.email_claim, Some(EmailClaim::PreferredUsername));

    // An account of another tenant, and a token whose tid was changed or removed.
    assert_eq!(
        rig.sign_in("mallory-pairwise").await,
        Err(OidcError::IdTokenInvalid(IdTokenProblem::TenantMismatch))
    );
    for changes in [json!({ "tid": OTHER_TENANT }), json!({ "tid": null })] {
        assert_eq!(
            rig.sign_in_tampered("alice-pairwise", changes).await,
            OidcError::IdTokenInvalid(IdTokenProblem::TenantMismatch)
        );
    }

    // An administrator changes Alice's address (or someone sets it to another person's):
    // the subject stays, so a caller that binds on (issuer, subject) finds the same person.
    rig.idp
        .update_account(json!({ "sub": "alice-pairwise", "email": "bob@council.example" }))
        .await;
    let changed = rig
        .sign_in("alice-pairwise")
        .await
        .expect("alice signs in again");
    assert_eq!(changed.subject, alice.subject);
    assert_eq!(changed.issuer, alice.issuer);
    assert_eq!(changed.email.as_deref(), Some("bob@council.example"));
    assert_ne!(changed.subject, bob.subject);

    // The provider never saw a reason to complain about us.
    assert!(
        !rig.idp.stderr().contains("server_error"),
        "{}",
        rig.idp.stderr()
    );
}
