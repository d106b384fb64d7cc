//! Declarative macros shared by the model: open string enums and extensible wire objects.

/// Declares a server-extensible string enum.
///
/// Known values decode without allocating; any other text decodes to `Other(String)` and
/// re-encodes to the same text. The JSON Schema lists the known values and still accepts any
/// string.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )+
            /// A value this version of cxwire does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every value this version knows, in documentation order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The text of this value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(other) => other.as_str(),
                }
            }

            /// Whether this value is one this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }

            /// Parses wire text; unknown text becomes `Other`.
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $($wire => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_wire(s)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_wire(v))
                    }
                }
                d.deserialize_str(V)
            }
        }

        #[cfg(feature = "schema")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                $crate::macros::open_enum_schema(Self::KNOWN)
            }
        }
    };
}

/// Declares an object the Workspace (or a server) sends, whose documented fields are all
/// optional on the wire and whose undocumented fields are kept in `extra`.
///
/// Decoding is a single streaming pass (no buffering of the whole object, unlike
/// `#[serde(flatten)]`), so forward compatibility costs almost nothing. A documented field sent
/// as `null` reads as `None` and the `null` is kept in `extra`, so re-encoding is lossless.
///
/// A field declared `Box<T> as boxed` (`T` a wire object) is decoded into its box in place: the
/// box is allocated first and filled, rather than a large `T` built on the stack and moved
/// (several times) into it.
macro_rules! wire_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $wire:literal => $field:ident : $ty:ty $(as $how:ident)?,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, ::serde::Serialize)]
        #[cfg_attr(feature = "schema", derive(::schemars::JsonSchema))]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[doc = ""]
                #[doc = concat!("Wire name: `", $wire, "`.")]
                #[serde(rename = $wire, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Fields this version does not know, kept so that re-encoding is lossless.
            #[serde(flatten)]
            pub extra: ::std::collections::BTreeMap<String, ::serde_json::Value>,
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let mut out = $name::default();
                <$name as $crate::macros::WireObject>::deserialize_into(d, &mut out)?;
                Ok(out)
            }
        }

        impl $crate::macros::WireObject for $name {
            fn deserialize_into<'de, D: ::serde::Deserializer<'de>>(d: D, place: &mut Self) -> Result<(), D::Error> {
                #[allow(non_camel_case_types)]
                enum __Field {
                    $($field,)*
                    __Other(String),
                }
                struct FieldVisitor;
                impl ::serde::de::Visitor<'_> for FieldVisitor {
                    type Value = __Field;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str("a field name")
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<__Field, E> {
                        Ok(match v {
                            $($wire => __Field::$field,)*
                            other => __Field::__Other(other.to_owned()),
                        })
                    }
                }
                impl<'de> ::serde::Deserialize<'de> for __Field {
                    fn deserialize<D2: ::serde::Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
                        d.deserialize_identifier(FieldVisitor)
                    }
                }
                struct V<'p>(&'p mut $name);
                impl<'de> ::serde::de::Visitor<'de> for V<'_> {
                    type Value = ();
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(concat!("an object (", stringify!($name), ")"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                        let out = self.0;
                        while let Some(key) = map.next_key::<__Field>()? {
                            match key {
                                $(
                                    __Field::$field => {
                                        if out.$field.is_some() {
                                            return Err(<A::Error as ::serde::de::Error>::duplicate_field($wire));
                                        }
                                        match $crate::macros::wire_field!(map, $ty $(, $how)?) {
                                            Some(value) => out.$field = Some(value),
                                            // A documented field sent as null reads as None; the
                                            // null is kept so that re-encoding is lossless.
                                            None => {
                                                out.extra.insert($wire.to_owned(), ::serde_json::Value::Null);
                                            }
                                        }
                                    }
                                )*
                                __Field::__Other(name) => {
                                    let value = map.next_value::<::serde_json::Value>()?;
                                    out.extra.insert(name, value);
                                }
                            }
                        }
                        Ok(())
                    }
                }
                d.deserialize_map(V(place))
            }
        }
    };
}

/// Reads the value of a [`wire_object!`] field as `Option<$ty>`: by serde, or in place for a
/// `Box<T> as boxed` field.
macro_rules! wire_field {
    ($map:ident, $ty:ty) => {
        $map.next_value::<Option<$ty>>()?
    };
    ($map:ident, $ty:ty, boxed) => {
        $map.next_value_seed($crate::macros::BoxedSeed::<<$ty as $crate::macros::Boxed>::Inner>::new())?
    };
}

/// A [`wire_object!`]: decodable into an existing value.
pub(crate) trait WireObject: Default {
    /// Decodes into `place` (a default value), field by field.
    fn deserialize_into<'de, D: serde::Deserializer<'de>>(d: D, place: &mut Self) -> Result<(), D::Error>;
}

/// What a `Box<T>` holds, for `wire_field!`.
pub(crate) trait Boxed {
    type Inner;
}

impl<T> Boxed for Box<T> {
    type Inner = T;
}

/// Decodes `Option<Box<T>>` of a wire object in place: `null` is `None`, an object is decoded
/// into a box allocated first.
pub(crate) struct BoxedSeed<T>(std::marker::PhantomData<T>);

impl<T> BoxedSeed<T> {
    pub(crate) fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'de, T: WireObject> serde::de::DeserializeSeed<'de> for BoxedSeed<T> {
    type Value = Option<Box<T>>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: WireObject> serde::de::Visitor<'de> for V<T> {
            type Value = Option<Box<T>>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("option")
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                let mut place = Box::<T>::default();
                T::deserialize_into(d, &mut place)?;
                Ok(Some(place))
            }
        }
        d.deserialize_option(V(std::marker::PhantomData))
    }
}

/// Implements `Serialize` and `Deserialize` for a struct derived with `#[serde(remote = "Self")]`
/// (and `#[schemars(rename = "...")]`, which keeps its schema name), so that it reads a JSON
/// object only: serde's derived structs also read a positional array of their fields, which the
/// schemas (and every other language) refuse.
macro_rules! object_only {
    ($name:ident) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $name::serialize(self, s)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(concat!("an object (", stringify!($name), ")"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, map: A) -> Result<$name, A::Error> {
                        $name::deserialize(::serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

pub(crate) use object_only;

/// Deserializes `T` from a JSON object only (serde's derive would also read a positional
/// array), for the types whose `Deserialize` is written by hand around a wire struct.
pub(crate) fn deserialize_object<'de, D, T>(d: D, what: &'static str) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    struct Object<T>(&'static str, std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "an object ({})", self.0)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(Object(what, std::marker::PhantomData))
}
pub(crate) use open_enum;
pub(crate) use wire_field;
pub(crate) use wire_object;

/// The schema of an open enum: any string, with the known values listed for documentation
/// and code generators (`"A" | "B" | string` in TypeScript).
#[cfg(feature = "schema")]
pub(crate) fn open_enum_schema(known: &[&str]) -> schemars::Schema {
    schemars::json_schema!({
        "anyOf": [
            { "type": "string", "enum": known },
            { "type": "string" }
        ]
    })
}
