//! Turning SDK errors into coverage statuses: denied (permissions, opt-in) versus
//! failed (anything else), with the AWS error code and a one-line message.
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use inventory::snapshot::CoverageStatus;

/// Error codes that mean "not allowed", not "broken": the fix is a policy, an SCP or
/// a region opt-in, and auditors read them differently from outages.
const DENIED_CODES: &[&str] = &[
    "UnauthorizedOperation",
    "AccessDenied",
    "AccessDeniedException",
    "OptInRequired",
    "AuthFailure",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "Blocked",
    "AWSOrganizationsNotInUseException",
];

/// Longest error message kept in a coverage record; AWS messages are short, and the
/// rest of the chain is in the log.
const MAX_MESSAGE: usize = 600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub status: CoverageStatus,
    pub code: Option<String>,
    pub message: String,
}

impl ApiFailure {
    pub fn from_code(code: Option<&str>, message: String) -> ApiFailure {
        let status = match code {
            Some(c) if DENIED_CODES.contains(&c) => CoverageStatus::Denied,
            _ => CoverageStatus::Failed,
        };
        ApiFailure { status, code: code.map(str::to_string), message: cap(message) }
    }
}

pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> ApiFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code: Option<String> = match err {
        SdkError::ServiceError(ctx) => {
            ctx.err().code().map(str::to_string).or_else(|| Some(format!("HTTP {}", ctx.raw().status().as_u16())))
        }
        SdkError::TimeoutError(_) => Some("TimeoutError".into()),
        SdkError::DispatchFailure(d) if d.is_timeout() => Some("TimeoutError".into()),
        SdkError::DispatchFailure(_) => Some("DispatchFailure".into()),
        SdkError::ResponseError(_) => Some("ResponseError".into()),
        SdkError::ConstructionFailure(_) => Some("ConstructionFailure".into()),
        _ => None,
    };
    let message = match err {
        SdkError::DispatchFailure(_)
        | SdkError::TimeoutError(_)
        | SdkError::ResponseError(_)
        | SdkError::ConstructionFailure(_) => chain_message(err),
        // Without an AWS error body the full context is a raw HTTP dump; the status says enough.
        SdkError::ServiceError(ctx) => match (ctx.err().message(), ctx.err().code()) {
            (Some(m), _) => m.to_string(),
            (None, Some(_)) => ctx.err().to_string(),
            (None, None) => format!("HTTP {} without an AWS error code in the body", ctx.raw().status().as_u16()),
        },
        _ => DisplayErrorContext(err).to_string(),
    };
    ApiFailure::from_code(code.as_deref(), message)
}

/// "outer: cause: root cause" from an error's source chain, without the Debug dump
/// `DisplayErrorContext` appends; repeated links are dropped.
pub fn chain_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    cap(parts.join(": "))
}

/// Caps a message at a char boundary, visibly.
pub fn cap(mut s: String) -> String {
    if s.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("… (truncated)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_codes_are_denied_and_the_rest_failed() {
        assert_eq!(ApiFailure::from_code(Some("UnauthorizedOperation"), "x".into()).status, CoverageStatus::Denied);
        assert_eq!(ApiFailure::from_code(Some("OptInRequired"), "x".into()).status, CoverageStatus::Denied);
        assert_eq!(ApiFailure::from_code(Some("InternalError"), "x".into()).status, CoverageStatus::Failed);
        assert_eq!(ApiFailure::from_code(None, "x".into()).status, CoverageStatus::Failed);
    }

    #[test]
    fn long_messages_are_capped_visibly() {
        let m = cap("é".repeat(1000));
        assert!(m.len() < 700 && m.ends_with("(truncated)"));
    }
}
