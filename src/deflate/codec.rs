//! permessage-deflate data path (RFC 7692 §7.2): compress one message with a
//! sync flush and strip the trailing `00 00 ff ff`; inflate one reassembled
//! payload with that tail put back, in bounded steps that stop at the
//! maximum message size (a 1000:1 bomb allocates at most the limit).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::negotiate::Agreed;

/// The four bytes a sync flush ends with; stripped on send, appended on receive.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Output grows by at most this much per inflate step.
const INFLATE_STEP: usize = 32 << 10;

/// Why a compressed message could not be inflated.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InflateError {
    /// The inflated message would exceed the limit (close 1009).
    TooBig { limit: usize },
    /// Not valid DEFLATE data (close 1007).
    Corrupt(String),
}

/// How the compressor of one connection behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    /// zlib level 0..=9.
    pub level: u32,
    /// Messages shorter than this go out uncompressed.
    pub threshold: usize,
    /// Free the compressor and inflater after every message (they are
    /// rebuilt for the next one): no compression memory held between
    /// messages, at the cost of an allocation per compressed message.
    /// Only valid when both sides reset their context per message.
    pub release_between_messages: bool,
}

/// The sending half: one connection's compressor.
pub(crate) struct Compressor {
    settings: Settings,
    /// Reset the compressor after every message.
    reset: bool,
    /// LZ77 window: what the server allows us, at least 9 (zlib's raw
    /// DEFLATE has no 8-bit window; RFC 7692 §7.1.2.2 implementations
    /// commonly use 9 for 8).
    window_bits: u8,
    state: Option<Box<Compress>>,
}

impl Compressor {
    /// A compressor for what was agreed. `release_between_messages` is
    /// honoured only when we may not keep our context anyway.
    pub(crate) fn new(agreed: &Agreed, mut settings: Settings) -> Compressor {
        settings.level = settings.level.min(9);
        settings.release_between_messages &= agreed.client_no_context_takeover;
        Compressor {
            settings,
            reset: agreed.client_no_context_takeover,
            window_bits: agreed.client_max_window_bits.clamp(9, 15),
            state: None,
        }
    }

    /// Whether a message of `len` bytes is worth compressing.
    pub(crate) fn wants(&self, len: usize) -> bool {
        len >= self.settings.threshold
    }

    /// Compresses one whole message into `out` (cleared first): the payload
    /// of a frame with RSV1 set.
    pub(crate) fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) {
        out.clear();
        let level = Compression::new(self.settings.level);
        let bits = self.window_bits;
        let c = self
            .state
            .get_or_insert_with(|| Box::new(Compress::new_with_window_bits(level, false, bits)));
        out.reserve(data.len() / 2 + 64);
        let start = c.total_in();
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(64));
            }
            let done = (c.total_in() - start) as usize;
            // Only fails on a stream error, which a sync flush on a valid
            // stream cannot produce.
            c.compress_vec(&data[done..], out, FlushCompress::Sync)
                .expect("deflate with a sync flush");
            let done = (c.total_in() - start) as usize;
            // All input taken and room left over: the flush is complete.
            if done == data.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        if self.settings.release_between_messages {
            self.state = None;
        } else if self.reset {
            c.reset();
        }
    }

    /// Whether compression state is held right now.
    #[cfg(test)]
    pub(crate) fn holds_state(&self) -> bool {
        self.state.is_some()
    }
}

/// The receiving half: one connection's inflater. A message is fed in
/// parts (its frames' payloads, straight from the read buffer) and then
/// finished; output goes to the caller's buffer, bounded by a limit.
pub(crate) struct Inflater {
    /// Reset after every message (the server does not keep its context).
    reset: bool,
    /// Free the state after every message.
    release: bool,
    /// The current message's DEFLATE stream ended (a final block).
    ended: bool,
    state: Option<Box<Decompress>>,
}

impl Inflater {
    /// An inflater for what was agreed (a 15-bit window inflates any
    /// `server_max_window_bits`).
    pub(crate) fn new(agreed: &Agreed, settings: Settings) -> Inflater {
        Inflater {
            reset: agreed.server_no_context_takeover,
            release: settings.release_between_messages && agreed.server_no_context_takeover,
            ended: false,
            state: None,
        }
    }

    /// Inflates one part of the current message, appending to `out`, which
    /// never grows past `limit + 1` bytes.
    pub(crate) fn push(
        &mut self,
        part: &[u8],
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), InflateError> {
        if self.ended {
            // Bytes after a final block belong to no stream: ignored.
            return Ok(());
        }
        let d = self
            .state
            .get_or_insert_with(|| Box::new(Decompress::new(false)));
        match inflate_into(d, part, limit, out) {
            Ok(ended) => {
                self.ended = ended;
                Ok(())
            }
            Err(e) => {
                // The stream is unusable; the connection is failed anyway.
                self.state = None;
                Err(e)
            }
        }
    }

    /// Ends the current message: the sync-flush tail goes in last.
    pub(crate) fn finish(&mut self, limit: usize, out: &mut Vec<u8>) -> Result<(), InflateError> {
        self.push(&TAIL, limit, out)?;
        if self.release {
            self.state = None;
        } else if self.reset || self.ended {
            // A final block (BFINAL) ends the stream: the next one starts anew.
            if let Some(d) = self.state.as_mut() {
                d.reset(false);
            }
        }
        self.ended = false;
        Ok(())
    }

    /// Inflates one whole compressed payload into `out` (cleared first).
    #[cfg(test)]
    pub(crate) fn inflate(
        &mut self,
        payload: &[u8],
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), InflateError> {
        out.clear();
        self.push(payload, limit, out)?;
        self.finish(limit, out)
    }

    /// Whether inflate state is held right now.
    #[cfg(test)]
    pub(crate) fn holds_state(&self) -> bool {
        self.state.is_some()
    }
}

/// Feeds `input` to `d`. `Ok(true)`: the DEFLATE stream ended (final block).
fn inflate_into(
    d: &mut Decompress,
    input: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<bool, InflateError> {
    let start = d.total_in();
    loop {
        let done = (d.total_in() - start) as usize;
        if out.len() > limit {
            return Err(InflateError::TooBig { limit });
        }
        if out.len() == out.capacity() {
            // Room for one more step, but never past limit + 1: reaching
            // limit + 1 proves the message too big.
            let room = INFLATE_STEP.min(limit.saturating_add(1) - out.len());
            out.reserve_exact(room);
        }
        let before_out = out.len();
        let status = d
            .decompress_vec(&input[done..], out, FlushDecompress::Sync)
            .map_err(|e| InflateError::Corrupt(e.to_string()))?;
        let now_done = (d.total_in() - start) as usize;
        if out.len() > limit {
            return Err(InflateError::TooBig { limit });
        }
        match status {
            Status::StreamEnd => return Ok(true),
            Status::Ok | Status::BufError => {
                let progressed = now_done > done || out.len() > before_out;
                if now_done == input.len() && out.len() < out.capacity() {
                    return Ok(false);
                }
                if !progressed && out.len() < out.capacity() {
                    // No progress although there is room: truncated input.
                    return Ok(false);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreed(client_reset: bool, server_reset: bool) -> Agreed {
        Agreed {
            server_no_context_takeover: server_reset,
            client_no_context_takeover: client_reset,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }

    fn settings(release: bool) -> Settings {
        Settings {
            level: 6,
            threshold: 0,
            release_between_messages: release,
        }
    }

    /// A reference inflater: raw DEFLATE with the tail appended, unbounded.
    fn reference_inflate(d: &mut Decompress, payload: &[u8]) -> Vec<u8> {
        let mut input = payload.to_vec();
        input.extend_from_slice(&TAIL);
        let mut out = Vec::with_capacity(1 << 20);
        d.decompress_vec(&input, &mut out, FlushDecompress::Sync)
            .unwrap();
        out
    }

    fn json(i: usize) -> Vec<u8> {
        format!(
            "{{\"id\":{i},\"type\":\"trade\",\"symbol\":\"BTC-USD\",\"price\":\"{}.{}\",\"size\":\"0.0{}\"}}",
            40000 + i % 97,
            i % 100,
            i % 7
        )
        .into_bytes()
    }

    #[test]
    fn round_trip_with_and_without_context_takeover() {
        for (reset, release) in [(false, false), (true, false), (true, true)] {
            let mut tx = Compressor::new(&agreed(reset, reset), settings(release));
            let mut rx = Inflater::new(&agreed(reset, reset), settings(release));
            let mut reference = Decompress::new(false);
            let (mut wire, mut back) = (Vec::new(), Vec::new());
            let mut total = 0;
            for i in 0..200 {
                let msg = json(i);
                tx.compress(&msg, &mut wire);
                assert!(!wire.ends_with(&TAIL));
                total += wire.len();
                rx.inflate(&wire, 1 << 20, &mut back).unwrap();
                assert_eq!(back, msg);
                if !reset {
                    assert_eq!(reference_inflate(&mut reference, &wire), msg);
                } else {
                    // Each message stands alone.
                    let mut fresh = Decompress::new(false);
                    assert_eq!(reference_inflate(&mut fresh, &wire), msg);
                }
            }
            assert_eq!(tx.holds_state(), !release);
            assert_eq!(rx.holds_state(), !release);
            let raw: usize = (0..200).map(|i| json(i).len()).sum();
            if !reset {
                assert!(total * 2 < raw, "context takeover: {total} vs {raw}");
            }
        }
    }

    #[test]
    fn empty_and_large_messages() {
        let mut tx = Compressor::new(&agreed(false, false), settings(false));
        let mut rx = Inflater::new(&agreed(false, false), settings(false));
        let (mut wire, mut back) = (Vec::new(), Vec::new());
        tx.compress(b"", &mut wire);
        rx.inflate(&wire, 10, &mut back).unwrap();
        assert!(back.is_empty());
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        tx.compress(&big, &mut wire);
        rx.inflate(&wire, big.len(), &mut back).unwrap();
        assert_eq!(back, big);
        // Exactly at the limit passes, one byte under fails.
        tx.compress(b"0123456789", &mut wire);
        rx.inflate(&wire, 10, &mut back).unwrap();
        tx.compress(b"0123456789", &mut wire);
        assert_eq!(
            rx.inflate(&wire, 9, &mut back),
            Err(InflateError::TooBig { limit: 9 })
        );
    }

    #[test]
    fn the_window_the_server_allows_is_honoured() {
        // 2000 pseudo-random bytes twice: a 15-bit window finds the repeat
        // 2000 bytes back; a 9-bit (512-byte) window cannot, so the output
        // is about twice as long. (zlib inflaters do not enforce their
        // window size, so the size is what shows the window used.)
        let mut x = 12345u32;
        let block: Vec<u8> = (0..2000)
            .map(|_| {
                x = x.wrapping_mul(1103515245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let data = [block.clone(), block].concat();
        let mut wire = Vec::new();
        let mut back = Vec::new();
        let mut wide = Compressor::new(&agreed(false, false), settings(false));
        wide.compress(&data, &mut wire);
        assert!(wire.len() < 2200, "15 bits: {}", wire.len());
        for bits in [8, 9] {
            let a = Agreed {
                client_max_window_bits: bits,
                ..agreed(false, false)
            };
            let mut narrow = Compressor::new(&a, settings(false));
            narrow.compress(&data, &mut wire);
            assert!(wire.len() > 3900, "{bits} bits: {}", wire.len());
            let mut rx = Inflater::new(&a, settings(false));
            rx.inflate(&wire, 1 << 20, &mut back).unwrap();
            assert_eq!(back, data);
        }
    }

    #[test]
    fn threshold() {
        let s = Settings {
            threshold: 100,
            ..settings(false)
        };
        let c = Compressor::new(&agreed(false, false), s);
        assert!(!c.wants(99));
        assert!(c.wants(100));
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        // 8 MiB of zeros compress to ~8 KiB (about 1000:1).
        let zeros = vec![0u8; 8 << 20];
        let mut tx = Compressor::new(&agreed(false, false), settings(false));
        let mut wire = Vec::new();
        tx.compress(&zeros, &mut wire);
        assert!(wire.len() * 900 < zeros.len(), "ratio: {}", wire.len());
        drop(zeros);
        let mut rx = Inflater::new(&agreed(false, false), settings(false));
        let mut out = Vec::new();
        let limit = 256 << 10;
        assert_eq!(
            rx.inflate(&wire, limit, &mut out),
            Err(InflateError::TooBig { limit })
        );
        assert!(
            out.capacity() <= limit + 1,
            "allocated {} for a limit of {limit}",
            out.capacity()
        );
    }

    #[test]
    fn corrupt_data_is_an_error() {
        let mut rx = Inflater::new(&agreed(false, false), settings(false));
        let mut out = Vec::new();
        // BTYPE = 11 (reserved) is invalid DEFLATE.
        match rx.inflate(&[0xff, 0xff, 0xff], 1 << 20, &mut out) {
            Err(InflateError::Corrupt(_)) => {}
            other => panic!("{other:?}"),
        }
        // The codec recovers for a new connection's worth of state.
        let mut tx = Compressor::new(&agreed(false, false), settings(false));
        let mut wire = Vec::new();
        tx.compress(b"hello", &mut wire);
        rx.inflate(&wire, 100, &mut out).unwrap();
        assert_eq!(out, b"hello");
    }

    #[test]
    fn a_final_block_resets_the_stream() {
        // A server may end a message with BFINAL set (RFC 7692 §7.2.3.3).
        let mut c = Compress::new(Compression::new(6), false);
        let mut wire = Vec::with_capacity(256);
        c.compress_vec(b"final block", &mut wire, FlushCompress::Finish)
            .unwrap();
        let mut rx = Inflater::new(&agreed(false, false), settings(false));
        let mut out = Vec::new();
        rx.inflate(&wire, 100, &mut out).unwrap();
        assert_eq!(out, b"final block");
        rx.inflate(&wire, 100, &mut out).unwrap();
        assert_eq!(out, b"final block");
    }
}
