//! URL / port / path resolution never panics, and what it accepts is sane.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, i32, &str)| {
    let (url, port, path) = input;
    if let Ok(ep) = mywsclient::Endpoint::resolve(url, port, path) {
        assert!(ep.port > 0);
        assert!(ep.resource.starts_with('/'));
        assert!(!ep.host.is_empty());
        assert!(!ep
            .resource
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control()));
        // Resolving the printed URL again gives the same endpoint.
        let again = mywsclient::Endpoint::resolve(&ep.url(), 0, "").expect("url() resolves");
        assert_eq!(again, ep);
    }
});
