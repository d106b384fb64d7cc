//! The subjects, headers and names the gateway uses on NATS: the contract for services in any
//! language (documented in the crate README).

/// The header of a call request: the longest the caller waits, in milliseconds.
pub const HEADER_TIMEOUT_MS: &str = "Cxwire-Timeout-Ms";
/// The header of a call request asking for an acceptance message before the answer
/// (value `1`); the typed client uses it to fail calls at once when their desktop goes away.
pub const HEADER_ACK: &str = "Cxwire-Ack";
/// The header of the acceptance message: `<instance> <connection>`.
pub const HEADER_ACCEPTED: &str = "Cxwire-Accepted";
/// The header of a reply the gateway made itself instead of the desktop: one of the
/// [`ErrorCode`](crate::ErrorCode) names. Its body is still an answer frame, with
/// `errorMessage`.
pub const HEADER_ERROR: &str = "Cxwire-Error";
/// The header naming the agent of an event or a presence message (the agent id as it is, not
/// its subject token).
pub const HEADER_AGENT: &str = "Cxwire-Agent";
/// The header naming the gateway instance of an event.
pub const HEADER_INSTANCE: &str = "Cxwire-Instance";
/// The header naming the desktop connection of an event (unique over instances and time).
pub const HEADER_CONNECTION: &str = "Cxwire-Connection";
/// The header numbering the events of one desktop connection from 1; a gap means events were
/// lost before publication (the gateway's subscriber lagged).
pub const HEADER_SEQ: &str = "Cxwire-Seq";
/// JetStream's de-duplication header, set on every event (`<connection>-<seq>`).
pub const HEADER_MSG_ID: &str = "Nats-Msg-Id";

/// The subjects of one prefix (one tenant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subjects {
    prefix: String,
}

impl Subjects {
    /// The subjects under `prefix` (e.g. `cxwire`, or `tenant-a.cxwire`).
    ///
    /// # Errors
    /// [`crate::Error::Config`] when the prefix is empty or is not a valid subject (wildcards,
    /// whitespace, empty tokens).
    pub fn new(prefix: &str) -> Result<Self, crate::Error> {
        let valid = !prefix.is_empty()
            && prefix
                .split('.')
                .all(|token| !token.is_empty() && token.chars().all(|c| !c.is_whitespace() && c != '*' && c != '>'));
        if !valid {
            return Err(crate::Error::Config {
                message: format!("the subject prefix `{prefix}` is not a valid NATS subject without wildcards"),
            });
        }
        Ok(Self { prefix: prefix.to_owned() })
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `<prefix>.desktop.<agent>.call`: calls to one desktop (request-reply).
    pub fn call(&self, agent: &str) -> String {
        format!("{}.desktop.{}.call", self.prefix, token(agent))
    }

    /// `<prefix>.events.<agent>.<topic>`: the events of one desktop and topic. `None` is the
    /// `*` wildcard.
    pub fn events(&self, agent: Option<&str>, topic: Option<&str>) -> String {
        format!(
            "{}.events.{}.{}",
            self.prefix,
            agent.map_or_else(|| "*".to_owned(), token),
            topic.map_or_else(|| "*".to_owned(), token)
        )
    }

    /// `<prefix>.presence.<agent>`: a desktop came (`online`) or went (`offline`). `None` is
    /// the `*` wildcard.
    pub fn presence(&self, agent: Option<&str>) -> String {
        format!("{}.presence.{}", self.prefix, agent.map_or_else(|| "*".to_owned(), token))
    }

    /// `<prefix>.instances.<instance>`: a gateway instance's heartbeat. `None` is `*`.
    pub fn heartbeat(&self, instance: Option<&str>) -> String {
        format!("{}.instances.{}", self.prefix, instance.map_or_else(|| "*".to_owned(), token))
    }

    /// The KV bucket of desktop registrations: `<prefix>_desktops`, with every character a
    /// bucket name cannot hold replaced by `_`.
    pub fn bucket(&self) -> String {
        format!("{}_desktops", name_part(&self.prefix))
    }

    /// The JetStream stream of events: `<PREFIX>_EVENTS` (upper case, `_` for the rest).
    pub fn stream(&self) -> String {
        format!("{}_EVENTS", name_part(&self.prefix).to_uppercase())
    }
}

/// The subject token (and KV key) of an agent id or topic: the id itself when it consists of
/// ASCII letters, digits, `-` and `_` only; otherwise every other byte of its UTF-8 is written
/// `=XX` (upper-case hex), e.g. `jane.doe@example.com` -> `jane=2Edoe=40example=2Ecom` and
/// `messenger:crm` -> `messenger=3Acrm`. Distinct ids give distinct tokens.
pub fn token(id: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if !id.is_empty() && id.bytes().all(plain) {
        return id.to_owned();
    }
    let mut out = String::with_capacity(id.len() * 3);
    for b in id.bytes() {
        if plain(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    if out.is_empty() {
        // The empty id: a token of its own, which no other id produces.
        out.push('=');
    }
    out
}

/// Reverses [`token`]; `None` when `token` is not one it produces.
pub fn untoken(token: &str) -> Option<String> {
    if token == "=" {
        return Some(String::new());
    }
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = token.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn name_part(prefix: &str) -> String {
    prefix.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_plain_ids_or_escaped_and_reversible() {
        assert_eq!(token("agent1"), "agent1");
        assert_eq!(token("jane.doe@example.com"), "jane=2Edoe=40example=2Ecom");
        assert_eq!(token("messenger:crm"), "messenger=3Acrm");
        assert_eq!(token("a b*>"), "a=20b=2A=3E");
        assert_eq!(token("é"), "=C3=A9");
        assert_eq!(token(""), "=");
        for id in ["agent1", "jane.doe@example.com", "a=b", "=41", "é x", "", "messenger:a.b"] {
            assert_eq!(untoken(&token(id)).as_deref(), Some(id), "{id}");
        }
        // `=` itself is escaped, so an id that looks escaped cannot collide with another.
        assert_ne!(token("=41"), token("A"));
        assert_eq!(untoken("=4"), None);
        assert_eq!(untoken("=ZZ"), None);
    }

    #[test]
    fn subjects_and_names_follow_the_prefix() {
        let s = Subjects::new("tenant-a.cxwire").unwrap();
        assert_eq!(s.call("jane.doe"), "tenant-a.cxwire.desktop.jane=2Edoe.call");
        assert_eq!(s.events(Some("a1"), Some("messenger:crm")), "tenant-a.cxwire.events.a1.messenger=3Acrm");
        assert_eq!(s.events(None, None), "tenant-a.cxwire.events.*.*");
        assert_eq!(s.presence(None), "tenant-a.cxwire.presence.*");
        assert_eq!(s.bucket(), "tenant-a_cxwire_desktops");
        assert_eq!(s.stream(), "TENANT-A_CXWIRE_EVENTS");
        for bad in ["", "a..b", "a.*", "a.>", "a b", ".a", "a."] {
            assert!(Subjects::new(bad).is_err(), "{bad}");
        }
    }
}
