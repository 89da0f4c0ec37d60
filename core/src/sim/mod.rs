//! The simulator: a virtual clock, a lossy link, a network of sans-IO nodes, and a complete
//! fake camera. Tests drive the real client state machines against [`FakeCamera`] through a
//! [`Network`] whose [`LinkConfig`] loses, duplicates, reorders and delays datagrams from a
//! seeded random generator, so every run with the same seed is identical.

mod camera;
mod clock;
pub mod jpeg;
mod link;
mod net;
pub mod video;

pub use camera::{
    AudioCodec, CameraConfig, CameraStats, FakeCamera, Handshake, VideoCodec, MAX_GREETED,
    MAX_REQUEST,
};
pub use clock::SimClock;
pub use link::{Link, LinkConfig, LinkStats};
pub use net::{Captured, Endpoint, Network, Node, NodeId};
