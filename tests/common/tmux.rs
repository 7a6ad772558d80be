//! The live view in tmux: a server of its own (its own socket), read back with
//! `capture-pane` as a person would read the screen.

use std::process::Command;
use std::time::{Duration, Instant};

use super::GUARD;

/// Killed when the test ends.
pub struct Tmux {
    socket: String,
    pub session: String,
}

impl Tmux {
    pub fn start(width: u16, height: u16, command: &str) -> Tmux {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let socket = format!("tootwatch-test-{}-{nanos}", std::process::id());
        let session = "tw".to_string();
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", &session])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(command)
            .status()
            .expect("tmux is installed (.ci/run installs it)");
        assert!(status.success());
        let t = Tmux { socket, session };
        t.tmux(&["set-option", "-t", &t.session, "remain-on-exit", "on"]);
        t
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.session])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Polls the screen until `pred` holds; the screen is observable state, not a timer.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > GUARD {
                panic!("screen never showed {what}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn pane_dead(&self) -> bool {
        self.tmux(&["display-message", "-p", "-t", &self.session, "#{pane_dead}"])
            .trim()
            == "1"
    }

    /// The process the pane runs.
    pub fn pid(&self) -> String {
        self.tmux(&["display-message", "-p", "-t", &self.session, "#{pane_pid}"])
            .trim()
            .to_string()
    }

    /// `q`, then waits for the program to end.
    pub fn quit(&self) {
        self.keys(&["q"]);
        self.wait_until_dead("q to quit");
    }

    /// Waits for the program to end (`what` made it).
    pub fn wait_until_dead(&self, what: &str) {
        let start = Instant::now();
        while !self.pane_dead() {
            assert!(
                start.elapsed() < GUARD,
                "{what}: the program is still running"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
