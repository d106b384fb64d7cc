//! Phone numbers: validation and E.164 normalisation when `countryCodes` is on.

use phonenumber::country::Id;
use phonenumber::{Mode, ParseError};

use crate::error::Error;

/// How numbers are prepared before they are sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PhoneRules {
    /// `countryCodes`: validate and normalise to E.164.
    pub(crate) validate: bool,
    /// The region of numbers written without a country code.
    pub(crate) default_region: Option<Id>,
}

impl PhoneRules {
    /// With `countryCodes` off, the number is sent as given. With it on, the number must parse
    /// (with `+<country code>`, or as a national number of the default region) and be valid for
    /// its country; it is sent in E.164 (`+14151110000`).
    pub(crate) fn prepare(&self, number: &str) -> Result<String, Error> {
        if !self.validate {
            return Ok(number.to_owned());
        }
        normalize(number, self.default_region)
    }
}

/// Validates a number and returns it in E.164. `default_region` is the ISO 3166 region (e.g.
/// `US`) of numbers written without a country code.
///
/// # Errors
/// [`Error::InvalidPhoneNumber`] with the reason.
pub fn normalize_e164(number: &str, default_region: Option<&str>) -> Result<String, Error> {
    let region = default_region.map(parse_region).transpose()?;
    normalize(number, region)
}

pub(crate) fn parse_region(region: &str) -> Result<Id, Error> {
    region
        .trim()
        .to_ascii_uppercase()
        .parse::<Id>()
        .map_err(|_| Error::Config(format!("unknown region {region:?} (expected an ISO 3166 code such as US)")))
}

fn normalize(number: &str, region: Option<Id>) -> Result<String, Error> {
    let invalid = |reason: String| Error::InvalidPhoneNumber { number: number.to_owned(), reason };
    if number.trim().is_empty() {
        return Err(invalid("empty".into()));
    }
    let parsed = phonenumber::parse(region, number).map_err(|e| {
        invalid(match e {
            ParseError::InvalidCountryCode if region.is_none() => {
                "no country code: write it as +<country code><number>, or set a default region".into()
            }
            other => other.to_string(),
        })
    })?;
    if !parsed.is_valid() {
        return Err(invalid("not a valid number for its country".into()));
    }
    Ok(parsed.format().mode(Mode::E164).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        assert_eq!(normalize_e164("+1 (415) 555-0123", None).unwrap(), "+14155550123");
        assert_eq!(normalize_e164("415 555 0123", Some("us")).unwrap(), "+14155550123");
        assert_eq!(normalize_e164("020 7946 0958", Some("GB")).unwrap(), "+442079460958");
        let e = normalize_e164("4155550123", None).unwrap_err();
        assert!(e.to_string().contains("countryCodes"), "{e}");
        assert!(matches!(&e, Error::InvalidPhoneNumber { reason, .. } if reason.contains("no country code")));
        assert!(matches!(normalize_e164("+1 415", None), Err(Error::InvalidPhoneNumber { .. })));
        assert!(matches!(normalize_e164("hello", Some("US")), Err(Error::InvalidPhoneNumber { .. })));
        assert!(matches!(normalize_e164("", Some("US")), Err(Error::InvalidPhoneNumber { .. })));
        assert!(matches!(normalize_e164("+1 415 555 0123", Some("XX")), Err(Error::Config(_))));
    }

    #[test]
    fn off_means_as_given() {
        let rules = PhoneRules { validate: false, default_region: None };
        assert_eq!(rules.prepare(" 4151110000 ").unwrap(), " 4151110000 ");
    }
}
