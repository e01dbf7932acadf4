//! Every input the fuzzers were seeded with and every finding they made, through the same checks
//! the fuzz targets run (`app/fuzz/checks.rs`), in the normal test suite: a finding fixed once
//! stays fixed without the fuzzer.
//!
//! Inputs live in `app/fuzz/seeds/<target>/` (committed seeds) and `app/fuzz/regressions/<target>/`
//! (what `make bench`'s fuzzing step copies from libFuzzer's `artifacts/`: crashes, timeouts and
//! out-of-memory inputs). One file is one input, as libFuzzer wrote it.

#[path = "../fuzz/checks.rs"]
#[allow(dead_code)]
mod checks;

use std::path::{Path, PathBuf};

/// The files of `app/fuzz/<kind>/<target>/`, sorted (none when the folder does not exist).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.retain(|p| p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.')));
    files.sort();
    files
}

/// Runs `check` on every seed and regression input of `target`; fails naming each input that
/// panics, after trying them all.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let files: Vec<PathBuf> = ["seeds", "regressions"].iter().flat_map(|k| inputs(k, target)).collect();
    let failed: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let data = std::fs::read(path).expect("read a fuzz input");
            std::panic::catch_unwind(|| check(&data)).err().map(|_| path.display().to_string())
        })
        .collect();
    assert!(failed.is_empty(), "{target}: these inputs fail its checks again:\n{}", failed.join("\n"));
    files.len()
}

#[test]
fn every_contract_validation_seed_and_finding_passes_the_checks() {
    let n = replay("contract_validation", checks::contract_validation);
    assert!(n >= 5, "the committed seeds are missing: {n} inputs");
}

/// Findings of `sheet_reader`, and every sheet fixture as a whole file (mode byte 0): the hostile
/// ones (zip bombs, a repeat bomb, broken files) among them.
#[test]
fn every_sheet_reader_finding_and_fixture_passes_the_checks() {
    replay("sheet_reader", checks::sheet_reader);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sheets");
    let mut n = 0;
    for entry in std::fs::read_dir(fixtures).expect("the sheet fixtures") {
        let path = entry.expect("entry").path();
        let mut data = vec![0u8];
        data.extend(std::fs::read(&path).expect("read"));
        checks::sheet_reader(&data);
        n += 1;
    }
    assert!(n >= 10, "the sheet fixtures are missing: {n}");
}

/// The replay is not vacuous: a check that fails on an input fails the test, naming the input.
#[test]
fn a_failing_input_fails_the_replay_and_is_named() {
    let caught = std::panic::catch_unwind(|| replay("contract_validation", |_| panic!("a finding")));
    let message = caught.expect_err("the replay passed a failing check");
    let text = message.downcast_ref::<String>().expect("a formatted message");
    assert!(text.contains("seeds/contract_validation/seed0"), "{text}");
}
