//! Wire profiles: each read-side GUESS of the API notes as a switch (WIRE.md "Wire profiles").
//! The seeded tenant is the same under every profile (same ids, same stored values); only the
//! encoding on the wire changes. [`WireProfile::default`] is the behaviour WIRE.md describes.

use std::time::Duration;

use serde_json::{Value, json};

use crate::catalogue::{SimField, SimOption};

/// What `fieldAliasAndValue` holds for an option field (`list`, `hierarchy`, `radio_button`,
/// `multi_checkbox`); a multi-valued field holds an array of these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChoiceEncoding {
    /// The option's `value` (the id as a string; `usr_active_yes` for `usr_active`).
    #[default]
    Value,
    /// The option id as a string (`"512"`).
    Id,
    /// The option id as a JSON number (`512`).
    Number,
    /// The option's `alias` (`usr_department_informatique_support`).
    Alias,
    /// The option's own label (the leaf, not the path: `"Support"`).
    Label,
    /// An object `{"id": 512, "name": "Support"}`.
    Object,
}

/// How `GET /fields` (and every `Field` JSON: `/fields/{id}`, forms, `/psos/{id}/fields`)
/// carries the options of option fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldOptions {
    /// Every option, flat, with `parent_id`.
    #[default]
    Whole,
    /// The root options only (`has_children` still says which have children).
    RootsOnly,
    /// `options: []`: list them through `GET /fields/{id}/options`.
    Absent,
}

/// What `GET /fields/{id}/options` answers without `parent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OptionsListing {
    /// The roots only (one level; walk with `parent=`).
    #[default]
    Levels,
    /// Every option, flat, each with `parent_id` (with `parent`: still one level).
    Flat,
}

/// What a GraphQL `first` above [`WireProfile::max_first`] gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OverFirst {
    /// HTTP 200 with `{"data":null,"errors":[{"message":"Argument \"first\" must be between 0 and N, got M."}]}`.
    #[default]
    Error,
    /// Silently served as `first: max_first` (`hasNextPage` tells there is more).
    Clamp,
}

/// How GraphQL answers a request without a live token (notes §2.4 leave it open).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GraphqlAuth {
    /// HTTP 401 with the REST body `{"message":"Unauthenticated.","status_code":401}`.
    #[default]
    Http401,
    /// HTTP 200 with the GraphQL envelope `{"data":null,"errors":[{"message":"Unauthenticated."}]}`.
    Envelope,
}

/// A fixed-window rate limit on API requests (not the token endpoint): the
/// `requests + 1`-th request within `window` gets `429 {"message":"Too Many Attempts.",
/// "status_code":429}` with `Retry-After` (whole seconds until the window ends, at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
}

/// Every read-side wire switch. Build one from [`WireProfile::named`] or by struct update:
/// `WireProfile { choice_values: ChoiceEncoding::Alias, ..WireProfile::default() }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireProfile {
    pub choice_values: ChoiceEncoding,
    pub field_options: FieldOptions,
    pub options_listing: OptionsListing,
    /// `GET /fields/{id}/options` pages like other lists (`page`, `per-page` with this default,
    /// `meta.pagination`; `no-pagination=1` answers everything) when set; unpaged when `None`.
    pub options_per_page: Option<usize>,
    /// Largest GraphQL `first` (default 1000).
    pub max_first: u32,
    pub over_first: OverFirst,
    /// Records carry ids and numbers as JSON numbers (`user_relation`, `pso_relation`,
    /// `number`, numeric `calculated`, `checkbox`) instead of strings.
    pub record_numbers: bool,
    /// REST ids (field `id`, option `id` / `parent_id`) are strings instead of numbers.
    pub rest_string_ids: bool,
    pub rate_limit: Option<RateLimit>,
    pub graphql_auth: GraphqlAuth,
}

impl Default for WireProfile {
    fn default() -> Self {
        WireProfile {
            choice_values: ChoiceEncoding::Value,
            field_options: FieldOptions::Whole,
            options_listing: OptionsListing::Levels,
            options_per_page: None,
            max_first: 1000,
            over_first: OverFirst::Error,
            record_numbers: false,
            rest_string_ids: false,
            rate_limit: None,
            graphql_auth: GraphqlAuth::Http401,
        }
    }
}

/// The named profiles, [`WireProfile::named`] accepts each; every one but `default` changes
/// one guess (the two `options_*` ones also let the options endpoint answer flat, see WIRE.md).
pub const PROFILE_NAMES: &[&str] = &[
    "default",
    "choice-id",
    "choice-number",
    "choice-alias",
    "choice-label",
    "choice-object",
    "options-roots-only",
    "options-absent",
    "options-absent-levels",
    "options-roots-only-levels",
    "options-paged",
    "first-100-error",
    "first-100-clamp",
    "numbers",
    "rest-string-ids",
    "rate-limited",
    "graphql-auth-envelope",
];

impl WireProfile {
    /// A named profile (see [`PROFILE_NAMES`]); `rate-limited` is 60 requests per minute.
    pub fn named(name: &str) -> Option<WireProfile> {
        let d = WireProfile::default();
        let choice = |c| WireProfile {
            choice_values: c,
            ..d
        };
        Some(match name {
            "default" => d,
            "choice-id" => choice(ChoiceEncoding::Id),
            "choice-number" => choice(ChoiceEncoding::Number),
            "choice-alias" => choice(ChoiceEncoding::Alias),
            "choice-label" => choice(ChoiceEncoding::Label),
            "choice-object" => choice(ChoiceEncoding::Object),
            "options-roots-only" => WireProfile {
                field_options: FieldOptions::RootsOnly,
                options_listing: OptionsListing::Flat,
                ..d
            },
            "options-absent" => WireProfile {
                field_options: FieldOptions::Absent,
                options_listing: OptionsListing::Flat,
                ..d
            },
            "options-absent-levels" => WireProfile {
                field_options: FieldOptions::Absent,
                ..d
            },
            "options-roots-only-levels" => WireProfile {
                field_options: FieldOptions::RootsOnly,
                ..d
            },
            "options-paged" => WireProfile {
                field_options: FieldOptions::Absent,
                options_listing: OptionsListing::Flat,
                options_per_page: Some(25),
                ..d
            },
            "first-100-error" => WireProfile {
                max_first: 100,
                ..d
            },
            "first-100-clamp" => WireProfile {
                max_first: 100,
                over_first: OverFirst::Clamp,
                ..d
            },
            "numbers" => WireProfile {
                record_numbers: true,
                ..d
            },
            "rest-string-ids" => WireProfile {
                rest_string_ids: true,
                ..d
            },
            "graphql-auth-envelope" => WireProfile {
                graphql_auth: GraphqlAuth::Envelope,
                ..d
            },
            "rate-limited" => WireProfile {
                rate_limit: Some(RateLimit {
                    requests: 60,
                    window: Duration::from_secs(60),
                }),
                ..d
            },
            _ => return None,
        })
    }

    /// Every named profile with its name.
    pub fn all() -> Vec<(&'static str, WireProfile)> {
        PROFILE_NAMES
            .iter()
            .filter_map(|n| WireProfile::named(n).map(|p| (*n, p)))
            .collect()
    }

    /// A REST id in this profile's encoding.
    pub fn rest_id(&self, id: u64) -> Value {
        if self.rest_string_ids {
            json!(id.to_string())
        } else {
            json!(id)
        }
    }

    /// The options a `Field` JSON carries.
    pub fn field_options<'a>(&self, f: &'a SimField) -> Vec<&'a SimOption> {
        match self.field_options {
            FieldOptions::Whole => f.options.iter().collect(),
            FieldOptions::RootsOnly => f.options.iter().filter(|o| o.parent_id.is_none()).collect(),
            FieldOptions::Absent => Vec::new(),
        }
    }

    /// A stored record value of field `f` (top-level or sub-field) in this profile's encoding.
    pub fn record_value(&self, f: &SimField, v: &Value) -> Value {
        match v {
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| self.record_value(f, i)).collect())
            }
            Value::Object(o) if f.data_type == "composite" => {
                let mut out = serde_json::Map::new();
                for (k, x) in o {
                    let enc = match f.items.iter().find(|i| i.alias == *k) {
                        Some(sub) => self.record_value(sub, x),
                        None => x.clone(),
                    };
                    out.insert(k.clone(), enc);
                }
                Value::Object(out)
            }
            Value::String(s) => self.scalar(f, s).unwrap_or_else(|| v.clone()),
            other => other.clone(),
        }
    }

    fn scalar(&self, f: &SimField, s: &str) -> Option<Value> {
        match f.data_type.as_str() {
            "list" | "hierarchy" | "radio_button" | "multi_checkbox" => {
                let o = f.option_by_value(s)?;
                Some(match self.choice_values {
                    ChoiceEncoding::Value => json!(o.value),
                    ChoiceEncoding::Id if self.record_numbers => json!(o.id),
                    ChoiceEncoding::Id => json!(o.id.to_string()),
                    ChoiceEncoding::Number => json!(o.id),
                    ChoiceEncoding::Alias => json!(o.alias),
                    ChoiceEncoding::Label => json!(o.name),
                    ChoiceEncoding::Object => json!({ "id": o.id, "name": o.name }),
                })
            }
            "user_relation" | "pso_relation" | "checkbox" if self.record_numbers => {
                s.parse::<u64>().ok().map(|n| json!(n))
            }
            "number" | "calculated" if self.record_numbers => number(s),
            _ => None,
        }
    }
}

fn number(s: &str) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(json!(i));
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_resolves_and_unknown_does_not() {
        assert_eq!(WireProfile::all().len(), PROFILE_NAMES.len());
        assert_eq!(WireProfile::named("default"), Some(WireProfile::default()));
        assert!(WireProfile::named("nope").is_none());
    }
}
