//! The sign-in pages, rendered by minijinja from `templates/sign_in/page.html` (HTML escaped
//! by default), served under the dashboard's Content-Security-Policy: no script at all.
use std::sync::OnceLock;

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use minijinja::{Environment, context};
use serde::Serialize;

const PAGE: &str = include_str!("../../templates/sign_in/page.html");
pub const STYLE: &str = include_str!("../../assets/sign-in.css");

/// No scripts, styles only from this server, forms only to this server.
const POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template("page.html", PAGE)
            .expect("the sign-in page template parses (checked by the tests)");
        env
    })
}

/// A button for one council's provider.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderButton {
    pub slug: String,
    pub council: String,
    pub name: String,
}

/// One of the sign-in pages.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub status: Option<StatusCode>,
    pub title: &'static str,
    pub view: &'static str,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub email: String,
    pub org: Option<String>,
    pub token: String,
    pub providers: Vec<ProviderButton>,
    pub minutes: i64,
}

impl Page {
    /// The sign-in form.
    pub fn form(org: Option<String>, providers: Vec<ProviderButton>) -> Self {
        Self {
            title: "Sign in",
            view: "form",
            org,
            providers,
            ..Default::default()
        }
    }

    /// A page that says what went wrong, with a way back.
    pub fn problem(status: StatusCode, title: &'static str, problem: String) -> Self {
        Self {
            status: Some(status),
            title,
            view: "problem",
            problem: Some(problem),
            ..Default::default()
        }
    }

    pub fn render(&self) -> Result<String, minijinja::Error> {
        let councils: std::collections::BTreeSet<&str> =
            self.providers.iter().map(|p| p.slug.as_str()).collect();
        environment().get_template("page.html")?.render(context! {
            title => self.title,
            view => self.view,
            notice => &self.notice,
            problem => &self.problem,
            email => &self.email,
            org => &self.org,
            token => &self.token,
            providers => minijinja::value::Serde(&self.providers),
            many_councils => councils.len() > 1,
            minutes => self.minutes,
        })
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = match self.render() {
            Ok(html) => (
                self.status.unwrap_or(StatusCode::OK),
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "the sign-in page did not render");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.\n").into_response()
            }
        };
        crate::dashboard::security_headers(&mut response, POLICY, "no-store");
        response
    }
}

/// `GET /assets/sign-in.css`.
pub fn style() -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response();
    crate::dashboard::security_headers(&mut response, POLICY, "no-cache");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_renders_and_escapes() {
        let mut page = Page::form(
            Some("demo".into()),
            vec![ProviderButton {
                slug: "demo".into(),
                council: "Demo".into(),
                name: "Microsoft".into(),
            }],
        );
        let html = page.render().unwrap();
        assert!(html.contains(r#"action="/auth/email""#), "{html}");
        assert!(
            html.contains(r#"href="/auth/oidc/start?org=demo""#),
            "{html}"
        );
        assert!(html.contains("Sign in with Microsoft<"), "{html}");
        assert!(
            html.contains("Use an API token (scripts, kiosks)"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        page.view = "sent";
        page.email = "<b>x@y.example</b>".into();
        let html = page.render().unwrap();
        assert!(html.contains("&lt;b&gt;x@y.example&lt;"), "{html}");
        assert!(!html.contains("<b>x@"), "{html}");
        page.view = "confirm";
        page.token = "pmf_abc".into();
        let html = page.render().unwrap();
        assert!(html.contains(r#"name="token" value="pmf_abc""#), "{html}");
        assert!(html.contains(">Sign in</button>"), "{html}");
        let html = Page::problem(StatusCode::BAD_REQUEST, "Link used", "used <once>".into())
            .render()
            .unwrap();
        assert!(html.contains("used &lt;once&gt;"), "{html}");
    }
}
