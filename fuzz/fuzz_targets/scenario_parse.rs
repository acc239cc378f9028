//! Any bytes as a scenario file: reading and validating must never panic,
//! and a file that validates must write a resolved scenario that validates
//! to the same resolved text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use negsim::scenario::{self, Overrides, resolved};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz.toml");
    if let Ok(loaded) = scenario::from_str(path, text, &Overrides::default()) {
        let written = resolved::to_string(&loaded.scenario);
        let again = scenario::from_str(path, &written, &Overrides::default())
            .unwrap_or_else(|e| panic!("the resolved scenario does not validate: {e}\n{written}"));
        assert_eq!(resolved::to_string(&again.scenario), written);
    }
});
