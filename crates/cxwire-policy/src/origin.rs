//! `service-client-api.accepted-web-content-origins`: which web pages may call which requests.

use std::fmt;
use std::str::FromStr;

use cxwire_model::scapi::REQUEST_NAMES;

use crate::PolicyError;
use crate::names::{case_hint, is_ident, is_known_namespace, is_known_request, namespace_case_hint, split_request};

/// Requests granted only when a filter names them in full: `*`, `auth.*` and an origin without
/// filters do not grant them (seed: `https://genesyspureengage.github.io (*, auth.getJwtToken)`).
pub const EXPLICIT_ONLY_REQUESTS: &[&str] = &["auth.getJwtToken"];

/// The request every accepted origin may call whatever its filters: the seed says
/// `system.getAllowedServices` fails only when the origin is not listed at all.
pub const ALWAYS_ALLOWED_REQUEST: &str = "system.getAllowedServices";

/// One request filter of an origin, as written between the parentheses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Filter {
    /// `*`: every request (except [`EXPLICIT_ONLY_REQUESTS`]).
    All,
    /// `namespace.*`: every request of the namespace (except [`EXPLICIT_ONLY_REQUESTS`]).
    /// `voice.*` also covers `sipEndpoint.*`, which the seeds document under the voice namespace.
    Namespace(String),
    /// `namespace.method`: that request. `voice.<method>` also covers `sipEndpoint.<method>`.
    Request(String),
}

impl Filter {
    /// Whether this filter grants `request`, given as `(namespace, method)`, ignoring the
    /// explicit-only rule.
    fn covers(&self, request: &str, ns: &str, method: &str) -> bool {
        match self {
            Self::All => true,
            Self::Namespace(n) => n == ns || (n == "voice" && ns == "sipEndpoint"),
            Self::Request(r) => {
                r == request || (ns == "sipEndpoint" && r.strip_prefix("voice.").is_some_and(|m| m == method))
            }
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("*"),
            Self::Namespace(ns) => write!(f, "{ns}.*"),
            Self::Request(r) => f.write_str(r),
        }
    }
}

/// One accepted origin and its filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginEntry {
    origin: Option<String>,
    filters: Vec<Filter>,
}

impl OriginEntry {
    /// The normalised origin (see [`normalize_origin`]); `None` for `*`, any origin.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The filters in the order written; empty when the origin has no parentheses, which grants
    /// every request (except [`EXPLICIT_ONLY_REQUESTS`]).
    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }

    fn matches(&self, normalized: Option<&str>) -> bool {
        match (&self.origin, normalized) {
            (None, _) => true,
            (Some(mine), Some(theirs)) => mine == theirs,
            (Some(_), None) => false,
        }
    }

    fn grants(&self, request: &str) -> bool {
        let Some((ns, method)) = split_request(request) else {
            return false;
        };
        if EXPLICIT_ONLY_REQUESTS.contains(&request) {
            return self.filters.iter().any(|f| matches!(f, Filter::Request(r) if r == request));
        }
        request == ALWAYS_ALLOWED_REQUEST
            || self.filters.is_empty()
            || self.filters.iter().any(|f| f.covers(request, ns, method))
    }
}

impl fmt::Display for OriginEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.origin.as_deref().unwrap_or("*"))?;
        if !self.filters.is_empty() {
            f.write_str(" (")?;
            for (i, filter) in self.filters.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{filter}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The parsed value of `service-client-api.accepted-web-content-origins`.
///
/// Rules (seed 003, "Security configuration"):
///
/// - the value is a comma-separated list of origins; commas between parentheses separate
///   filters, not origins;
/// - `*` as an origin accepts any origin (even one that is not `scheme://host[:port]`, such as
///   `null`);
/// - an origin without parentheses may call every request; with parentheses, only what its
///   filters grant: `*`, `namespace.*` or `namespace.method`;
/// - `auth.getJwtToken` is granted only when a filter names it in full
///   ([`EXPLICIT_ONLY_REQUESTS`]);
/// - `system.getAllowedServices` is granted to every accepted origin
///   ([`ALWAYS_ALLOWED_REQUEST`]);
/// - `voice.*` also grants `sipEndpoint.*` (the SIP endpoint calls are documented under the voice
///   namespace but sent as `sipEndpoint.<method>`), and `voice.<method>` grants
///   `sipEndpoint.<method>`; `sipEndpoint.*` and `sipEndpoint.<method>` work as filters too;
/// - when several entries match an origin (the origin listed twice, or listed next to `*`), the
///   grants add up;
/// - request names and namespaces are case-sensitive, as on the wire;
/// - a blank value accepts no origin at all, like an absent option ([`OriginPolicy::deny_all`]).
///
/// Filters naming a request or namespace the catalog does not know are accepted (future
/// requests) and reported by [`OriginPolicy::warnings`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OriginPolicy {
    entries: Vec<OriginEntry>,
    warnings: Vec<String>,
}

impl OriginPolicy {
    /// A policy that accepts no origin: the Workspace's behaviour when the option is absent or
    /// blank.
    pub fn deny_all() -> Self {
        Self::default()
    }

    /// A policy that accepts any origin for every request except [`EXPLICIT_ONLY_REQUESTS`]: the
    /// value `*`.
    pub fn any_origin() -> Self {
        Self { entries: vec![OriginEntry { origin: None, filters: Vec::new() }], warnings: Vec::new() }
    }

    /// Parses the value of `service-client-api.accepted-web-content-origins`.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Origins`], naming the offending part and its column, when a parenthesis is
    /// unbalanced or nested, an origin is empty (`a,,b`, a leading or trailing comma), an origin
    /// is not `scheme://host[:port]`, a filter list is empty or a filter is not `*`,
    /// `namespace.*` or `namespace.method`, or text follows a `)` before the next comma.
    pub fn parse(value: &str) -> Result<Self, PolicyError> {
        Parser { value, pos: 0, warnings: Vec::new() }.parse()
    }

    /// The entries in the order written.
    pub fn entries(&self) -> &[OriginEntry] {
        &self.entries
    }

    /// Non-fatal remarks about the value: filters naming requests or namespaces the catalog does
    /// not know (with a hint when only the case differs), `auth.*` (which does not grant
    /// `auth.getJwtToken`), origins listed twice.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether `origin` (as a browser sends it, e.g. `https://host:8443`) is accepted at all.
    /// The origin is normalised first (see [`normalize_origin`]); an origin that cannot be
    /// normalised is accepted only by `*`.
    pub fn is_accepted(&self, origin: &str) -> bool {
        let normalized = normalize_origin(origin).ok();
        self.entries.iter().any(|e| e.matches(normalized.as_deref()))
    }

    /// Whether a page of `origin` may send `request` (a wire name such as `voice.dial`).
    ///
    /// A request name that is not `namespace.method` is never allowed.
    pub fn allows(&self, origin: &str, request: &str) -> bool {
        let normalized = normalize_origin(origin).ok();
        self.entries.iter().filter(|e| e.matches(normalized.as_deref())).any(|e| e.grants(request))
    }

    /// What `system.getAllowedServices` answers for `origin`: every request of the catalog
    /// (`cxwire_model::scapi::REQUEST_NAMES`) that [`allows`](Self::allows) grants, in catalog
    /// order; `None` when the origin is not accepted at all (the Workspace answers with an
    /// error).
    pub fn allowed_services(&self, origin: &str) -> Option<Vec<String>> {
        let normalized = normalize_origin(origin).ok();
        let matching: Vec<&OriginEntry> = self.entries.iter().filter(|e| e.matches(normalized.as_deref())).collect();
        if matching.is_empty() {
            return None;
        }
        Some(REQUEST_NAMES.iter().filter(|r| matching.iter().any(|e| e.grants(r))).map(|r| (*r).to_owned()).collect())
    }
}

impl FromStr for OriginPolicy {
    type Err = PolicyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The canonical form of the value: normalised origins, `, ` between entries and filters.
impl fmt::Display for OriginPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{entry}")?;
        }
        Ok(())
    }
}

/// Normalises a web origin to the form the origin policy compares.
///
/// The origin must be `scheme://host[:port]`, with at most one trailing `/`. Normalising:
/// surrounding whitespace and the trailing `/` are dropped, the scheme and host are lowercased,
/// the port loses leading zeros, and the default port of `http`/`ws` (80) and `https`/`wss`
/// (443) is dropped, as browsers do when they serialise an origin. Nothing else is changed: no
/// IDNA conversion (write internationalised hosts in their `xn--` form), no IP-address
/// canonicalisation.
///
/// # Errors
///
/// [`PolicyError::Origin`] when `://` is missing, the scheme or host is empty or has characters
/// an origin cannot have (including `*` wildcards and non-ASCII), there is a user name, a path, a
/// query or a fragment, or the port is not a number from 1 to 65535.
pub fn normalize_origin(origin: &str) -> Result<String, PolicyError> {
    parse_origin(origin.trim()).map_err(|reason| PolicyError::Origin { origin: origin.to_owned(), reason })
}

fn parse_origin(s: &str) -> Result<String, String> {
    const SHAPE: &str = "an origin is `scheme://host[:port]`, e.g. `https://my-web-server:8443`";
    if s.chars().any(char::is_whitespace) {
        return Err("an origin contains no spaces (is a comma missing between two origins?)".to_owned());
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!("`://` is missing: {SHAPE}"));
    };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(format!("the scheme `{scheme}` is not valid: {SHAPE}"));
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#']) {
        return Err(format!("an origin has no path, query or fragment: {SHAPE}"));
    }
    if rest.contains('@') {
        return Err(format!("an origin has no user name or password: {SHAPE}"));
    }
    let (host, port) = if let Some(after_bracket) = rest.strip_prefix('[') {
        let Some((inner, after)) = after_bracket.split_once(']') else {
            return Err("the IPv6 address has no closing `]`".to_owned());
        };
        if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.')) {
            return Err(format!("`[{inner}]` is not an IPv6 address"));
        }
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(p) => Some(p),
                None => return Err(format!("unexpected `{after}` after the IPv6 address: {SHAPE}")),
            },
        };
        (format!("[{}]", inner.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        if host.is_empty() {
            return Err(format!("the host is empty: {SHAPE}"));
        }
        if host.contains('*') {
            return Err("wildcards are not allowed in an origin; `*` alone accepts any origin".to_owned());
        }
        if !host.is_ascii() {
            return Err(format!("the host `{host}` is not ASCII: write it in its punycode (`xn--`) form"));
        }
        if let Some(bad) = host.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))) {
            return Err(format!("the host `{host}` contains `{bad}`: {SHAPE}"));
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) => {
            let number = if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                None
            } else {
                p.trim_start_matches('0').parse::<u16>().ok().filter(|n| *n > 0)
            };
            match number {
                Some(n) => Some(n),
                None => return Err(format!("the port `{p}` is not a number from 1 to 65535")),
            }
        }
    };
    let default_port = match scheme.as_str() {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    };
    Ok(match port {
        Some(p) if Some(p) != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// What a filter is: `*`, `namespace.*` or `namespace.method`.
fn parse_filter(text: &str) -> Option<Filter> {
    if text == "*" {
        return Some(Filter::All);
    }
    let (ns, rest) = text.split_once('.')?;
    if !is_ident(ns) {
        return None;
    }
    if rest == "*" {
        return Some(Filter::Namespace(ns.to_owned()));
    }
    is_ident(rest).then(|| Filter::Request(text.to_owned()))
}

/// A one-pass scanner over the option value. Delimiters are ASCII, so byte positions found by
/// scanning bytes are always character boundaries.
struct Parser<'a> {
    value: &'a str,
    pos: usize,
    warnings: Vec<String>,
}

impl Parser<'_> {
    fn column(&self, byte: usize) -> usize {
        self.value.get(..byte).map_or(0, |s| s.chars().count()) + 1
    }

    fn error(&self, byte: usize, part: &str, reason: impl Into<String>) -> PolicyError {
        PolicyError::Origins { part: part.to_owned(), column: self.column(byte), reason: reason.into() }
    }

    fn peek(&self) -> Option<u8> {
        self.value.as_bytes().get(self.pos).copied()
    }

    /// Advances to the next byte that is one of `stops`, or to the end.
    fn scan_until(&mut self, stops: &[u8]) {
        while self.peek().is_some_and(|b| !stops.contains(&b)) {
            self.pos += 1;
        }
    }

    /// `value[start..end]` trimmed, with the byte position where the trimmed text starts.
    fn trimmed(&self, start: usize, end: usize) -> (&str, usize) {
        let raw = self.value.get(start..end).unwrap_or("");
        let leading = raw.len() - raw.trim_start().len();
        (raw.trim(), start + leading)
    }

    fn parse(mut self) -> Result<OriginPolicy, PolicyError> {
        if self.value.trim().is_empty() {
            return Ok(OriginPolicy::deny_all());
        }
        let mut entries: Vec<OriginEntry> = Vec::new();
        loop {
            let start = self.pos;
            self.scan_until(b",()");
            let (text, text_start) = self.trimmed(start, self.pos);
            if text.is_empty() {
                return Err(match self.peek() {
                    Some(b'(') => self.error(self.pos, "(", "a filter list must follow an origin"),
                    Some(b')') => self.error(self.pos, ")", "unbalanced `)`: no `(` before it"),
                    _ => self.error(
                        text_start,
                        "",
                        "empty origin: two commas in a row, or a comma at the start or the end of the value",
                    ),
                });
            }
            if self.peek() == Some(b')') {
                return Err(self.error(self.pos, ")", "unbalanced `)`: no `(` before it"));
            }
            let origin = if text == "*" {
                None
            } else {
                Some(parse_origin(text).map_err(|reason| self.error(text_start, text, reason))?)
            };
            let filters = if self.peek() == Some(b'(') { self.parse_filters()? } else { Vec::new() };
            let entry = OriginEntry { origin, filters };
            if entries.iter().any(|e| e.origin == entry.origin) {
                self.warnings.push(format!(
                    "accepted-web-content-origins: `{}` (column {}) is listed more than once; the grants of its entries add up",
                    entry.origin.as_deref().unwrap_or("*"),
                    self.column(text_start)
                ));
            }
            entries.push(entry);
            match self.peek() {
                None => break,
                Some(b',') => self.pos += 1,
                Some(_) => {
                    // Only reachable after a filter list: text between `)` and the next comma.
                    let start = self.pos;
                    self.scan_until(b",");
                    let (text, text_start) = self.trimmed(start, self.pos);
                    return Err(self.error(
                        text_start,
                        text,
                        "unexpected text after `)`: origins are separated by commas",
                    ));
                }
            }
        }
        Ok(OriginPolicy { entries, warnings: self.warnings })
    }

    /// Parses `( filter, ... )` starting at the `(`; leaves `pos` after the `)` and any
    /// whitespace.
    fn parse_filters(&mut self) -> Result<Vec<Filter>, PolicyError> {
        let open = self.pos;
        self.pos += 1;
        let mut filters = Vec::new();
        loop {
            let start = self.pos;
            self.scan_until(b",()");
            let Some(delimiter) = self.peek() else {
                let rest = self.value.get(open..).unwrap_or("");
                return Err(self.error(open, rest, "unbalanced `(`: the filter list is not closed with `)`"));
            };
            if delimiter == b'(' {
                return Err(self.error(self.pos, "(", "unexpected `(` inside a filter list"));
            }
            let (text, text_start) = self.trimmed(start, self.pos);
            if text.is_empty() {
                return Err(if delimiter == b')' && filters.is_empty() {
                    self.error(open, "()", "empty filter list: omit the parentheses to allow every request")
                } else {
                    self.error(text_start, "", "empty filter: two commas in a row, or a comma next to a parenthesis")
                });
            }
            let Some(filter) = parse_filter(text) else {
                return Err(self.error(
                    text_start,
                    text,
                    "a filter is `*`, `namespace.*` or `namespace.method` (e.g. `agent.*`, `voice.dial`)",
                ));
            };
            self.warn_about(&filter, text_start);
            filters.push(filter);
            self.pos += 1;
            if delimiter == b')' {
                break;
            }
        }
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
        Ok(filters)
    }

    fn warn_about(&mut self, filter: &Filter, byte: usize) {
        let column = self.column(byte);
        match filter {
            Filter::All => {}
            Filter::Namespace(ns) if ns == "auth" => self.warnings.push(format!(
                "accepted-web-content-origins: `auth.*` (column {column}) does not grant `auth.getJwtToken`, which must be named in full"
            )),
            Filter::Namespace(ns) if !is_known_namespace(ns) => self.warnings.push(format!(
                "accepted-web-content-origins: `{ns}.*` (column {column}) names a namespace this version does not know{}; it is kept for future requests",
                namespace_case_hint(ns)
            )),
            Filter::Namespace(_) => {}
            Filter::Request(r) => {
                let sip_alias =
                    r.strip_prefix("voice.").is_some_and(|m| is_known_request(&format!("sipEndpoint.{m}")));
                if !is_known_request(r) && !sip_alias {
                    self.warnings.push(format!(
                        "accepted-web-content-origins: `{r}` (column {column}) is not a request this version knows{}; it is kept for future requests",
                        case_hint(r)
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_origins() {
        for (input, expected) in [
            ("http://my-web-server", "http://my-web-server"),
            ("  HTTP://My-Web-Server/ ", "http://my-web-server"),
            ("https://host:443", "https://host"),
            ("http://host:80", "http://host"),
            ("https://host:80", "https://host:80"),
            ("http://host:0080", "http://host"),
            ("http://host:8080/", "http://host:8080"),
            ("wss://host:443", "wss://host"),
            ("chrome-extension://abcdef", "chrome-extension://abcdef"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("http://[FE80::1]", "http://[fe80::1]"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ] {
            assert_eq!(normalize_origin(input).as_deref(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn rejects_non_origins() {
        for (input, reason_part) in [
            ("my-web-server", "`://` is missing"),
            ("http://", "the host is empty"),
            ("://host", "the scheme `` is not valid"),
            ("1http://host", "the scheme `1http` is not valid"),
            ("http://host/path", "no path, query or fragment"),
            ("http://host?x=1", "no path, query or fragment"),
            ("http://host#top", "no path, query or fragment"),
            ("http://host//", "no path, query or fragment"),
            ("http://user@host", "no user name or password"),
            ("http://host:", "the port `` is not a number"),
            ("http://host:0", "the port `0` is not a number"),
            ("http://host:65536", "the port `65536` is not a number"),
            ("http://host:8a", "the port `8a` is not a number"),
            ("http://host:1:2", "the port `1:2` is not a number"),
            ("http://*.example.com", "wildcards are not allowed"),
            ("http://bücher.de", "punycode"),
            ("http://ho$t", "contains `$`"),
            ("http://[::1", "no closing `]`"),
            ("http://[xyz]", "is not an IPv6 address"),
            ("http://[::1]x", "unexpected `x`"),
            ("null", "`://` is missing"),
            ("http://a b", "no spaces"),
        ] {
            match normalize_origin(input) {
                Err(PolicyError::Origin { origin, reason }) => {
                    assert_eq!(origin, input);
                    assert!(reason.contains(reason_part), "{input}: {reason}");
                }
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    #[test]
    fn parses_filters() {
        assert_eq!(parse_filter("*"), Some(Filter::All));
        assert_eq!(parse_filter("agent.*"), Some(Filter::Namespace("agent".into())));
        assert_eq!(parse_filter("voice.dial"), Some(Filter::Request("voice.dial".into())));
        for bad in ["agent", "agent.", "*.*", ".*", "voice.auto*", "a.b.c", "a b.c", "**", "agent.get*"] {
            assert_eq!(parse_filter(bad), None, "{bad}");
        }
    }
}
