//! `GET /graphql`: GraphiQL, served by the binary itself from `api/assets/graphiql/`
//! (production builds at pinned versions, see its VERSIONS.md), under the dashboard's
//! Content-Security-Policy: it works with no internet and loads nothing from another origin.
//! Its scripts and styles are at `/graphql/assets/{file}`; anything else there is 404.
use axum::{extract::Path, response::Response};

use crate::dashboard::{not_found, with_headers};

const PAGE: &[u8] = include_bytes!("../assets/graphiql/index.html");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Every file the page may ask for, with its type: nothing else is served.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        JS,
        include_bytes!("../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        CSS,
        include_bytes!("../assets/graphiql/graphiql.min.css"),
    ),
    (
        "graphiql-start.js",
        JS,
        include_bytes!("../assets/graphiql/graphiql-start.js"),
    ),
    (
        "graphiql-page.css",
        CSS,
        include_bytes!("../assets/graphiql/graphiql-page.css"),
    ),
    (
        "react.production.min.js",
        JS,
        include_bytes!("../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JS,
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "THIRD-PARTY-LICENSES.txt",
        TEXT,
        include_bytes!("../assets/graphiql/THIRD-PARTY-LICENSES.txt"),
    ),
    (
        "graphiql.LICENSE.txt",
        TEXT,
        include_bytes!("../assets/graphiql/graphiql.LICENSE.txt"),
    ),
    (
        "react.LICENSE.txt",
        TEXT,
        include_bytes!("../assets/graphiql/react.LICENSE.txt"),
    ),
    (
        "react-dom.LICENSE.txt",
        TEXT,
        include_bytes!("../assets/graphiql/react-dom.LICENSE.txt"),
    ),
];

/// The names of the files served under `/graphql/assets/`, for tests.
pub fn asset_names() -> impl Iterator<Item = (&'static str, &'static str)> {
    ASSETS.iter().map(|(name, kind, _)| (*name, *kind))
}

pub async fn page() -> Response {
    with_headers("text/html; charset=utf-8", PAGE)
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, body)) => with_headers(kind, body),
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_loads_only_files_that_are_served_and_runs_no_inline_script() {
        let page = std::str::from_utf8(super::PAGE).unwrap();
        let mut asked = 0;
        for attribute in ["src=\"", "href=\""] {
            for piece in page.split(attribute).skip(1) {
                let url = piece.split('"').next().unwrap();
                let file = url
                    .strip_prefix("/graphql/assets/")
                    .unwrap_or_else(|| panic!("{url} is not one of ours"));
                assert!(
                    super::asset_names().any(|(name, _)| name == file),
                    "{file} is not served"
                );
                asked += 1;
            }
        }
        assert_eq!(asked, 6);
        assert!(!page.contains("<script>") && !page.contains("style="));
    }
}
