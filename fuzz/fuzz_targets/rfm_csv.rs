//! libFuzzer entry point; the target itself is `crm_fuzz::rfm_csv` (see src/lib.rs).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_fuzz::rfm_csv(data));
