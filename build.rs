//! Fails early, with a clear message, when LLVM/MLIR 22 is not installed
//! where `MLIR_SYS_220_PREFIX` (default /usr/lib/llvm-22) says; then builds
//! the zad dialect: `dialect/ZadOps.td` through mlir-tblgen, and
//! `dialect/zad_dialect.cpp` with the C++ compiler, and the C shim of the
//! run-time error channel (`src/exec/guard.c`); and makes MLIR link as
//! shared libraries (see `link_mlir_shared`).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The one place the LLVM/MLIR major version is pinned (with `mlir-sys = "220"`
/// in Cargo.toml, which must agree).
const LLVM_MAJOR: &str = "22";

fn main() {
    println!("cargo:rerun-if-env-changed=MLIR_SYS_220_PREFIX");
    println!("cargo:rerun-if-env-changed=MLIR_SYS_LINK_SHARED");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=dialect/ZadOps.td");
    println!("cargo:rerun-if-changed=dialect/zad_dialect.cpp");
    println!("cargo:rerun-if-changed=src/exec/guard.c");
    let prefix = std::env::var("MLIR_SYS_220_PREFIX").unwrap_or_else(|_| format!("/usr/lib/llvm-{LLVM_MAJOR}"));
    let llvm_config_path = PathBuf::from(&prefix).join("bin/llvm-config");
    let version = llvm_config(Path::new(&prefix), "--version");
    match version {
        Some(version) if version.starts_with(&format!("{LLVM_MAJOR}.")) => {}
        found => panic!(
            "\n\nzad needs LLVM/MLIR {LLVM_MAJOR}: {} reports {}.\n\
             On Debian 12: `make deps` (or apt-get install llvm-{LLVM_MAJOR}-dev libmlir-{LLVM_MAJOR}-dev \
             mlir-{LLVM_MAJOR}-tools libpolly-{LLVM_MAJOR}-dev libclang-{LLVM_MAJOR}-dev), then set \
             MLIR_SYS_220_PREFIX and TABLEGEN_220_PREFIX to /usr/lib/llvm-{LLVM_MAJOR} (the Makefile does).\n",
            llvm_config_path.display(),
            found.unwrap_or_else(|| "nothing (not found)".into())
        ),
    }
    // The Fortran front end runs flang from the same LLVM (its FIR must
    // match the MLIR zad links).
    println!("cargo:rustc-env=ZAD_LLVM_PREFIX={prefix}");
    build_dialect(Path::new(&prefix));
    // The run-time error channel: setjmp/longjmp must live in C (Rust has
    // no sound way to call setjmp), see src/exec/trap.rs.
    cc::Build::new().file("src/exec/guard.c").std("c11").warnings_into_errors(true).compile("zad_guard");
    link_mlir_shared(Path::new(&prefix));
    // Where LLVM's OpenMP runtime (libomp.so) is found at run time, for
    // kernels with parallel loops (see src/exec/parallel.rs).
    let libdir = llvm_config(Path::new(&prefix), "--libdir").unwrap_or_else(|| format!("{prefix}/lib"));
    println!("cargo:rustc-env=ZAD_LLVM_LIBDIR={libdir}");
    // Programs linked to libzad.so record this name, found through their
    // run path wherever the library was installed.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzad.so");
}

/// MLIR and LLVM are linked as the shared libraries Debian ships
/// (`libMLIR.so`, `libLLVM.so`), so that `libzad.so`, the `zad` binary and
/// the test binaries do not each carry a static copy of them (about 250 MB
/// apiece), and the zad dialect, the C API and the JIT share one MLIR.
///
/// mlir-sys links shared when `MLIR_SYS_LINK_SHARED=1` (set in
/// `.cargo/config.toml`): it then asks for `libMLIR.so` and `libMLIR-C.so`.
/// Debian has no `libMLIR-C.so`: its C API comes only as static archives
/// (`libMLIRCAPI*.a`), thin wrappers over `libMLIR.so`. Where the library
/// is missing, a linker script of that name stands in for it, naming those
/// archives and the shared libraries they call. The libraries' directory
/// goes into the run path of everything linked (`libMLIR.so` is not in the
/// loader's default path).
fn link_mlir_shared(prefix: &Path) {
    if std::env::var("MLIR_SYS_LINK_SHARED").as_deref() != Ok("1") {
        return;
    }
    let libdir = llvm_config(prefix, "--libdir").unwrap_or_else(|| prefix.join("lib").display().to_string());
    let libdir = Path::new(&libdir);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", libdir.display());
    if libdir.join("libMLIR-C.so").exists() {
        return;
    }
    let mut archives: Vec<PathBuf> = std::fs::read_dir(libdir)
        .unwrap_or_else(|error| panic!("{}: {error}", libdir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("libMLIRCAPI") && name.ends_with(".a"))
        })
        .collect();
    assert!(
        !archives.is_empty(),
        "{} has neither libMLIR-C.so nor the MLIR C API archives libMLIRCAPI*.a (package libmlir-{LLVM_MAJOR}-dev)",
        libdir.display()
    );
    archives.sort();
    let mut inputs: Vec<String> = archives.iter().map(|path| path.display().to_string()).collect();
    inputs.extend(["libMLIR.so", "libLLVM.so"].iter().map(|name| libdir.join(name).display().to_string()));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let script = format!(
        "/* The MLIR C API over the shared libMLIR.so (written by zad's build.rs). */\nGROUP ( {} )\n",
        inputs.join(" ")
    );
    std::fs::write(out.join("libMLIR-C.so"), script).expect("write the libMLIR-C.so linker script");
    println!("cargo:rustc-link-search=native={}", out.display());
}

/// The tablegen outputs `zad_dialect.cpp` includes, by generator.
const TABLEGEN_OUTPUTS: [(&str, &str); 6] = [
    ("-gen-dialect-decls", "ZadDialect.h.inc"),
    ("-gen-dialect-defs", "ZadDialect.cpp.inc"),
    ("-gen-typedef-decls", "ZadTypes.h.inc"),
    ("-gen-typedef-defs", "ZadTypes.cpp.inc"),
    ("-gen-op-decls", "ZadOps.h.inc"),
    ("-gen-op-defs", "ZadOps.cpp.inc"),
];

fn build_dialect(prefix: &Path) {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let include = prefix.join("include");
    for (generator, output) in TABLEGEN_OUTPUTS {
        let status = Command::new(prefix.join("bin/mlir-tblgen"))
            .arg(generator)
            .args(["-dialect=zad", "-typedefs-dialect=zad"].iter().filter(|_| generator.contains("dialect") || generator.contains("typedef")))
            .arg("-I")
            .arg(&include)
            .arg("dialect/ZadOps.td")
            .arg("-o")
            .arg(out.join(output))
            .status()
            .expect("mlir-tblgen runs (package mlir-22-tools)");
        assert!(status.success(), "mlir-tblgen {generator} failed on dialect/ZadOps.td");
    }
    let rtti = llvm_config(prefix, "--has-rtti").as_deref() == Some("YES");
    cc::Build::new()
        .cpp(true)
        .std("c++17")
        .file("dialect/zad_dialect.cpp")
        .include(&include)
        .include(&out)
        .flag_if_supported("-fno-exceptions")
        .flag_if_supported(if rtti { "-frtti" } else { "-fno-rtti" })
        .flag_if_supported("-Wno-unused-parameter")
        .define("_GNU_SOURCE", None)
        .define("__STDC_CONSTANT_MACROS", None)
        .define("__STDC_FORMAT_MACROS", None)
        .define("__STDC_LIMIT_MACROS", None)
        .compile("zad_dialect");
}

fn llvm_config(prefix: &Path, argument: &str) -> Option<String> {
    Command::new(prefix.join("bin/llvm-config"))
        .arg(argument)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
}
