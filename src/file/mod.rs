//! Our own model file: a fixed header, a descriptor, a payload in one of several codecs, and a
//! checksum ([`layout`], [`codec`]), written atomically and read with every byte checked
//! ([`persist`]), or mapped in place ([`mapped`]). Nothing here knows what model it holds: any
//! value serde writes is a payload.

pub mod codec;
pub mod layout;
pub mod mapped;
pub mod persist;
