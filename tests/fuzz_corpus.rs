//! Every seed (`fuzz/seeds/<target>/`: realistic and hostile inputs written by hand), every
//! input of the minimised fuzz corpus (`fuzz/corpus/<target>/`) and every crash the fuzzers
//! found (`fuzz/regressions/<target>/`) runs through the same checks as the fuzz targets
//! (`tootwatch::fuzzing`), so what was fixed stays fixed without a nightly toolchain.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

use std::path::Path;

use tootwatch::fuzzing::TARGETS;

fn run_dir(target: &str, check: fn(&[u8]), dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "{target}: {} fails its check (replay: cargo fuzz run {target} {})",
            path.display(),
            path.display()
        );
    }
    files.len()
}

#[test]
fn corpus_and_regressions_pass_every_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (target, check) in TARGETS {
        let seeds = run_dir(target, *check, &root.join("seeds").join(target));
        let corpus = run_dir(target, *check, &root.join("corpus").join(target));
        let regressions = run_dir(target, *check, &root.join("regressions").join(target));
        // Each target has seeds and a corpus; without them this test would pass for nothing.
        assert!(
            seeds > 0 && corpus > 0,
            "no seeds or no corpus for {target}"
        );
        eprintln!("{target}: {seeds} seeds, {corpus} corpus inputs, {regressions} regressions");
    }
}
