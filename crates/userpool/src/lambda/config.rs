//! A pool's `LambdaConfig`: which function runs each trigger. The same type is the seed
//! file's `[pools.lambda_config]` (snake_case keys) and the JSON API's `LambdaConfig`
//! (Cognito's PascalCase names), so what `CreateUserPool` stores is what `DescribeUserPool`
//! answers.

use serde::{Deserialize, Serialize};

/// Cognito's `LambdaConfigType`. Each function is a Lambda ARN (run through the Lambda Invoke
/// API at the pool's `--lambda-endpoint`; the function name is the ARN's last part) or an
/// `http(s)://` URL (the event is posted there and the reply read back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaConfig {
    /// Pre sign-up.
    #[serde(rename = "PreSignUp", alias = "pre_sign_up", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_sign_up: Option<String>,
    /// Custom message.
    #[serde(rename = "CustomMessage", alias = "custom_message", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<String>,
    /// Post confirmation.
    #[serde(rename = "PostConfirmation", alias = "post_confirmation", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_confirmation: Option<String>,
    /// Pre authentication.
    #[serde(rename = "PreAuthentication", alias = "pre_authentication", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_authentication: Option<String>,
    /// Post authentication.
    #[serde(rename = "PostAuthentication", alias = "post_authentication", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_authentication: Option<String>,
    /// Define auth challenge (`CUSTOM_AUTH`).
    #[serde(
        rename = "DefineAuthChallenge",
        alias = "define_auth_challenge",
        default
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub define_auth_challenge: Option<String>,
    /// Create auth challenge (`CUSTOM_AUTH`).
    #[serde(
        rename = "CreateAuthChallenge",
        alias = "create_auth_challenge",
        default
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_auth_challenge: Option<String>,
    /// Verify auth challenge response (`CUSTOM_AUTH`).
    #[serde(
        rename = "VerifyAuthChallengeResponse",
        alias = "verify_auth_challenge_response",
        default
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_auth_challenge_response: Option<String>,
    /// Pre token generation, event version 1 (or the version in `pre_token_generation_config`).
    #[serde(rename = "PreTokenGeneration", alias = "pre_token_generation", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_token_generation: Option<String>,
    /// Pre token generation with its event version.
    #[serde(
        rename = "PreTokenGenerationConfig",
        alias = "pre_token_generation_config",
        default
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_token_generation_config: Option<VersionedTrigger>,
    /// User migration.
    #[serde(rename = "UserMigration", alias = "user_migration", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_migration: Option<String>,
    /// Custom SMS sender (the pool sends no SMS; kept and described only).
    #[serde(rename = "CustomSMSSender", alias = "custom_sms_sender", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_sms_sender: Option<VersionedTrigger>,
    /// Custom e-mail sender: gets every code instead of the outbox's e-mail.
    #[serde(rename = "CustomEmailSender", alias = "custom_email_sender", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_email_sender: Option<VersionedTrigger>,
    /// Accepted and described; codes are passed to the sender functions in clear.
    #[serde(rename = "KMSKeyID", alias = "kms_key_id", default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

/// `PreTokenGenerationConfig`, `CustomEmailSender`, `CustomSMSSender`: a function and the
/// version of the event it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VersionedTrigger {
    /// `V1_0`, `V2_0` or `V3_0` (pre token generation); `V1_0` (senders).
    #[serde(rename = "LambdaVersion", alias = "lambda_version")]
    pub lambda_version: String,
    /// The function.
    #[serde(rename = "LambdaArn", alias = "lambda_arn")]
    pub lambda_arn: String,
}

/// Where a trigger's function is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// By the Lambda Invoke API: the function name, and the qualifier (version or alias).
    Lambda {
        name: &'a str,
        qualifier: Option<&'a str>,
    },
    /// A plain URL.
    Url(&'a str),
}

/// How a configured function is reached, or why it cannot be.
pub(crate) fn target(function: &str) -> Result<Target<'_>, String> {
    if function.starts_with("http://") || function.starts_with("https://") {
        return url::Url::parse(function)
            .map(|_| Target::Url(function))
            .map_err(|e| format!("{function:?} is not a valid URL: {e}"));
    }
    // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    let parts: Vec<&str> = function.split(':').collect();
    let ok_name = |s: &str| {
        !s.is_empty()
            && s.len() <= 140
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] if ok_name(name) => Ok(Target::Lambda {
            name,
            qualifier: None,
        }),
        ["arn", _, "lambda", _, _, "function", name, q] if ok_name(name) && ok_name(q) => {
            Ok(Target::Lambda {
                name,
                qualifier: Some(q),
            })
        }
        _ => Err(format!(
            "{function:?} is neither a Lambda function ARN \
             (arn:aws:lambda:REGION:ACCOUNT:function:NAME) nor an http(s) URL"
        )),
    }
}

impl LambdaConfig {
    /// Checks every function and version; Cognito's rule that `PreTokenGeneration` and
    /// `PreTokenGenerationConfig.LambdaArn` name the same function is applied by filling the
    /// one left out.
    pub(crate) fn normalise(mut self) -> Result<LambdaConfig, String> {
        match (
            &self.pre_token_generation,
            &self.pre_token_generation_config,
        ) {
            (Some(arn), None) => {
                self.pre_token_generation_config = Some(VersionedTrigger {
                    lambda_version: "V1_0".into(),
                    lambda_arn: arn.clone(),
                })
            }
            (None, Some(c)) => self.pre_token_generation = Some(c.lambda_arn.clone()),
            (Some(a), Some(c)) if *a != c.lambda_arn => {
                return Err(
                    "PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same."
                        .into(),
                )
            }
            _ => {}
        }
        if let Some(c) = &self.pre_token_generation_config {
            if !matches!(c.lambda_version.as_str(), "V1_0" | "V2_0" | "V3_0") {
                return Err(
                    "PreTokenGenerationConfig.LambdaVersion must be V1_0, V2_0 or V3_0.".into(),
                );
            }
        }
        for c in [&self.custom_email_sender, &self.custom_sms_sender]
            .into_iter()
            .flatten()
        {
            if c.lambda_version != "V1_0" {
                return Err("A custom sender's LambdaVersion must be V1_0.".into());
            }
        }
        for f in self.functions() {
            target(f)?;
        }
        Ok(self)
    }

    /// Every function named.
    fn functions(&self) -> impl Iterator<Item = &str> {
        [
            &self.pre_sign_up,
            &self.custom_message,
            &self.post_confirmation,
            &self.pre_authentication,
            &self.post_authentication,
            &self.define_auth_challenge,
            &self.create_auth_challenge,
            &self.verify_auth_challenge_response,
            &self.pre_token_generation,
            &self.user_migration,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(
            [
                &self.pre_token_generation_config,
                &self.custom_email_sender,
                &self.custom_sms_sender,
            ]
            .into_iter()
            .flatten()
            .map(|c| c.lambda_arn.as_str()),
        )
    }

    /// Whether no trigger is set.
    pub fn is_empty(&self) -> bool {
        *self == LambdaConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            target("arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"),
            Ok(Target::Lambda {
                name: "pre-sign-up",
                qualifier: None
            })
        );
        assert_eq!(
            target("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            Ok(Target::Lambda {
                name: "f",
                qualifier: Some("live")
            })
        );
        assert_eq!(
            target("http://127.0.0.1:3000/hook"),
            Ok(Target::Url("http://127.0.0.1:3000/hook"))
        );
        for bad in [
            "",
            "f",
            "arn:aws:s3:::bucket",
            "arn:aws:lambda:r:a:function:a/b",
        ] {
            assert!(target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pre_token_generation_is_filled_both_ways() {
        let arn = "arn:aws:lambda:us-east-1:1:function:t";
        let c = LambdaConfig {
            pre_token_generation: Some(arn.into()),
            ..Default::default()
        }
        .normalise()
        .unwrap();
        assert_eq!(
            c.pre_token_generation_config.unwrap().lambda_version,
            "V1_0"
        );
        let c = LambdaConfig {
            pre_token_generation_config: Some(VersionedTrigger {
                lambda_version: "V2_0".into(),
                lambda_arn: arn.into(),
            }),
            ..Default::default()
        }
        .normalise()
        .unwrap();
        assert_eq!(c.pre_token_generation.as_deref(), Some(arn));
        let bad = LambdaConfig {
            pre_token_generation_config: Some(VersionedTrigger {
                lambda_version: "V9_0".into(),
                lambda_arn: arn.into(),
            }),
            ..Default::default()
        };
        assert!(bad.normalise().is_err());
    }
}
