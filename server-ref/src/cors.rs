//! CORS for browsers: which web origins may call the HTTP APIs (`--cors-origin`).
//!
//! WebSocket upgrades are not subject to CORS; they authenticate with the token in the URL.

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The CORS layer for `origins` (`*` = any origin); `None` when the list is empty.
pub fn layer(origins: &[String]) -> Result<Option<CorsLayer>, String> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let list = origins
            .iter()
            .map(|o| {
                let o = o.trim_end_matches('/');
                if !(o.starts_with("http://") || o.starts_with("https://")) {
                    return Err(format!(
                        "--cors-origin {o}: give a scheme and host, e.g. https://chat.example.com"
                    ));
                }
                HeaderValue::from_str(o)
                    .map_err(|_| format!("--cors-origin {o}: not a valid origin"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(list)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            // Not X-Notify-Key: notifications come from the app's backend, never a page.
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(std::time::Duration::from_secs(600)),
    ))
}
