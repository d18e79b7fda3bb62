//! The committed completion scripts and man pages must match the clap definition.
//! Regenerate with `RKV_UPDATE_DOCS=1 cargo test --test docs_fresh`.

use std::path::Path;

#[test]
fn completions_and_man_pages_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("RKV_UPDATE_DOCS").is_some() {
        rkv::commands::docs::write_generated(root).expect("regenerate docs");
    }
    for (shell, file) in rkv::commands::docs::COMPLETION_FILES {
        let mut want = Vec::new();
        rkv::commands::docs::completion_script(*shell, &mut want);
        let have = std::fs::read(root.join("completions").join(file)).unwrap_or_default();
        assert!(
            have == want,
            "completions/{file} is stale: run RKV_UPDATE_DOCS=1 cargo test --test docs_fresh"
        );
    }
    for (name, want) in rkv::commands::docs::man_pages().expect("render man pages") {
        let have = std::fs::read(root.join("man").join(&name)).unwrap_or_default();
        assert!(
            have == want,
            "man/{name} is stale: run RKV_UPDATE_DOCS=1 cargo test --test docs_fresh"
        );
    }
}
