//! The one error path: every failure becomes Strapi's envelope
//! `{"data":null,"error":{"status","name","message","details"}}`.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::{Value, json};
use std::fmt;

/// What a handler returns.
pub type ApiResult<T> = Result<T, ApiError>;

/// An error as the client sees it. Internal causes are logged once, as the answer is sent,
/// never put in the body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub name: &'static str,
    pub message: Box<str>,
    pub details: Value,
    /// What the answer carries besides the body (rare, so boxed: results stay small).
    extra: Option<Box<Extra>>,
}

/// Headers of an answer, and the cause of an internal failure.
#[derive(Debug, Clone, Default)]
struct Extra {
    /// Seconds for the `Retry-After` header.
    retry_after: Option<u64>,
    /// An internal failure: its cause, and the request id the answer and the log line share.
    internal: Option<(String, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            name,
            message: message.into().into_boxed_str(),
            details: json!({}),
            extra: None,
        }
    }

    /// 400 `ApplicationError`: a request that is well formed but cannot be carried out.
    pub fn application(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ApplicationError", message)
    }

    /// 400 `ValidationError` with empty details.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    /// 400 `BadRequestError`: a body or query that cannot be read at all.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequestError", message)
    }

    /// 401 `Missing or invalid credentials`, the answer that tells an attacker nothing.
    pub fn unauthorized() -> Self {
        Self::unauthorized_because("Missing or invalid credentials")
    }

    pub fn unauthorized_because(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UnauthorizedError", message)
    }

    pub fn forbidden() -> Self {
        Self::forbidden_because("Forbidden")
    }

    pub fn forbidden_because(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "ForbiddenError", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }

    pub fn too_many_requests() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RateLimitError",
            "Too many requests, please try again later.",
        )
    }

    /// 429 with `Retry-After` in seconds.
    pub fn too_many_requests_for(seconds: u64) -> Self {
        let mut error = Self::too_many_requests();
        error.extra = Some(Box::new(Extra {
            retry_after: Some(seconds),
            ..Extra::default()
        }));
        error
    }

    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailableError",
            message,
        )
    }

    /// A failure the client cannot fix: logged when answered, with a request id that is also
    /// sent in the `x-request-id` header, so an operator can find the log line from a user's
    /// report.
    pub fn internal(cause: impl fmt::Display) -> Self {
        let request_id = random_request_id();
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Internal Server Error",
        );
        error.details = json!({ "requestId": request_id });
        error.extra = Some(Box::new(Extra {
            internal: Some((cause.to_string(), request_id)),
            ..Extra::default()
        }));
        error
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// The envelope body.
    pub fn body(&self) -> Value {
        json!({
            "data": null,
            "error": {
                "status": self.status.as_u16(),
                "name": self.name,
                "message": self.message,
                "details": self.details,
            }
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.name,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        let extra = self.extra.as_deref();
        if let Some((cause, request_id)) = extra.and_then(|e| e.internal.as_ref()) {
            tracing::error!(request_id = %request_id, error = %cause, "internal error");
            response.insert_header(("x-request-id", request_id.as_str()));
        }
        if let Some(seconds) = extra.and_then(|e| e.retry_after) {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response.json(self.body())
    }
}

/// A session that could not start: the server's fault.
impl From<crate::admin::sessions::SessionError> for ApiError {
    fn from(error: crate::admin::sessions::SessionError) -> Self {
        use crate::admin::sessions::SessionError;
        match error {
            SessionError::Database(e) => ApiError::from(e),
            other => ApiError::internal(other),
        }
    }
}

/// A refused token change: a taken name is Strapi's `ApplicationError`, an expiry that cannot
/// change a `ValidationError`, an unknown token 404.
impl From<crate::tokens::service::TokenError> for ApiError {
    fn from(error: crate::tokens::service::TokenError) -> Self {
        use crate::tokens::service::TokenError;
        match error {
            TokenError::Invalid { field, message } => {
                let mut errors = FieldErrors::default();
                errors.add(field, message);
                errors
                    .into_result()
                    .err()
                    .unwrap_or_else(|| ApiError::validation("Invalid token"))
            }
            TokenError::Permissions(message) => ApiError::validation(message),
            TokenError::NameTaken => ApiError::application(error.to_string()),
            TokenError::ExpiryFixed => ApiError::validation(error.to_string()),
            TokenError::NotFound => ApiError::not_found(error.to_string()),
            TokenError::NoRandomness => ApiError::internal(error),
            TokenError::Database(e) => ApiError::from(e),
        }
    }
}

/// The "beyond your own" refusal of a grant, in the words of Strapi's role check.
fn exceeding(actions: &[String]) -> ApiError {
    ApiError::validation(format!(
        "Cannot assign permissions that exceed your own. Exceeding: {}",
        actions.join(", ")
    ))
}

/// A refused change to an admin user.
impl From<crate::admin::users::ChangeError> for ApiError {
    fn from(error: crate::admin::users::ChangeError) -> Self {
        use crate::admin::users::ChangeError;
        match error {
            ChangeError::NotFound => ApiError::not_found("User not found"),
            ChangeError::LastSuperAdmin => {
                ApiError::application("You must have at least one active super admin")
            }
            ChangeError::SuperAdminOnly => {
                ApiError::forbidden_because("Only a super admin can change or delete a super admin")
            }
            ChangeError::Database(error) => ApiError::from(error),
            ChangeError::Tokens(error) => ApiError::from(error),
        }
    }
}

/// A refused invitation or change of an admin's roles, in Strapi's words.
impl From<crate::admin::users::RolesError> for ApiError {
    fn from(error: crate::admin::users::RolesError) -> Self {
        use crate::admin::users::RolesError;
        match error {
            RolesError::EmailTaken => ApiError::application("Email already taken"),
            RolesError::UnknownRole(id) => ApiError::validation(format!("Unknown role: {id}")),
            RolesError::NotFound => ApiError::not_found("User does not exist"),
            RolesError::Exceeding(actions) => exceeding(&actions),
            RolesError::LastSuperAdmin => {
                ApiError::validation("You must have at least one user with super admin role.")
            }
            RolesError::SuperAdminOnly => {
                ApiError::forbidden_because("Only a super admin can change or delete a super admin")
            }
            RolesError::NoRandomness => {
                ApiError::internal("the operating system gave no randomness")
            }
            RolesError::Database(error) => ApiError::from(error),
        }
    }
}

/// A refused change of a role's permissions.
impl From<crate::admin::roles::SetActionsError> for ApiError {
    fn from(error: crate::admin::roles::SetActionsError) -> Self {
        use crate::admin::roles::SetActionsError;
        match error {
            SetActionsError::NotFound => ApiError::not_found("Role not found"),
            SetActionsError::SuperAdmin => {
                ApiError::application("Super admin permissions can't be edited.")
            }
            SetActionsError::Exceeding(actions) => exceeding(&actions),
            SetActionsError::Database(error) => ApiError::from(error),
        }
    }
}

/// A refused content write: field errors as a `ValidationError` with their paths, a missing
/// document as 404.
impl From<crate::content::store::WriteError> for ApiError {
    fn from(error: crate::content::store::WriteError) -> Self {
        use crate::content::store::WriteError;
        match error {
            WriteError::UnknownKey(key) => ApiError::validation(format!("Invalid key {key}"))
                .with_details(json!({"key": key, "path": null, "source": "body"})),
            WriteError::KeyAt { key, path } => {
                let message = if key == path {
                    format!("Invalid key {key}")
                } else {
                    format!("Invalid key {key} at {path}")
                };
                ApiError::validation(message)
                    .with_details(json!({"key": key, "path": path, "source": "body"}))
            }
            WriteError::Relation(message) => ApiError::validation(message),
            WriteError::Relations { message, value } => ApiError::validation(message.clone())
                .with_details(json!({"errors": [{
                    "path": [],
                    "message": message,
                    "name": "ValidationError",
                    "value": value,
                }]})),
            WriteError::Invalid(problems) => {
                let mut errors = FieldErrors::default();
                for problem in problems {
                    match problem.value {
                        Some(value) => errors.add_value(&problem.path, problem.message, value),
                        None => errors.add(&problem.path, problem.message),
                    }
                }
                errors
                    .into_result()
                    .err()
                    .unwrap_or_else(|| ApiError::validation("Invalid data"))
            }
            WriteError::Format(message) => ApiError::validation(message),
            WriteError::NotFound => ApiError::not_found("Not Found"),
            WriteError::Database(e) => ApiError::from(e),
        }
    }
}

/// A query that cannot be run: 400 with its name and message and, for an unknown key, Strapi's
/// `details` `{key, path, source: "query", param}`. The one mapping of REST, GraphQL and the
/// content manager.
impl From<crate::content::query::QueryError> for ApiError {
    fn from(error: crate::content::query::QueryError) -> Self {
        let details = match &error.key {
            Some(invalid) => json!({
                "key": invalid.key,
                "path": invalid.path,
                "source": "query",
                "param": invalid.param,
            }),
            None => json!({}),
        };
        ApiError::new(StatusCode::BAD_REQUEST, error.name, error.message).with_details(details)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => ApiError::not_found("Not Found"),
            other => ApiError::internal(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %error, "no database connection available");
        ApiError::service_unavailable("The database is not answering")
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::internal(format!("blocking task failed: {error}"))
    }
}

/// A collector for field errors, giving yup's shape: `details.errors[{path, message, name}]`
/// and, as Strapi does, the first message as the summary (or `N errors occurred`).
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<Value>);

impl FieldErrors {
    pub fn add(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(json!({
            "path": path.split('.').filter(|part| !part.is_empty()).collect::<Vec<_>>(),
            "message": message.into(),
            "name": "ValidationError",
        }));
    }

    /// The errors of a nested object, under `prefix`, as yup reports them: the path starts with
    /// it and so does the message (`userInfo.password must be …`).
    pub fn nest(&mut self, prefix: &str, inner: FieldErrors) {
        for mut error in inner.0 {
            if let Some(path) = error["path"].as_array_mut() {
                path.insert(0, json!(prefix));
            }
            let message = format!("{prefix}.{}", error["message"].as_str().unwrap_or_default());
            error["message"] = json!(message);
            self.0.push(error);
        }
    }

    /// A field error with the value given, as Strapi (yup) reports it: `{path, message, name,
    /// value}`.
    pub fn add_value(&mut self, path: &str, message: impl Into<String>, value: Value) {
        self.add(path, message);
        if let Some(Value::Object(error)) = self.0.last_mut() {
            error.insert("value".into(), value);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was added, else the 400 `ValidationError`.
    pub fn into_result(self) -> ApiResult<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let message = match self.0.as_slice() {
            [only] => only["message"].as_str().unwrap_or_default().to_string(),
            many => format!("{} errors occurred", many.len()),
        };
        Err(ApiError::validation(message).with_details(json!({ "errors": self.0 })))
    }
}

/// The error name Strapi (through `http-errors`) gives a bare status code.
fn name_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BadRequestError",
        401 => "UnauthorizedError",
        403 => "ForbiddenError",
        404 => "NotFoundError",
        405 => "MethodNotAllowedError",
        408 => "RequestTimeoutError",
        411 => "LengthRequiredError",
        413 => "PayloadTooLargeError",
        414 => "URITooLongError",
        415 => "UnsupportedMediaTypeError",
        429 => "RateLimitError",
        431 => "RequestHeaderFieldsTooLargeError",
        503 => "ServiceUnavailableError",
        _ if status.is_client_error() => "BadRequestError",
        _ => "InternalServerError",
    }
}

/// Middleware hook: an error response that is not already our JSON envelope (actix's own 404,
/// 405, 413 …) is replaced by the envelope for its status.
pub fn envelope_fallback<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = response
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    let message = status.canonical_reason().unwrap_or("Error");
    let error = if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        ApiError::internal(format!("unhandled {status} response"))
    } else {
        ApiError::new(status, name_for_status(status), message)
    };
    let (request, old) = response.into_parts();
    let mut new = error.error_response();
    // Keep headers such as `Allow` on a 405.
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    new.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, new.map_into_boxed_body()).map_into_right_body(),
    ))
}

/// The handler for requests that match no route.
pub async fn not_found(_request: HttpRequest) -> HttpResponse {
    ApiError::not_found("Not Found").error_response()
}

/// Turns the errors of actix's body extractors into the envelope.
pub fn json_error(error: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api_error = match &error {
        E::OverflowKnownLength { .. } | E::Overflow { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError",
            "Payload too large",
        ),
        E::ContentType => {
            ApiError::bad_request("Expected a JSON body (Content-Type: application/json)")
        }
        E::Deserialize(_) => ApiError::bad_request("The body is not valid JSON"),
        E::Payload(_) => ApiError::bad_request("The body could not be read"),
        _ => ApiError::bad_request("The body could not be read"),
    };
    api_error.into()
}

fn random_request_id() -> String {
    let mut bytes = [0u8; 8];
    // Randomness failing here only makes ids collide; the error itself is still reported.
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_error_body_hides_the_cause() {
        let error = ApiError::internal("connection to 10.0.0.5 refused: password=hunter2");
        let body = error.body().to_string();
        assert!(
            !body.contains("hunter2") && !body.contains("10.0.0.5"),
            "{body}"
        );
        assert_eq!(error.body()["error"]["name"], "InternalServerError");
        assert_eq!(error.body()["error"]["status"], 500);
        let response = error.error_response();
        let id = response
            .headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(error.details["requestId"], id);
    }

    #[test]
    fn field_errors_summarise_like_yup() {
        let mut errors = FieldErrors::default();
        errors.add("name", "name is a required field");
        let one = errors.into_result().unwrap_err();
        assert_eq!(&*one.message, "name is a required field");
        assert_eq!(one.details["errors"][0]["path"], json!(["name"]));
        let mut errors = FieldErrors::default();
        errors.add("a", "x");
        errors.add("b", "y");
        assert_eq!(
            &*errors.into_result().unwrap_err().message,
            "2 errors occurred"
        );
    }
}
