//! Installed use, as the README describes it: `make install` into a
//! temporary prefix, then the README's own pkg-config lines and CMake
//! project (section "Installing and linking"), copied from the README and
//! run outside the source tree on the programs of tests/install/, which
//! must build and run.

use crate::support::{Scratch, profile_dir, root, run};
use std::{path::Path, process::Command};

/// Where the README's lines install to; the test substitutes its prefix.
const README_PREFIX: &str = "/opt/zad";

/// The fenced code blocks (language, text) of the README's section `title`.
fn readme_blocks(title: &str) -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme.find(&format!("\n## {title}\n")).unwrap_or_else(|| panic!("README has no section {title:?}"));
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let newline = after.find('\n').expect("a fence line");
        let language = after[..newline].trim().to_string();
        let body = &after[newline + 1..];
        let close = body.find("```").expect("a closing fence");
        blocks.push((language, body[..close].to_string()));
        rest = &body[close + 3..];
    }
    blocks
}

/// The one block of `language` whose text contains `needle`.
fn block(blocks: &[(String, String)], language: &str, needle: &str) -> String {
    let found: Vec<&String> =
        blocks.iter().filter(|(lang, text)| lang == language && text.contains(needle)).map(|(_, text)| text).collect();
    assert_eq!(found.len(), 1, "one ```{language} block with {needle:?} in the README's install section");
    found[0].clone()
}

/// Runs a shell script in `dir`, returning its standard output.
fn shell(script: &str, dir: &Path, what: &str) -> String {
    let (ok, stdout, stderr) = run(Command::new("sh").args(["-ec", script]).current_dir(dir));
    assert!(ok, "{what} failed:\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    stdout
}

/// The three programs' reports: one line each, ending in OK.
fn assert_programs_ran(stdout: &str, how: &str) {
    for language in ["C:", "C++:", "Fortran:"] {
        assert!(
            stdout.lines().any(|line| line.starts_with(language) && line.trim_end().ends_with("OK")),
            "{how}: no \"{language} ... OK\" line in:\n{stdout}"
        );
    }
}

fn copy_programs(dir: &Path) {
    std::fs::create_dir_all(dir).expect("project directory");
    for program in ["prog.c", "prog.cpp", "prog.f90"] {
        std::fs::copy(root().join("tests/install").join(program), dir.join(program)).expect(program);
    }
}

#[test]
fn installed_zad_builds_programs_with_pkg_config_and_cmake() {
    let scratch = Scratch::new("install");
    let prefix = scratch.path("prefix");
    let prefix_text = prefix.display().to_string();

    // The Makefile's own install recipe; `-o build` takes this build as
    // current (the tests run inside `cargo test`, which built it).
    let (ok, stdout, stderr) = run(Command::new("make")
        .args(["-o", "build", "install"])
        .arg(format!("PREFIX={prefix_text}"))
        .arg(format!("PROFILE_DIR={}", profile_dir().display()))
        .current_dir(root())
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL"));
    assert!(ok, "make install failed:\n{stdout}\n{stderr}");
    for file in [
        "lib/libzad.so",
        "bin/zad",
        "include/zad.h",
        "include/zad.hpp",
        "share/zad/fortran/zad.f90",
        "lib/pkgconfig/zad.pc",
        "lib/cmake/zad/zadConfig.cmake",
        "lib/cmake/zad/zadConfigVersion.cmake",
    ] {
        assert!(prefix.join(file).is_file(), "make install did not install {file}");
    }
    let (ok, version, stderr) = run(Command::new(prefix.join("bin/zad")).arg("--version"));
    assert!(ok && version.contains(env!("CARGO_PKG_VERSION")), "the installed zad: {version}{stderr}");

    let blocks = readme_blocks("Installing and linking");
    let substitute = |text: &str| text.replace(README_PREFIX, &prefix_text);

    // pkg-config: each line as the README has it; every program is run
    // right after it is built.
    let lines = block(&blocks, "sh", "pkg-config");
    let mut script = String::new();
    for line in lines.lines().filter(|line| !line.trim().is_empty()) {
        script.push_str(&substitute(line));
        script.push('\n');
        if line.contains("-o prog") {
            script.push_str("./prog\nrm prog\n");
        }
    }
    assert_eq!(script.matches("./prog").count(), 3, "three programs (C, C++, Fortran) in:\n{lines}");
    let project = scratch.path("pkg-config");
    copy_programs(&project);
    let stdout = shell(&script, &project, "the README's pkg-config lines");
    assert_programs_ran(&stdout, "pkg-config");
    let (ok, modversion, _) = run(Command::new("pkg-config")
        .args(["--modversion", "zad"])
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")));
    assert!(ok && modversion.trim() == env!("CARGO_PKG_VERSION"), "pkg-config --modversion zad: {modversion}");

    // CMake: the README's project, plus checks of the package's version
    // file (this version is found, the next major one is not).
    let project = scratch.path("cmake");
    copy_programs(&project);
    let mut cmake_lists = block(&blocks, "cmake", "find_package(zad");
    let (major, minor) = (env!("CARGO_PKG_VERSION_MAJOR"), env!("CARGO_PKG_VERSION_MINOR"));
    let next_major: u32 = major.parse::<u32>().expect("major version") + 1;
    cmake_lists.push_str(&format!(
        "find_package(zad {major}.{minor} CONFIG REQUIRED)\n\
         find_package(zad {next_major}.0 CONFIG QUIET)\n\
         if(zad_FOUND)\n  message(FATAL_ERROR \"zad {next_major}.0 was found in {major}.{minor}\")\nendif()\n"
    ));
    std::fs::write(project.join("CMakeLists.txt"), &cmake_lists).expect("CMakeLists.txt");
    shell(&substitute(&block(&blocks, "sh", "cmake -S")), &project, "the README's cmake commands");
    let mut outputs = String::new();
    for line in cmake_lists.lines().filter_map(|line| line.trim().strip_prefix("add_executable(")) {
        let name = line.split_whitespace().next().expect("a target name");
        let (ok, stdout, stderr) = run(&mut Command::new(project.join("build").join(name)));
        assert!(ok, "{name} failed:\n{stdout}{stderr}");
        outputs.push_str(&stdout);
    }
    assert_programs_ran(&outputs, "CMake");
}
