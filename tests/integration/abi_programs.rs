//! The C, C++ and Fortran programs (examples-c/, examples-fortran/,
//! tests/abi/): each is compiled with the system's gcc, g++ or gfortran,
//! warnings as errors, against include/ and bindings/, linked to the
//! libzad.so of this build, run from its own directory, and its output
//! checked. The programs check themselves (exit status); these tests also
//! read the numbers they print, with bounds of their own, so that a
//! program whose own check were loosened would still be caught.
//!
//! Build products go to a scratch directory per test under the system's
//! temporary directory, removed when the test passes and kept (the path is
//! in the failure message) when it fails.

use crate::support::{Scratch, assert_close, profile_dir, root, run};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

/// The linker flags for this build's libzad.so, found at run time through
/// the rpath (no LD_LIBRARY_PATH needed).
fn link_flags() -> Vec<String> {
    let lib = profile_dir();
    assert!(
        lib.join("libzad.so").exists(),
        "{} has no libzad.so: the cdylib is built with the tests (cargo test --release)",
        lib.display()
    );
    vec![format!("-L{}", lib.display()), "-lzad".into(), format!("-Wl,-rpath,{}", lib.display())]
}

/// Runs a compiler, panicking with its diagnostics if it fails (warnings
/// included: every compilation here uses -Werror).
fn compile(compiler: &str, args: &[String], what: &str) {
    let mut command = Command::new(compiler);
    command.args(args).current_dir(root());
    let output = command.output().unwrap_or_else(|error| {
        panic!("cannot run {compiler} ({error}): install gcc, g++ and gfortran (`make deps` does)")
    });
    assert!(
        output.status.success(),
        "{what}: {compiler} failed:\n{} {}\n{}{}",
        compiler,
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

/// Compiles and links a C99 program (path relative to the root).
pub(crate) fn build_c(scratch: &Scratch, source: &str) -> PathBuf {
    let exe = scratch.path("program");
    let mut args = strings(&["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Iinclude", source]);
    args.extend(["-o".into(), exe.display().to_string()]);
    args.extend(link_flags());
    args.push("-lm".into());
    compile("gcc", &args, source);
    exe
}

/// Compiles and links a C++17 program that uses bindings/cpp/zad.hpp.
pub(crate) fn build_cpp(scratch: &Scratch, source: &str) -> PathBuf {
    let exe = scratch.path("program");
    let mut args = strings(&[
        "-std=c++17",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-Iinclude",
        "-Ibindings/cpp",
        source,
    ]);
    args.extend(["-o".into(), exe.display().to_string()]);
    args.extend(link_flags());
    compile("g++", &args, source);
    exe
}

/// The flags every Fortran compilation shares; -J and -I put zad.mod in
/// the test's own directory, so that tests running in parallel do not
/// overwrite each other's module files.
fn fortran_flags(scratch: &Scratch) -> Vec<String> {
    let mut flags = strings(&["-std=f2018", "-O2", "-Wall", "-pedantic", "-Werror"]);
    flags.push(format!("-J{}", scratch.dir.display()));
    flags.push(format!("-I{}", scratch.dir.display()));
    flags
}

/// Compiles bindings/fortran/zad.f90 and a program that uses it.
/// `extra` are additional warning flags for the program.
pub(crate) fn build_fortran(scratch: &Scratch, source: &str, extra: &[&str]) -> PathBuf {
    let module_object = scratch.path("zad_fortran.o");
    let mut args = fortran_flags(scratch);
    // The bindings are held to the strictest warnings.
    args.extend(strings(&["-Wextra", "-c", "bindings/fortran/zad.f90", "-o"]));
    args.push(module_object.display().to_string());
    compile("gfortran", &args, "bindings/fortran/zad.f90");
    assert!(scratch.path("zad.mod").exists(), "gfortran -J did not put zad.mod in {}", scratch.dir.display());

    let exe = scratch.path("program");
    let mut args = fortran_flags(scratch);
    args.extend(strings(extra));
    args.extend([source.to_string(), module_object.display().to_string(), "-o".into(), exe.display().to_string()]);
    args.extend(link_flags());
    compile("gfortran", &args, source);
    exe
}

/// Runs a built program from `dir` (relative to the root), where its MLIR
/// files are; returns (success, stdout, stderr).
fn run_in(exe: &Path, dir: &str, args: &[&str]) -> (bool, String, String) {
    run(Command::new(exe).args(args).current_dir(root().join(dir)))
}

/// Runs a program that must succeed, returning its standard output.
pub(crate) fn run_ok(exe: &Path, dir: &str) -> String {
    let (ok, stdout, stderr) = run_in(exe, dir, &[]);
    assert!(ok, "{} failed in {dir}\n--- stdout\n{stdout}\n--- stderr\n{stderr}", exe.display());
    stdout
}

/// The text after `prefix` on the line that starts with it.
fn line_after<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{stdout}"))
}

/// Parses a number as Fortran or C prints it (`1.5E-03`, `1.500e-03`).
fn number(text: &str, what: &str) -> f64 {
    text.trim().parse().unwrap_or_else(|_| panic!("{what}: {text:?} is not a number"))
}

/// The difference on the "max difference vs ... reference: D (tolerance
/// T)" line every example prints, checked against the program's own
/// tolerance and against `bound`, this test's.
fn max_difference(stdout: &str, reference: &str, bound: f64) -> f64 {
    let rest = line_after(stdout, &format!("max difference vs {reference} reference:"));
    let (difference, tolerance) = rest.split_once("(tolerance").unwrap_or_else(|| panic!("no tolerance in {rest:?}"));
    let difference = number(difference, "max difference");
    let tolerance = number(tolerance.trim_end().trim_end_matches(')'), "tolerance");
    assert!(difference <= tolerance, "the program's own check: {difference:e} > {tolerance:e}\n{stdout}");
    assert_close(difference, 0.0, bound, &format!("max difference vs {reference}"));
    difference
}

fn assert_last_line(stdout: &str, expected: &str) {
    assert_eq!(stdout.lines().last().map(str::trim), Some(expected), "last line of:\n{stdout}");
}

/// "all N cases passed" (or checks): N, at least `minimum`, so that a
/// program that silently stopped testing things is noticed.
pub(crate) fn all_passed(stdout: &str, noun: &str, minimum: usize) -> usize {
    assert!(!stdout.contains("FAIL"), "a case failed:\n{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    let count = last
        .strip_prefix("all ")
        .and_then(|rest| rest.strip_suffix(&format!(" {noun} passed")))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no \"all N {noun} passed\" at the end of:\n{stdout}"));
    assert!(count >= minimum, "only {count} {noun} ran, expected at least {minimum}:\n{stdout}");
    let ok_lines = stdout.lines().filter(|line| line.starts_with("ok ")).count();
    assert_eq!(ok_lines, count, "one \"ok\" line per case:\n{stdout}");
    count
}

// ------------------------------------------------------------- examples

#[test]
fn fortran_heat_equation_matches_fortran_and_the_exact_solution() {
    let scratch = Scratch::new("heat");
    let exe = build_fortran(&scratch, "examples-fortran/heat.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "examples-fortran");
    max_difference(&stdout, "Fortran", 1e-12);
    assert_last_line(&stdout, "OK");

    // The physics, independently of the Fortran program: at t = 0.05 the
    // exact solution is exp(-pi^2 t) sin(pi x) + 0.5 exp(-9 pi^2 t) sin(3 pi x),
    // whose integral (the heat content) is 2/pi exp(-pi^2 t) + 1/(3 pi)
    // exp(-9 pi^2 t). The kernel's values are within the scheme's error,
    // O(dx^2 + dt), about 4e-6 here, of both; the program's own "exact"
    // column agrees with this formula to its printed digits.
    use std::f64::consts::PI;
    let t = 0.05;
    let (slow, fast) = ((-PI * PI * t).exp(), (-9.0 * PI * PI * t).exp());
    let exact_content = 2.0 / PI * slow + 1.0 / (3.0 * PI) * fast;
    let exact_centre = slow - 0.5 * fast;

    let content = line_after(&stdout, "heat content sum(u) dx: kernel ");
    let fields: Vec<&str> = content.split(',').collect();
    assert_eq!(fields.len(), 3, "{content}");
    let kernel_content = number(fields[0], "kernel heat content");
    let printed_exact_content = number(fields[2].trim().trim_start_matches("exact"), "exact heat content");
    assert_close(kernel_content, exact_content, 1e-5, "heat content vs the exact solution");
    assert_close(printed_exact_content, exact_content, 1e-11, "the program's exact heat content");

    // The row x = 0.50 of the table: kernel, Fortran loop, exact.
    let centre: Vec<f64> =
        line_after(&stdout, "0.50").split_whitespace().map(|field| number(field, "u(0.5)")).collect();
    assert_eq!(centre.len(), 3, "{stdout}");
    assert_close(centre[0], exact_centre, 1e-5, "u(0.5, t) vs the exact solution");
    assert_close(centre[2], exact_centre, 1e-11, "the program's exact u(0.5, t)");
    assert!(stdout.contains("heat.mlir"), "the demo says what ran:\n{stdout}");
}

#[test]
fn fortran_laplace_column_major_matches_fortran() {
    let scratch = Scratch::new("laplace");
    let exe = build_fortran(&scratch, "examples-fortran/laplace.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "examples-fortran");
    max_difference(&stdout, "Fortran", 1e-12);
    assert_last_line(&stdout, "OK");
    // The last sweep's largest change, as the kernel and Fortran report it.
    let changes = line_after(&stdout, "2000 Jacobi sweeps; largest change in the last sweep: kernel ");
    let (kernel, fortran) = changes.split_once(", Fortran").expect("kernel and Fortran changes");
    let (kernel, fortran) = (number(kernel, "kernel change"), number(fortran, "Fortran change"));
    assert!(kernel > 0.0 && kernel < 1e-3, "Jacobi is converging: {kernel}");
    assert_close(kernel, fortran, 1e-15, "last change, kernel vs Fortran");
}

#[test]
fn c_lorenz96_checked_and_raw_calls_match_c() {
    let scratch = Scratch::new("lorenz96");
    let exe = build_c(&scratch, "examples-c/lorenz96.c");
    let stdout = run_ok(&exe, "examples-c");
    max_difference(&stdout, "C", 1e-10);
    // The raw entry point runs the same machine code as the checked call.
    let raw = number(line_after(&stdout, "raw entry point vs checked call:"), "raw vs checked");
    assert_close(raw, 0.0, 1e-12, "raw entry point vs checked call");
    // The state has left the equilibrium x_k = 8 (the chaos is real).
    let energy = number(line_after(&stdout, "energy sum(x^2)/2 ="), "energy");
    assert!((energy - 0.5 * 40.0 * 64.0).abs() > 1.0, "energy {energy} is still that of the equilibrium");
    assert_last_line(&stdout, "OK");
}

#[test]
fn cpp_covariance_returned_arrays_match_cpp() {
    let scratch = Scratch::new("covariance");
    let exe = build_cpp(&scratch, "examples-c/covariance.cpp");
    let stdout = run_ok(&exe, "examples-c");
    max_difference(&stdout, "C++", 1e-12);
    assert_last_line(&stdout, "OK");
}

#[test]
fn c_bad_input_gets_exact_statuses_and_messages() {
    let scratch = Scratch::new("bad-input");
    let exe = build_c(&scratch, "examples-c/bad_input.c");
    let (ok, stdout, stderr) = run_in(&exe, "examples-c", &[]);
    assert!(ok, "bad_input failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    all_passed(&stdout, "cases", 58);
    for case in [
        "a {2^32, 2^32} shape with NULL data",
        "refused arrays are not added",
        "row stride 5 for 4 columns (C order)",
        "row stride 0 (C order)",
        "explicit C-order strides",
        "a shadow shorter than its array",
        "a gradient argument of the wrong type",
        "a gradient call without the shadow",
        "the gradient called right",
        "malformed MLIR ",
        "a file that does not exist",
        "an unknown function name",
        "too few arguments",
        "an f32 array for an f64 parameter",
        "an array of the wrong rank",
        "a static dimension that does not match",
        "a row-major array for a column-major one",
        "an f32 result binding for an f64 result",
        "zad_function_call with a NULL function",
        "zad_*_free(NULL) and array getters",
        "a panic inside zad (zad_debug_panic)",
        "a correct call after all the failures",
    ] {
        assert!(
            stdout.lines().any(|line| line.starts_with("ok") && line.contains(case)),
            "no passing case {case:?}:\n{stdout}"
        );
    }
}

/// The rows of a gradient example's table, `LABEL ZAD REFERENCE ERROR`
/// for every line whose first word starts with `prefix`: (label, the
/// reverse-mode value, the finite-difference value). The relative error
/// the program printed is checked against the one these numbers give.
fn derivative_rows(stdout: &str, prefix: &str) -> Vec<(String, f64, f64)> {
    stdout
        .lines()
        .filter(|line| line.split_whitespace().next().is_some_and(|word| word.starts_with(prefix)))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields.len(), 4, "a derivative row is LABEL ZAD REFERENCE ERROR: {line:?}");
            let (derivative, reference) = (number(fields[1], fields[0]), number(fields[2], fields[0]));
            let printed = number(fields[3], fields[0]);
            let error = (derivative - reference).abs() / reference.abs();
            // Printed with 2 or 3 significant digits.
            assert!(
                (printed - error).abs() <= 0.01 * error + 1e-13,
                "{}: printed relative error {printed:e}, the numbers give {error:e}",
                fields[0]
            );
            (fields[0].to_string(), derivative, reference)
        })
        .collect()
}

/// Checks every derivative row against the finite difference beside it
/// with this test's own bound, and the program's summary line against its
/// tolerance; returns the rows.
fn derivatives_match_finite_differences(
    stdout: &str,
    prefix: &str,
    minimum: usize,
    bound: f64,
) -> Vec<(String, f64, f64)> {
    let rows = derivative_rows(stdout, prefix);
    assert!(rows.len() >= minimum, "only {} derivative rows, expected at least {minimum}:\n{stdout}", rows.len());
    for (label, derivative, reference) in &rows {
        assert!(derivative.is_finite() && *reference != 0.0, "{label}: {derivative} vs {reference}");
        let error = (derivative - reference).abs() / reference.abs();
        assert!(
            error <= bound,
            "{label}: reverse mode {derivative:e}, finite difference {reference:e}: \
                                 relative error {error:e} > {bound:e}\n{stdout}"
        );
    }
    let rest = line_after(stdout, "max relative difference vs finite-difference reference:");
    let (worst, tolerance) = rest.split_once("(tolerance").unwrap_or_else(|| panic!("no tolerance in {rest:?}"));
    let worst = number(worst, "max relative difference");
    let tolerance = number(tolerance.trim_end().trim_end_matches(')'), "tolerance");
    assert!(worst <= tolerance && tolerance <= 1e-6, "the program's own check: {worst:e} vs {tolerance:e}\n{stdout}");
    let largest = rows.iter().map(|(_, d, r)| (d - r).abs() / r.abs()).fold(0.0, f64::max);
    assert!(largest <= worst * 1.01, "the summary ({worst:e}) understates a row ({largest:e})\n{stdout}");
    assert_last_line(stdout, "OK");
    rows
}

#[test]
fn fortran_heat_gradient_matches_finite_differences() {
    let scratch = Scratch::new("heat-gradient");
    let exe = build_fortran(&scratch, "examples-fortran/heat_gradient.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "examples-fortran");
    let rows = derivatives_match_finite_differences(&stdout, "dJ/d", 7, 1e-7);
    let labels: Vec<&str> = rows.iter().map(|(label, _, _)| label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "dJ/dkappa",
            "dJ/du0(x=0.10)",
            "dJ/du0(x=0.30)",
            "dJ/du0(x=0.50)",
            "dJ/du0(x=0.70)",
            "dJ/du0(x=0.90)",
            "dJ/du0.w"
        ],
        "{stdout}"
    );
    // The problem is symmetric about x = 1/2 (initial state, observations
    // and boundary values), so is the gradient.
    assert_close(rows[1].1, rows[5].1, 1e-12, "dJ/du0(0.1) vs dJ/du0(0.9)");
    assert_close(rows[2].1, rows[4].1, 1e-12, "dJ/du0(0.3) vs dJ/du0(0.7)");
    // The observations came from kappa = 1 > 0.8: a larger kappa fits better.
    assert!(rows[0].1 < 0.0, "dJ/dkappa = {} should be negative\n{stdout}", rows[0].1);
    let misfit = number(line_after(&stdout, "misfit J = 1/2 int (u(x, T) - u_obs(x))^2 dx ="), "J");
    assert!(misfit > 1e-4 && misfit < 1e-2, "J = {misfit}\n{stdout}");
    assert!(stdout.contains("heat_gradient.mlir"), "the example says what ran:\n{stdout}");
}

/// examples-fortran/implicit_heat.f90: a kernel whose time step is a
/// Fortran routine (a tridiagonal solve) with a Fortran adjoint, both
/// registered from Fortran; the program compares zad's gradient with
/// central differences and counts the adjoint's calls.
#[test]
fn fortran_step_with_a_fortran_adjoint_matches_finite_differences() {
    let scratch = Scratch::new("implicit-heat");
    let exe = build_fortran(&scratch, "examples-fortran/implicit_heat.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "examples-fortran");
    let rows = derivatives_match_finite_differences(&stdout, "dJ/d", 5, 1e-7);
    let labels: Vec<&str> = rows.iter().map(|(label, _, _)| label.as_str()).collect();
    assert_eq!(labels, ["dJ/dkappa", "dJ/du0(x=0.20)", "dJ/du0(x=0.50)", "dJ/du0(x=0.80)", "dJ/du0.w"], "{stdout}");
    // zad reversed the 40 steps through the registered Fortran adjoint.
    assert!(stdout.contains("implicit_step_adjoint ran 40 times (once per step)"), "{stdout}");
    let misfit = number(line_after(&stdout, "misfit J ="), "J");
    assert!(misfit > 1e-4 && misfit < 1e-1, "J = {misfit}\n{stdout}");
}

/// The flagship demo (`make demo`), smaller: 2000 steps on a 40 x 40
/// grid within 1 MB of snapshots (78 states of 12.8 kB) instead of 10^5
/// steps on 100 x 100 within 50 MB.
#[test]
fn fortran_heat2d_adjoint_checkpointed_matches_finite_differences() {
    let scratch = Scratch::new("heat2d-adjoint");
    // The model is a module of its own, which the program calls and zad
    // differentiates from source.
    let exe = build_fortran(&scratch, "examples-fortran/heat2d_adjoint.f90", &["-Wextra", "examples-fortran/heat2d_kernel.f90"]);
    let (steps, grid, budget) = (2000u64, 40u64, 1_000_000u64);
    let (ok, stdout, stderr) =
        run_in(&exe, "examples-fortran", &[&steps.to_string(), &grid.to_string(), &budget.to_string()]);
    assert!(ok, "heat2d_adjoint failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    let rows = derivatives_match_finite_differences(&stdout, "dJ/d", 4, 1e-6);
    assert_eq!(rows[0].0, "dJ/dkappa", "{stdout}");
    assert_eq!(rows.last().map(|row| row.0.as_str()), Some("dJ/du0.w"), "{stdout}");
    // The observations are wider than the guess evolves to (kappa = 1 >
    // 0.8): a larger diffusivity fits better.
    assert!(rows[0].1 < 0.0, "dJ/dkappa = {}\n{stdout}", rows[0].1);
    // J is quadratic in u0: its differences are exact to rounding.
    for (label, derivative, reference) in &rows[1..] {
        assert!((derivative - reference).abs() <= 1e-9 * reference.abs(), "{label}: {derivative} vs {reference}");
    }

    // The checkpointing statistics the program printed.
    let integer = |text: &str, what: &str| -> u64 {
        text.trim().parse().unwrap_or_else(|_| panic!("{what}: {text:?} is not an integer\n{stdout}"))
    };
    let reversed = line_after(&stdout, "steps reversed (each taped once):");
    assert_eq!(reversed.trim(), format!("{steps} of {steps} steps"), "{stdout}");
    let snapshots = budget / (8 * grid * grid);
    let optimum = zad::checkpoint::optimal_advances(steps as usize, snapshots as usize);
    let printed_optimum = line_after(&stdout, "revolve's optimum p(n, s) =");
    assert_eq!(integer(printed_optimum.split('(').next().unwrap_or_default(), "p(n, s)"), optimum, "{stdout}");
    let forward = line_after(&stdout, "plain forward steps:");
    let forward = integer(forward.split('(').next().unwrap_or_default(), "forward steps");
    assert!(optimum <= forward && forward <= optimum + steps, "p(n, s) = {optimum} <= {forward} <= p + n\n{stdout}");
    let held = line_after(&stdout, "snapshots:");
    let held = held.split("at most").nth(1).and_then(|rest| rest.split("held").next()).expect("at most N held");
    assert!(integer(held, "snapshots held") <= snapshots, "{stdout}");
    let tape = line_after(&stdout, "a fully taped gradient:");
    let per_step = number(tape.split("kB").next().unwrap_or_default(), "tape per step");
    // One double per interior point and step (kappa's derivative needs the
    // Laplacians), give or take.
    let interior = ((grid - 2) * (grid - 2) * 8) as f64 / 1e3;
    assert!(per_step >= 0.5 * interior && per_step <= 4.0 * interior, "tape per step {per_step} kB\n{stdout}");
    let ratio = number(line_after(&stdout, "time:").rsplit('=').next().unwrap_or_default(), "gradient / primal");
    assert!(ratio > 1.0, "the gradient costs more than the primal: {ratio}\n{stdout}");
    assert!(stdout.contains("heat2d_kernel.f90 differentiated from source"), "the demo says what ran:\n{stdout}");
}

#[test]
fn fortran_burgers_descent_differentiates_its_solver_from_source() {
    let scratch = Scratch::new("burgers-descent");
    let exe = build_fortran(&scratch, "examples-fortran/burgers_descent.f90", &["-Wextra", "examples-fortran/burgers.f90"]);
    let stdout = run_ok(&exe, "examples-fortran");
    let probe = line_after(&stdout, "dJ/du0(66): zad");
    let numbers: Vec<f64> =
        probe.split("central difference").map(|field| number(field.trim(), "a derivative")).collect();
    assert_close(numbers[0], numbers[1], 1e-7, "zad's dJ/du0(66) vs the central difference of the solver");
    let first = number(line_after(&stdout, "iteration  1  misfit").trim(), "the first misfit");
    let last = number(line_after(&stdout, "final misfit").trim(), "the final misfit");
    assert!(last < 1e-6 * first, "gradient descent with zad's gradient: {first} -> {last}\n{stdout}");
}

#[test]
fn c_lorenz96_gradient_matches_finite_differences() {
    let scratch = Scratch::new("lorenz96-gradient");
    let exe = build_c(&scratch, "examples-c/lorenz96_gradient.c");
    let stdout = run_ok(&exe, "examples-c");
    let rows = derivatives_match_finite_differences(&stdout, "dJ/d", 7, 1e-7);
    assert_eq!(rows[0].0, "dJ/dF", "{stdout}");
    assert_eq!(rows.last().map(|row| row.0.as_str()), Some("dJ/dx0.w"), "{stdout}");
    // The primal result comes back from the gradient call too, equal to
    // the C model's to rounding.
    let fields: Vec<f64> = line_after(&stdout, "J ").split_whitespace().map(|field| number(field, "J")).collect();
    assert_eq!(fields.len(), 3, "J row: {stdout}");
    assert_close(fields[0], fields[1], 1e-12, "J from the gradient vs the C model");
    assert!(fields[0] > 10.0 && fields[0] < 100.0, "mean energy {} of a Lorenz-96 state near F = 8", fields[0]);
}

#[test]
fn cpp_denoise_gradient_descends_and_matches_finite_differences() {
    let scratch = Scratch::new("denoise-gradient");
    let exe = build_cpp(&scratch, "examples-c/denoise_gradient.cpp");
    let stdout = run_ok(&exe, "examples-c");
    let rows = derivatives_match_finite_differences(&stdout, "dE/d", 6, 1e-7);
    assert_eq!(rows[0].0, "dE/dlambda", "{stdout}");
    // At u = f the data term vanishes: E = lambda dE/dlambda.
    let table: Vec<Vec<f64>> = stdout
        .lines()
        .map(|line| line.split_whitespace().map(str::parse::<f64>).collect::<Result<Vec<f64>, _>>())
        .filter_map(Result::ok)
        .filter(|fields| fields.len() == 3)
        .collect();
    assert!(table.len() >= 6, "the descent table (iteration, E, rms error):\n{stdout}");
    // (E is printed with 6 decimals.)
    assert_close(table[0][1], 0.2 * rows[0].1, 1e-7, "E(f) = lambda dE/dlambda");
    for pair in table.windows(2) {
        assert!(pair[1][0] > pair[0][0] && pair[1][1] < pair[0][1], "the energy falls: {pair:?}\n{stdout}");
    }
    let (first, last) = (&table[0], &table[table.len() - 1]);
    assert!(last[2] < 0.7 * first[2], "denoising brings the image closer to the clean one: {first:?} -> {last:?}");
}

// ------------------------------------------------------------- bindings

#[test]
fn fortran_bindings_cover_every_generic() {
    let scratch = Scratch::new("fortran-bindings");
    // No -Wextra: it warns about comparing reals for equality, which the
    // checks do on purpose (small integers, exact in floating point).
    let exe = build_fortran(&scratch, "tests/abi/fortran_bindings.f90", &[]);
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 60);
    assert!(stdout.contains("ok    zad_gradient: dJ/dx in a column-major shadow"), "{stdout}");
    assert!(
        stdout.contains("ok    zad_gradient_checkpointed, binomial, 2 snapshots: J, dJ/da, dJ/dx0 exact"),
        "{stdout}"
    );
    assert!(stdout.contains("ok    zad_stats_take: 8 steps reversed"), "{stdout}");
}

#[test]
fn fortran_zad_check_stops_with_the_message() {
    let scratch = Scratch::new("fortran-check");
    let exe = build_fortran(&scratch, "tests/abi/fortran_bindings.f90", &[]);
    let (ok, stdout, stderr) = run_in(&exe, "tests/abi", &["zad_check-failure"]);
    assert!(!ok, "zad_check did not stop the program:\n{stdout}{stderr}");
    assert!(!stdout.contains("did not stop"), "{stdout}");
    assert!(stderr.contains("zad: loading missing.mlir failed: ZAD_IO_ERROR (6)"), "{stderr}");
    assert!(stderr.contains("missing.mlir: cannot read"), "zad's own message:\n{stderr}");
}

#[test]
fn cpp_bindings_cover_every_overload() {
    let scratch = Scratch::new("cpp-bindings");
    let exe = build_cpp(&scratch, "tests/abi/cpp_bindings.cpp");
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 60);
    assert!(stdout.contains("ok    Module::gradient: the result, dw, and dx in the shadow"), "{stdout}");
    assert!(stdout.contains("ok    Module::gradient_checkpointed, binomial, 2 snapshots: exact"), "{stdout}");
    assert!(stdout.contains("ok    zad::take_stats: 8 steps reversed"), "{stdout}");
}

/// The `#define ZAD_NAME value` constants of zad.h.
fn header_constants() -> BTreeMap<String, i64> {
    let header = std::fs::read_to_string(root().join("include/zad.h")).expect("include/zad.h");
    let constants: BTreeMap<String, i64> = header
        .lines()
        .filter_map(|line| {
            let mut words = line.strip_prefix("#define ")?.split_whitespace();
            let (name, value) = (words.next()?, words.next()?);
            Some((name.strip_prefix("ZAD_")?.to_string(), value.parse().ok()?))
        })
        .collect();
    assert!(constants.contains_key("OK") && constants.contains_key("F64"), "zad.h constants: {constants:?}");
    constants
}

#[test]
fn bindings_constants_match_the_header() {
    let fortran = std::fs::read_to_string(root().join("bindings/fortran/zad.f90")).expect("zad.f90");
    let cpp = std::fs::read_to_string(root().join("bindings/cpp/zad.hpp")).expect("zad.hpp");
    let bad_input = std::fs::read_to_string(root().join("examples-c/bad_input.c")).expect("bad_input.c");
    for (name, value) in header_constants() {
        let declaration = format!("parameter, public :: ZAD_{name} = {value}\n");
        assert!(fortran.contains(&declaration), "zad.f90 lacks `{}`", declaration.trim());
        // Status codes (every constant but the type, activity and
        // checkpointing scheme codes) have a name in each language's
        // status_name.
        let is_type = ["F16", "BF16", "F32", "F64", "C32", "C64", "I32", "I64", "INDEX"].contains(&name.as_str());
        let is_activity = ["CONST", "ACTIVE", "DUP"].contains(&name.as_str());
        let is_scheme = name.starts_with("CHECKPOINT_");
        let is_option = name.starts_with("OPTION_");
        if !is_type && !is_activity && !is_scheme && !is_option {
            let case = format!("case (ZAD_{name}); name = 'ZAD_{name}'");
            assert!(fortran.contains(&case), "zad_status_name in zad.f90 lacks ZAD_{name}");
            let case = format!("case ZAD_{name}: return \"ZAD_{name}\";");
            assert!(cpp.contains(&case), "zad::status_name in zad.hpp lacks ZAD_{name}");
            assert!(bad_input.contains(&case), "status_name in bad_input.c lacks ZAD_{name}");
        }
    }
}

/// The fields of `typedef struct { ... } NAME;` in zad.h: (C type, name).
fn header_struct(name: &str) -> Vec<(String, String)> {
    let header = std::fs::read_to_string(root().join("include/zad.h")).expect("include/zad.h");
    let end = header.find(&format!("}} {name};")).unwrap_or_else(|| panic!("zad.h has no struct {name}"));
    let start = header[..end].rfind("typedef struct {").expect("typedef struct {") + "typedef struct {".len();
    header[start..end]
        .lines()
        .map(str::trim)
        .filter(|line| line.ends_with(';') && !line.starts_with('*') && !line.starts_with("/*"))
        .map(|line| {
            let (ty, field) = line.trim_end_matches(';').rsplit_once(' ').expect("TYPE NAME;");
            (ty.trim().to_string(), field.to_string())
        })
        .collect()
}

/// The bind(C) structs of zad.h (zad_checkpoint, zad_stats) have Fortran
/// twins with the same components in the same order, each of an integer
/// kind of the C field's size.
#[test]
fn bindings_structs_match_the_header() {
    let fortran = std::fs::read_to_string(root().join("bindings/fortran/zad.f90")).expect("zad.f90");
    for name in ["zad_checkpoint", "zad_stats"] {
        let fields = header_struct(name);
        assert!(fields.len() >= 4, "{name}: {fields:?}");
        let start = fortran
            .find(&format!("type, bind(C), public :: {name}\n"))
            .unwrap_or_else(|| panic!("zad.f90 lacks `type, bind(C), public :: {name}`"));
        let body = &fortran[start..start + fortran[start..].find("end type").expect("end type")];
        let components: Vec<(String, String)> = body
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (kind, rest) = line.trim().split_once("::")?;
                let component = rest.split('=').next()?.trim().to_string();
                Some((kind.trim().to_string(), component))
            })
            .collect();
        let names: Vec<&str> = components.iter().map(|(_, c)| c.as_str()).collect();
        let expected: Vec<&str> = fields.iter().map(|(_, f)| f.as_str()).collect();
        assert_eq!(names, expected, "components of the Fortran {name}");
        for ((kind, component), (c_type, _)) in components.iter().zip(&fields) {
            let expected_kind = match c_type.as_str() {
                "uint64_t" | "int64_t" => "integer(c_int64_t)",
                // uint32_t and the int32_t typedefs (zad_checkpoint_scheme)
                _ => "integer(c_int32_t)",
            };
            assert_eq!(kind, expected_kind, "{name}%{component} is {c_type} in zad.h");
        }
    }
}

// ----------------------------------------------------- foreign functions

/// The foreign-function programs (tests/abi/foreign_functions.*): the same
/// checks from C, C++ and Fortran, each registering its own routines.
fn foreign_functions_pass(stdout: &str) {
    all_passed(stdout, "checks", 6);
    for case in ["eos_pressure", "descriptor", "ZAD_NOT_FOUND", "ZAD_RUNTIME_ERROR", "ZAD_IO_ERROR"] {
        assert!(stdout.lines().any(|line| line.starts_with("ok") && line.contains(case)), "no passing case {case:?}:\n{stdout}");
    }
}

#[test]
fn c_foreign_functions_are_registered_and_their_errors_are_statuses() {
    let scratch = Scratch::new("foreign-c");
    let exe = build_c(&scratch, "tests/abi/foreign_functions.c");
    foreign_functions_pass(&run_ok(&exe, "tests/abi"));
}

#[test]
fn cpp_foreign_functions_are_registered_and_their_errors_throw() {
    let scratch = Scratch::new("foreign-cpp");
    let exe = build_cpp(&scratch, "tests/abi/foreign_functions.cpp");
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 5);
    assert!(stdout.contains("ok   a buffer reaches the routine as a descriptor, changed in place"), "{stdout}");
    assert!(stdout.contains("ok   Context::register_adjoint: the gradient over rho and t calls eos_pressure_adjoint"), "{stdout}");
}

#[test]
fn fortran_foreign_functions_are_bind_c_procedures() {
    let scratch = Scratch::new("foreign-fortran");
    let exe = build_fortran(&scratch, "tests/abi/foreign_functions.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 6);
    assert!(stdout.contains("ok   a buffer reaches the routine as a zad_memref_1d, changed in place"), "{stdout}");
}

/// valgrind's memcheck over the foreign-function C program (compilation,
/// calls into registered C functions, a missing symbol, a bounds violation
/// whose trap path frees what the kernel held): no invalid access, no use
/// of uninitialised memory, no definite leak. valgrind (3.19 in Debian 12)
/// cannot read the DWARF of libzad.so's debug info, so the program runs
/// against a copy without it.
#[test]
fn valgrind_finds_no_memory_errors_in_a_c_program() {
    let valgrind = Command::new("valgrind").arg("--version").output();
    assert!(valgrind.is_ok_and(|output| output.status.success()), "valgrind is not installed (`make deps` installs it)");
    let scratch = Scratch::new("valgrind");
    let library = scratch.path("libzad.so");
    let (ok, _, stderr) = run(Command::new("objcopy").arg("--strip-debug").arg(profile_dir().join("libzad.so")).arg(&library));
    assert!(ok, "objcopy --strip-debug libzad.so: {stderr}");
    let exe = scratch.path("program");
    let mut args = strings(&["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-Iinclude", "tests/abi/foreign_functions.c"]);
    args.extend(["-o".into(), exe.display().to_string(), format!("-L{}", scratch.dir.display()), "-lzad".into()]);
    args.extend([format!("-Wl,-rpath,{}", scratch.dir.display()), "-lm".into()]);
    compile("gcc", &args, "foreign_functions.c against the copy of libzad.so");
    let (ok, stdout, stderr) = run(Command::new("valgrind")
        .args([
            "--tool=memcheck",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--smc-check=all-non-file",
            "--quiet",
        ])
        .arg(&exe)
        // cargo's LD_LIBRARY_PATH would take the original over the rpath.
        .env_remove("LD_LIBRARY_PATH")
        .current_dir(root().join("tests/abi")));
    assert!(ok, "foreign_functions.c under valgrind:\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    all_passed(&stdout, "checks", 10);
    assert!(!stderr.contains("Invalid") && !stderr.contains("uninitialised"), "{stderr}");
}

// ------------------------------------------- complex and half precision

/// The complex and half-precision programs (tests/abi/complex_half.*):
/// complex scalars and arrays in the caller's own complex types, complex
/// and f16 results, gradients against central differences.
#[test]
fn c_complex_and_half_precision_arguments_and_gradients() {
    let scratch = Scratch::new("complex-c");
    let exe = build_c(&scratch, "tests/abi/complex_half.c");
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 15);
    assert!(number(line_after(&stdout, "max relative error:"), "max relative error") < 1e-6, "{stdout}");
}

#[test]
fn cpp_complex_and_half_precision_arguments_and_gradients() {
    let scratch = Scratch::new("complex-cpp");
    let exe = build_cpp(&scratch, "tests/abi/complex_half.cpp");
    all_passed(&run_ok(&exe, "tests/abi"), "checks", 3);
}

#[test]
fn fortran_complex_arguments_and_gradients() {
    let scratch = Scratch::new("complex-fortran");
    let exe = build_fortran(&scratch, "tests/abi/complex_half.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 4);
    assert!(number(line_after(&stdout, "max relative error:"), "max relative error") < 1e-6, "{stdout}");
}

// ------------------------------------------------ Hessian-vector products

/// tests/abi/hvp.c: zad_module_hvp from C, its H·v against central
/// differences of the gradient (zad_module_gradient) in three directions,
/// the gradient it returns against the gradient's, and a wrong activity as
/// a status and a message.
#[test]
fn c_hessian_vector_products_match_differences_of_the_gradient() {
    let scratch = Scratch::new("hvp-c");
    let exe = build_c(&scratch, "tests/abi/hvp.c");
    let stdout = run_ok(&exe, "tests/abi");
    // Per direction: 6 + 1 gradient and 6 + 1 HVP components; the arity
    // and the wrong activity.
    all_passed(&stdout, "checks", 3 * 14 + 2);
    assert!(line_after(&stdout, "ok wrong activity:").contains("argument 2 (%k)"), "{stdout}");
}
