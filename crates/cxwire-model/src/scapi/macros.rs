//! The macro that declares every Service Client request once.

/// Declares the requests: for each, a struct whose serde form is its positional `parameters`
/// array, its [`ServiceRequest`](crate::scapi::ServiceRequest) impl, and the variants of
/// [`Request`](crate::scapi::Request) and [`Response`](crate::scapi::Response).
macro_rules! service_requests {
    (
        $(
            $(#[$meta:meta])*
            $wire:literal $(| $documented:literal)? => $name:ident {
                $( $(#[$rmeta:meta])* $rfield:ident ($rwire:literal) : $rty:ty ),* $(,)?
                $( ; $( $(#[$ometa:meta])* $ofield:ident ($owire:literal) : $oty:ty ),* $(,)? )?
            } -> $resp:ty;
        )+
    ) => {
        $(
            $(#[$meta])*
            #[doc = ""]
            #[doc = concat!("Wire name: `", $wire, "`", $(" (documented as `", $documented, "`, also accepted)",)? ". Answer: [`", stringify!($resp), "`].")]
            #[derive(Clone, Debug, PartialEq)]
            pub struct $name {
                $(
                    $(#[$rmeta])*
                    #[doc = concat!(" (`", $rwire, "`)")]
                    pub $rfield: $rty,
                )*
                $($(
                    $(#[$ometa])*
                    #[doc = concat!(" (`", $owire, "`, optional)")]
                    pub $ofield: Option<$oty>,
                )*)?
            }

            impl $crate::scapi::ServiceRequest for $name {
                const NAME: &'static str = $wire;
                const DOCUMENTED_NAME: Option<&'static str> = {
                    #[allow(unused_mut, unused_assignments)]
                    let mut documented: Option<&'static str> = None;
                    $( documented = Some($documented); )?
                    documented
                };
                const PARAMETER_NAMES: &'static [&'static str] = &[$($rwire,)* $($($owire,)*)?];
                const REQUIRED_PARAMETERS: usize = { let names: &[&str] = &[$($rwire),*]; names.len() };
                type Response = $resp;

                fn has_parameters(&self) -> bool {
                    let optional: &[bool] = &[$($(self.$ofield.is_some(),)*)?];
                    <Self as $crate::scapi::ServiceRequest>::REQUIRED_PARAMETERS > 0 || optional.iter().any(|p| *p)
                }

                fn from_request(request: $crate::scapi::Request) -> Option<Self> {
                    match request {
                        $crate::scapi::Request::$name(value) => Some(value),
                        _ => None,
                    }
                }

                fn from_response(response: $crate::scapi::Response) -> Option<$resp> {
                    match response {
                        $crate::scapi::Response::$name(value) => Some(value),
                        _ => None,
                    }
                }

                fn decode_parameters(items: &[&::serde_json::value::RawValue]) -> Result<Self, $crate::DecodeError> {
                    $crate::scapi::check_arity::<Self>(items.len())?;
                    let mut _index = 0usize;
                    $(
                        let $rfield: $rty = $crate::scapi::decode_parameter::<Self, $rty>(items, _index)?;
                        _index += 1;
                    )*
                    $($(
                        let $ofield: Option<$oty> = if _index < items.len() {
                            $crate::scapi::decode_parameter::<Self, Option<$oty>>(items, _index)?
                        } else {
                            None
                        };
                        _index += 1;
                    )*)?
                    Ok(Self { $($rfield,)* $($($ofield,)*)? })
                }
            }

            impl ::serde::Serialize for $name {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    use ::serde::ser::SerializeSeq;
                    let present: &[bool] = &[$($(self.$ofield.is_some(),)*)?];
                    // Optional trailing parameters that are absent are omitted, as the
                    // library does; an absent one before a present one is sent as null.
                    let optional = present.iter().rposition(|p| *p).map_or(0, |i| i + 1);
                    let required = <Self as $crate::scapi::ServiceRequest>::REQUIRED_PARAMETERS;
                    #[allow(unused_mut)]
                    let mut seq = s.serialize_seq(Some(required + optional))?;
                    $( seq.serialize_element(&self.$rfield)?; )*
                    let mut _index = 0usize;
                    $($(
                        if _index < optional {
                            seq.serialize_element(&self.$ofield)?;
                        }
                        _index += 1;
                    )*)?
                    seq.end()
                }
            }

            impl<'de> ::serde::Deserialize<'de> for $name {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    struct V;
                    impl<'de> ::serde::de::Visitor<'de> for V {
                        type Value = $name;
                        fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                            write!(f, "the parameters of `{}`", $wire)
                        }
                        fn visit_seq<A: ::serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<$name, A::Error> {
                            let mut _index = 0usize;
                            $(
                                let $rfield: $rty = match seq.next_element()? {
                                    Some(v) => v,
                                    None => return Err(<A::Error as ::serde::de::Error>::invalid_length(_index, &self)),
                                };
                                _index += 1;
                            )*
                            $($(
                                let $ofield: Option<$oty> = seq.next_element::<Option<$oty>>()?.flatten();
                                _index += 1;
                            )*)?
                            let mut extra = 0usize;
                            while seq.next_element::<::serde::de::IgnoredAny>()?.is_some() {
                                extra += 1;
                            }
                            if extra > 0 {
                                return Err(<A::Error as ::serde::de::Error>::invalid_length(_index + extra, &self));
                            }
                            Ok($name { $($rfield,)* $($($ofield,)*)? })
                        }
                    }
                    d.deserialize_seq(V)
                }
            }

            #[cfg(feature = "schema")]
            impl ::schemars::JsonSchema for $name {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    concat!(stringify!($name), "Parameters").into()
                }
                fn json_schema(_g: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                    let items: Vec<::serde_json::Value> = vec![
                        $( _g.subschema_for::<$rty>().to_value(), )*
                        $($( _g.subschema_for::<Option<$oty>>().to_value(), )*)?
                    ];
                    let min = <Self as $crate::scapi::ServiceRequest>::REQUIRED_PARAMETERS;
                    let max = items.len();
                    if items.is_empty() {
                        return ::schemars::json_schema!({
                            "description": concat!("`", $wire, "` takes no parameters."),
                            "type": "array",
                            "maxItems": 0,
                            "items": false,
                        });
                    }
                    ::schemars::json_schema!({
                        "description": concat!("The positional parameters of `", $wire, "`."),
                        "type": "array",
                        "prefixItems": items,
                        "minItems": min,
                        "maxItems": max,
                        "items": false,
                    })
                }
            }

            impl From<$name> for $crate::scapi::Request {
                fn from(r: $name) -> Self {
                    Self::$name(r)
                }
            }
        )+

        /// Any request a client sends, typed for every request of the catalog, or raw.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Request {
            $(
                #[doc = concat!("`", $wire, "`")]
                $name($name),
            )+
            /// A request this version does not know (a future Workspace's), by name with its
            /// parameters as JSON.
            Raw(RawRequest),
        }

        /// The typed answer of any request (the `data` of a successful answer).
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Response {
            $(
                #[doc = concat!("`", $wire, "`")]
                $name($resp),
            )+
            /// The answer to a request this version does not know.
            Raw(Option<::serde_json::Value>),
        }

        impl ::serde::Serialize for Response {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$name(r) => ::serde::Serialize::serialize(r, s),)+
                    Self::Raw(v) => ::serde::Serialize::serialize(v, s),
                }
            }
        }

        /// The wire name of every request this version knows, in catalog order.
        pub const REQUEST_NAMES: &[&str] = &[$($wire),+];

        /// `(documented name, wire name)` for the requests the seed documents under another
        /// name than the published library sends (the SIP endpoint calls, documented in the voice
        /// namespace). Both names are accepted; the wire name is sent.
        pub const DOCUMENTED_NAMES: &[(&str, &str)] = &[$($(($documented, $wire),)?)+];

        impl Request {
            /// The request's wire name, e.g. `interaction.setUserData`.
            pub fn name(&self) -> &str {
                match self {
                    $(Self::$name(_) => $wire,)+
                    Self::Raw(r) => &r.name,
                }
            }

            /// The name the seed documents for this request where it differs from the wire
            /// name (`voice.muteMicrophone` for `sipEndpoint.muteMicrophone`); both are accepted.
            pub fn documented_name(&self) -> Option<&'static str> {
                match self {
                    $(Self::$name(_) => <$name as $crate::scapi::ServiceRequest>::DOCUMENTED_NAME,)+
                    Self::Raw(_) => None,
                }
            }

            /// The positional parameters as JSON values.
            pub fn parameters(&self) -> Vec<::serde_json::Value> {
                match self {
                    $(Self::$name(r) => $crate::scapi::to_parameter_values(r),)+
                    Self::Raw(r) => r.parameters.clone(),
                }
            }

            /// Decodes the parameters of the request named `name` (its wire name or its documented
            /// name); an unknown name gives [`Request::Raw`].
            ///
            /// # Errors
            /// A known request with the wrong number of parameters or a parameter of the wrong
            /// type.
            pub fn decode(name: &str, items: &[&::serde_json::value::RawValue]) -> Result<Self, $crate::DecodeError> {
                match name {
                    $($wire $(| $documented)? => <$name as $crate::scapi::ServiceRequest>::decode_parameters(items).map(Self::$name),)+
                    other => Ok(Self::Raw(RawRequest::from_raw(other, items)?)),
                }
            }

            /// Deserializes the parameters of the request named `name` in one pass (the frame
            /// decoder's fast path).
            pub(crate) fn deserialize_named<'de, D: ::serde::Deserializer<'de>>(name: &str, d: D) -> Result<Self, D::Error> {
                match name {
                    $($wire $(| $documented)? => <$name as ::serde::Deserialize>::deserialize(d).map(Self::$name),)+
                    other => <Vec<::serde_json::Value> as ::serde::Deserialize>::deserialize(d)
                        .map(|parameters| Self::Raw(RawRequest { name: other.to_owned(), parameters })),
                }
            }

            pub(crate) fn serialize_parameters<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$name(r) => ::serde::Serialize::serialize(r, s),)+
                    Self::Raw(r) => ::serde::Serialize::serialize(&r.parameters, s),
                }
            }

            pub(crate) fn has_parameters(&self) -> bool {
                match self {
                    $(Self::$name(r) => $crate::scapi::ServiceRequest::has_parameters(r),)+
                    Self::Raw(r) => !r.parameters.is_empty(),
                }
            }
        }

        impl Response {
            /// Decodes the `data` of a successful answer to the request named `request` (its wire
            /// or documented name; `None` when the answer has no `data`).
            ///
            /// # Errors
            /// The data does not have the documented shape.
            pub fn decode(request: &str, data: Option<&str>) -> Result<Self, $crate::DecodeError> {
                match request {
                    $($wire $(| $documented)? => $crate::scapi::decode_response::<$name>(data).map(Self::$name),)+
                    _ => match data {
                        None => Ok(Self::Raw(None)),
                        Some(text) => $crate::error::from_str_at(|| format!("answer to `{request}`"), text)
                            .map(|v| Self::Raw(Some(v)))
                            .map_err(|e| e.within("data")),
                    },
                }
            }

            /// Deserializes the answer to the request named `name` in one pass (the frame
            /// decoder's fast path).
            pub(crate) fn deserialize_named<'de, D: ::serde::Deserializer<'de>>(name: &str, d: D) -> Result<Self, D::Error> {
                match name {
                    $($wire $(| $documented)? => <$resp as ::serde::Deserialize>::deserialize(d).map(Self::$name),)+
                    _ => <::serde_json::Value as ::serde::Deserialize>::deserialize(d).map(|v| Self::Raw(Some(v))),
                }
            }

            /// The answer as the JSON `data` value (`None` for requests that answer nothing).
            pub fn to_data(&self) -> Option<::serde_json::Value> {
                match self {
                    $(Self::$name(r) => $crate::scapi::response_to_data(r),)+
                    Self::Raw(v) => v.clone(),
                }
            }
        }

        /// One entry per request type, for the schema registry and catalog tests.
        #[cfg(feature = "schema")]
        pub(crate) const REQUEST_TYPES: &[$crate::registry::RequestType] = &[
            $($crate::registry::RequestType::of::<$name>(),)+
        ];
    };
}

pub(crate) use service_requests;
