//! permessage-deflate (RFC 7692): negotiation ([`negotiate`]) and the
//! per-message compressor and bounded inflater ([`codec`]). The frame layer
//! in `wire/` decides which messages go through it.

pub(crate) mod codec;
pub(crate) mod negotiate;
