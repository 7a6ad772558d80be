//! `--exec CMD`: a program run for each matching post, with the post as JSON on its stdin.
//! Run without a shell (the post comes from strangers), bounded in how many run at once and
//! for how long; a failing hook is logged and never ends the program.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct Hook {
    argv: Vec<String>,
    permits: Arc<Semaphore>,
    concurrency: u32,
    timeout: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum HookError {
    #[error("--exec needs a program to run")]
    Empty,
    #[error("--exec `{0}`: unbalanced quotes")]
    Quotes(String),
}

impl Hook {
    /// Splits `command` into a program and arguments with shell-like quoting, but runs no
    /// shell: `notify-send "new post"` is two words, `$(rm -rf ~)` is a literal argument.
    pub(crate) fn parse(
        command: &str,
        concurrency: usize,
        timeout: Duration,
    ) -> Result<Hook, HookError> {
        let argv =
            shell_words::split(command).map_err(|_| HookError::Quotes(command.to_string()))?;
        if argv.is_empty() {
            return Err(HookError::Empty);
        }
        let concurrency = concurrency.clamp(1, 256);
        Ok(Hook {
            argv,
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency: concurrency as u32,
            timeout,
        })
    }

    /// Starts the hook for one post. When as many hooks run as allowed, this post's is
    /// skipped (and logged) rather than queued: a burst must not pile up processes.
    pub(crate) fn fire(&self, json: String) {
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            tracing::warn!(
                "--exec: {} hooks still running; skipped one post",
                self.argv[0]
            );
            return;
        };
        let argv = self.argv.clone();
        let timeout = self.timeout;
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = run(&argv, json, timeout).await {
                tracing::warn!("--exec {}: {e}", argv[0]);
            }
        });
    }
}

impl Hook {
    /// Waits (at most one hook timeout) for running hooks to finish, so that a command that
    /// ends does not cut off the hooks of its last posts.
    pub(crate) async fn finish(&self) {
        let _ =
            tokio::time::timeout(self.timeout, self.permits.acquire_many(self.concurrency)).await;
    }
}

async fn run(argv: &[String], json: String, timeout: Duration) -> Result<(), String> {
    let mut child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let mut stdin = child.stdin.take();
    let work = async {
        if let Some(stdin) = stdin.as_mut() {
            // A hook that does not read its input is fine; a broken pipe is not an error.
            let _ = stdin.write_all(json.as_bytes()).await;
            let _ = stdin.write_all(b"\n").await;
        }
        drop(stdin);
        child.wait().await
    };
    match tokio::time::timeout(timeout, work).await {
        Err(_) => Err(format!(
            "still running after {} s: stopped",
            timeout.as_secs()
        )),
        Ok(Err(e)) => Err(format!("failed: {e}")),
        Ok(Ok(status)) if !status.success() => Err(format!("exited with {status}")),
        Ok(Ok(_)) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_without_a_shell() {
        let h = Hook::parse(
            "notify-send 'new post' \"$(rm -rf ~)\"",
            2,
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(h.argv, ["notify-send", "new post", "$(rm -rf ~)"]);
        assert_eq!(
            Hook::parse("  ", 1, Duration::from_secs(1)).unwrap_err(),
            HookError::Empty
        );
        assert!(matches!(
            Hook::parse("a 'b", 1, Duration::from_secs(1)),
            Err(HookError::Quotes(_))
        ));
    }

    #[tokio::test]
    async fn the_post_arrives_on_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.json");
        let h = Hook::parse(&format!("tee {}", out.display()), 1, Duration::from_secs(5)).unwrap();
        run(&h.argv, "{\"id\":\"1\"}".into(), h.timeout)
            .await
            .unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{\"id\":\"1\"}\n");
    }

    #[tokio::test]
    async fn slow_and_failing_hooks_are_errors_not_crashes() {
        let slow = run(
            &["sleep".into(), "5".into()],
            String::new(),
            Duration::from_millis(50),
        )
        .await;
        assert!(slow.unwrap_err().contains("stopped"));
        let failing = run(&["false".into()], String::new(), Duration::from_secs(5)).await;
        assert!(failing.unwrap_err().contains("exited"));
        let missing = run(
            &["/nonexistent/hook".into()],
            String::new(),
            Duration::from_secs(5),
        )
        .await;
        assert!(missing.unwrap_err().contains("cannot start"));
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let h = Hook::parse("sleep 5", 1, Duration::from_secs(10)).unwrap();
        h.fire(String::new());
        assert_eq!(h.permits.available_permits(), 0);
        h.fire(String::new()); // skipped, not queued
        assert_eq!(h.permits.available_permits(), 0);
    }
}
