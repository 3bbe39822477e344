//! permessage-deflate (RFC 7692): the options ([`Compression`]), the
//! negotiation ([`negotiate`]) and the per-message compressor and bounded
//! inflater ([`codec`]). The frame layer in `wire/` decides which messages go
//! through it.

pub(crate) mod codec;
pub(crate) mod negotiate;

use crate::error::{Error, ErrorKind, Result};

/// Whether and how the client offers permessage-deflate. The discriminants
/// are part of the C ABI (`MYWSCLIENT_COMPRESSION_*`): never reorder or reuse.
#[repr(u32)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CompressionMode {
    /// No `Sec-WebSocket-Extensions` offer: messages go uncompressed (the
    /// default, as with the original libwebsockets class).
    #[default]
    Off = 0,
    /// Offer permessage-deflate with context takeover: each side's LZ77
    /// window carries over from message to message (best ratio for chatty
    /// feeds). The compression state lives as long as the connection.
    ContextTakeover = 1,
    /// Offer permessage-deflate with `server_no_context_takeover` and
    /// `client_no_context_takeover`: every message is compressed on its own,
    /// and the compression state is freed after each message (least memory
    /// per idle connection, an allocation per compressed message).
    NoContextTakeover = 2,
}

impl CompressionMode {
    /// The mode for a C value; `None` for an unknown one.
    pub fn from_u32(v: u32) -> Option<CompressionMode> {
        match v {
            0 => Some(CompressionMode::Off),
            1 => Some(CompressionMode::ContextTakeover),
            2 => Some(CompressionMode::NoContextTakeover),
            _ => None,
        }
    }
}

/// permessage-deflate options (off by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compression {
    /// Whether and how to offer the extension.
    pub mode: CompressionMode,
    /// zlib level, 0 (store) to 9 (best); 6 by default.
    pub level: u32,
    /// Messages shorter than this many bytes are sent uncompressed
    /// (default 128): compressing them costs more than it saves.
    pub threshold: usize,
}

impl Default for Compression {
    fn default() -> Self {
        Compression {
            mode: CompressionMode::Off,
            level: 6,
            threshold: 128,
        }
    }
}

impl Compression {
    /// Checks the options; the error names the bad one.
    pub fn validate(&self) -> Result<()> {
        if self.level > 9 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("compression level {} must be 0 to 9", self.level),
            ));
        }
        Ok(())
    }

    /// The offer to send, if any.
    pub(crate) fn offer(&self) -> Option<negotiate::Offer> {
        match self.mode {
            CompressionMode::Off => None,
            CompressionMode::ContextTakeover => Some(negotiate::Offer {
                no_context_takeover: false,
            }),
            CompressionMode::NoContextTakeover => Some(negotiate::Offer {
                no_context_takeover: true,
            }),
        }
    }

    /// Codec settings for a negotiated connection.
    pub(crate) fn settings(&self) -> codec::Settings {
        codec::Settings {
            level: self.level,
            threshold: self.threshold,
            release_between_messages: self.mode == CompressionMode::NoContextTakeover,
        }
    }
}
