//! The guest's stdout and stderr: each complete line goes to the host log (secrets masked like
//! every other guest line), prefixed with the stream's name. Nothing reaches the host's own
//! stdout, so a connector cannot corrupt `--json` output or a terminal.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use super::log::{LogLevel, LogSink};

/// The longest line kept; a longer one is cut there and the rest starts a new line.
const MAX_LINE: usize = 4096;

/// Which stream of the guest.
#[derive(Clone, Copy, Debug)]
pub(crate) enum GuestStream {
    Stdout,
    Stderr,
}

impl GuestStream {
    fn name(self) -> &'static str {
        match self {
            GuestStream::Stdout => "stdout",
            GuestStream::Stderr => "stderr",
        }
    }

    fn level(self) -> LogLevel {
        match self {
            GuestStream::Stdout => LogLevel::Info,
            GuestStream::Stderr => LogLevel::Warn,
        }
    }
}

/// One guest stream bound to the host log. Cloned into every stream handle the guest opens;
/// the partial line is shared so two handles of one stream write one log.
#[derive(Clone)]
pub(crate) struct GuestOutput {
    stream: GuestStream,
    log: LogSink,
    secrets: Arc<Vec<String>>,
    pending: Arc<Mutex<Vec<u8>>>,
}

impl GuestOutput {
    pub(crate) fn new(stream: GuestStream, log: LogSink, secrets: Arc<Vec<String>>) -> Self {
        GuestOutput {
            stream,
            log,
            secrets,
            pending: Arc::default(),
        }
    }

    fn emit(&self, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            return;
        }
        let mut text = format!("{}: {line}", self.stream.name());
        for secret in self.secrets.iter() {
            text = text.replace(secret.as_str(), "***");
        }
        (self.log)(self.stream.level(), &text);
    }

    fn push(&self, bytes: &[u8]) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for &b in bytes {
            if b == b'\n' {
                self.emit(&pending);
                pending.clear();
            } else {
                pending.push(b);
                if pending.len() >= MAX_LINE {
                    self.emit(&pending);
                    pending.clear();
                }
            }
        }
    }

    fn finish(&self) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !pending.is_empty() {
            self.emit(&pending);
            pending.clear();
        }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(Handle(self.clone()))
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(Handle(self.clone()))
    }
}

/// A stream handle the guest holds.
struct Handle(GuestOutput);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.finish();
    }
}

#[async_trait::async_trait]
impl Pollable for Handle {
    async fn ready(&mut self) {}
}

impl OutputStream for Handle {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.0.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_LINE)
    }
}

impl tokio::io::AsyncWrite for Handle {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0.push(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.0.finish();
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lines = Arc<Mutex<Vec<(LogLevel, String)>>>;

    fn capture() -> (LogSink, Lines) {
        let lines: Lines = Arc::default();
        let sink = lines.clone();
        let log: LogSink = Arc::new(move |level, line| {
            sink.lock().unwrap().push((level, line.to_string()));
        });
        (log, lines)
    }

    #[test]
    fn lines_are_logged_whole_named_and_masked() {
        let (log, lines) = capture();
        let out = GuestOutput::new(
            GuestStream::Stderr,
            log,
            Arc::new(vec!["hunter2".to_string()]),
        );
        out.push(b"first par");
        out.push(b"t\nsecret hunter2\r\n\npartial");
        assert_eq!(lines.lock().unwrap().len(), 2);
        out.finish();
        let lines = lines.lock().unwrap();
        let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            texts,
            [
                "stderr: first part",
                "stderr: secret ***",
                "stderr: partial"
            ]
        );
        assert!(lines.iter().all(|(level, _)| *level == LogLevel::Warn));
    }

    #[test]
    fn an_endless_line_is_cut() {
        let (log, lines) = capture();
        let out = GuestOutput::new(GuestStream::Stdout, log, Arc::default());
        out.push(&vec![b'x'; MAX_LINE * 2 + 10]);
        assert_eq!(lines.lock().unwrap().len(), 2);
    }
}
