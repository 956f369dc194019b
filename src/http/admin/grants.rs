//! Admin permissions as Strapi writes them (`{action, subject, properties, conditions}`), read
//! and shown the same way for roles, admin tokens and the caller's own.

use crate::admin::roles::{self, Action};
use crate::error::{ApiError, ApiResult, FieldErrors};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Admin actions as Strapi's permission objects, with the `admin::is-creator` condition where
/// it applies.
pub(super) fn admin_permissions_json(grants: &roles::Grants) -> Value {
    grants
        .actions
        .iter()
        .map(|action| {
            let conditions: &[&str] = if grants.own_only.contains(action) {
                &[roles::IS_CREATOR]
            } else {
                &[]
            };
            json!({"action": action, "subject": null, "properties": {}, "conditions": conditions})
        })
        .collect()
}

/// A list of admin actions (`adminPermissions`, a role's `permissions`), as names or as Strapi's
/// `{action, subject, conditions, …}` objects; every one must be a known admin action, and the
/// only condition known is `admin::is-creator`. Each action with whether it is granted on own
/// creations only; `None` when absent.
pub(super) fn admin_grants_field(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> ApiResult<Option<BTreeMap<String, bool>>> {
    let items = match body.get(key) {
        None => return Ok(None),
        Some(Value::Null) => return Ok(Some(BTreeMap::new())),
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.add(key, format!("{key} must be an array"));
            return Ok(None);
        }
    };
    let mut asked = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let (action, conditions) = match item {
            Value::String(action) => (action.as_str(), None),
            Value::Object(fields) => match fields.get("action").and_then(Value::as_str) {
                Some(action) => (action, fields.get("conditions")),
                None => {
                    errors.add(
                        &format!("{key}.{index}.action"),
                        "action is a required field",
                    );
                    continue;
                }
            },
            _ => {
                errors.add(
                    &format!("{key}.{index}"),
                    "must be an action name or a permission object",
                );
                continue;
            }
        };
        if Action::parse(action).is_none() {
            return Err(ApiError::validation(format!(
                "Unknown admin action: {action}"
            )));
        }
        let own_only = match conditions {
            None | Some(Value::Null) => false,
            Some(Value::Array(conditions)) => {
                let mut own_only = false;
                for condition in conditions {
                    match condition.as_str() {
                        Some(roles::IS_CREATOR) => own_only = true,
                        _ => {
                            return Err(ApiError::validation(format!(
                                "Unknown condition: {condition}"
                            )));
                        }
                    }
                }
                own_only
            }
            Some(_) => {
                errors.add(
                    &format!("{key}.{index}.conditions"),
                    "conditions must be an array",
                );
                continue;
            }
        };
        asked.insert(action.to_string(), own_only);
    }
    Ok(Some(asked))
}

/// `admin_grants_field`'s actions alone (a token's permissions carry no condition: it acts
/// within its owner's, conditions included).
pub(super) fn admin_actions_field(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> ApiResult<Option<BTreeSet<String>>> {
    Ok(admin_grants_field(body, key, errors)?.map(|asked| asked.into_keys().collect()))
}
