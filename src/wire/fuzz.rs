//! Fuzzing entry point for the frame reader and the bounded inflater
//! (behind the `fuzzing` feature; see `fuzz/fuzz_targets/wire_reader.rs`).

use std::io::{self, Read};

use super::reader::{Item, Reader};
use crate::deflate::codec::{Inflater, Settings};
use crate::deflate::negotiate::Agreed;

/// Largest message the fuzzed reader accepts.
const MAX: usize = 64 << 10;

/// Feeds `data[2..]` to a reader in chunks of `data[1] + 1` bytes.
/// `data[0]`: bit 0 permessage-deflate on, bit 1 server_no_context_takeover,
/// bit 2 release state between messages. Every message handed out must fit
/// the limit, and no buffer may grow far past it (a bomb is stopped).
pub fn fuzz_wire_reader(data: &[u8]) {
    let (Some(&flags), Some(&chunk)) = (data.first(), data.get(1)) else {
        return;
    };
    let agreed = Agreed {
        server_no_context_takeover: flags & 2 != 0,
        client_no_context_takeover: flags & 2 != 0,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    };
    let settings = Settings {
        level: 1,
        threshold: 0,
        release_between_messages: flags & 4 != 0,
    };
    let inflater = (flags & 1 != 0).then(|| Inflater::new(&agreed, settings));
    let mut r = Reader::new(&[], MAX, inflater);
    let mut src = Chunked {
        data: &data[2..],
        chunk: chunk as usize + 1,
    };
    for _ in 0..data.len() + 2 {
        loop {
            match r.next() {
                Ok(Some(Item::Text(t))) => {
                    assert!(t.len() <= MAX);
                    assert!(std::str::from_utf8(t).is_ok());
                }
                Ok(Some(Item::Binary(b))) => assert!(b.len() <= MAX),
                Ok(Some(Item::Ping(p) | Item::Pong(p))) => assert!(p.len() <= 125),
                Ok(Some(Item::Close(_))) => {}
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(r.held() <= 4 * MAX + (64 << 10), "held {}", r.held());
        match r.read_from(&mut src) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
