//! stdout, written by a thread of its own: copying a firehose of lines into a pipe is a
//! quarter of what `tail` does (the kernel's copy and the pipe's lock), and on its own
//! thread it runs beside the decoding instead of between reads. Output is handed over a
//! buffer at a time, so nothing crosses a thread per line, and two buffers go round: when
//! the reader of the pipe is slower, handing over waits as a full pipe would. A write that
//! fails (the reader went away: `tail | head`) is told at once, not at the next line, which
//! may be hours away on a quiet stream.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// The buffer being filled and the one being written (a third bought no speed, only memory:
/// the pipe past the writer holds four buffers).
const BUFFERS: usize = 2;

pub struct Output {
    filling: Vec<u8>,
    capacity: usize,
    /// Buffers back from the writer, written and empty.
    spare: Vec<Vec<u8>>,
    /// Buffers with the writer, queued or being written.
    lent: usize,
    to_writer: Option<SyncSender<Vec<u8>>>,
    back: Receiver<Vec<u8>>,
    writer: Option<JoinHandle<io::Result<()>>>,
}

impl Output {
    /// Lines go to `out` a buffer of about `capacity` bytes at a time, and as soon as
    /// [`Output::hand_over`] is called. `failed` is called when a write fails; the next
    /// call here says how.
    pub fn new(
        out: impl Write + Send + 'static,
        capacity: usize,
        failed: impl FnOnce() + Send + 'static,
    ) -> io::Result<Self> {
        let (to_writer, queued) = sync_channel::<Vec<u8>>(BUFFERS);
        let (written, back) = sync_channel::<Vec<u8>>(BUFFERS);
        let writer = std::thread::Builder::new()
            .name("tail-stdout".into())
            .spawn(move || {
                let result = write_all(out, queued, written);
                if result.is_err() {
                    failed();
                }
                result
            })?;
        Ok(Output {
            filling: Vec::with_capacity(capacity),
            capacity,
            spare: Vec::new(),
            lent: 0,
            to_writer: Some(to_writer),
            back,
            writer: Some(writer),
        })
    }

    /// What was written so far goes to the writer (it is written soon, not yet).
    pub fn hand_over(&mut self) -> io::Result<()> {
        if self.filling.is_empty() {
            // Nothing to write, but a failure since is news (its message to the caller may
            // not have fit in a full inbox).
            if self.writer.as_ref().is_some_and(JoinHandle::is_finished) {
                return Err(self.writer_failure());
            }
            return Ok(());
        }
        let next = match self.spare.pop() {
            Some(buffer) => buffer,
            None if self.lent + 1 < BUFFERS => Vec::with_capacity(self.capacity),
            None => self.take_back()?,
        };
        let full = std::mem::replace(&mut self.filling, next);
        let sent = match &self.to_writer {
            Some(to_writer) => to_writer.send(full).is_ok(),
            None => false,
        };
        if !sent {
            return Err(self.writer_failure());
        }
        self.lent += 1;
        Ok(())
    }

    /// Everything written so far is out of this process (what is saved as printed must
    /// have been).
    pub fn sync(&mut self) -> io::Result<()> {
        self.hand_over()?;
        while self.lent > 0 {
            let buffer = self.take_back()?;
            self.spare.push(buffer);
        }
        Ok(())
    }

    /// Writes what is left and ends the writer.
    pub fn finish(&mut self) -> io::Result<()> {
        let synced = self.sync();
        self.to_writer = None;
        let ended = match self.writer.take() {
            Some(writer) => writer.join().unwrap_or_else(|_| Err(panicked())),
            None => Ok(()),
        };
        synced.and(ended)
    }

    fn take_back(&mut self) -> io::Result<Vec<u8>> {
        match self.back.recv() {
            Ok(buffer) => {
                self.lent -= 1;
                Ok(buffer)
            }
            Err(_) => Err(self.writer_failure()),
        }
    }

    /// The writer stopped: why.
    fn writer_failure(&mut self) -> io::Error {
        self.to_writer = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            Some(Err(_)) => panicked(),
            // It stopped before, and said why then.
            Some(Ok(Ok(()))) | None => io::Error::from(io::ErrorKind::BrokenPipe),
        }
    }
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        // A buffer is handed over before it would grow (only a line longer than a buffer
        // grows one).
        if self.filling.len() + bytes.len() > self.capacity {
            self.hand_over()?;
        }
        self.filling.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.to_writer = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn panicked() -> io::Error {
    io::Error::other("the thread writing stdout panicked")
}

fn write_all(
    mut out: impl Write,
    queued: Receiver<Vec<u8>>,
    written: SyncSender<Vec<u8>>,
) -> io::Result<()> {
    for mut buffer in queued {
        out.write_all(&buffer)?;
        out.flush()?;
        buffer.clear();
        // Never full (at most BUFFERS - 1 are lent); an error means the other side is ending.
        if written.send(buffer).is_err() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_come_out_whole_and_in_order_once_synced() {
        let seen = Shared::default();
        let mut output = Output::new(seen.clone(), 64, || {}).expect("a thread");
        let mut expected = Vec::new();
        for i in 0..1000 {
            let line = format!("line {i}\n");
            output.write_all(line.as_bytes()).expect("written");
            expected.extend_from_slice(line.as_bytes());
            if i % 7 == 0 {
                output.flush().expect("handed over");
            }
            if i == 500 {
                output.sync().expect("synced");
                let now = seen.0.lock().expect("not poisoned").clone();
                assert_eq!(now, expected, "all of it is out once synced");
            }
        }
        output.finish().expect("finished");
        assert_eq!(*seen.0.lock().expect("not poisoned"), expected);
    }

    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_write_is_told_at_once_and_then_to_every_call() {
        let (told, heard) = std::sync::mpsc::channel();
        let mut output = Output::new(Closed, 16, move || {
            let _ = told.send(());
        })
        .expect("a thread");
        output.write_all(b"a line\n").expect("buffered");
        output.flush().expect("handed over");
        // Nothing more is written, and still the failure is told.
        heard
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("told without another line");
        let failed = output.sync().expect_err("the write failed");
        assert_eq!(failed.kind(), io::ErrorKind::BrokenPipe);
        let again = output.write_all(&[b'x'; 32]).and_then(|()| output.finish());
        assert!(again.is_err(), "once failed, it stays failed");
    }
}
