//! The kernel suite: every `tests/kernels/*.mlir` file carries its own
//! checks as directive comments (syntax in `tests/kernels/README.md`):
//!
//! ```text
//! // RUN: dot [[1, 2, 3], [4, 5, 6]]
//! // EXPECT: [32.0]
//! // EXPECT-ARG 1: [4, 5, 6]
//! // TOLERANCE: 1e-12
//! ```
//!
//! Each RUN is executed through the Rust API (`Module::parse`,
//! `JsonArgs`, `CompiledFunction::call`) and its results, and the contents
//! of the arguments named by EXPECT-ARG, are compared element-wise with the
//! expected JSON. All mismatches of all files are collected and reported
//! together. `ZAD_FILTER=heat cargo test --release --test integration
//! kernels` runs only the files whose path contains "heat".

use crate::support::{assert_close, assert_enough_files, assert_no_failures, files_in, root, selected};
use serde_json::Value as Json;
use std::path::Path;
use zad::{
    Args, Context, Module, ParamType, Scalar, Signature,
    json::{JsonArgs, value_to_json},
};

/// Where the kernels live, relative to the repository root.
const KERNEL_DIR: &str = "tests/kernels";
/// The suite must not shrink below this many files.
const MIN_KERNEL_FILES: usize = 20;
/// Default tolerances when neither the RUN nor the file sets one.
const DEFAULT_TOLERANCE_F64: f64 = 1e-12;
const DEFAULT_TOLERANCE_F32: f64 = 1e-5;

/// One `RUN` block with its expectations.
#[derive(Debug)]
pub(crate) struct Run {
    /// 1-based line of the RUN directive.
    line: usize,
    pub(crate) function: String,
    /// The JSON argument array, as written.
    args: String,
    /// The expected results: a JSON array, one entry per result.
    expect: Option<Json>,
    /// (argument index, expected contents after the call).
    expect_args: Vec<(usize, Json)>,
    tolerance: Option<f64>,
}

/// The directives of one file.
#[derive(Debug, Default)]
pub(crate) struct Spec {
    /// `TOLERANCE` given before the first RUN.
    tolerance: Option<f64>,
    pub(crate) runs: Vec<Run>,
}

/// A directive line with its continuation lines joined.
struct Directive {
    line: usize,
    key: String,
    text: String,
}

/// `// KEY: text` where KEY is upper case (letters, digits, '-', and a
/// space before an argument index) or starts with EXPECT-ARG, or None for
/// an ordinary comment.
fn directive_of(line: &str) -> Option<(String, String)> {
    let body = line.trim_start().strip_prefix("//")?.trim_start();
    let (key, text) = body.split_once(':')?;
    let looks_like_key = key.starts_with("EXPECT-ARG")
        || (key.starts_with(|c: char| c.is_ascii_uppercase())
            && key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == ' '));
    looks_like_key.then(|| (key.to_string(), text.trim().to_string()))
}

/// `// ... text`: the continuation of the directive above.
fn continuation_of(line: &str) -> Option<&str> {
    let body = line.trim_start().strip_prefix("//")?.trim_start();
    body.strip_prefix("...").map(str::trim)
}

fn parse_json(text: &str, what: &str) -> Result<Json, String> {
    exact_json(text).map_err(|error| format!("{what} is not valid JSON ({error}): {text}"))
}

/// Parses the JSON subset of expectations (arrays, numbers, strings)
/// with every number correctly rounded (`str::parse::<f64>`). serde_json's
/// default float parser may be off by an ulp (`1.4901161138336505e-09`),
/// which would fail exact (`TOLERANCE: 0`) checks for the wrong reason.
fn exact_json(text: &str) -> Result<Json, String> {
    fn skip_space(bytes: &[u8], at: &mut usize) {
        while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
            *at += 1;
        }
    }
    fn value(text: &str, at: &mut usize) -> Result<Json, String> {
        let bytes = text.as_bytes();
        skip_space(bytes, at);
        match bytes.get(*at) {
            None => Err("unexpected end".into()),
            Some(b'[') => {
                *at += 1;
                let mut items = Vec::new();
                skip_space(bytes, at);
                if bytes.get(*at) == Some(&b']') {
                    *at += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(value(text, at)?);
                    skip_space(bytes, at);
                    match bytes.get(*at) {
                        Some(b',') => *at += 1,
                        Some(b']') => {
                            *at += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(format!("expected ',' or ']' at byte {at}")),
                    }
                }
            }
            Some(b'"') => {
                let start = *at + 1;
                let end = text[start..].find('"').ok_or("unterminated string")? + start;
                *at = end + 1;
                Ok(Json::String(text[start..end].to_string()))
            }
            Some(_) => {
                let start = *at;
                while *at < bytes.len() && matches!(bytes[*at], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                    *at += 1;
                }
                let token = &text[start..*at];
                if token.is_empty() {
                    return Err(format!("unexpected '{}' at byte {start}", &text[start..start + 1]));
                }
                if !token.contains(['.', 'e', 'E'])
                    && let Ok(integer) = token.parse::<i64>()
                {
                    return Ok(Json::from(integer));
                }
                let float = token.parse::<f64>().map_err(|_| format!("bad number '{token}'"))?;
                serde_json::Number::from_f64(float)
                    .map(Json::Number)
                    .ok_or_else(|| format!("number '{token}' is out of range (write \"inf\")"))
            }
        }
    }
    let mut at = 0;
    let parsed = value(text, &mut at)?;
    skip_space(text.as_bytes(), &mut at);
    if at != text.len() {
        return Err(format!("trailing text at byte {at}"));
    }
    Ok(parsed)
}

fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value >= 0.0 && value.is_finite() => Ok(value),
        _ => Err(format!("TOLERANCE must be a non-negative number, got '{text}'")),
    }
}

/// `RUN: function [args...]` (the function may be written with its `@`;
/// no argument array means none).
fn parse_run(line: usize, text: &str) -> Result<Run, String> {
    let (function, args) = match text.split_once(char::is_whitespace) {
        Some((function, args)) => (function, args.trim()),
        None => (text, "[]"),
    };
    if function.is_empty() {
        return Err("RUN needs a function name and a JSON argument array".into());
    }
    if !parse_json(args, "the RUN arguments")?.is_array() {
        return Err("the RUN arguments must be a JSON array".into());
    }
    Ok(Run {
        line,
        function: function.trim_start_matches('@').to_string(),
        args: args.to_string(),
        expect: None,
        expect_args: Vec::new(),
        tolerance: None,
    })
}

/// Reads the directives of a kernel file. Errors name the line.
pub(crate) fn parse_spec(text: &str) -> Result<Spec, Vec<String>> {
    let mut directives: Vec<Directive> = Vec::new();
    let mut errors = Vec::new();
    let mut previous_was_directive = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if let Some(more) = continuation_of(line) {
            match directives.last_mut() {
                Some(directive) if previous_was_directive => {
                    directive.text.push(' ');
                    directive.text.push_str(more);
                }
                _ => errors.push(format!("line {number}: '// ...' continues no directive")),
            }
            continue;
        }
        previous_was_directive = false;
        if let Some((key, text)) = directive_of(line) {
            directives.push(Directive { line: number, key, text });
            previous_was_directive = true;
        }
    }

    let mut spec = Spec::default();
    for Directive { line, key, text } in directives {
        let at = |message: String| format!("line {line}: {message}");
        if key == "RUN" {
            match parse_run(line, &text) {
                Ok(run) => spec.runs.push(run),
                Err(message) => errors.push(at(message)),
            }
            continue;
        }
        let result: Result<(), String> = match (key.as_str(), spec.runs.last_mut()) {
            ("TOLERANCE", None) => parse_tolerance(&text).map(|value| spec.tolerance = Some(value)),
            ("TOLERANCE", Some(run)) if run.tolerance.is_some() => Err("a second TOLERANCE for one RUN".into()),
            ("TOLERANCE", Some(run)) => parse_tolerance(&text).map(|value| run.tolerance = Some(value)),
            ("EXPECT", Some(run)) if run.expect.is_some() => Err("a second EXPECT for one RUN".into()),
            ("EXPECT", Some(run)) => parse_json(&text, "EXPECT").and_then(|json| {
                if !json.is_array() {
                    return Err("EXPECT must be a JSON array, one entry per result ([] for none)".into());
                }
                run.expect = Some(json);
                Ok(())
            }),
            (key, Some(run)) if key.starts_with("EXPECT-ARG ") => {
                match key["EXPECT-ARG ".len()..].trim().parse::<usize>() {
                    Ok(index) if run.expect_args.iter().any(|(seen, _)| *seen == index) => {
                        Err(format!("a second EXPECT-ARG {index} for one RUN"))
                    }
                    Ok(index) => parse_json(&text, "EXPECT-ARG").map(|json| run.expect_args.push((index, json))),
                    Err(_) => Err(format!("'{key}' needs an argument index, as in EXPECT-ARG 1:")),
                }
            }
            ("EXPECT", None) => Err("EXPECT before any RUN".into()),
            (key, None) if key.starts_with("EXPECT-ARG") => Err(format!("{key} before any RUN")),
            (key, _) => Err(format!(
                "unknown directive '{key}:' (known: RUN, EXPECT, EXPECT-ARG N, TOLERANCE; \
                 write ordinary comments with a lower-case word before any colon)"
            )),
        };
        if let Err(message) = result {
            errors.push(at(message));
        }
    }
    for run in &spec.runs {
        if run.expect.is_none() {
            errors.push(format!(
                "line {}: RUN {} has no EXPECT (write EXPECT: [] for no results)",
                run.line, run.function
            ));
        }
    }
    if errors.is_empty() { Ok(spec) } else { Err(errors) }
}

/// Whether `actual` matches `expected`: equal, both NaN, or (both finite)
/// `|actual - expected| <= tolerance * max(1, |expected|)` as in
/// `support::assert_close`. Infinities must match exactly.
fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    if actual == expected || (actual.is_nan() && expected.is_nan()) {
        return true;
    }
    if !actual.is_finite() || !expected.is_finite() {
        return false;
    }
    (actual - expected).abs() <= tolerance * expected.abs().max(1.0)
}

/// A JSON scalar as the kernels produce it.
#[derive(Clone, Copy, Debug)]
enum Number {
    Int(i64),
    Float(f64),
}

fn number(json: &Json) -> Option<Number> {
    match json {
        Json::Number(n) if n.is_i64() => n.as_i64().map(Number::Int),
        Json::Number(n) => n.as_f64().map(Number::Float),
        Json::String(s) => match s.as_str() {
            "nan" => Some(Number::Float(f64::NAN)),
            "inf" => Some(Number::Float(f64::INFINITY)),
            "-inf" => Some(Number::Float(f64::NEG_INFINITY)),
            _ => None,
        },
        _ => None,
    }
}

/// Compares `got` with `expected` element-wise, pushing one message per
/// mismatch onto `failures`; `at` names the position ("result #0[2][1]").
/// Integer results must equal integer expectations exactly; float results
/// are compared with [`close`] against any number.
fn compare(got: &Json, expected: &Json, tolerance: f64, at: &str, failures: &mut Vec<String>) {
    const MAX_PER_VALUE: usize = 8;
    match (got, expected) {
        (Json::Array(got_items), Json::Array(expected_items)) => {
            if got_items.len() != expected_items.len() {
                failures.push(format!(
                    "{at}: got {} elements, expected {}: got {got}, expected {expected}",
                    got_items.len(),
                    expected_items.len()
                ));
                return;
            }
            let before = failures.len();
            for (index, (g, e)) in got_items.iter().zip(expected_items).enumerate() {
                compare(g, e, tolerance, &format!("{at}[{index}]"), failures);
                if failures.len() - before > MAX_PER_VALUE {
                    failures.truncate(before + MAX_PER_VALUE);
                    failures.push(format!("{at}: (further mismatches in this value not shown)"));
                    return;
                }
            }
        }
        _ => match (number(got), number(expected)) {
            (Some(Number::Int(g)), Some(Number::Int(e))) if g == e => {}
            (Some(Number::Int(g)), Some(Number::Int(e))) => {
                failures.push(format!("{at}: got {g}, expected {e} (integers must match exactly)"));
            }
            (Some(Number::Int(g)), Some(Number::Float(e))) => {
                failures.push(format!(
                    "{at}: got the integer {g}, expected the float {expected} (write {e} as an integer)"
                ));
            }
            (Some(Number::Float(g)), Some(expected_number)) => {
                let e = match expected_number {
                    Number::Int(e) => e as f64,
                    Number::Float(e) => e,
                };
                if !close(g, e, tolerance) {
                    failures.push(format!(
                        "{at}: got {g:.17e}, expected {e:.17e} (difference {:.3e}, tolerance {tolerance:e})",
                        (g - e).abs()
                    ));
                }
            }
            _ => failures.push(format!("{at}: got {got}, expected {expected} (different kinds of value)")),
        },
    }
}

/// The tolerance of a RUN without TOLERANCE: 1e-5 when the signature has
/// any f32 (scalar or array element), else 1e-12.
fn default_tolerance(signature: &Signature) -> f64 {
    let is_f32 = |ty: &ParamType| match ty {
        ParamType::Scalar(scalar) => *scalar == Scalar::F32,
        ParamType::MemRef(memref) => memref.element == Scalar::F32,
    };
    if signature.inputs.iter().chain(&signature.results).any(is_f32) {
        DEFAULT_TOLERANCE_F32
    } else {
        DEFAULT_TOLERANCE_F64
    }
}

/// Runs one RUN; returns its mismatches, or why it could not run.
fn execute(module: &Module, run: &Run, file_tolerance: Option<f64>) -> Result<Vec<String>, String> {
    let compiled = module.function(&run.function).map_err(|error| error.to_string())?;
    let signature = compiled.signature().clone();
    let tolerance = run.tolerance.or(file_tolerance).unwrap_or_else(|| default_tolerance(&signature));
    let mut inputs = JsonArgs::parse(&signature, &run.args).map_err(|error| error.to_string())?;
    let results: Vec<Json> = {
        let mut args = Args::new();
        inputs.push_onto(&mut args).map_err(|error| error.to_string())?;
        compiled.call(&mut args).map_err(|error| error.to_string())?;
        args.results().iter().map(value_to_json).collect()
    };
    let mut failures = Vec::new();
    if let Some(Json::Array(expected)) = &run.expect {
        if results.len() != expected.len() {
            failures.push(format!(
                "got {} results, expected {}: got {}",
                results.len(),
                expected.len(),
                Json::Array(results.clone())
            ));
        } else {
            for (index, (got, expected)) in results.iter().zip(expected).enumerate() {
                compare(got, expected, tolerance, &format!("result #{index}"), &mut failures);
            }
        }
    }
    for (index, expected) in &run.expect_args {
        if *index >= signature.inputs.len() {
            failures.push(format!(
                "EXPECT-ARG {index}: @{} has only {} arguments",
                run.function,
                signature.inputs.len()
            ));
            continue;
        }
        compare(&inputs.to_json(*index), expected, tolerance, &format!("argument #{index}"), &mut failures);
    }
    Ok(failures)
}

/// What checking one file found.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) runs: usize,
    pub(crate) failures: Vec<String>,
}

/// Parses and runs every RUN of one kernel source (`name` labels the
/// messages: "name:line: RUN function: ...").
pub(crate) fn check_source(context: &Context, name: &str, text: &str) -> Outcome {
    let mut outcome = Outcome::default();
    let spec = match parse_spec(text) {
        Ok(spec) => spec,
        Err(errors) => {
            outcome.failures.extend(errors.into_iter().map(|error| format!("{name}: {error}")));
            return outcome;
        }
    };
    let module = match Module::parse(context, text, name) {
        Ok(module) => module,
        Err(error) => {
            outcome.failures.push(format!("{name}: cannot load the module: {error}"));
            return outcome;
        }
    };
    for run in &spec.runs {
        outcome.runs += 1;
        let label = format!("{name}:{}: RUN {} {}", run.line, run.function, abbreviate(&run.args));
        match execute(&module, run, spec.tolerance) {
            Ok(failures) => outcome.failures.extend(failures.into_iter().map(|failure| format!("{label}: {failure}"))),
            Err(error) => outcome.failures.push(format!("{label}: cannot run: {error}")),
        }
    }
    outcome
}

fn abbreviate(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(MAX).collect::<String>())
    }
}

pub(crate) fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

#[test]
fn kernels() {
    let context = Context::new().expect("zad context");
    let files: Vec<_> = files_in(KERNEL_DIR, "mlir").into_iter().filter(|path| selected(path)).collect();
    if files.is_empty() {
        eprintln!("kernels: ZAD_FILTER selects no file in {KERNEL_DIR}");
        return;
    }
    let (mut runs, mut failures) = (0, Vec::new());
    for path in &files {
        let name = relative(path);
        let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{name}: {error}"));
        let outcome = check_source(&context, &name, &text);
        runs += outcome.runs;
        failures.extend(outcome.failures);
    }
    eprintln!("kernels: {} files, {runs} runs, {} failures", files.len(), failures.len());
    assert_no_failures(&failures, "kernel", &format!("{} files, {runs} runs", files.len()));
}

/// The suite cannot silently check nothing: enough files, each with at
/// least one RUN, every RUN with an EXPECT, every directive well-formed,
/// every RUN naming a function its file defines. Ignores ZAD_FILTER.
#[test]
fn kernel_files_have_checks() {
    let files = files_in(KERNEL_DIR, "mlir");
    assert_enough_files(&files, MIN_KERNEL_FILES, KERNEL_DIR);
    let mut problems = Vec::new();
    for path in &files {
        let name = relative(path);
        let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{name}: {error}"));
        if !text.trim_start().starts_with("//") {
            problems.push(format!("{name}: does not start with a comment saying what it tests"));
        }
        match parse_spec(&text) {
            Err(errors) => problems.extend(errors.into_iter().map(|error| format!("{name}: {error}"))),
            Ok(spec) if spec.runs.is_empty() => problems.push(format!("{name}: no RUN directive")),
            Ok(spec) => {
                for run in &spec.runs {
                    if !text.contains(&format!("@{}(", run.function)) {
                        problems.push(format!(
                            "{name}:{}: RUN names @{}, which the file does not define",
                            run.line, run.function
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "malformed kernel files:\n  {}", problems.join("\n  "));
}

/// The comparison reports wrong expectations, and agrees with
/// `support::assert_close` where both apply.
#[test]
fn wrong_expectations_are_detected() {
    let check = |got: &str, expected: &str, tolerance: f64| {
        let mut failures = Vec::new();
        compare(&exact_json(got).unwrap(), &exact_json(expected).unwrap(), tolerance, "v", &mut failures);
        failures
    };
    // Matches.
    for (got, expected, tolerance) in [
        ("[1.0, 2.0]", "[1.0, 2.0]", 0.0),
        ("[32.0]", "[32]", 0.0),
        ("1000.0000000001", "1000.0", 1e-12),
        ("1e-14", "0.0", 1e-12),
        ("\"nan\"", "\"nan\"", 1e-12),
        ("\"-inf\"", "\"-inf\"", 0.0),
        ("7", "7", 0.0),
        ("[[1.0, 2.0], [3.0, 4.0]]", "[[1, 2], [3, 4.0000000000001]]", 1e-12),
        ("[]", "[]", 0.0),
    ] {
        assert_eq!(check(got, expected, tolerance), Vec::<String>::new(), "{got} vs {expected}");
    }
    // Mismatches, each detected once.
    for (got, expected, tolerance) in [
        ("[1.0, 2.0]", "[1.0, 2.5]", 1e-12),
        ("1000.000001", "1000.0", 1e-12),
        ("1e-10", "0.0", 1e-12),
        ("\"nan\"", "1.0", 1e-12),
        ("1.0", "\"nan\"", 1e-12),
        ("\"inf\"", "1e308", 1e-5),
        ("1e308", "\"inf\"", 1e-5),
        ("\"inf\"", "\"-inf\"", 1e-5),
        ("7", "8", 0.0),
        ("7", "7.0", 0.0),
        ("[1.0, 2.0]", "[1.0, 2.0, 3.0]", 1e-12),
        ("[[1.0, 2.0]]", "[1.0, 2.0]", 1e-12),
        ("[1.0]", "[[1.0]]", 1e-12),
        ("[[1.0, 2.0], [3.0, 4.0]]", "[[1.0, 2.0], [4.0, 3.0]]", 1e-12),
    ] {
        let failures = check(got, expected, tolerance);
        assert!(!failures.is_empty(), "{got} vs {expected} passed");
        assert!(failures[0].starts_with("v"), "{failures:?}");
    }
    // The swapped pair is reported at both positions, with got and expected.
    let failures = check("[[1.0, 2.0], [3.0, 4.0]]", "[[1.0, 2.0], [4.0, 3.0]]", 1e-12);
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures[0].starts_with("v[1][0]: got 3.0") && failures[0].contains("expected 4.0"), "{failures:?}");
    // Expectations are parsed exactly (serde_json's default parser is not).
    assert_eq!(
        exact_json("[1.4901161138336505e-09, 123456789.12345679, -7, 2e3, \"-inf\", [[]]]").unwrap(),
        serde_json::json!([1.4901161138336505e-09_f64, 123456789.12345679_f64, -7, 2000.0, "-inf", [[]]])
    );
    for bad in ["[1, 2", "[1 2]", "1e999", "[1,]", "01x", "[1] 2"] {
        assert!(exact_json(bad).is_err(), "{bad} parsed");
    }
    // Same rule as support::assert_close for finite values.
    for (actual, expected, tolerance) in
        [(1.0, 1.0 + 1e-13, 1e-12), (2000.0, 2000.0 + 1e-9, 1e-12), (0.5, 0.5 + 1e-6, 1e-5)]
    {
        assert!(close(actual, expected, tolerance));
        assert_close(actual, expected, tolerance, "agreeing pair");
    }
    for (actual, expected, tolerance) in
        [(1.0, 1.0 + 1e-11, 1e-12), (2000.0, 2000.0 + 1e-8, 1e-12), (0.5, 0.5 + 1e-4, 1e-5)]
    {
        assert!(!close(actual, expected, tolerance));
        let outcome = std::panic::catch_unwind(|| assert_close(actual, expected, tolerance, "disagreeing pair"));
        assert!(outcome.is_err(), "assert_close accepted {actual} vs {expected}");
    }
}

/// End to end: a kernel file with deliberately wrong expectations fails
/// with messages that name the file, the RUN line, the position, and what
/// was got and expected; the right expectations in it pass.
#[test]
fn wrong_kernel_expectations_fail_the_suite() {
    let source = "\
// A deliberately wrong kernel file.
// RUN: scale [[1, 2, 3], 2.0]
// EXPECT: [6.0]
// EXPECT-ARG 0: [2, 4, 6]
// RUN: scale [[1, 2, 3], 2.0]
// EXPECT: [6.5]
// EXPECT-ARG 0: [2, 4,
// ... 7]
// RUN: scale [[1, 2, 3], 0.5]
// EXPECT: [6.000001]
// TOLERANCE: 1e-6
// RUN: missing []
// EXPECT: []

// Doubles each element in place (times s); returns the old sum.
func.func @scale(%v: memref<?xf64>, %s: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %v[%i] : memref<?xf64>
    %y = arith.mulf %x, %s : f64
    memref.store %y, %v[%i] : memref<?xf64>
    %next = arith.addf %acc, %x : f64
    scf.yield %next : f64
  }
  return %sum : f64
}
";
    let context = Context::new().expect("zad context");
    let outcome = check_source(&context, "wrong.mlir", source);
    assert_eq!(outcome.runs, 4);
    let failures = outcome.failures;
    assert_eq!(failures.len(), 3, "{failures:#?}");
    assert!(
        failures[0].starts_with("wrong.mlir:5: RUN scale") && failures[0].contains("result #0: got 6.0"),
        "{failures:#?}"
    );
    assert!(failures[0].contains("expected 6.5"), "{failures:#?}");
    assert!(
        failures[1].starts_with("wrong.mlir:5: RUN scale") && failures[1].contains("argument #0[2]: got 6.0"),
        "{failures:#?}"
    );
    assert!(failures[1].contains("expected 7.0"), "{failures:#?}");
    assert!(
        failures[2].starts_with("wrong.mlir:12: RUN missing") && failures[2].contains("cannot run"),
        "{failures:#?}"
    );

    // Malformed directives are errors, not silently skipped checks.
    for (text, needle) in [
        ("// RUN: f [1.0]\n", "has no EXPECT"),
        ("// EXPECT: [1.0]\n", "before any RUN"),
        ("// RUN: f [1.0]\n// EXPECT: 1.0\n", "must be a JSON array"),
        ("// RUN: f [1.0\n// EXPECT: [1.0]\n", "not valid JSON"),
        ("// RUN: f [1.0]\n// EXPECTED: [1.0]\n", "unknown directive"),
        ("// RUN: f [1.0]\n// EXPECT: [1.0]\n// EXPECT: [2.0]\n", "a second EXPECT"),
        ("// RUN: f [1.0]\n// EXPECT: [1.0]\n// TOLERANCE: -1\n", "non-negative"),
        ("// RUN: f [1.0]\n// EXPECT: [1.0]\n\n// ... 2\n", "continues no directive"),
        ("// RUN: f [1.0]\n// EXPECT: [1.0]\n// EXPECT-ARG x: [1.0]\n", "argument index"),
    ] {
        let errors = parse_spec(text).expect_err(text);
        assert!(errors.iter().any(|error| error.contains(needle)), "{text:?}: {errors:?}");
    }
    // Continuations join; TOLERANCE before the first RUN is the file's.
    let spec = parse_spec("// TOLERANCE: 1e-3\n// RUN: @f [[1,\n// ... 2]]\n// EXPECT: [3]\n// Ordinary: comment\n")
        .expect("valid directives");
    assert_eq!(spec.tolerance, Some(1e-3));
    assert_eq!(spec.runs.len(), 1);
    assert_eq!(spec.runs[0].function, "f");
    assert_eq!(serde_json::from_str::<Json>(&spec.runs[0].args).unwrap(), serde_json::json!([[1, 2]]));
}
