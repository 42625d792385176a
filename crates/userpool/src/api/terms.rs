//! Terms documents (`CreateTerms`, `DescribeTerms`, `DescribeTermsByClient`, `ListTerms`,
//! `UpdateTerms`, `DeleteTerms`) and managed-login branding (`CreateManagedLoginBranding`,
//! `DescribeManagedLoginBranding[ByClient]`, `UpdateManagedLoginBranding`,
//! `DeleteManagedLoginBranding`): stored per pool under a generated id, given back as given.

use serde_json::{json, Map, Value};

use super::shapes::{client, pool_config};
use super::stored::{pick, text};
use super::{ApiError, Call, Exception};

fn not_found(what: &str) -> ApiError {
    ApiError::new(
        Exception::ResourceNotFoundException,
        format!("{what} does not exist."),
    )
}

/// The pool and the client of a request (the client must be the pool's).
fn pool_client(call: &Call, req: &Value) -> Result<String, ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    let (p, _) = client(&call.pool, text(req, "ClientId"))?;
    if p.id != pc.id {
        return Err(not_found("User pool client"));
    }
    Ok(pc.id.clone())
}

/// A stored document as its reply: the body with its id, pool and dates.
fn with_dates(d: &crate::store::documents::Document, id_member: &str) -> Value {
    let mut b = d.body.as_object().cloned().unwrap_or_default();
    b.insert(id_member.into(), json!(d.key));
    b.insert("UserPoolId".into(), json!(d.pool_id));
    b.insert("CreationDate".into(), json!(d.created_at));
    b.insert("LastModifiedDate".into(), json!(d.updated_at));
    Value::Object(b)
}

const TERMS: &[&str] = &[
    "ClientId",
    "TermsName",
    "TermsSource",
    "Enforcement",
    "Links",
];

pub(crate) async fn create_terms(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pool_id = pool_client(call, &req)?;
    let store = call.pool.store();
    let clash = store
        .documents(&pool_id, "terms")
        .await?
        .into_iter()
        .any(|d| d.body["ClientId"] == req["ClientId"] && d.body["TermsName"] == req["TermsName"]);
    if clash {
        return Err(ApiError::new(
            Exception::TermsExistsException,
            "Terms of that name already exist for the client.",
        ));
    }
    let mut body = pick(&req, TERMS);
    body.entry("Links").or_insert(json!({}));
    let id = uuid::Uuid::new_v4().to_string();
    store
        .put_document(
            &pool_id,
            "terms",
            &id,
            &Value::Object(body),
            call.pool.now(),
        )
        .await?;
    let d = store
        .document(&pool_id, "terms", &id)
        .await?
        .ok_or_else(|| not_found("Terms"))?;
    Ok(json!({ "Terms": with_dates(&d, "TermsId") }))
}

async fn terms(call: &Call, req: &Value) -> Result<crate::store::documents::Document, ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    call.pool
        .store()
        .document(&pc.id, "terms", text(req, "TermsId"))
        .await?
        .ok_or_else(|| not_found("Terms"))
}

pub(crate) async fn describe_terms(call: &Call, req: Value) -> Result<Value, ApiError> {
    Ok(json!({ "Terms": with_dates(&terms(call, &req).await?, "TermsId") }))
}

pub(crate) async fn describe_terms_by_client(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pool_id = pool_client(call, &req)?;
    let found = call
        .pool
        .store()
        .documents(&pool_id, "terms")
        .await?
        .into_iter()
        .find(|d| d.body["ClientId"] == req["ClientId"] && d.body["TermsName"] == req["TermsName"]);
    let d = found.ok_or_else(|| not_found("Terms"))?;
    Ok(json!({ "Terms": with_dates(&d, "TermsId") }))
}

pub(crate) async fn list_terms(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let all = call.pool.store().documents(&pc.id, "terms").await?;
    let list: Vec<Value> = all
        .iter()
        .map(|d| {
            let full = with_dates(d, "TermsId");
            let keep = [
                "TermsId",
                "TermsName",
                "Enforcement",
                "CreationDate",
                "LastModifiedDate",
            ];
            Value::Object(pick(&full, &keep))
        })
        .collect();
    Ok(json!({ "Terms": list }))
}

pub(crate) async fn update_terms(call: &Call, req: Value) -> Result<Value, ApiError> {
    let d = terms(call, &req).await?;
    let mut body = d.body.as_object().cloned().unwrap_or_default();
    body.extend(pick(
        &req,
        &["TermsName", "TermsSource", "Enforcement", "Links"],
    ));
    let store = call.pool.store();
    store
        .put_document(
            &d.pool_id,
            "terms",
            &d.key,
            &Value::Object(body),
            call.pool.now(),
        )
        .await?;
    let d = store
        .document(&d.pool_id, "terms", &d.key)
        .await?
        .ok_or_else(|| not_found("Terms"))?;
    Ok(json!({ "Terms": with_dates(&d, "TermsId") }))
}

pub(crate) async fn delete_terms(call: &Call, req: Value) -> Result<Value, ApiError> {
    let d = terms(call, &req).await?;
    call.pool
        .store()
        .delete_document(&d.pool_id, "terms", &d.key)
        .await?;
    Ok(json!({}))
}

const BRANDING: &[&str] = &["UseCognitoProvidedValues", "Settings", "Assets"];

/// The branding reply: the stored settings, without the client it is for.
fn branding(d: &crate::store::documents::Document) -> Value {
    let mut b = with_dates(d, "ManagedLoginBrandingId");
    if let Some(o) = b.as_object_mut() {
        o.remove("ClientId");
        o.entry("UseCognitoProvidedValues").or_insert(json!(false));
        o.entry("Assets").or_insert(json!([]));
    }
    json!({ "ManagedLoginBranding": b })
}

pub(crate) async fn create_branding(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pool_id = pool_client(call, &req)?;
    let store = call.pool.store();
    let all = store.documents(&pool_id, "branding").await?;
    if all.iter().any(|d| d.body["ClientId"] == req["ClientId"]) {
        return Err(ApiError::new(
            Exception::ManagedLoginBrandingExistsException,
            "The client already has a managed login branding style.",
        ));
    }
    let mut body: Map<String, Value> = pick(&req, BRANDING);
    body.insert("ClientId".into(), req["ClientId"].clone());
    let id = uuid::Uuid::new_v4().to_string();
    store
        .put_document(
            &pool_id,
            "branding",
            &id,
            &Value::Object(body),
            call.pool.now(),
        )
        .await?;
    let d = store
        .document(&pool_id, "branding", &id)
        .await?
        .ok_or_else(|| not_found("Branding"))?;
    Ok(branding(&d))
}

async fn branding_of(
    call: &Call,
    req: &Value,
) -> Result<crate::store::documents::Document, ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    call.pool
        .store()
        .document(&pc.id, "branding", text(req, "ManagedLoginBrandingId"))
        .await?
        .ok_or_else(|| not_found("Managed login branding"))
}

pub(crate) async fn describe_branding(call: &Call, req: Value) -> Result<Value, ApiError> {
    Ok(branding(&branding_of(call, &req).await?))
}

pub(crate) async fn describe_branding_by_client(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let pool_id = pool_client(call, &req)?;
    let all = call.pool.store().documents(&pool_id, "branding").await?;
    let d = all
        .into_iter()
        .find(|d| d.body["ClientId"] == req["ClientId"])
        .ok_or_else(|| not_found("Managed login branding"))?;
    Ok(branding(&d))
}

pub(crate) async fn update_branding(call: &Call, req: Value) -> Result<Value, ApiError> {
    let d = branding_of(call, &req).await?;
    let mut body = d.body.as_object().cloned().unwrap_or_default();
    body.extend(pick(&req, BRANDING));
    let store = call.pool.store();
    store
        .put_document(
            &d.pool_id,
            "branding",
            &d.key,
            &Value::Object(body),
            call.pool.now(),
        )
        .await?;
    let d = store
        .document(&d.pool_id, "branding", &d.key)
        .await?
        .ok_or_else(|| not_found("Branding"))?;
    Ok(branding(&d))
}

pub(crate) async fn delete_branding(call: &Call, req: Value) -> Result<Value, ApiError> {
    let d = branding_of(call, &req).await?;
    call.pool
        .store()
        .delete_document(&d.pool_id, "branding", &d.key)
        .await?;
    Ok(json!({}))
}
