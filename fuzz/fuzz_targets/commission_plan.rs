//! libFuzzer entry point; the target itself is `crm_fuzz::commission_plan` (see src/lib.rs).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_fuzz::commission_plan(data));
