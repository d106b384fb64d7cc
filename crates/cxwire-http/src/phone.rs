//! Phone numbers: validation and E.164 normalisation when `countryCodes` is on.
//!
//! The parsing comes from the `phonenumber` crate, behind the `phonenumber` feature (on by
//! default). Without it, numbers are always sent as given, even with `countryCodes` on, and
//! [`normalize_e164`] does not exist.

#[cfg(feature = "phonenumber")]
use phonenumber::country::Id;
#[cfg(feature = "phonenumber")]
use phonenumber::{Mode, ParseError};

use crate::error::Error;

/// A region for national numbers: the ISO 3166 code, checked when the feature is on.
#[cfg(not(feature = "phonenumber"))]
type Id = String;

/// How numbers are prepared before they are sent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "phonenumber"), allow(dead_code))]
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
    /// Without the `phonenumber` feature, the number is always sent as given.
    pub(crate) fn prepare(&self, number: &str) -> Result<String, Error> {
        #[cfg(feature = "phonenumber")]
        if self.validate {
            return normalize(number, self.default_region);
        }
        Ok(number.to_owned())
    }
}

/// Validates a number and returns it in E.164. `default_region` is the ISO 3166 region (e.g.
/// `US`) of numbers written without a country code.
///
/// # Errors
/// [`Error::InvalidPhoneNumber`] with the reason.
///
/// Needs the `phonenumber` feature (on by default).
///
/// ```
/// assert_eq!(cxwire_http::normalize_e164("415 555 0123", Some("US")).unwrap(), "+14155550123");
/// ```
#[cfg(feature = "phonenumber")]
pub fn normalize_e164(number: &str, default_region: Option<&str>) -> Result<String, Error> {
    let region = default_region.map(parse_region).transpose()?;
    normalize(number, region)
}

#[cfg(not(feature = "phonenumber"))]
pub(crate) fn parse_region(region: &str) -> Result<Id, Error> {
    Ok(region.trim().to_ascii_uppercase())
}

#[cfg(feature = "phonenumber")]
pub(crate) fn parse_region(region: &str) -> Result<Id, Error> {
    region
        .trim()
        .to_ascii_uppercase()
        .parse::<Id>()
        .map_err(|_| Error::Config(format!("unknown region {region:?} (expected an ISO 3166 code such as US)")))
}

#[cfg(feature = "phonenumber")]
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
    #[cfg(feature = "phonenumber")]
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

    #[test]
    #[cfg(not(feature = "phonenumber"))]
    fn without_the_feature_numbers_are_sent_as_given() {
        let rules = PhoneRules { validate: true, default_region: Some(parse_region("us").unwrap()) };
        assert_eq!(rules.prepare("415 555").unwrap(), "415 555");
    }
}
