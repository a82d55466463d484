//! libFuzzer entry point; the target itself is `crm_fuzz::calendar` (see src/lib.rs).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_fuzz::calendar(data));
