//! permessage-deflate negotiation (RFC 7692 §5, §7.1): the offer the client
//! sends in `Sec-WebSocket-Extensions` and the strict check of the server's
//! reply. Pure: strings in, parameters or a reason out.

/// What the client offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Offer {
    /// Also offer `server_no_context_takeover` and `client_no_context_takeover`:
    /// both sides reset their compression state after every message, so a
    /// connection holds no compression state between messages.
    pub no_context_takeover: bool,
}

impl Offer {
    /// The value of the `Sec-WebSocket-Extensions` request header.
    /// `client_max_window_bits` without a value says "the server may ask for
    /// a smaller client window" (as browsers send it).
    pub(crate) fn header_value(&self) -> String {
        let mut v = String::from("permessage-deflate; client_max_window_bits");
        if self.no_context_takeover {
            v.push_str("; server_no_context_takeover; client_no_context_takeover");
        }
        v
    }
}

/// The parameters both sides agreed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Agreed {
    /// The server resets its compressor after every message: our inflater may too.
    pub server_no_context_takeover: bool,
    /// We reset our compressor after every message (we offered it, or the
    /// server asked for it).
    pub client_no_context_takeover: bool,
    /// The server's LZ77 window (8..=15); 15 when the reply does not say.
    pub server_max_window_bits: u8,
    /// The window our compressor may use (8..=15); 15 when the reply does not say.
    pub client_max_window_bits: u8,
}

/// The extension's registered name.
pub(crate) const NAME: &str = "permessage-deflate";

/// Checks the server's `Sec-WebSocket-Extensions` reply (all header lines,
/// in order) against what was offered. `Ok(None)`: the server declined (no
/// header), the connection is uncompressed. Any unknown extension or
/// parameter, a duplicate, a value out of 8..=15 or a parameter that was not
/// offered fails the handshake (RFC 7692 §5: the client MUST fail the
/// connection).
pub(crate) fn check_reply(
    values: &[String],
    offered: Option<&Offer>,
) -> Result<Option<Agreed>, String> {
    let elements: Vec<&str> = values
        .iter()
        .flat_map(|v| split_outside_quotes(v, ','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if elements.is_empty() {
        return Ok(None);
    }
    let Some(offer) = offered else {
        return Err(format!(
            "the server selected the extension(s) {:?}, but the client offered none",
            values.join(", ")
        ));
    };
    if elements.len() > 1 {
        return Err(format!(
            "the server selected {} extensions ({:?}); the client offered only {NAME}",
            elements.len(),
            values.join(", ")
        ));
    }
    let mut parts = split_outside_quotes(elements[0], ';')
        .into_iter()
        .map(str::trim);
    let name = parts.next().unwrap_or("");
    if !name.eq_ignore_ascii_case(NAME) {
        return Err(format!(
            "the server selected the extension {name:?}, which the client did not offer"
        ));
    }
    let mut agreed = Agreed {
        server_no_context_takeover: false,
        client_no_context_takeover: offer.no_context_takeover,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    };
    let mut seen: Vec<String> = Vec::new();
    for param in parts {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k.trim(), Some(unquote(v.trim())?)),
            None => (param, None),
        };
        let key = key.to_ascii_lowercase();
        if key.is_empty() {
            return Err(format!("{NAME} reply has an empty parameter"));
        }
        if seen.contains(&key) {
            return Err(format!("{NAME} reply repeats the parameter {key}"));
        }
        seen.push(key.clone());
        match (key.as_str(), value) {
            ("server_no_context_takeover", None) => agreed.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => agreed.client_no_context_takeover = true,
            ("server_max_window_bits", Some(v)) => agreed.server_max_window_bits = bits(&key, v)?,
            // Offered without a value: the server may name the window we use.
            ("client_max_window_bits", Some(v)) => agreed.client_max_window_bits = bits(&key, v)?,
            ("server_no_context_takeover" | "client_no_context_takeover", Some(v)) => {
                return Err(format!(
                    "{NAME} reply gives {key} a value ({v:?}); it takes none"
                ))
            }
            ("server_max_window_bits" | "client_max_window_bits", None) => {
                return Err(format!("{NAME} reply has {key} without a value"))
            }
            _ => return Err(format!("{NAME} reply has the unknown parameter {key:?}")),
        }
    }
    if offer.no_context_takeover && !agreed.server_no_context_takeover {
        // §7.1.1.1: a server accepting an offer with server_no_context_takeover
        // must say so; without it we could not rely on the memory saving.
        return Err(format!(
            "{NAME} reply lacks server_no_context_takeover, which the client offered"
        ));
    }
    Ok(Some(agreed))
}

fn bits(key: &str, v: &str) -> Result<u8, String> {
    // RFC 7692 §7.1.2: 1*DIGIT, no leading zero, 8..=15.
    let ok = !v.is_empty() && v.len() <= 2 && v.bytes().all(|b| b.is_ascii_digit());
    match v.parse::<u8>() {
        Ok(n) if ok && !v.starts_with('0') && (8..=15).contains(&n) => Ok(n),
        _ => Err(format!(
            "{NAME} reply gives {key} the value {v:?}; it must be 8 to 15"
        )),
    }
}

/// A parameter value as a token or a quoted string (RFC 7692 §7.1.2 allows both).
fn unquote(v: &str) -> Result<&str, String> {
    match v.strip_prefix('"') {
        None => Ok(v),
        Some(rest) => match rest.strip_suffix('"') {
            Some(inner) if !inner.contains(['"', '\\']) => Ok(inner),
            _ => Err(format!("{NAME} reply has a malformed quoted value {v:?}")),
        },
    }
}

/// Splits on `sep` where it is not inside a quoted string.
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Offer = Offer {
        no_context_takeover: false,
    };
    const NO_TAKEOVER: Offer = Offer {
        no_context_takeover: true,
    };

    fn check(v: &[&str], offer: Option<&Offer>) -> Result<Option<Agreed>, String> {
        let v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        check_reply(&v, offer)
    }

    #[test]
    fn offer_strings() {
        assert_eq!(
            PLAIN.header_value(),
            "permessage-deflate; client_max_window_bits"
        );
        assert_eq!(
            NO_TAKEOVER.header_value(),
            "permessage-deflate; client_max_window_bits; server_no_context_takeover; client_no_context_takeover"
        );
    }

    #[test]
    fn declined_is_uncompressed() {
        assert_eq!(check(&[], Some(&PLAIN)), Ok(None));
        assert_eq!(check(&[""], Some(&PLAIN)), Ok(None));
        assert_eq!(check(&[], None), Ok(None));
    }

    #[test]
    fn accepted_parameters() {
        let a = check(&["permessage-deflate"], Some(&PLAIN))
            .unwrap()
            .unwrap();
        assert_eq!(
            a,
            Agreed {
                server_no_context_takeover: false,
                client_no_context_takeover: false,
                server_max_window_bits: 15,
                client_max_window_bits: 15
            }
        );
        let a = check(
            &["Permessage-Deflate; server_max_window_bits=10; client_max_window_bits=\"9\"; client_no_context_takeover; server_no_context_takeover"],
            Some(&PLAIN),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            a,
            Agreed {
                server_no_context_takeover: true,
                client_no_context_takeover: true,
                server_max_window_bits: 10,
                client_max_window_bits: 9
            }
        );
        let a = check(
            &["permessage-deflate;server_no_context_takeover"],
            Some(&NO_TAKEOVER),
        )
        .unwrap()
        .unwrap();
        assert!(a.client_no_context_takeover && a.server_no_context_takeover);
    }

    #[test]
    fn strict_rejections() {
        let cases: &[(&[&str], &str)] = &[
            (&["permessage-deflate; foo"], "unknown parameter"),
            (&["permessage-deflate; foo=1"], "unknown parameter"),
            (
                &["permessage-deflate; server_no_context_takeover; server_no_context_takeover"],
                "repeats",
            ),
            (
                &["permessage-deflate; server_max_window_bits=10; Server_Max_Window_Bits=11"],
                "repeats",
            ),
            (&["permessage-deflate; server_max_window_bits=7"], "8 to 15"),
            (
                &["permessage-deflate; server_max_window_bits=16"],
                "8 to 15",
            ),
            (
                &["permessage-deflate; client_max_window_bits=08"],
                "8 to 15",
            ),
            (&["permessage-deflate; client_max_window_bits=x"], "8 to 15"),
            (
                &["permessage-deflate; client_max_window_bits=+9"],
                "8 to 15",
            ),
            (
                &["permessage-deflate; client_max_window_bits"],
                "without a value",
            ),
            (
                &["permessage-deflate; server_max_window_bits"],
                "without a value",
            ),
            (
                &["permessage-deflate; client_no_context_takeover=1"],
                "takes none",
            ),
            (
                &["permessage-deflate; server_max_window_bits=\"1"],
                "malformed",
            ),
            (&["x-webkit-deflate-frame"], "did not offer"),
            (
                &["permessage-deflate", "permessage-deflate"],
                "2 extensions",
            ),
            (&["permessage-deflate, foo"], "2 extensions"),
            (&["permessage-deflate; ; x"], "empty parameter"),
        ];
        for (reply, want) in cases {
            let err = check(reply, Some(&PLAIN)).unwrap_err();
            assert!(err.contains(want), "{reply:?}: {err} lacks {want}");
        }
        let err = check(&["permessage-deflate"], None).unwrap_err();
        assert!(err.contains("offered none"), "{err}");
        let err = check(&["permessage-deflate"], Some(&NO_TAKEOVER)).unwrap_err();
        assert!(err.contains("lacks server_no_context_takeover"), "{err}");
    }
}
