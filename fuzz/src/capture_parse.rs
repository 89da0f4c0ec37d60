//! `capture_parse`: a capture file as `pppp dissect FILE` reads it (`pppp_cli::parse_capture`:
//! pcap, pcapng or a hex dump, told apart by the first bytes), then every datagram through a
//! PSK-detecting [`Dissector`].

use pppp::proto::dissect::Dissector;
use pppp::proto::psk::PskChoice;

/// Input: the file. Nothing panics or allocates by a length field; the datagrams are no
/// longer than the file; times are relative to the first datagram; one dissection each.
pub fn run(data: &[u8]) {
    let (datagrams, _skipped) = match pppp_cli::parse_capture(data.to_vec(), "fuzz") {
        Ok(v) => v,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    if let Some(t0) = datagrams.iter().find_map(|c| c.time) {
        assert_eq!(t0, 0.0);
    }
    let mut d = Dissector::with_psk(&PskChoice::Auto);
    for c in &datagrams {
        assert!(c.data.len() <= data.len());
        let _ = d.dissect(c).to_string();
    }
    assert_eq!(d.stats().datagrams, datagrams.len() as u64);
}
