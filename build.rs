//! Fails early, with a clear message, when LLVM/MLIR 22 is not installed
//! where `MLIR_SYS_220_PREFIX` (default /usr/lib/llvm-22) says.

use std::{path::PathBuf, process::Command};

/// The one place the LLVM/MLIR major version is pinned (with `mlir-sys = "220"`
/// in Cargo.toml, which must agree).
const LLVM_MAJOR: &str = "22";

fn main() {
    println!("cargo:rerun-if-env-changed=MLIR_SYS_220_PREFIX");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=dialect/zad.irdl.mlir");
    let prefix = std::env::var("MLIR_SYS_220_PREFIX").unwrap_or_else(|_| format!("/usr/lib/llvm-{LLVM_MAJOR}"));
    let llvm_config = PathBuf::from(&prefix).join("bin/llvm-config");
    let version = Command::new(&llvm_config)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string());
    match version {
        Some(version) if version.starts_with(&format!("{LLVM_MAJOR}.")) => {}
        found => panic!(
            "\n\nzad needs LLVM/MLIR {LLVM_MAJOR}: {} reports {}.\n\
             On Debian 12: `make deps` (or apt-get install llvm-{LLVM_MAJOR}-dev libmlir-{LLVM_MAJOR}-dev \
             mlir-{LLVM_MAJOR}-tools libpolly-{LLVM_MAJOR}-dev libclang-{LLVM_MAJOR}-dev), then set \
             MLIR_SYS_220_PREFIX and TABLEGEN_220_PREFIX to /usr/lib/llvm-{LLVM_MAJOR} (the Makefile does).\n",
            llvm_config.display(),
            found.unwrap_or_else(|| "nothing (not found)".into())
        ),
    }
}
