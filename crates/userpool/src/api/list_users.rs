//! `ListUsers`: every user of a pool, by e-mail, with Cognito's `Filter`
//! (`attribute = "value"` or `attribute ^= "prefix"`), `Limit` (1 to 60), `PaginationToken`
//! and `AttributesToGet`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::shapes::{pool_config, status_of, UserType};
use super::{ApiError, Call, Exception};
use crate::store::UserRow;

/// Cognito's largest (and default) page.
const MAX_LIMIT: usize = 60;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListUsersRequest {
    user_pool_id: String,
    attributes_to_get: Option<Vec<String>>,
    limit: Option<i64>,
    pagination_token: Option<String>,
    filter: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListUsersResponse {
    users: Vec<UserType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pagination_token: Option<String>,
}

/// A parsed `Filter`.
#[derive(Debug, PartialEq, Eq)]
struct Filter {
    attribute: String,
    prefix: bool,
    value: String,
}

fn invalid(m: &str) -> ApiError {
    ApiError::new(Exception::InvalidParameterException, m)
}

/// The attributes Cognito lets `ListUsers` filter on.
const FILTERABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

/// `name = "value"` or `name ^= "value"`; inside the quotes, `\"` is a quote.
fn parse_filter(text: &str) -> Result<Option<Filter>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || invalid("Error while parsing filter.");
    let (attribute, rest, prefix) = if let Some((a, r)) = text.split_once("^=") {
        (a, r, true)
    } else if let Some((a, r)) = text.split_once('=') {
        (a, r, false)
    } else {
        return Err(bad());
    };
    let attribute = attribute.trim();
    let quoted = rest.trim();
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .ok_or_else(bad)?;
    let value = inner.replace("\\\"", "\"");
    if !FILTERABLE.contains(&attribute) {
        return Err(invalid("Invalid search attribute"));
    }
    Ok(Some(Filter {
        attribute: attribute.to_string(),
        prefix,
        value,
    }))
}

/// The value a filter compares for a user.
fn filter_value(user: &UserRow, attribute: &str) -> Option<String> {
    match attribute {
        "username" => Some(user.username().to_string()),
        "sub" => Some(user.sub.clone()),
        "email" => user.email_address().map(String::from),
        "cognito:user_status" => Some(status_of(user).to_string()),
        "status" => Some(if user.enabled { "Enabled" } else { "Disabled" }.to_string()),
        other => user.attributes.get(other).cloned(),
    }
}

fn matches(user: &UserRow, filter: &Filter) -> bool {
    let Some(v) = filter_value(user, &filter.attribute) else {
        return false;
    };
    // Cognito compares case-insensitively for most attributes; e-mail is case-insensitive here.
    let (v, want) = (v.to_lowercase(), filter.value.to_lowercase());
    if filter.prefix {
        v.starts_with(&want)
    } else {
        v == want
    }
}

/// One page of `all`: from the offset in `token` (none: the start), at most `limit` items
/// (1 to 60; none or 0: 60), and the token of the next page, if any. For the list operations
/// that page (`ListUsersInGroup`, `ListUserPoolClients`).
pub(crate) fn paginate<T>(
    all: Vec<T>,
    limit: Option<i64>,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit = match limit {
        None | Some(0) => MAX_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(_) => return Err(invalid("The limit must be between 0 and 60.")),
    };
    let start = token.map(decode_token).transpose()?.unwrap_or(0);
    let len = all.len();
    let page: Vec<T> = all.into_iter().skip(start).take(limit).collect();
    let next = start.saturating_add(page.len());
    Ok((page, (next < len).then(|| encode_token(next))))
}

fn encode_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_token(token: &str) -> Result<usize, ApiError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| invalid("Invalid pagination token."))
}

pub(crate) async fn list_users(
    call: &Call,
    req: ListUsersRequest,
) -> Result<ListUsersResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let limit = match req.limit {
        None => MAX_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(_) => {
            return Err(invalid(
                "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
            ))
        }
    };
    let filter = parse_filter(req.filter.as_deref().unwrap_or(""))?;
    let start = req
        .pagination_token
        .as_deref()
        .map(decode_token)
        .transpose()?
        .unwrap_or(0);
    let all: Vec<UserRow> = call
        .pool
        .store()
        .users(&pc.id)
        .await?
        .into_iter()
        .filter(|u| filter.as_ref().is_none_or(|f| matches(u, f)))
        .collect();
    let page: Vec<UserType> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|u| {
            let mut t = UserType::of(u);
            if let Some(wanted) = &req.attributes_to_get {
                t.attributes.retain(|a| wanted.contains(&a.name));
            }
            t
        })
        .collect();
    let next = start + page.len();
    Ok(ListUsersResponse {
        users: page,
        pagination_token: (next < all.len()).then(|| encode_token(next)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_as_cognito_writes_them() {
        let f = parse_filter(r#"email ^= "al""#).unwrap().unwrap();
        assert_eq!(
            (f.attribute.as_str(), f.prefix, f.value.as_str()),
            ("email", true, "al")
        );
        let f = parse_filter(r#"name = "say \"hi\"""#).unwrap().unwrap();
        assert_eq!((f.prefix, f.value.as_str()), (false, "say \"hi\""));
        assert!(parse_filter("").unwrap().is_none());
        for bad in [r#"email "x""#, r#"email = x"#, r#"password = "x""#] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pagination_tokens_round_trip_and_bad_ones_are_refused() {
        assert_eq!(decode_token(&encode_token(42)).unwrap(), 42);
        assert!(decode_token("garbage!").is_err());
    }
}
