//! What the shipped binary links: the fake Bot API is for tests and
//! benches only, so the product's normal dependency tree must not hold it.

use std::process::Command;

use super::repo_root;

/// The crates the binary is built from, one name per line (`cargo tree -e
/// normal`: no dev- or build-dependencies).
fn normal_dependencies() -> Vec<String> {
    // Cargo sets CARGO for the tests it runs; a plain `cargo` otherwise.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["tree", "-e", "normal", "-p", "ticketbot", "--offline", "--prefix", "none", "--format", "{p}"])
        .current_dir(repo_root())
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn the_binary_does_not_link_the_fake_bot_api() {
    let crates = normal_dependencies();
    // The listing is real: the bot's own crates are in it.
    for needed in ["ticketbot", "teloxide", "diesel"] {
        assert!(crates.iter().any(|c| c == needed), "{needed} missing from {crates:?}");
    }
    for test_only in ["fake-telegram", "testdb"] {
        assert!(!crates.iter().any(|c| c == test_only), "{test_only} is linked into the binary");
    }
}
