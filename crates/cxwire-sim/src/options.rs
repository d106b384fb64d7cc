//! Configuration options: the store behind `configuration.getOption` and
//! `configuration.getContextualOption`.
//!
//! An [`OptionStore`] holds the options of the simulated Workspace by section (section name ->
//! option name -> [`OptionValue`]) and the annexes of transaction objects that a routing
//! strategy uses to override options for one interaction.
//!
//! The rules, from the seed's Configuration namespace:
//! - an option name without a section reads the `interaction-workspace` section
//!   ([`DEFAULT_SECTION`]); `Section/option` reads another section;
//! - `*` is a wildcard only at the end of a word: `voice.*`, `voice.auto*`, `sipendpoint.*`,
//!   `CustomAPI/test.*`, and `CustomAPI/*` for every option of a section (the vendor's sample
//!   page asks `MySection/*`); a leading asterisk (`*.mark-done`, `* auto`, `*`) or one inside a
//!   word is refused with an [`OptionError::InvalidPattern`];
//! - the answer groups the matching options by section, as in the seed's samples:
//!   `{"interaction-workspace": {"voice.auto-answer": "false"}, "CustomSection": {...}}`;
//! - `getContextualOption` applies the overrides named by the interaction's user data: the
//!   option `interaction-workspace/interaction.override-option-key` ([`OVERRIDE_OPTION_KEY`])
//!   names a user-data key (e.g. `IW_OverrideOptions`) whose value is a comma-separated list of
//!   transaction objects; the options in their annexes replace the application's options.
//!
//! Where the seed is silent, this module decides (and the tests pin down):
//! - names are compared exactly (case-sensitive), as Configuration Server stores them;
//! - the section part of a pattern is a literal name: a `*` in it is refused;
//! - an option that does not exist is simply absent from the answer, and a section with no
//!   match is absent too (an answer may be `{}`);
//! - when several transaction objects are listed, the first one listed wins for an option
//!   they both override; unknown transaction names are ignored; a transaction annex may also
//!   add options the application does not set;
//! - the user-data value naming the transactions may be a string (`"A, B"`) or an array of
//!   strings; any other JSON value means "no override".

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;

use cxwire_model::scapi::types::{ConfigurationSections, OptionQuery, OptionValue, UserData};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The section an option name without `Section/` reads: `interaction-workspace`.
pub const DEFAULT_SECTION: &str = "interaction-workspace";

/// The option (in [`DEFAULT_SECTION`]) that names the user-data key listing the transaction
/// objects that override options: `interaction.override-option-key`.
pub const OVERRIDE_OPTION_KEY: &str = "interaction.override-option-key";

/// The errorMessage the seed documents when `getContextualOption` names an unknown
/// interaction: `Error: Interaction not found.`
pub const INTERACTION_NOT_FOUND: &str = "Error: Interaction not found.";

/// The options of one section: option name to value.
pub type SectionOptions = BTreeMap<String, OptionValue>;

/// Why `configuration.getOption` or `configuration.getContextualOption` was refused.
///
/// The `Display` text is the `errorMessage` the simulator sends.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionError {
    /// An option name or pattern breaks the wildcard rules (or is empty).
    InvalidPattern {
        /// The pattern, as given.
        pattern: String,
        /// What is wrong.
        reason: PatternFault,
    },
    /// `getContextualOption` named an interaction that does not exist; the message is the
    /// seed's, [`INTERACTION_NOT_FOUND`].
    InteractionNotFound,
}

/// What is wrong with an option pattern ([`OptionError::InvalidPattern`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternFault {
    /// The pattern is empty.
    Empty,
    /// `Section/` with nothing after the slash.
    EmptyOption,
    /// `/option` with nothing before the slash.
    EmptySection,
    /// A `*` in the section part (`Custom*/option`).
    WildcardInSection,
    /// A `*` at the start of the option name (`*`, `*.mark-done`).
    WildcardAtStart,
    /// A `*` that is not the last character (`* auto`, `voice.*.x`), or several `*`.
    WildcardNotAtEnd,
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPattern { pattern, reason } => {
                write!(f, "Error: Invalid option name '{pattern}': ")?;
                match reason {
                    PatternFault::Empty => f.write_str("the option name is empty."),
                    PatternFault::EmptyOption => f.write_str("no option name follows the section name."),
                    PatternFault::EmptySection => f.write_str("no section name precedes the '/'."),
                    PatternFault::WildcardInSection => {
                        f.write_str("a section name cannot contain the wildcard '*'; name the section in full.")
                    }
                    PatternFault::WildcardAtStart | PatternFault::WildcardNotAtEnd => f.write_str(
                        "the wildcard '*' is allowed only at the end of an option name, after at least one \
                         character (for example 'voice.*', 'voice.auto*' or 'CustomAPI/test.*').",
                    ),
                }
            }
            Self::InteractionNotFound => f.write_str(INTERACTION_NOT_FOUND),
        }
    }
}

impl std::error::Error for OptionError {}

/// One parsed option pattern: a section and an exact name or a prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionPattern {
    /// The section to read ([`DEFAULT_SECTION`] when the pattern names none).
    pub section: String,
    /// The option name, or its prefix when `wildcard` is set (without the `*`).
    pub name: String,
    /// Whether the pattern ended with `*` (matches every option starting with `name`).
    pub wildcard: bool,
}

impl OptionPattern {
    /// Parses `option`, `option*`, `Section/option` or `Section/option*`.
    ///
    /// # Errors
    /// [`OptionError::InvalidPattern`] when the pattern is empty, a part is empty, the section
    /// contains `*`, or a `*` is anywhere but at the end of the option name.
    pub fn parse(pattern: &str) -> Result<Self, OptionError> {
        let fault = |reason| OptionError::InvalidPattern { pattern: pattern.to_owned(), reason };
        if pattern.is_empty() {
            return Err(fault(PatternFault::Empty));
        }
        let (section, option) = match pattern.split_once('/') {
            Some((section, option)) => (section, option),
            None => (DEFAULT_SECTION, pattern),
        };
        if section.is_empty() {
            return Err(fault(PatternFault::EmptySection));
        }
        if section.contains('*') {
            return Err(fault(PatternFault::WildcardInSection));
        }
        if option.is_empty() {
            return Err(fault(PatternFault::EmptyOption));
        }
        // `Section/*` (every option of a section, as the vendor's sample page asks) is a word
        // ending in `*`; only a leading `*` is refused (`*`, `*.mark-done`).
        let whole_section = pattern.contains('/') && option == "*";
        if option.starts_with('*') && !whole_section {
            return Err(fault(PatternFault::WildcardAtStart));
        }
        let (name, wildcard) = match option.strip_suffix('*') {
            Some(prefix) => (prefix, true),
            None => (option, false),
        };
        if name.contains('*') {
            return Err(fault(PatternFault::WildcardNotAtEnd));
        }
        Ok(Self { section: section.to_owned(), name: name.to_owned(), wildcard })
    }

    /// Whether `option` (an option name of [`section`](Self::section)) matches.
    pub fn matches(&self, option: &str) -> bool {
        if self.wildcard { option.starts_with(&self.name) } else { option == self.name }
    }
}

/// Parses every pattern of a query, refusing the whole query at the first bad one.
///
/// # Errors
/// The first pattern that breaks the rules of [`OptionPattern::parse`].
pub fn parse_query(query: &OptionQuery) -> Result<Vec<OptionPattern>, OptionError> {
    query.patterns().iter().map(|p| OptionPattern::parse(p)).collect()
}

/// The configuration options of the simulated Workspace, with the transaction annexes used by
/// contextual overrides.
///
/// Its JSON form (for the simulator's configuration file) is
/// `{"sections": {section: {option: value}}, "transactions": {name: {section: {option: value}}}}`;
/// a value may be a string, a number or a boolean (read as its text), or an array of those.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "OptionStoreFile")]
pub struct OptionStore {
    /// The application's options, by section.
    sections: ConfigurationSections,
    /// The transaction objects' annexes, by transaction name, then section.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    transactions: BTreeMap<String, ConfigurationSections>,
}

impl OptionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The store of the seed's `getContextualOption` example.
    ///
    /// - `interaction-workspace/interaction.case-data.frame-color` = `#FFBA00`;
    /// - `interaction-workspace/interaction.override-option-key` = `IW_OverrideOptions`;
    /// - the transaction object `CaseDataColor` overrides
    ///   `interaction-workspace/interaction.case-data.frame-color` with `#FF008000`.
    ///
    /// With an interaction whose user data has `IW_OverrideOptions` = `CaseDataColor`,
    /// `getOption` answers `#FFBA00` and `getContextualOption` answers `#FF008000`.
    ///
    /// The seed's text is OCR'd and not self-consistent: its scenario sets the frame colour to
    /// `#FFBAGO` (read `#FFBA00`, `G`/`O` being OCR misreadings of `0`) and the annex to
    /// `#FF000088`, while its sample response shows `#FF008000`. The store uses `#FF008000`, the
    /// value of the sample response (and of the repository's fixture
    /// `tests/fixtures/scapi/answer/configuration.getContextualOption/seed-frame-color.json`),
    /// since that is what a client sees on the wire.
    pub fn seed_example() -> Self {
        let mut store = Self::new();
        let text = |s: &str| OptionValue::Single(s.to_owned());
        store.set(DEFAULT_SECTION, "interaction.case-data.frame-color", text("#FFBA00"));
        store.set(DEFAULT_SECTION, OVERRIDE_OPTION_KEY, text("IW_OverrideOptions"));
        store.set_transaction_option(
            "CaseDataColor",
            DEFAULT_SECTION,
            "interaction.case-data.frame-color",
            text("#FF008000"),
        );
        store
    }

    /// Sets an option of the application (replacing any previous value).
    pub fn set(&mut self, section: &str, option: &str, value: OptionValue) {
        self.sections.entry(section.to_owned()).or_default().insert(option.to_owned(), value);
    }

    /// Removes an option of the application, returning its value.
    pub fn remove(&mut self, section: &str, option: &str) -> Option<OptionValue> {
        let options = self.sections.get_mut(section)?;
        let removed = options.remove(option);
        if options.is_empty() {
            self.sections.remove(section);
        }
        removed
    }

    /// The value of one option of the application (no wildcard, no override).
    pub fn get(&self, section: &str, option: &str) -> Option<&OptionValue> {
        self.sections.get(section)?.get(option)
    }

    /// Sets an option in the annex of a transaction object (creating the transaction).
    pub fn set_transaction_option(&mut self, transaction: &str, section: &str, option: &str, value: OptionValue) {
        self.transactions
            .entry(transaction.to_owned())
            .or_default()
            .entry(section.to_owned())
            .or_default()
            .insert(option.to_owned(), value);
    }

    /// The application's options, by section.
    pub fn sections(&self) -> &ConfigurationSections {
        &self.sections
    }

    /// The transaction objects' annexes, by transaction name.
    pub fn transactions(&self) -> &BTreeMap<String, ConfigurationSections> {
        &self.transactions
    }

    /// `configuration.getOption`: the options matching the query, grouped by section.
    ///
    /// # Errors
    /// [`OptionError::InvalidPattern`] when a pattern breaks the wildcard rules; nothing is
    /// answered then.
    pub fn get_option(&self, query: &OptionQuery) -> Result<ConfigurationSections, OptionError> {
        let patterns = parse_query(query)?;
        Ok(select(&self.sections, &patterns))
    }

    /// `configuration.getContextualOption`: like [`get_option`](Self::get_option), with the
    /// overrides of the transaction objects that the interaction's user data names applied.
    ///
    /// `user_data` is the interaction's attached data, or `None` when the interaction does not
    /// exist.
    ///
    /// # Errors
    /// [`OptionError::InvalidPattern`] when a pattern breaks the wildcard rules;
    /// [`OptionError::InteractionNotFound`] when `user_data` is `None`.
    pub fn get_contextual_option(
        &self,
        query: &OptionQuery,
        user_data: Option<&UserData>,
    ) -> Result<ConfigurationSections, OptionError> {
        let patterns = parse_query(query)?;
        let user_data = user_data.ok_or(OptionError::InteractionNotFound)?;
        Ok(select(&self.contextual_sections(user_data), &patterns))
    }

    /// The user-data key named by `interaction-workspace/interaction.override-option-key`, if
    /// the option is set to a non-empty string.
    pub fn override_key(&self) -> Option<&str> {
        match self.get(DEFAULT_SECTION, OVERRIDE_OPTION_KEY)? {
            OptionValue::Single(key) => Some(key.trim()).filter(|k| !k.is_empty()),
            OptionValue::List(_) => None,
        }
    }

    /// The transaction objects that override options for an interaction with this user data,
    /// in the order listed (the first one wins), whether or not the store knows them.
    pub fn override_transactions(&self, user_data: &UserData) -> Vec<String> {
        let Some(key) = self.override_key() else {
            return Vec::new();
        };
        let names: Vec<&str> = match user_data.get(key) {
            Some(Value::String(list)) => list.split(',').collect(),
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        names.into_iter().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect()
    }

    /// Every option as seen in the context of an interaction with this user data: the
    /// application's options with the overrides applied.
    pub fn contextual_sections(&self, user_data: &UserData) -> ConfigurationSections {
        let mut sections = self.sections.clone();
        // Applied last-listed first, so that the first listed transaction wins.
        for name in self.override_transactions(user_data).iter().rev() {
            let Some(annex) = self.transactions.get(name) else {
                continue;
            };
            for (section, options) in annex {
                let target = sections.entry(section.clone()).or_default();
                for (option, value) in options {
                    target.insert(option.clone(), value.clone());
                }
            }
        }
        sections
    }
}

/// The options of `sections` that match any of `patterns`, grouped by section.
fn select(sections: &ConfigurationSections, patterns: &[OptionPattern]) -> ConfigurationSections {
    let mut answer = ConfigurationSections::new();
    for pattern in patterns {
        let Some(options) = sections.get(&pattern.section) else {
            continue;
        };
        let matches: Vec<(&String, &OptionValue)> = if pattern.wildcard {
            options
                .range::<str, _>((Bound::Included(pattern.name.as_str()), Bound::Unbounded))
                .take_while(|(name, _)| pattern.matches(name))
                .collect()
        } else {
            options.get_key_value(pattern.name.as_str()).into_iter().collect()
        };
        if matches.is_empty() {
            continue;
        }
        let target = answer.entry(pattern.section.clone()).or_default();
        for (name, value) in matches {
            target.insert(name.clone(), value.clone());
        }
    }
    answer
}

/// The configuration-file form of [`OptionStore`], where values may also be numbers or
/// booleans.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionStoreFile {
    /// The application's options.
    #[serde(default)]
    sections: BTreeMap<String, BTreeMap<String, Value>>,
    /// The transaction annexes.
    #[serde(default)]
    transactions: BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
}

impl TryFrom<OptionStoreFile> for OptionStore {
    type Error = String;

    fn try_from(file: OptionStoreFile) -> Result<Self, Self::Error> {
        let sections = convert_sections(file.sections, "sections")?;
        let transactions = file
            .transactions
            .into_iter()
            .map(|(name, annex)| {
                let annex = convert_sections(annex, &format!("transactions.{name}"))?;
                Ok((name, annex))
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { sections, transactions })
    }
}

fn convert_sections(
    sections: BTreeMap<String, BTreeMap<String, Value>>,
    at: &str,
) -> Result<ConfigurationSections, String> {
    sections
        .into_iter()
        .map(|(section, options)| {
            let options = options
                .into_iter()
                .map(|(option, value)| {
                    let value = option_value(&value)
                        .ok_or_else(|| format!("{at}.{section}.{option}: expected a string, number, boolean or array of these, found {value}"))?;
                    Ok((option, value))
                })
                .collect::<Result<SectionOptions, String>>()?;
            Ok((section, options))
        })
        .collect()
}

/// The option value for a configuration-file JSON value: scalars are read as their text.
fn option_value(value: &Value) -> Option<OptionValue> {
    fn scalar(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>().map(OptionValue::List),
        other => scalar(other).map(OptionValue::Single),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(s: &str) -> OptionValue {
        OptionValue::Single(s.to_owned())
    }

    #[test]
    fn patterns_parse() {
        let p = OptionPattern::parse("voice.auto*").unwrap();
        assert_eq!(p, OptionPattern { section: DEFAULT_SECTION.into(), name: "voice.auto".into(), wildcard: true });
        let p = OptionPattern::parse("CustomAPI/test.*").unwrap();
        assert_eq!(p, OptionPattern { section: "CustomAPI".into(), name: "test.".into(), wildcard: true });
        let p = OptionPattern::parse("voice.auto-answer").unwrap();
        assert!(!p.wildcard);
        assert!(p.matches("voice.auto-answer"));
        assert!(!p.matches("voice.auto-answer.x"));
    }

    #[test]
    fn pattern_faults() {
        let fault = |p: &str| match OptionPattern::parse(p) {
            Err(OptionError::InvalidPattern { reason, .. }) => reason,
            other => panic!("{p}: {other:?}"),
        };
        assert_eq!(fault(""), PatternFault::Empty);
        assert_eq!(fault("*"), PatternFault::WildcardAtStart);
        assert_eq!(fault("*.mark-done"), PatternFault::WildcardAtStart);
        assert_eq!(fault("* auto"), PatternFault::WildcardAtStart);
        assert_eq!(fault("voice.*.x"), PatternFault::WildcardNotAtEnd);
        assert_eq!(fault("voice.**"), PatternFault::WildcardNotAtEnd);
        assert_eq!(fault("Custom*/x"), PatternFault::WildcardInSection);
        assert_eq!(fault("CustomAPI/"), PatternFault::EmptyOption);
        assert_eq!(fault("CustomAPI/*x"), PatternFault::WildcardAtStart);
        assert_eq!(fault("CustomAPI/**"), PatternFault::WildcardAtStart);
        let all = OptionPattern::parse("CustomAPI/*").unwrap();
        assert!(all.wildcard && all.name.is_empty() && all.matches("anything"));
        assert_eq!(fault("/x"), PatternFault::EmptySection);
    }

    #[test]
    fn wildcard_stops_at_prefix_end() {
        let mut store = OptionStore::new();
        store.set(DEFAULT_SECTION, "voice.a", single("1"));
        store.set(DEFAULT_SECTION, "voice.b", single("2"));
        store.set(DEFAULT_SECTION, "voicemail.c", single("3"));
        store.set(DEFAULT_SECTION, "w", single("4"));
        let answer = store.get_option(&"voice.*".into()).unwrap();
        let names: Vec<&String> = answer[DEFAULT_SECTION].keys().collect();
        assert_eq!(names, ["voice.a", "voice.b"]);
        let answer = store.get_option(&"voice*".into()).unwrap();
        assert_eq!(answer[DEFAULT_SECTION].len(), 3);
    }

    #[test]
    fn remove_drops_empty_sections() {
        let mut store = OptionStore::new();
        store.set("S", "a", single("1"));
        assert_eq!(store.remove("S", "a"), Some(single("1")));
        assert!(store.sections().is_empty());
        assert_eq!(store.remove("S", "a"), None);
    }

    #[test]
    fn first_listed_transaction_wins() {
        let mut store = OptionStore::new();
        store.set(DEFAULT_SECTION, OVERRIDE_OPTION_KEY, single("K"));
        store.set(DEFAULT_SECTION, "x", single("base"));
        store.set_transaction_option("A", DEFAULT_SECTION, "x", single("from A"));
        store.set_transaction_option("B", DEFAULT_SECTION, "x", single("from B"));
        store.set_transaction_option("B", DEFAULT_SECTION, "y", single("only B"));
        let ud: UserData = [("K".to_owned(), Value::from(" A , B,Unknown"))].into();
        assert_eq!(store.override_transactions(&ud), ["A", "B", "Unknown"]);
        let answer = store.get_contextual_option(&"*x".into(), Some(&ud));
        assert!(answer.is_err());
        let answer = store.get_contextual_option(&OptionQuery::Many(vec!["x".into(), "y".into()]), Some(&ud)).unwrap();
        assert_eq!(answer[DEFAULT_SECTION]["x"], single("from A"));
        assert_eq!(answer[DEFAULT_SECTION]["y"], single("only B"));
        let ud: UserData = [("K".to_owned(), serde_json::json!(["B"]))].into();
        let answer = store.get_contextual_option(&"x".into(), Some(&ud)).unwrap();
        assert_eq!(answer[DEFAULT_SECTION]["x"], single("from B"));
        let ud: UserData = [("K".to_owned(), serde_json::json!(7))].into();
        let answer = store.get_contextual_option(&"x".into(), Some(&ud)).unwrap();
        assert_eq!(answer[DEFAULT_SECTION]["x"], single("base"));
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            OptionPattern::parse("*.mark-done").unwrap_err().to_string(),
            "Error: Invalid option name '*.mark-done': the wildcard '*' is allowed only at the end of an option \
             name, after at least one character (for example 'voice.*', 'voice.auto*' or 'CustomAPI/test.*')."
        );
        assert_eq!(OptionError::InteractionNotFound.to_string(), "Error: Interaction not found.");
    }
}
