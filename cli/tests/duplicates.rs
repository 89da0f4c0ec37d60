//! Two devices answering for one UID (issue 11 §1): `pppp discover` lists the UID once with
//! its duplicate and warns; `pppp stream`, searching both addresses, talks to the first to
//! answer and warns about the other. Two `pppp camera` children with the same UID on loopback
//! addresses 127.0.0.1 and 127.0.0.2 (unicast only, never a broadcast).

mod common;

use common::{pppp, Camera};

const UID: &str = "DGOA-123456-ABCDE";

fn twins() -> (Camera, Camera) {
    let pic = ["--width", "96", "--height", "64", "--fps", "20"];
    let a = Camera::start(&[&pic[..], &["--bind", "127.0.0.1"]].concat());
    let b = Camera::start(&[&pic[..], &["--bind", "127.0.0.2"]].concat());
    (a, b)
}

#[test]
fn discover_lists_a_duplicated_uid_once_and_warns() {
    let (a, b) = twins();
    let out = pppp()
        .args(["discover", "--no-broadcast", "--json", "--timeout", "0.8"])
        .args(["--to", &a.lan, "--to", &b.lan])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["uid"], UID);
    let mut ips: Vec<String> = std::iter::once(&list[0]["addr"])
        .chain(list[0]["duplicates"].as_array().unwrap())
        .map(|a| a.as_str().unwrap().rsplit_once(':').unwrap().0.to_owned())
        .collect();
    ips.sort();
    assert_eq!(ips, ["127.0.0.1", "127.0.0.2"]);
    assert!(
        stderr.contains(&format!(
            "warning: {UID} answered from more than one device"
        )),
        "{stderr}"
    );
}

#[test]
fn stream_warns_about_another_device_with_the_uid() {
    let (a, b) = twins();
    let out = pppp()
        .args(["stream", "--uid", UID, "--frames", "3", "--json"])
        .env("PPPP_LAN_TARGETS", format!("{},{}", a.lan, b.lan))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("also answered for {UID}")),
        "no duplicate warning: {stderr}"
    );
}
