//! A serde `Deserializer` over the positioned tree. It is resilient, so one pass reports many
//! problems: unknown keys are all reported (with did-you-mean against the struct's fields) and
//! skipped, a value of the wrong type or an unknown enum variant is reported at the value and
//! replaced by a neutral placeholder so the rest of the section is still checked. Errors that serde
//! derive raises itself (a missing field) are given the position of the enclosing table.

use super::syntax::{Entry, Kind, Node};
use crate::diag::{suggest, Diag, Pos};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::RefCell;
use std::fmt;

/// Collected problems; shared by every deserializer of one load.
pub type Sink = RefCell<Vec<Diag>>;

/// The error type. `reported` means the problem is already in the sink.
#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub pos: Option<Pos>,
    pub reported: bool,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            pos: None,
            reported: false,
        }
    }
}

impl Error {
    fn reported() -> Self {
        Error {
            message: String::new(),
            pos: None,
            reported: true,
        }
    }
    fn at(mut self, pos: Pos) -> Self {
        self.pos.get_or_insert(pos);
        self
    }
}

/// Deserializes `T` from `node`; every problem goes to `sink`. `what` names the section in
/// messages (e.g. "step `blur` (gaussian)"). Returns `None` if the section could not be built; a
/// section with reported problems may still come back, with placeholders where values were bad
/// (so later checks still run; the problems are in the sink).
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &Node, what: &str, sink: &Sink) -> Option<T> {
    from_node_among(node, what, sink, &[])
}

/// [`from_node`] for a table whose keys `also` were taken off before (they are valid, and named
/// in the hints for unknown keys).
pub fn from_node_among<'de, T: de::Deserialize<'de>>(
    node: &Node,
    what: &str,
    sink: &Sink,
    also: &[&str],
) -> Option<T> {
    match T::deserialize(NodeDe {
        node,
        what,
        sink,
        key: None,
        also,
    }) {
        Ok(v) => Some(v),
        Err(e) => {
            if !e.reported {
                let msg = humanize(&e.message, what);
                sink.borrow_mut()
                    .push(Diag::new(e.pos.unwrap_or(node.pos), msg.0).hint_opt(msg.1));
            }
            None
        }
    }
}

/// Rewrites serde's stock messages into ours, with a hint where one helps.
fn humanize(message: &str, what: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("missing field ") {
        return (
            format!("{what} is missing the required key {rest}"),
            Some(format!("add {rest} to {what}")),
        );
    }
    (format!("{what}: {message}"), None)
}

struct NodeDe<'a> {
    node: &'a Node,
    what: &'a str,
    sink: &'a Sink,
    /// The key this value belongs to, for messages.
    key: Option<&'a str>,
    /// Keys of this table taken off before (valid; named in hints).
    also: &'a [&'a str],
}

impl<'a> NodeDe<'a> {
    fn report(&self, diag: Diag) -> Error {
        self.sink.borrow_mut().push(diag);
        Error::reported()
    }

    /// Reports a type mismatch at this value.
    fn mismatch(&self, expected: &str) -> Diag {
        Diag::new(
            self.node.pos,
            format!(
                "{} must be {expected}, got {}",
                self.subject(),
                self.node.describe()
            ),
        )
    }

    /// "`sigma` in step 1 (gaussian)", or the section alone.
    fn subject(&self) -> String {
        match self.key {
            Some(k) => format!("`{k}` in {}", self.what),
            None => self.what.to_string(),
        }
    }

    fn child(&self, node: &'a Node, key: Option<&'a str>) -> NodeDe<'a> {
        NodeDe {
            node,
            what: self.what,
            sink: self.sink,
            key: key.or(self.key),
            also: &[],
        }
    }
}

macro_rules! number {
    ($method:ident, $visit:ident, $ty:ty, $expected:literal) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match &self.node.kind {
                Kind::Int(i) => match <$ty>::try_from(*i) {
                    Ok(v) => visitor.$visit(v),
                    Err(_) => {
                        self.sink.borrow_mut().push(Diag::new(
                            self.node.pos,
                            format!("{} must be {}, got {}", self.subject(), $expected, i),
                        ));
                        visitor.$visit(0 as $ty)
                    }
                },
                _ => {
                    self.sink.borrow_mut().push(self.mismatch($expected));
                    visitor.$visit(0 as $ty)
                }
            }
        }
    };
}

impl<'de, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Null => visitor.visit_unit(),
            Kind::Bool(b) => visitor.visit_bool(*b),
            Kind::Int(i) => visitor.visit_i64(*i),
            Kind::Float(f) => visitor.visit_f64(*f),
            Kind::Str(s) => visitor.visit_str(s),
            Kind::Seq(items) => visitor.visit_seq(SeqDe {
                items: items.iter(),
                parent: self,
            }),
            Kind::Map(entries) => visitor.visit_map(MapDe {
                entries: entries.iter().collect::<Vec<_>>().into_iter(),
                value: None,
                parent: self,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Bool(b) => visitor.visit_bool(*b),
            _ => {
                self.sink.borrow_mut().push(self.mismatch("true or false"));
                visitor.visit_bool(false)
            }
        }
    }

    number!(deserialize_u8, visit_u8, u8, "a whole number from 0 to 255");
    number!(
        deserialize_u16,
        visit_u16,
        u16,
        "a whole number from 0 to 65535"
    );
    number!(
        deserialize_u32,
        visit_u32,
        u32,
        "a whole number from 0 to 4294967295"
    );
    number!(
        deserialize_u64,
        visit_u64,
        u64,
        "a non-negative whole number"
    );
    number!(deserialize_i8, visit_i8, i8, "a whole number");
    number!(deserialize_i16, visit_i16, i16, "a whole number");
    number!(deserialize_i32, visit_i32, i32, "a whole number");
    number!(deserialize_i64, visit_i64, i64, "a whole number");

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Float(f) => visitor.visit_f64(*f),
            Kind::Int(i) => visitor.visit_f64(*i as f64),
            _ => {
                self.sink.borrow_mut().push(self.mismatch("a number"));
                visitor.visit_f64(f64::NAN)
            }
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Str(s) => visitor.visit_str(s),
            _ => {
                self.sink.borrow_mut().push(self.mismatch("a string"));
                visitor.visit_str("")
            }
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Seq(items) => visitor.visit_seq(SeqDe {
                items: items.iter(),
                parent: self,
            }),
            _ => {
                self.sink.borrow_mut().push(self.mismatch("a list"));
                visitor.visit_seq(SeqDe {
                    items: [].iter(),
                    parent: self,
                })
            }
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Seq(items) if items.len() == len => self.deserialize_seq(visitor),
            Kind::Seq(items) => Err(self.report(Diag::new(
                self.node.pos,
                format!("expected a list of {len} values, got {}", items.len()),
            ))),
            _ => Err(self.report(self.mismatch(&format!("a list of {len} values")))),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Map(entries) => visitor.visit_map(MapDe {
                entries: entries.iter().collect::<Vec<_>>().into_iter(),
                value: None,
                parent: self,
            }),
            _ => Err(self.report(self.mismatch("a table"))),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let Kind::Map(entries) = &self.node.kind else {
            return Err(self.report(self.mismatch("a table")));
        };
        let mut known = Vec::with_capacity(entries.len());
        for e in entries {
            if fields.contains(&e.key.as_str()) {
                known.push(e);
            } else {
                self.sink.borrow_mut().push(
                    Diag::new(
                        e.key_pos,
                        format!("unknown key `{}` in {}", e.key, self.what),
                    )
                    .with_hint(suggest(
                        &e.key,
                        &self.also.iter().chain(fields).copied().collect::<Vec<_>>(),
                    )),
                );
            }
        }
        let pos = self.node.pos;
        visitor
            .visit_map(MapDe {
                entries: known.into_iter(),
                value: None,
                parent: self,
            })
            .map_err(|e| e.at(pos))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Str(s) if variants.contains(&s.as_str()) => {
                visitor.visit_enum(s.as_str().into_deserializer())
            }
            Kind::Str(s) => {
                let hint = suggest(s, variants);
                self.sink.borrow_mut().push(
                    Diag::new(
                        self.node.pos,
                        format!("unknown value {s:?} for {}", self.subject()),
                    )
                    .with_hint(hint),
                );
                match variants.first() {
                    Some(v) => visitor.visit_enum((*v).into_deserializer()),
                    None => Err(Error::reported()),
                }
            }
            // `{ disk = 2 }`: a variant with a value, written as a table of one key.
            Kind::Map(entries) if entries.len() == 1 => {
                let e = &entries[0];
                if !variants.contains(&e.key.as_str()) {
                    return Err(self.report(
                        Diag::new(
                            e.key_pos,
                            format!("unknown kind `{}` for {}", e.key, self.subject()),
                        )
                        .with_hint(suggest(&e.key, variants)),
                    ));
                }
                visitor.visit_enum(VariantDe {
                    entry: e,
                    parent: self,
                })
            }
            _ => Err(self.report(self.mismatch(&format!(
                "one of {}",
                variants
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 bytes byte_buf unit_struct tuple_struct
    }
}

/// An enum variant written as a table of one key: the key names the variant, the value is its
/// content.
struct VariantDe<'a> {
    entry: &'a Entry,
    parent: NodeDe<'a>,
}

impl<'de, 'a> de::EnumAccess<'de> for VariantDe<'a> {
    type Error = Error;
    type Variant = NodeDe<'a>;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'a>), Error> {
        let key = self.entry.key.as_str();
        let v = seed
            .deserialize(key.into_deserializer())
            .map_err(|err: de::value::Error| <Error as de::Error>::custom(err))?;
        Ok((v, self.parent.child(&self.entry.value, Some(key))))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'_> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        let pos = self.node.pos;
        seed.deserialize(self).map_err(|e| e.at(pos))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

struct SeqDe<'a, I> {
    items: I,
    parent: NodeDe<'a>,
}

impl<'de, 'a, I: Iterator<Item = &'a Node>> de::SeqAccess<'de> for SeqDe<'a, I> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(n) => seed
                .deserialize(self.parent.child(n, None))
                .map(Some)
                .map_err(|e| e.at(n.pos)),
            None => Ok(None),
        }
    }
}

struct MapDe<'a> {
    entries: std::vec::IntoIter<&'a Entry>,
    value: Option<&'a Entry>,
    parent: NodeDe<'a>,
}

impl<'de, 'a> de::MapAccess<'de> for MapDe<'a> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some(e) => {
                self.value = Some(e);
                seed.deserialize(e.key.as_str().into_deserializer())
                    .map(Some)
                    .map_err(|err: de::value::Error| {
                        <Error as de::Error>::custom(err).at(e.key_pos)
                    })
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let entry = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("value without a key"))?;
        let child = self.parent.child(&entry.value, Some(&entry.key));
        let subject = child.subject();
        seed.deserialize(child).map_err(|e| {
            if e.reported || e.pos.is_some() {
                return e.at(entry.value.pos);
            }
            // An error raised by a Deserialize impl (an untagged enum's `expecting`, a length):
            // report it here, where the key and the value are known.
            let m = &e.message;
            let msg = if m.starts_with("a ") || m.starts_with("one of") {
                format!("{subject} must be {m}, got {}", entry.value.describe())
            } else {
                format!("{subject}: {m}")
            };
            self.parent
                .sink
                .borrow_mut()
                .push(Diag::new(entry.value.pos, msg));
            Error::reported()
        })
    }
}
