//! Tag rules: which tag keys name a resource's owner, environment and data
//! classification, and when an environment counts as production. One rule for
//! segmentation, the diagrams and the inventory table alike.
use serde::{Deserialize, Serialize};

use crate::model::Tags;

/// Tag keys read for the owner, environment and data-classification facts
/// (`--owner-tag`, `--environment-tag`, `--classification-tag`). The package
/// records them in its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagKeys {
    pub owner: Vec<String>,
    pub environment: Vec<String>,
    pub data_classification: Vec<String>,
}

impl Default for TagKeys {
    fn default() -> TagKeys {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        TagKeys {
            owner: v(&["Owner", "owner", "team"]),
            environment: v(&["Environment", "env", "stage"]),
            data_classification: v(&["DataClassification", "data-classification", "classification"]),
        }
    }
}

impl TagKeys {
    /// The environment of a resource, from its own tags. The rule:
    /// - keys are tried in `self.environment` order (default `Environment`, `env`,
    ///   `stage`), each compared case-insensitively (so `ENV` and `Stage` count);
    /// - the value is trimmed; a key whose value is blank is skipped;
    /// - `is_production` then classifies the value. No key at all: unknown.
    ///
    /// A VPC without one takes its account's (`Facts::vpc_environment`).
    pub fn environment<'t>(&self, tags: &'t Tags) -> Option<&'t str> {
        tag_value(tags, &self.environment)
    }

    pub fn owner<'t>(&self, tags: &'t Tags) -> Option<&'t str> {
        tag_value(tags, &self.owner)
    }

    pub fn data_classification<'t>(&self, tags: &'t Tags) -> Option<&'t str> {
        tag_value(tags, &self.data_classification)
    }
}

/// The first of `keys` (case-insensitive, in order) that `tags` carries with a
/// non-blank value, trimmed.
pub fn tag_value<'t>(tags: &'t Tags, keys: &[String]) -> Option<&'t str> {
    keys.iter().find_map(|k| {
        let (_, v) = tags.iter().find(|(tk, _)| tk.eq_ignore_ascii_case(k))?;
        let v = v.trim();
        (!v.is_empty()).then_some(v)
    })
}

/// Environment from tags with the default keys (`Environment`, `env`, `stage`).
pub fn environment(tags: &Tags) -> Option<String> {
    TagKeys::default().environment(tags).map(str::to_string)
}

/// Production: the value, trimmed and lower-cased, starts with "prod" (prod,
/// production, prod-eu…) or is "prd" or "live". Anything else is non-production.
pub fn is_production(env: &str) -> bool {
    let e = env.trim().to_ascii_lowercase();
    e.starts_with("prod") || e == "prd" || e == "live"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(kv: &[(&str, &str)]) -> Tags {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn first_key_with_a_value_wins_case_insensitively() {
        let k = TagKeys::default();
        assert_eq!(k.environment(&tags(&[("ENV", " prod "), ("stage", "dev")])), Some("prod"));
        assert_eq!(k.environment(&tags(&[("Environment", " "), ("stage", "dev")])), Some("dev"));
        assert_eq!(k.environment(&tags(&[("environment-type", "prod")])), None);
        let custom = TagKeys { environment: vec!["tier".into()], ..TagKeys::default() };
        assert_eq!(custom.environment(&tags(&[("Tier", "live"), ("Environment", "dev")])), Some("live"));
        assert!(is_production("Production") && is_production("live") && !is_production("preprod"));
    }
}
