//! The `/auth` routes: the sign-in page, e-mailed links, sign-out and single sign-on.
//!
//! | route | what it does |
//! | --- | --- |
//! | `GET /auth/sign-in?org=SLUG` | the sign-in page: e-mail field, a button per provider |
//! | `POST /auth/email` (`email`, `org`) | mails a link to an active user; the same answer for anyone |
//! | `GET /auth/email/confirm?token=…` | a page with one "Sign in" button (mail scanners open links) |
//! | `POST /auth/email/confirm` (`token`) | signs in: the `pmf_session` cookie, then the dashboard |
//! | `POST /auth/sign-out` | ends the session, clears the cookie |
//! | `GET /auth/oidc/start?org=SLUG` | single sign-on with the council's provider |
//! | `GET /auth/oidc/callback` | the provider's answer: signs in a known user |
//!
//! Every `POST` here is refused when it comes from another site (`CrossSiteGuard`, mode
//! `Always`) and counted by the per-client-address limit (429 with `Retry-After`).
use std::sync::Arc;

use axum::{
    Form, Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use pmf_core::{Email, Slug};
use pmf_store::sign_in::{LINK_MINUTES, LinkRefusal, NewSession, REQUEST_WINDOW_MINUTES};
use serde::Deserialize;

use super::{
    CrossSiteGuard, GuardMode,
    origin::refuse_cross_site,
    pages::{Page, ProviderButton},
    service::{SignIn, SignInError},
    session_tokens,
};
use crate::execute::AppState;

/// The `/auth` routes, with their guard and rate limit.
pub fn routes(sign_in: &SignIn) -> Router<AppState> {
    let guard = CrossSiteGuard::new(sign_in.origin.clone(), GuardMode::Always);
    let posts = Router::new()
        .route("/auth/email", post(request_link))
        .route("/auth/email/confirm", post(confirm))
        .route("/auth/sign-out", post(sign_out))
        .layer(sign_in.rate.layer())
        .layer(middleware::from_fn_with_state(guard, refuse_cross_site));
    Router::new()
        .route("/auth/sign-in", get(sign_in_page))
        .route("/auth/email/confirm", get(confirm_page))
        .route("/auth/oidc/start", get(oidc_start))
        .route("/auth/oidc/callback", get(oidc_callback))
        .route(
            "/assets/sign-in.css",
            get(|| async { super::pages::style() }),
        )
        .merge(posts)
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// A council's slug from a form or query, when it is one.
fn slug(org: Option<&str>) -> Option<String> {
    org.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| Slug::parse(s).ok())
        .map(|s| s.as_str().to_string())
}

fn internal(e: SignInError) -> Response {
    tracing::error!(error = %e, "sign-in failed");
    Page::problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "We could not sign you in just now. Please try again in a few minutes.".into(),
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
struct SignInQuery {
    org: Option<String>,
    signed_out: Option<String>,
}

async fn sign_in_page(State(state): State<AppState>, Query(q): Query<SignInQuery>) -> Response {
    let org = slug(q.org.as_deref());
    let providers = match state.sign_in.providers(org.as_deref()).await {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    let mut page = Page::form(
        org,
        providers
            .into_iter()
            .map(|(slug, council, name)| ProviderButton {
                slug,
                council,
                name,
            })
            .collect(),
    );
    if q.signed_out.is_some() {
        page.notice = Some("You have signed out.".into());
    }
    page.into_response()
}

#[derive(Debug, Deserialize)]
struct LinkForm {
    #[serde(default)]
    email: String,
    org: Option<String>,
}

/// The same answer whoever the address belongs to; the mail goes after the answer.
async fn request_link(State(state): State<AppState>, Form(form): Form<LinkForm>) -> Response {
    let org = slug(form.org.as_deref());
    let Ok(email) = Email::parse(&form.email) else {
        let mut page = Page::form(org, Vec::new());
        page.status = Some(StatusCode::BAD_REQUEST);
        page.problem = Some("Enter your e-mail address, like name@council.gov.uk.".into());
        page.email = form.email.chars().take(200).collect();
        return page.into_response();
    };
    let sign_in = state.sign_in.clone();
    match sign_in.count_request(email.as_str()).await {
        Ok(true) => {}
        Ok(false) => {
            let mut response = Page::problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-in requests",
                format!(
                    "Too many sign-in links have been asked for this address. Try again in \
                     {REQUEST_WINDOW_MINUTES} minutes."
                ),
            )
            .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(REQUEST_WINDOW_MINUTES as u64 * 60),
            );
            return response;
        }
        Err(e) => return internal(e),
    }
    let to = email.clone();
    tokio::spawn(async move {
        if let Err(e) = sign_in.send_links(&to, org.as_deref()).await {
            tracing::error!(error = %e, "sending a sign-in link failed");
        }
    });
    Page {
        title: "Check your e-mail",
        view: "sent",
        email: email.as_str().to_string(),
        minutes: LINK_MINUTES,
        ..Default::default()
    }
    .into_response()
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
}

/// Opening the link only shows a button: a mail scanner's GET signs nobody in.
async fn confirm_page(Query(q): Query<TokenForm>) -> Response {
    if q.token.trim().is_empty() {
        return Page::problem(
            StatusCode::BAD_REQUEST,
            "This link is incomplete",
            "This sign-in link is incomplete. Open it from the e-mail again, or ask for a new one."
                .into(),
        )
        .into_response();
    }
    Page {
        title: "Sign in",
        view: "confirm",
        token: q.token.trim().chars().take(200).collect(),
        ..Default::default()
    }
    .into_response()
}

/// The session cookie for a new session, and on to the dashboard.
fn signed_in(state: &AppState, new: &NewSession) -> Response {
    let remaining = (new.session.expires_at - state.sign_in.now())
        .to_std()
        .unwrap_or_default();
    let Ok(cookie) = state.sign_in.cookie.set(&new.secret, remaining) else {
        return internal(SignInError::Setup(
            "a session secret is not cookie-safe".into(),
        ));
    };
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    match state
        .sign_in
        .confirm(&form.token, user_agent(&headers))
        .await
    {
        Ok(Ok(new)) => signed_in(&state, &new),
        Ok(Err(refusal)) => {
            let what = match refusal {
                LinkRefusal::Unknown => "This sign-in link is not valid.",
                LinkRefusal::Used => {
                    "This sign-in link has been used already: each link works once."
                }
                LinkRefusal::Expired => "This sign-in link has expired: links work for 15 minutes.",
                LinkRefusal::UserInactive => "Your account is no longer active.",
            };
            Page::problem(
                StatusCode::BAD_REQUEST,
                "This link cannot sign you in",
                format!("{what} Ask for a new one below."),
            )
            .into_response()
        }
        Err(e) => internal(e),
    }
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let secrets = session_tokens(&headers);
    if let Err(e) = state.sign_in.sign_out(&secrets).await {
        return internal(e);
    }
    let mut response = Redirect::to("/auth/sign-in?signed_out=1").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.sign_in.cookie.clear());
    response
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    org: Option<String>,
    login_hint: Option<String>,
}

async fn oidc_start(State(state): State<AppState>, Query(q): Query<StartQuery>) -> Response {
    let Some(org) = slug(q.org.as_deref()) else {
        return Page::problem(
            StatusCode::BAD_REQUEST,
            "Which council?",
            "Single sign-on needs the council: open the sign-in page from your council's link."
                .into(),
        )
        .into_response();
    };
    match state.sign_in.start_sso(&org, q.login_hint.as_deref()).await {
        Ok(Ok(url)) => Redirect::to(url.as_str()).into_response(),
        Ok(Err(refusal)) => sso_problem(refusal.explain(), Some(org)),
        Err(e) => internal(e),
    }
}

fn sso_problem(message: String, org: Option<String>) -> Response {
    let mut page = Page::problem(StatusCode::FORBIDDEN, "You are not signed in", message);
    page.org = org;
    page.into_response()
}

async fn oidc_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(callback): Query<super::Callback>,
) -> Response {
    match state
        .sign_in
        .finish_sso(&callback, user_agent(&headers))
        .await
    {
        Ok(Ok(new)) => signed_in(&state, &new),
        Ok(Err(refusal)) => sso_problem(refusal.explain(), None),
        Err(e) => internal(e),
    }
}

/// The sign-in service of a router's state.
pub type Shared = Arc<SignIn>;
