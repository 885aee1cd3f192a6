//! Rebuild the server when the browser bundle changes: release builds embed `target/site`.
fn main() {
    println!("cargo:rerun-if-changed=../target/site/pkg");
    println!("cargo:rerun-if-changed=build.rs");
}
