//! `/api/v1`: JSON for integrations, every endpoint behind a bearer token
//! (`ticketbot api-token create NAME`). Tickets newest first, a page at a
//! time with an opaque `next_page`; a ticket; its messages; a period's
//! figures; the OpenAPI 3 document at `/openapi.json`. Errors are problem
//! details (`web::problem`).

mod auth;
mod json;
mod stats;
mod tickets;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::WebState;

/// The OpenAPI 3 document, from the handlers' `#[utoipa::path]` and the
/// types of `json`: what the tests check the server against.
#[derive(OpenApi)]
#[openapi(
    info(title = "ticketbot", description = "The support desk's tickets, messages and figures."),
    servers((url = "/api/v1")),
    paths(
        tickets::list,
        tickets::one,
        tickets::messages,
        tickets::reply,
        tickets::close,
        tickets::reopen,
        stats::period
    ),
    modifiers(&Bearer)
)]
struct Document;

/// The `bearer` scheme every path requires.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        openapi.components.get_or_insert_with(Default::default).add_security_scheme("bearer", scheme);
    }
}

/// `GET /openapi.json`.
async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(Document::openapi())
}

pub fn routes(state: WebState) -> Router<WebState> {
    Router::new()
        .route("/tickets", get(tickets::list))
        .route("/tickets/{id}", get(tickets::one))
        .route("/tickets/{id}/messages", get(tickets::messages).post(tickets::reply))
        .route("/tickets/{id}/close", post(tickets::close))
        .route("/tickets/{id}/reopen", post(tickets::reopen))
        .route("/stats", get(stats::period))
        .route("/openapi.json", get(document))
        .fallback(|| async { super::problem::Problem::not_found("no such endpoint under /api/v1") })
        .method_not_allowed_fallback(|| async {
            super::problem::Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "this endpoint does not take that method (see /api/v1/openapi.json)",
            )
        })
        .layer(middleware::from_fn_with_state(state, auth::bearer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_every_path_behind_the_bearer_scheme() {
        let doc = serde_json::to_value(Document::openapi()).unwrap();
        let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
        assert_eq!(
            paths,
            [
                "/stats",
                "/tickets",
                "/tickets/{id}",
                "/tickets/{id}/close",
                "/tickets/{id}/messages",
                "/tickets/{id}/reopen"
            ]
        );
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                assert_eq!(operation["security"][0]["bearer"], serde_json::json!([]), "{method} {path}");
                assert!(operation["responses"]["401"].is_object(), "{method} {path}");
            }
        }
    }
}
