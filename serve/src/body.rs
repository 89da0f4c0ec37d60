//! Response bodies: a fixed one, or a stream fed by a hub subscription.
//!
//! A stream is polled by hyper only when the socket can take more, so a client that stops
//! reading leaves its items in its bounded [`Mailbox`](crate::mailbox::Mailbox), where the
//! oldest are dropped: nothing grows. Items are `Bytes` shared with every other client.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use pppp::proto::av::Codec;

use crate::hub::{AudioChunk, SubKind, Subscription, VideoItem};
use crate::BOUNDARY;

/// Turns published items into the bytes of one stream format.
pub(crate) trait Encode: Send + Unpin + 'static {
    /// What the subscription delivers.
    type Item: SubKind + Send + 'static;
    /// Appends the wire bytes of `item` to `out`; `false` ends the stream (the camera changed
    /// codec).
    fn encode(&mut self, item: Self::Item, out: &mut VecDeque<Bytes>) -> bool;
}

/// A response body.
pub(crate) enum Body {
    /// A fixed body (`None` once sent).
    Full(Option<Bytes>),
    /// An endless video stream.
    Video(Stream<VideoFormat>),
    /// An endless WAV stream.
    Audio(Stream<WavFormat>),
}

impl Body {
    /// An empty body.
    pub(crate) fn empty() -> Body {
        Body::Full(None)
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Body {
        Body::Full(Some(b))
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = match self.get_mut() {
            Body::Full(b) => b.take(),
            Body::Video(s) => ready!(s.poll_next(cx)),
            Body::Audio(s) => ready!(s.poll_next(cx)),
        };
        Poll::Ready(next.map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            _ => SizeHint::default(),
        }
    }
}

/// A subscription encoded as a byte stream.
pub(crate) struct Stream<E: Encode> {
    sub: Subscription<E::Item>,
    format: E,
    pending: VecDeque<Bytes>,
}

impl<E: Encode> Stream<E> {
    /// A stream that starts with `first` and goes on with what `sub` delivers.
    pub(crate) fn new(sub: Subscription<E::Item>, format: E, first: Vec<Bytes>) -> Self {
        Stream {
            sub,
            format,
            pending: first.into(),
        }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        loop {
            if let Some(b) = self.pending.pop_front() {
                return Poll::Ready(Some(b));
            }
            let Some(item) = ready!(self.sub.poll_recv(cx)) else {
                return Poll::Ready(None);
            };
            if !self.format.encode(item, &mut self.pending) {
                return Poll::Ready(None);
            }
        }
    }
}

/// `multipart/x-mixed-replace` JPEG parts, or raw Annex-B H.264/H.265.
#[derive(Debug)]
pub(crate) struct VideoFormat {
    codec: Codec,
    last: Option<u64>,
    synced: bool,
}

impl VideoFormat {
    /// The format for frames of `codec`.
    pub(crate) fn new(codec: Codec) -> Self {
        VideoFormat {
            codec,
            last: None,
            synced: false,
        }
    }

    /// One multipart part holding `jpeg` (the JPEG itself is not copied).
    pub(crate) fn mjpeg_part(jpeg: Bytes) -> [Bytes; 3] {
        [
            Bytes::from(format!(
                "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
                jpeg.len()
            )),
            jpeg,
            Bytes::from_static(b"\r\n"),
        ]
    }
}

impl Encode for VideoFormat {
    type Item = VideoItem;

    fn encode(&mut self, item: VideoItem, out: &mut VecDeque<Bytes>) -> bool {
        if item.codec != self.codec {
            return false;
        }
        if self.codec == Codec::Mjpeg {
            out.extend(Self::mjpeg_part(item.data));
            return true;
        }
        // Wait for a key frame, and again after missing frames (a slow client): P frames
        // without their reference would only show garbage.
        if self.last.is_some_and(|l| item.seq != l + 1) {
            self.synced = false;
        }
        self.last = Some(item.seq);
        self.synced |= item.keyframe;
        if self.synced {
            out.push_back(item.data);
        }
        true
    }
}

/// The samples of an endless WAV (its header goes first, by [`Stream::new`]).
#[derive(Debug)]
pub(crate) struct WavFormat;

impl Encode for WavFormat {
    type Item = AudioChunk;

    fn encode(&mut self, item: AudioChunk, out: &mut VecDeque<Bytes>) -> bool {
        out.push_back(item.pcm);
        true
    }
}
