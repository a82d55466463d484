//! libFuzzer entry point; the target itself is `crm_fuzz::import_csv` (see src/core_targets.rs).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_fuzz::import_csv(data));
