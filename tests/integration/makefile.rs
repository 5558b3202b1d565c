//! Every `make` target the README names works first on a fresh machine:
//! nothing is compiled before `.ci/install-deps` has installed the
//! compilers. Each target runs in a fresh copy of the tree (no build/, no
//! target/) whose .ci/install-deps only leaves a mark, with every compiler
//! and package tool on the PATH replaced by a stand-in that fails unless
//! the mark is there (and otherwise leaves the file it was asked for, so
//! that make carries on). A rule that compiles without depending on the
//! installation fails, whatever order make picks (-j1 and -j8).

use crate::support::{Scratch, root, run};
use std::{
    collections::BTreeSet,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Command,
};

/// Tools that exist only once .ci/install-deps has run (or that must never
/// run in a test: the package managers).
const STAND_INS: [&str; 13] = [
    "cargo", "rustc", "cc", "gcc", "c++", "g++", "gfortran", "cmake", "pkg-config", "python3", "apt-get", "sudo",
    "mlir-tblgen",
];

const STAND_IN: &str = r#"#!/bin/sh
# A stand-in for a compiler: fails if .ci/install-deps has not run yet.
name=$(basename "$0")
if [ ! -e "$ZAD_DEPS_MARK" ]; then
  echo "BEFORE-DEPS: $name $*" >> "$ZAD_TOOL_LOG"
  echo "$name ran before .ci/install-deps" >&2
  exit 1
fi
echo "ran: $name $*" >> "$ZAD_TOOL_LOG"
# Leave what a real run would: the -o file, cargo's libzad.so and zad.
stub() { printf '#!/bin/sh\nexit 0\n' > "$1" && chmod +x "$1"; }
previous=
for argument in "$@"; do
  [ "$previous" = "-o" ] && stub "$argument"
  previous=$argument
done
if [ "$name" = cargo ]; then
  mkdir -p target/release && stub target/release/libzad.so && stub target/release/zad
fi
exit 0
"#;

const INSTALL_DEPS: &str = "#!/usr/bin/env bash\necho installed >> \"$ZAD_TOOL_LOG\"\ntouch \"$ZAD_DEPS_MARK\"\n";

/// The targets of every `make TARGET` the README shows.
fn readme_targets() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut targets = BTreeSet::new();
    for (index, _) in readme.match_indices("make") {
        let before = readme[..index].chars().last();
        let after = &readme[index + 4..];
        if !matches!(before, Some('`') | Some('\n')) || !after.starts_with([' ', '\n']) {
            continue;
        }
        let target: String =
            after.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        if !target.is_empty() {
            targets.insert(target);
        }
    }
    targets
}

/// Copies the source tree (without build products) to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy directory");
    for entry in std::fs::read_dir(from).expect("source directory") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if from == root() && ["target", "build", ".git"].contains(&name.to_str().unwrap_or_default()) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&source, &target);
        } else {
            std::fs::copy(&source, &target).unwrap_or_else(|error| panic!("{}: {error}", source.display()));
        }
    }
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write a script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A directory of stand-ins for the tools.
fn stand_ins(scratch: &Scratch) -> PathBuf {
    let dir = scratch.path("bin");
    std::fs::create_dir_all(&dir).expect("bin");
    for tool in STAND_INS {
        write_executable(&dir.join(tool), STAND_IN);
    }
    dir
}

/// Runs `make ARGS` in a fresh copy of the tree; returns (success, the
/// tool log, make's output). `edit` may change the copy's Makefile.
fn make_in_copy(scratch: &Scratch, bin: &Path, name: &str, args: &[String], edit: impl Fn(String) -> String) -> (bool, String, String) {
    let tree = scratch.path(name);
    copy_tree(&root(), &tree);
    write_executable(&tree.join(".ci/install-deps"), INSTALL_DEPS);
    let makefile = std::fs::read_to_string(tree.join("Makefile")).expect("Makefile");
    std::fs::write(tree.join("Makefile"), edit(makefile)).expect("Makefile");
    let log = scratch.path(&format!("{name}.log"));
    std::fs::write(&log, "").expect("log");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let (ok, stdout, stderr) = run(Command::new("make")
        .args(args)
        .current_dir(&tree)
        .env("PATH", path)
        .env("ZAD_TOOL_LOG", &log)
        .env("ZAD_DEPS_MARK", scratch.path(&format!("{name}.installed")))
        // cargo sets CARGO for the tests, and the Makefile would take it.
        .env_remove("CARGO")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL"));
    (ok, std::fs::read_to_string(&log).expect("log"), format!("{stdout}{stderr}"))
}

#[test]
fn every_readme_target_installs_the_dependencies_before_compiling() {
    let targets = readme_targets();
    for expected in ["demo", "test", "install", "bench", "header", "examples", "demo-heat"] {
        assert!(targets.contains(expected), "the README names `make {expected}`: {targets:?}");
    }
    let makefile = std::fs::read_to_string(root().join("Makefile")).expect("Makefile");
    let scratch = Scratch::new("makefile");
    let bin = stand_ins(&scratch);
    let prefix = scratch.path("prefix").display().to_string();
    for target in &targets {
        assert!(makefile.contains(&format!("\n{target}:")), "the README names `make {target}`, the Makefile has no such target");
        for jobs in ["-j1", "-j8"] {
            let args = [jobs.to_string(), target.clone(), format!("PREFIX={prefix}")];
            let (ok, log, output) = make_in_copy(&scratch, &bin, &format!("{target}{jobs}"), &args, |text| text);
            assert!(!log.contains("BEFORE-DEPS"), "make {jobs} {target} compiles before installing:\n{log}\n{output}");
            assert!(ok, "make {jobs} {target} failed:\n{log}\n{output}");
            assert!(log.starts_with("installed\n") && log.contains("ran: "), "make {jobs} {target}:\n{log}");
        }
    }

    // The check catches the mistake it is there for: the Fortran module's
    // rule without its dependency on `deps` (the bug of issue 10).
    let rule = "$(BUILD)/zad_fortran.o: bindings/fortran/zad.f90 | deps";
    assert!(makefile.contains(rule), "the Makefile's rule for the Fortran module changed: update this test");
    let broken = |text: String| text.replace(rule, "$(BUILD)/zad_fortran.o: bindings/fortran/zad.f90");
    let (ok, log, _) = make_in_copy(&scratch, &bin, "broken-demo", &["-j1".into(), "demo".into()], broken);
    assert!(!ok && log.contains("BEFORE-DEPS: gfortran"), "the broken Makefile went unnoticed:\n{log}");
}
