//! Request-name helpers shared by the policies.

use cxwire_model::scapi::REQUEST_NAMES;

/// Whether `s` is an identifier as request names use them: an ASCII letter or `_`, then ASCII
/// letters, digits or `_`.
pub(crate) fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits `namespace.method`; `None` unless both halves are identifiers.
pub(crate) fn split_request(name: &str) -> Option<(&str, &str)> {
    let (ns, method) = name.split_once('.')?;
    (is_ident(ns) && is_ident(method)).then_some((ns, method))
}

/// Whether the catalog knows this request name (exact, case-sensitive).
pub(crate) fn is_known_request(name: &str) -> bool {
    REQUEST_NAMES.contains(&name)
}

/// Whether the catalog knows this namespace (exact, case-sensitive).
pub(crate) fn is_known_namespace(ns: &str) -> bool {
    REQUEST_NAMES.iter().any(|n| n.split_once('.').is_some_and(|(n, _)| n == ns))
}

/// A ` (did you mean ...?)` hint when a catalog name differs from `name` only by case.
pub(crate) fn case_hint(name: &str) -> String {
    REQUEST_NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}

/// A ` (did you mean ...?)` hint when a catalog namespace differs from `ns` only by case.
pub(crate) fn namespace_case_hint(ns: &str) -> String {
    REQUEST_NAMES
        .iter()
        .filter_map(|n| n.split_once('.').map(|(n, _)| n))
        .find(|n| n.eq_ignore_ascii_case(ns))
        .map(|n| format!(" (did you mean `{n}.*`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_names() {
        for (name, ok) in [
            ("agent.get", true),
            ("sipEndpoint.muteMicrophone", true),
            ("_x.y_1", true),
            ("agent", false),
            ("agent.", false),
            (".get", false),
            ("agent.get.x", false),
            ("1agent.get", false),
            ("agent.*", false),
            ("age nt.get", false),
        ] {
            assert_eq!(split_request(name).is_some(), ok, "{name}");
        }
        assert!(is_known_namespace("sipEndpoint"));
        assert!(!is_known_namespace("sipendpoint"));
        assert_eq!(case_hint("agent.getStatelist"), " (did you mean `agent.getStateList`?)");
        assert_eq!(namespace_case_hint("SIPENDPOINT"), " (did you mean `sipEndpoint.*`?)");
    }
}
