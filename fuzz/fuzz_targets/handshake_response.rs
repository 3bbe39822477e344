//! The upgrade-response parser never panics and never accepts a response
//! without the right Sec-WebSocket-Accept.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    if let Ok(Some(acc)) = mywsclient::fuzzing::parse_response(data, key, &["ws".to_string()]) {
        assert!(acc.consumed <= data.len());
        let text = String::from_utf8_lossy(&data[..acc.consumed]);
        assert!(text.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }
});
