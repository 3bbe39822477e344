//! The frame reader and the bounded permessage-deflate inflater on arbitrary
//! server bytes: no panic, no message over the limit, no unbounded buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mywsclient::fuzzing::fuzz_wire_reader(data);
});
