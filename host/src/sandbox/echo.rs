//! An answer body that turns every echo of a secret back into its placeholder before the guest
//! reads it, across chunk boundaries: the last bytes of a chunk that could start an echo wait
//! for the next one.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use wasmtime_wasi_http::WasiBody;

use super::vault::replace_all;

/// The guest's view of an answer body.
pub struct EchoMask {
    inner: WasiBody,
    /// (spelling of a real value, its placeholder), longest first.
    pairs: Arc<Vec<(Vec<u8>, Vec<u8>)>>,
    /// Bytes that may be the start of an echo.
    carry: Vec<u8>,
    /// Frames ready to hand out (a trailers frame waits behind the carried bytes).
    ready: VecDeque<Frame<Bytes>>,
    done: bool,
}

impl EchoMask {
    pub fn new(inner: WasiBody, pairs: Arc<Vec<(Vec<u8>, Vec<u8>)>>) -> EchoMask {
        EchoMask {
            inner,
            pairs,
            carry: Vec::new(),
            ready: VecDeque::new(),
            done: false,
        }
    }

    /// Masks `data` after the carried bytes; keeps back what could start an echo.
    fn take(&mut self, data: &[u8]) -> Bytes {
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(data);
        let masked = replace_all(&buf, &self.pairs);
        let keep = self
            .pairs
            .iter()
            .map(|(s, _)| s.len().saturating_sub(1))
            .max()
            .unwrap_or(0)
            .min(masked.len());
        let (out, tail) = masked.split_at(masked.len() - keep);
        self.carry = tail.to_vec();
        Bytes::copy_from_slice(out)
    }

    fn flush(&mut self) -> Option<Bytes> {
        if self.carry.is_empty() {
            return None;
        }
        let rest = replace_all(&std::mem::take(&mut self.carry), &self.pairs);
        Some(Bytes::from(rest))
    }
}

impl Body for EchoMask {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Poll::Ready(Some(Ok(frame)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        let out = self.take(&data);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
                    }
                    Err(other) => {
                        if let Some(rest) = self.flush() {
                            self.ready.push_back(Frame::data(rest));
                        }
                        self.ready.push_back(other);
                    }
                },
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    self.done = true;
                    if let Some(rest) = self.flush() {
                        return Poll::Ready(Some(Ok(Frame::data(rest))));
                    }
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done && self.ready.is_empty() && self.carry.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    /// A body handing out these chunks.
    struct Chunks(VecDeque<Bytes>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = wasmtime_wasi_http::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|b| Ok(Frame::data(b))))
        }
    }

    #[tokio::test]
    async fn an_echo_split_across_chunks_is_masked() {
        let inner = Chunks(VecDeque::from([
            Bytes::from_static(b"{\"echo\":\"hun"),
            Bytes::from_static(b"ter2\",\"n\":1}"),
        ]))
        .boxed_unsync();
        let pairs = Arc::new(vec![(b"hunter2".to_vec(), b"chsecretX".to_vec())]);
        let body = EchoMask::new(inner, pairs)
            .collect()
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(&body[..], b"{\"echo\":\"chsecretX\",\"n\":1}");
    }
}
