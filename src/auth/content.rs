//! The principal of a Content API request, and the actions routes declare
//! (`api::article.article.find`). Until content-API tokens exist, an admin session whose role
//! may use the content manager is the only credential accepted.

use crate::AppState;
use crate::admin::roles::actions;
use crate::auth::admin::AdminSession;
use crate::content::schema::ContentType;
use crate::error::{ApiError, ApiResult};
use actix_web::{FromRequest, HttpRequest, web};

/// The five actions of a content type's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentAction {
    Find,
    FindOne,
    Create,
    Update,
    Delete,
}

impl ContentAction {
    pub fn name(self) -> &'static str {
        match self {
            ContentAction::Find => "find",
            ContentAction::FindOne => "findOne",
            ContentAction::Create => "create",
            ContentAction::Update => "update",
            ContentAction::Delete => "delete",
        }
    }
}

/// Who is calling the Content API.
#[derive(Debug)]
pub enum ContentPrincipal {
    Admin(Box<AdminSession>),
}

impl ContentPrincipal {
    /// Authenticates the request: 401 `Missing or invalid credentials` without a credential.
    pub async fn authenticate(
        request: &HttpRequest,
        _state: &web::Data<AppState>,
    ) -> ApiResult<Self> {
        let session = AdminSession::extract(request).await?;
        Ok(ContentPrincipal::Admin(Box::new(session)))
    }

    /// 403 `Forbidden` unless the principal may perform `action` on `content_type`.
    pub fn require(&self, _content_type: &ContentType, action: ContentAction) -> ApiResult<()> {
        match self {
            ContentPrincipal::Admin(session) => session.require(match action {
                ContentAction::Find | ContentAction::FindOne => actions::EXPLORER_READ,
                ContentAction::Create => actions::EXPLORER_CREATE,
                ContentAction::Update => actions::EXPLORER_UPDATE,
                ContentAction::Delete => actions::EXPLORER_DELETE,
            }),
        }
        .map_err(|_: ApiError| ApiError::forbidden())
    }
}
