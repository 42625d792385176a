//! User import jobs: `GetCSVHeader`, `CreateUserImportJob` (its `PreSignedUrl` is this
//! server's `PUT /_import/{job}?token=…`, where the CSV goes, as to S3), `StartUserImportJob`
//! (the CSV's users are made: confirmed, with an unusable random password, so that each one
//! sets theirs through `ForgotPassword`, as Cognito's imported users must),
//! `DescribeUserImportJob`, `ListUserImportJobs`, `StopUserImportJob`.

use std::collections::BTreeMap;

use rand::distributions::{Alphanumeric, DistString};
use serde_json::{json, Map, Value};

use super::shapes::pool_config;
use super::stored::text;
use super::{ApiError, Call, Exception};
use crate::store::documents::Document;

pub(crate) const KIND: &str = "import_job";

/// Cognito's header for a pool's CSV (its standard attributes, then the two of its own).
const HEADER: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "cognito:mfa_enabled",
    "cognito:username",
];

pub(crate) async fn get_csv_header(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    Ok(json!({ "UserPoolId": pc.id, "CSVHeader": HEADER }))
}

/// A job as Cognito shows it: the stored fields without the upload's token and CSV.
fn job(d: &Document) -> Value {
    let mut j: Map<String, Value> = d.body.as_object().cloned().unwrap_or_default();
    j.remove("Csv");
    j.remove("UploadToken");
    j.insert("JobId".into(), json!(d.key));
    j.insert("UserPoolId".into(), json!(d.pool_id));
    j.insert("CreationDate".into(), json!(d.created_at));
    Value::Object(j)
}

pub(crate) async fn create_job(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let id = format!(
        "import-{}",
        Alphanumeric.sample_string(&mut rand::rngs::OsRng, 10)
    );
    let token = Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32);
    let url = format!("{}/_import/{id}?token={token}", call.pool.base());
    let body = json!({
        "JobName": req["JobName"], "CloudWatchLogsRoleArn": req["CloudWatchLogsRoleArn"],
        "PreSignedUrl": url, "UploadToken": token, "Status": "Created",
        "ImportedUsers": 0, "SkippedUsers": 0, "FailedUsers": 0,
    });
    let store = call.pool.store();
    store
        .put_document(&pc.id, KIND, &id, &body, call.pool.now())
        .await?;
    let d = store
        .document(&pc.id, KIND, &id)
        .await?
        .ok_or_else(not_found)?;
    Ok(json!({ "UserImportJob": job(&d) }))
}

fn not_found() -> ApiError {
    ApiError::new(
        Exception::ResourceNotFoundException,
        "Import job not found.",
    )
}

async fn existing(call: &Call, req: &Value) -> Result<Document, ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    let d = call
        .pool
        .store()
        .document(&pc.id, KIND, text(req, "JobId"))
        .await?;
    d.ok_or_else(not_found)
}

pub(crate) async fn describe_job(call: &Call, req: Value) -> Result<Value, ApiError> {
    Ok(json!({ "UserImportJob": job(&existing(call, &req).await?) }))
}

pub(crate) async fn list_jobs(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let max = req["MaxResults"].as_u64().unwrap_or(60) as usize;
    let start = req["PaginationToken"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0usize);
    let all = call.pool.store().documents(&pc.id, KIND).await?;
    let page: Vec<Value> = all.iter().skip(start).take(max).map(job).collect();
    let mut out = json!({ "UserImportJobs": page });
    if start + max < all.len() {
        out["PaginationToken"] = json!((start + max).to_string());
    }
    Ok(out)
}

/// Saves a job's new fields (its creation time kept).
async fn update(call: &Call, d: &Document, fields: Value) -> Result<Document, ApiError> {
    let mut body = d.body.as_object().cloned().unwrap_or_default();
    body.extend(fields.as_object().cloned().unwrap_or_default());
    let store = call.pool.store();
    store
        .put_document(
            &d.pool_id,
            KIND,
            &d.key,
            &Value::Object(body),
            call.pool.now(),
        )
        .await?;
    store
        .document(&d.pool_id, KIND, &d.key)
        .await?
        .ok_or_else(not_found)
}

pub(crate) async fn stop_job(call: &Call, req: Value) -> Result<Value, ApiError> {
    let d = existing(call, &req).await?;
    if !matches!(
        d.body["Status"].as_str(),
        Some("Created" | "Pending" | "InProgress")
    ) {
        return Err(ApiError::new(
            Exception::PreconditionNotMetException,
            "The import job is not running.",
        ));
    }
    let now = call.pool.now();
    let d = update(
        call,
        &d,
        json!({ "Status": "Stopped", "CompletionDate": now }),
    )
    .await?;
    Ok(json!({ "UserImportJob": job(&d) }))
}

pub(crate) async fn start_job(call: &Call, req: Value) -> Result<Value, ApiError> {
    let d = existing(call, &req).await?;
    if d.body["Status"] != "Created" {
        return Err(ApiError::new(
            Exception::PreconditionNotMetException,
            "The import job has already started.",
        ));
    }
    let now = call.pool.now();
    let Some(csv) = d.body["Csv"].as_str().map(str::to_string) else {
        let fields = json!({ "Status": "Failed", "StartDate": now, "CompletionDate": now,
            "CompletionMessage": "No CSV file was uploaded to the job's PreSignedUrl." });
        return Ok(json!({ "UserImportJob": job(&update(call, &d, fields).await?) }));
    };
    let (imported, skipped, failed) = import(call, &d.pool_id, &csv).await?;
    let fields = json!({
        "Status": "Succeeded", "StartDate": now, "CompletionDate": now,
        "ImportedUsers": imported, "SkippedUsers": skipped, "FailedUsers": failed,
        "CompletionMessage": "Import Job Completed Successfully.",
    });
    Ok(json!({ "UserImportJob": job(&update(call, &d, fields).await?) }))
}

/// Makes the CSV's users: `(imported, skipped, failed)`. A row without an e-mail, or whose
/// e-mail has an account, fails; an empty row is skipped.
async fn import(call: &Call, pool_id: &str, csv: &str) -> Result<(i64, i64, i64), ApiError> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .collect();
    let (mut imported, mut skipped, mut failed) = (0, 0, 0);
    for line in lines {
        if line.trim().is_empty() {
            skipped += 1;
            continue;
        }
        let row: BTreeMap<&str, &str> = header
            .iter()
            .copied()
            .zip(line.split(',').map(str::trim))
            .collect();
        let email = row.get("email").copied().unwrap_or_default();
        let attributes: BTreeMap<String, String> = row
            .iter()
            .filter(|(k, v)| !v.is_empty() && !k.starts_with("cognito:"))
            .filter(|(k, _)| !matches!(**k, "email" | "email_verified"))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let user = crate::admin::NewUser {
            email: email.to_string(),
            // Unusable: the imported user sets a password through ForgotPassword.
            password: format!(
                "Aa1!{}",
                Alphanumeric.sample_string(&mut rand::rngs::OsRng, 40)
            ),
            attributes,
            confirmed: true,
        };
        match call.pool.add_user(pool_id, user).await {
            Ok(_) => imported += 1,
            Err(_) => failed += 1,
        }
    }
    Ok((imported, skipped, failed))
}
