//! An arbitrary server byte stream, during the handshake (byte 0 even) or
//! after a valid one (byte 0 odd), driven through the real session code over
//! an in-memory stream.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mywsclient::fuzzing::fuzz_server_stream(data);
});
