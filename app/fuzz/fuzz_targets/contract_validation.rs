//! Fuzzes the contract rules with any JSON draft and sheet facts ([`checks::contract_validation`]).
#![no_main]

#[path = "../checks.rs"]
#[allow(dead_code)] // each target runs one of the checks
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::contract_validation(data));
