//! The low-speed limit ([`LowSpeed`]) applied to a response body: a window of
//! [`LowSpeed::time`] spent waiting for the registry must bring [`LowSpeed::window_bytes`].
//! Only the time spent waiting for the next bytes counts, not the time the reader spends
//! elsewhere (a copy uploading what it read), so a slow consumer never fails a fast source.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::retry::{ENV_LOW_SPEED_LIMIT, ENV_LOW_SPEED_TIME, LowSpeed, human_duration};

/// The current window of a low-speed limit (nothing when the limit is off).
#[derive(Debug, Clone)]
pub(crate) struct SpeedWindow {
    limit: Option<LowSpeed>,
    /// Time spent waiting for the stream in this window.
    waited: Duration,
    bytes: u64,
}

impl SpeedWindow {
    /// A window starting now.
    pub(crate) fn new(limit: Option<LowSpeed>) -> Self {
        SpeedWindow {
            limit: limit.filter(LowSpeed::enabled),
            waited: Duration::ZERO,
            bytes: 0,
        }
    }

    /// Counts `n` bytes that arrived, then [`SpeedWindow::check`]s.
    pub(crate) fn add(&mut self, n: usize) -> std::io::Result<()> {
        self.bytes = self.bytes.saturating_add(n as u64);
        self.check()
    }

    /// Fails when the window is over and brought too few bytes; starts the next window when it
    /// is over and brought enough.
    pub(crate) fn check(&mut self) -> std::io::Result<()> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let elapsed = self.waited;
        if elapsed < limit.time {
            return Ok(());
        }
        if self.bytes < limit.window_bytes() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "the registry sent {} bytes in {}, under the low-speed limit of {} bytes/s (raise {ENV_LOW_SPEED_TIME}, or set {ENV_LOW_SPEED_LIMIT}=0 to turn the limit off, if it is only slow)",
                    self.bytes,
                    human_duration(elapsed),
                    limit.bytes_per_second
                ),
            ));
        }
        self.waited = Duration::ZERO;
        self.bytes = 0;
        Ok(())
    }

    /// Counts time spent getting the bytes another way (asking for them again) as waiting.
    pub(crate) fn waited(&mut self, time: Duration) {
        self.waited = self.waited.saturating_add(time);
    }

    /// `next` of `stream`, or `None` when the window ended first (the limit is off: never).
    pub(crate) async fn next<S: Stream + Unpin>(
        &mut self,
        stream: &mut S,
    ) -> Option<Option<S::Item>> {
        let Some(limit) = self.limit else {
            return Some(stream.next().await);
        };
        let started = Instant::now();
        let budget = limit.time.saturating_sub(self.waited);
        let item = tokio::time::timeout(budget, stream.next()).await.ok();
        self.waited = self.waited.saturating_add(started.elapsed());
        item
    }
}

/// `stream` under the low-speed limit `limit`: it fails (an `io::ErrorKind::TimedOut`) once a
/// window brought too few bytes.
pub(crate) fn floored<S>(
    stream: S,
    limit: Option<LowSpeed>,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
{
    futures_util::stream::try_unfold(
        (stream, SpeedWindow::new(limit)),
        |(mut stream, mut window)| async move {
            loop {
                match window.next(&mut stream).await {
                    None => window.check()?,
                    Some(None) => return Ok(None),
                    Some(Some(item)) => {
                        let chunk = item?;
                        window.add(chunk.len())?;
                        return Ok(Some((chunk, (stream, window))));
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_trickle_under_the_floor_fails_once_a_window_is_over() {
        let limit = LowSpeed {
            bytes_per_second: 100,
            time: Duration::from_millis(300),
        };
        // One byte every 50 ms: 20 bytes/s, under the floor of 100 bytes/s.
        let trickle = futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Some((Ok(Bytes::from_static(b"x")), ()))
        });
        let started = Instant::now();
        let mut body = Box::pin(floored(Box::pin(trickle), Some(limit)));
        let mut got = 0;
        let err = loop {
            match body.next().await {
                Some(Ok(b)) => got += b.len(),
                Some(Err(e)) => break e,
                None => panic!("a trickle does not end"),
            }
        };
        assert!(got < 10, "{got}");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert!(
            err.to_string()
                .contains("under the low-speed limit of 100 bytes/s"),
            "{err}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );

        // A silent stream fails when the window ends, without a byte.
        let silent = futures_util::stream::pending::<std::io::Result<Bytes>>();
        let mut body = Box::pin(floored(Box::pin(silent), Some(limit)));
        assert!(body.next().await.unwrap().is_err());

        // Fast enough, or no limit: everything passes.
        let fast = futures_util::stream::iter((0..5).map(|_| Ok(Bytes::from(vec![0u8; 1000]))));
        let all: Vec<_> = floored(Box::pin(fast), Some(limit)).collect().await;
        assert_eq!(all.len(), 5);

        // A reader that takes its time between reads does not make a fast source slow.
        let fast = futures_util::stream::iter((0..3).map(|_| Ok(Bytes::from_static(b"x"))));
        let mut body = Box::pin(floored(Box::pin(fast), Some(limit)));
        while let Some(item) = body.next().await {
            item.unwrap();
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }
}
