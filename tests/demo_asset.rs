//! The bundled demo (`assets/demo.jsonl`, `assets/demo-filters.json`) is what its generator
//! writes: an edit to the files without the script, or to the script without regenerating,
//! fails here. The script also checks what it writes (tabs, event kinds, timing, example
//! domains only) and exits non-zero when a check fails.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

use std::path::Path;
use std::process::Command;

#[test]
fn the_demo_recording_is_what_make_demo_writes() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("python3")
        .arg(assets.join("make_demo.py"))
        .arg(out.path())
        .output()
        .expect("python3 is installed (.ci/run installs it)");
    assert!(
        run.status.success(),
        "make_demo.py failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    for file in ["demo.jsonl", "demo-filters.json"] {
        let written = std::fs::read_to_string(out.path().join(file)).unwrap();
        let committed = std::fs::read_to_string(assets.join(file)).unwrap();
        if written != committed {
            let (w, c): (Vec<_>, Vec<_>) = (written.lines().collect(), committed.lines().collect());
            let at = w
                .iter()
                .zip(&c)
                .position(|(a, b)| a != b)
                .unwrap_or(w.len().min(c.len()));
            panic!(
                "assets/{file} is not what assets/make_demo.py writes (regenerate: \
                 python3 assets/make_demo.py); first difference at line {}:\n\
                 written:   {}\ncommitted: {}",
                at + 1,
                w.get(at).unwrap_or(&"<end>"),
                c.get(at).unwrap_or(&"<end>")
            );
        }
    }
}
