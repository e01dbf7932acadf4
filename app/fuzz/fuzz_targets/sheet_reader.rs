//! Fuzzes the sheet reader and both sheet checks with arbitrary bytes ([`checks::sheet_reader`]).
#![no_main]

#[path = "../checks.rs"]
#[allow(dead_code)] // each target runs one of the checks
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::sheet_reader(data));
