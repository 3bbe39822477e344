use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn echo_roundtrip() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(2) {
            let s = s.unwrap();
            std::thread::spawn(move || {
                let mut ws = tungstenite::accept(s).unwrap();
                while let Ok(m) = ws.read() {
                    if m.is_text() || m.is_binary() {
                        if ws.send(m).is_err() { break; }
                    }
                }
            });
        }
    });
    let c = mywsclient::Client::new("ws://127.0.0.1", port as i32, "/").unwrap();
    let (tx, rx) = mpsc::channel();
    c.set_message_handler(move |d, b| { tx.send((d.to_vec(), b)).unwrap(); }).unwrap();
    c.send_text(b"before").unwrap();
    c.start().unwrap();
    c.send_binary(&[1, 2, 3]).unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), (b"before".to_vec(), false));
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), (vec![1, 2, 3], true));
    let big = vec![7u8; 16 << 20];
    c.send_binary(&big).unwrap();
    let (got, _) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(got.len(), big.len());
    let t = std::time::Instant::now();
    c.stop().unwrap();
    eprintln!("stop took {:?}", t.elapsed());
    assert_eq!(c.state(), mywsclient::State::Stopped);
}
