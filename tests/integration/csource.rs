//! The C suite: every file under `tests/csource/` is a function written the
//! way numerical C is, with directive comments (the gradient suite's, after
//! `//`, see `tests/gradients/README.md`) naming the function and how to
//! draw its arguments.
//!
//! For each file, at a random point:
//! - gcc compiles the file with a generated driver program that reads the
//!   arguments, calls the function and prints its result and every array
//!   argument afterwards; `zad run` on the same source and arguments must
//!   print the same numbers (to rounding);
//! - zad's gradient of every float argument is checked against central
//!   finite differences (with random cotangents on the final contents of
//!   the array arguments, so that functions returning through arrays are
//!   checked too).
//!
//! Then: calls refuse overlapping arrays where C pointers may alias (and
//! only there), what zad cannot convert is refused with its
//! `file:line:col`, and a C program uses `zad_module_load_c` through the
//! ABI. `ZAD_FILTER=name` runs only the corpus files whose path contains
//! `name`.

use crate::{
    abi_programs::{build_c, run_ok},
    forward::{Kernel, check_tangent},
    gradients::{self, ArgValue, Spec, file_name},
    support::{
        Scratch, assert_agree, assert_enough_files, assert_no_failures, files_where, root, run, selected,
        single_precision, zad_cli,
    },
};
use rand::{SeedableRng, rngs::StdRng};
use std::{
    ffi::c_void,
    path::{Path, PathBuf},
    process::Command,
};
use zad::{Activity, Args, COptions, Context, Error, Module, ParamType, Scalar, Signature};

const C_DIR: &str = "tests/csource";
/// The corpus must not shrink below this many functions.
const MIN_C_FILES: usize = 12;

fn corpus() -> Vec<PathBuf> {
    files_where(C_DIR, zad::csource::is_c_source)
}

#[test]
fn c_functions_match_gcc_and_finite_differences() {
    let files: Vec<PathBuf> = corpus().into_iter().filter(|path| selected(path)).collect();
    if files.is_empty() {
        eprintln!("csource: ZAD_FILTER selects no file in {C_DIR}");
        return;
    }
    let context = Context::new().expect("zad context");
    let (mut points, mut components, mut failures) = (0, 0, Vec::new());
    for path in &files {
        let name = format!("{C_DIR}/{}", file_name(path));
        let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{name}: {error}"));
        match gradients::parse_spec(&text, "//") {
            Err(errors) => failures.extend(errors.into_iter().map(|e| format!("{name}: {e}"))),
            Ok(spec) => match Module::load_c(&context, path, &COptions::default()) {
                Err(error) => failures.push(format!("{name}: cannot convert: {error}")),
                Ok(module) => {
                    if let Err(error) = compare_with_gcc(path, &name, &module, &spec) {
                        failures.push(format!("{name}: {error}"));
                    }
                    let outcome = gradients::check_module(&module, &name, &spec, true);
                    points += outcome.points;
                    components += outcome.components;
                    failures.extend(outcome.failures);
                }
            },
        }
    }
    eprintln!(
        "csource: {} functions, compared with gcc; {points} points, {components} gradient components checked, {} failures",
        files.len(),
        failures.len()
    );
    assert_no_failures(&failures, "C", &format!("{} functions", files.len()));
}

/// Forward mode of every function of the corpus against finite
/// differences (the forward suite's check: every differentiated argument
/// moves at once, results and written arrays compared).
#[test]
fn c_tangents_match_finite_differences() {
    let context = Context::new().expect("zad context");
    let mut failures = Vec::new();
    let files: Vec<PathBuf> = corpus().into_iter().filter(|path| selected(path)).collect();
    for path in &files {
        let name = format!("{C_DIR}/{}", file_name(path));
        let text = std::fs::read_to_string(path).expect("readable");
        let spec = match gradients::parse_spec(&text, "//") {
            Ok(spec) => spec,
            Err(errors) => {
                failures.push(format!("{name}: {}", errors.join("; ")));
                continue;
            }
        };
        let module = Module::load_c(&context, path, &COptions::default()).expect("converts");
        match Kernel::new(name.clone(), spec, module).and_then(|kernel| check_tangent(&kernel).map_err(|e| format!("{name}: {e}"))) {
            Ok(found) => failures.extend(found),
            Err(error) => failures.push(error),
        }
    }
    assert_no_failures(&failures, "C forward mode", &format!("{} functions", files.len()));
}

/// Enough functions, each with directives. Ignores ZAD_FILTER.
#[test]
fn c_corpus_is_complete() {
    let files = corpus();
    assert_enough_files(&files, MIN_C_FILES, C_DIR);
    let problems: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).expect("readable");
            gradients::parse_spec(&text, "//").err().map(|errors| format!("{}: {}", file_name(path), errors.join("; ")))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The C type of a parameter, and the scanf conversion that reads it.
fn c_type(ty: &ParamType) -> (&'static str, &'static str) {
    let scalar = match ty {
        ParamType::Scalar(scalar) => *scalar,
        ParamType::MemRef(memref) => memref.element,
    };
    match scalar {
        Scalar::F64 => ("double", "%lf"),
        Scalar::F32 => ("float", "%f"),
        Scalar::I32 => ("int", "%d"),
        Scalar::I64 | Scalar::Index => ("long", "%ld"),
        other => panic!("the test driver has no C type for {other:?}"),
    }
}

/// The values of an argument, one per word, floats exactly.
fn input_words(value: &ArgValue) -> String {
    match value {
        ArgValue::I32(x) => x.to_string(),
        ArgValue::I64(x) | ArgValue::Index(x) => x.to_string(),
        ArgValue::F32(x) => format!("{x:e}"),
        ArgValue::ArrayF32(data, _) => data.iter().map(|x| format!("{x:e}")).collect::<Vec<_>>().join(" "),
        _ => (0..value.len()).map(|k| format!("{:e}", value.get(k))).collect::<Vec<_>>().join(" "),
    }
}

fn json_of(value: &ArgValue) -> serde_json::Value {
    match value {
        ArgValue::I32(x) => serde_json::json!(x),
        ArgValue::I64(x) | ArgValue::Index(x) => serde_json::json!(x),
        ArgValue::F64(x) => serde_json::json!(x),
        ArgValue::F32(x) => serde_json::json!(*x as f64),
        ArgValue::ArrayF64(..) | ArgValue::ArrayF32(..) => {
            serde_json::Value::Array((0..value.len()).map(|k| serde_json::json!(value.get(k))).collect())
        }
    }
}

fn number(json: &serde_json::Value) -> f64 {
    json.as_f64().unwrap_or(f64::NAN)
}

fn is_array(value: &ArgValue) -> bool {
    matches!(value, ArgValue::ArrayF64(..) | ArgValue::ArrayF32(..))
}

/// Runs the function at one random point compiled by gcc and with `zad
/// run`, and compares the result and every array argument afterwards.
fn compare_with_gcc(path: &Path, name: &str, module: &Module, spec: &Spec) -> Result<(), String> {
    let signature: Signature = module.signature(&spec.function).map_err(|e| e.to_string())?;
    let mut rng = StdRng::seed_from_u64(0xc5eed ^ name.len() as u64);
    let point = gradients::draw(spec, &signature.inputs, &mut rng);
    let single = single_precision(&signature);

    // gcc: the file itself, included by a driver.
    let scratch = Scratch::new(&format!("csource-{}", file_name(path)));
    let source = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    let mut driver = format!("#include <stdio.h>\n#include \"{}\"\nint main(void) {{\n", source.display());
    driver.push_str("  FILE *in = fopen(\"input.txt\", \"r\");\n  if (!in) return 2;\n");
    for (index, (ty, value)) in signature.inputs.iter().zip(&point).enumerate() {
        let (c, conversion) = c_type(ty);
        if is_array(value) {
            driver.push_str(&format!(
                "  static {c} a{index}[{count}];\n  for (int k = 0; k < {count}; k++) if (fscanf(in, \"{conversion}\", &a{index}[k]) != 1) return 3;\n",
                count = value.len()
            ));
        } else {
            driver.push_str(&format!("  {c} a{index};\n  if (fscanf(in, \"{conversion}\", &a{index}) != 1) return 3;\n"));
        }
    }
    let arguments: Vec<String> = point
        .iter()
        .enumerate()
        .map(|(index, value)| if is_array(value) { format!("(void *)a{index}") } else { format!("a{index}") })
        .collect();
    let call = format!("{}({})", spec.function, arguments.join(", "));
    match signature.results.first() {
        Some(ParamType::Scalar(Scalar::F64 | Scalar::F32)) => driver.push_str(&format!("  printf(\"%.17e\\n\", (double){call});\n")),
        Some(other) => return Err(format!("the test driver cannot print a result of type {other}")),
        None => driver.push_str(&format!("  {call};\n")),
    }
    for (index, value) in point.iter().enumerate() {
        if is_array(value) {
            driver.push_str(&format!(
                "  for (int k = 0; k < {}; k++) printf(\"%.17e\\n\", (double)a{index}[k]);\n",
                value.len()
            ));
        }
    }
    driver.push_str("  fclose(in);\n  return 0;\n}\n");
    std::fs::write(scratch.path("driver.c"), driver).map_err(|e| e.to_string())?;
    let input: Vec<String> = point.iter().map(input_words).collect();
    std::fs::write(scratch.path("input.txt"), input.join("\n") + "\n").map_err(|e| e.to_string())?;
    let (ok, _, stderr) = run(Command::new("gcc")
        .args(["-O2", "-std=c99", "-ffp-contract=off", "-w"])
        .arg(scratch.path("driver.c"))
        .arg("-o")
        .arg(scratch.path("driver"))
        .arg("-lm"));
    if !ok {
        return Err(format!("gcc failed: {stderr}"));
    }
    let (ok, stdout, stderr) = run(Command::new(scratch.path("driver")).current_dir(&scratch.dir));
    if !ok {
        return Err(format!("the gcc program failed: {stderr}"));
    }
    let expected: Vec<f64> = stdout.split_whitespace().map(|w| w.parse::<f64>().unwrap_or(f64::NAN)).collect();

    // zad run: the result, then the arrays after the call.
    let args = serde_json::Value::Array(point.iter().map(json_of).collect()).to_string();
    let (ok, stdout, stderr) =
        run(Command::new(zad_cli()).arg("run").arg(path).args(["--fn", &spec.function, "--args", &args]));
    if !ok {
        return Err(format!("zad run failed: {stderr}"));
    }
    let output: serde_json::Value = serde_json::from_str(&stdout).map_err(|e| format!("zad run printed {stdout}: {e}"))?;
    let mut got: Vec<f64> = output["results"].as_array().map(|r| r.iter().map(number).collect()).unwrap_or_default();
    for (index, value) in point.iter().enumerate() {
        if is_array(value) {
            let buffer = &output["buffers"][index];
            let array = if buffer.is_null() { json_of(value) } else { buffer.clone() };
            got.extend(array.as_array().map(|items| items.iter().map(number).collect::<Vec<_>>()).unwrap_or_default());
        }
    }
    assert_agree(&got, &expected, single, "gcc")
}

/// Writes `source` to a scratch file named `file` and loads it.
fn load_source(scratch: &Scratch, context: &Context, file: &str, source: &str) -> zad::Result<Module> {
    let path = scratch.path(file);
    std::fs::write(&path, source).unwrap();
    Module::load_c(context, &path, &COptions::default())
}

const ALIASING: &str = "\
void axpy(int n, double a, const double *x, double *y) {
  for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}
void axpy_restrict(int n, double a, const double *restrict x, double *restrict y) {
  for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}
double dot(int n, const double *x, const double *y) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}
";

/// Pushes `len` f64 elements at `data` (which may overlap other arguments).
fn push_raw(args: &mut Args, data: *mut f64, len: i64) {
    // SAFETY: the callers pass pointers into live vectors with at least
    // `len` elements from `data`, used only during the call.
    unsafe { args.push_array(Scalar::F64, data as *mut c_void, &[len], None) }.expect("push");
}

#[test]
fn overlapping_arrays_are_refused_unless_restrict_or_read_only() {
    let scratch = Scratch::new("csource-aliasing");
    let context = Context::new().expect("zad context");
    let module = load_source(&scratch, &context, "aliasing.c", ALIASING).expect("converts");

    // axpy writes y: x and y overlapping is refused, for the function and
    // its gradient, naming both; nothing is written.
    let mut data = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let before = data.clone();
    let base = data.as_mut_ptr();
    let axpy = module.function("axpy").expect("compiles");
    let mut args = Args::new();
    args.push_i32(4).push_f64(2.0);
    push_raw(&mut args, base, 4);
    // SAFETY: element 2 of 6.
    push_raw(&mut args, unsafe { base.add(2) }, 4);
    let error = axpy.call(&mut args).expect_err("overlapping x and y must be refused");
    let message = error.to_string();
    assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
    for needle in ["@axpy", "argument 3 (%x)", "argument 4 (%y)", "overlap", "restrict"] {
        assert!(message.contains(needle), "the refusal should mention '{needle}': {message}");
    }
    drop(args);
    assert_eq!(data, before, "a refused call must not run");

    let gradient = module.gradient("axpy", &[Activity::Const, Activity::Active, Activity::Dup, Activity::Dup]).expect("gradient");
    let mut shadow = vec![0.0; 6];
    let mut args = Args::new();
    args.push_i32(4).push_f64(2.0);
    push_raw(&mut args, base, 4);
    push_raw(&mut args, shadow.as_mut_ptr(), 4);
    // SAFETY: element 2 of 6.
    push_raw(&mut args, unsafe { base.add(2) }, 4);
    // SAFETY: element 2 of 6.
    push_raw(&mut args, unsafe { shadow.as_mut_ptr().add(2) }, 4);
    let message = gradient.call(&mut args).expect_err("the gradient refuses overlapping x and y too").to_string();
    assert!(message.contains("the gradient of @axpy") && message.contains("(%x)") && message.contains("(%y)"), "{message}");
    drop(args);

    // Side by side (touching, not overlapping) is accepted and computes
    // what C computes.
    let mut args = Args::new();
    args.push_i32(3).push_f64(2.0);
    push_raw(&mut args, base, 3);
    // SAFETY: element 3 of 6.
    push_raw(&mut args, unsafe { base.add(3) }, 3);
    axpy.call(&mut args).expect("disjoint arrays");
    drop(args);
    assert_eq!(data, vec![1.0, 2.0, 3.0, 6.0, 9.0, 12.0]);

    // restrict: the caller promised, zad does not check.
    let restricted = module.function("axpy_restrict").expect("compiles");
    let mut data = vec![1.0, 2.0, 3.0, 4.0];
    let base = data.as_mut_ptr();
    let mut args = Args::new();
    args.push_i32(3).push_f64(1.0);
    push_raw(&mut args, base, 3);
    // SAFETY: element 1 of 4.
    push_raw(&mut args, unsafe { base.add(1) }, 3);
    restricted.call(&mut args).expect("restrict parameters are not checked");
    drop(args);

    // dot only reads: the same array twice is fine (x.x), and its gradient
    // gives each argument its own derivative.
    let dot = module.function("dot").expect("compiles");
    let mut data = vec![1.0, 2.0, 3.0];
    let base = data.as_mut_ptr();
    let mut args = Args::new();
    args.push_i32(3);
    push_raw(&mut args, base, 3);
    push_raw(&mut args, base, 3);
    dot.call(&mut args).expect("read-only arrays may overlap");
    assert_eq!(args.results()[0].as_f64(), Some(14.0));
}

/// What zad does not convert is refused with the C file:line:col and words
/// for the construct; the other functions of the file still convert.
#[test]
fn unsupported_c_is_reported_with_its_location() {
    let scratch = Scratch::new("csource-rejected");
    let context = Context::new().expect("zad context");
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "pointer_walk.c",
            "walk",
            "double walk(int n, const double *u) {\n  double s = 0;\n  for (const double *p = u; p < u + n; p++)\n    s += *p;\n  return s;\n}\n",
            &["pointer_walk.c:3:", "pointer"],
        ),
        (
            "io.c",
            "noisy",
            "#include <stdio.h>\ndouble noisy(double x) {\n  printf(\"%g\\n\", x);\n  return 2 * x;\n}\n",
            &["io.c:3:", "printf", "I/O"],
        ),
        (
            "heap.c",
            "scratch",
            "#include <stdlib.h>\ndouble scratch(int n, const double *u) {\n  double *t = malloc(n * sizeof(double));\n  t[0] = u[0];\n  double r = t[0];\n  free(t);\n  return r;\n}\n",
            &["heap.c:3:", "malloc", "memory allocation"],
        ),
        (
            "structs.c",
            "area",
            "struct box { double w, h; };\ndouble area(struct box *b) {\n  return b->w * b->h;\n}\n",
            &["structs.c:2:", "struct"],
        ),
        (
            "rows.c",
            "first",
            "double first(int n, double **rows) {\n  return rows[0][0];\n}\n",
            &["rows.c:1:", "rows", "pointer"],
        ),
        (
            "int_array.c",
            "gather",
            "double gather(int n, const int *k, const double *u) {\n  double s = 0;\n  for (int i = 0; i < n; i++) s += u[k[i]];\n  return s;\n}\n",
            &["int_array.c:1:", "parameter k", "int"],
        ),
        (
            "stored.c",
            "keep",
            "double keep(int k, double *u, double *v) {\n  double *slots[2];\n  slots[k] = u;\n  slots[1 - k] = v;\n  return slots[0][0];\n}\n",
            &["stored.c:", "pointer"],
        ),
        (
            "switch.c",
            "pick",
            "double pick(int k, double x) {\n  switch (k) {\n  case 0: return x;\n  case 1: return 2 * x;\n  case 5: return x * x;\n  default: return 0;\n  }\n}\n",
            &["switch.c:2:", "switch"],
        ),
        (
            "global.c",
            "scaled",
            "double factor = 2.0;\ndouble scaled(double x) {\n  return factor * x;\n}\n",
            &["global.c:3:", "global"],
        ),
        (
            "offset_call.c",
            "outer",
            "static double head(const double *v) { return v[0]; }\ndouble outer(const double *u) {\n  return head(u + 1);\n}\n",
            &["offset_call.c:3:", "head", "middle"],
        ),
        (
            "in_place.c",
            "squares_in_place",
            "static void square(int n, const double *x, double *y) {\n  for (int i = 0; i < n; i++) y[i] = x[i] * x[i];\n}\ndouble squares_in_place(int n, double *u) {\n  square(n, u, u);\n  return u[0] + u[1];\n}\n",
            &["in_place.c:5:", "same array", "x and y", "square"],
        ),
        (
            "goto.c",
            "tangled",
            "double tangled(int k, double x) {\n  if (k > 0) goto inside;\ntop:\n  x = x * 0.5;\ninside:\n  x = x + 1.0;\n  k--;\n  if (k > -3) goto top;\n  return x;\n}\n",
            &["goto.c:", "goto"],
        ),
        (
            "caller.c",
            "user",
            "#include <stdio.h>\nstatic double loud(double x) { puts(\"x\"); return x; }\ndouble user(double x) {\n  return loud(x) + 1;\n}\n",
            &["loud", "caller.c:2:", "puts"],
        ),
        (
            "abort.c",
            "checked",
            "#include <stdlib.h>\ndouble checked(double x) {\n  if (x < 0) abort();\n  return x;\n}\n",
            &["abort.c:3:", "abort"],
        ),
    ];
    let mut problems = Vec::new();
    for (file, function, source, needles) in cases {
        let with_valid = format!("{source}\ndouble zad_valid_neighbour(double x) {{ return 3 * x; }}\n");
        let result = load_source(&scratch, &context, file, &with_valid);
        let module = match result {
            Ok(module) => module,
            Err(error) => {
                problems.push(format!("{file}: the file should load (one function converts): {error}"));
                continue;
            }
        };
        match module.function(function) {
            Ok(_) => problems.push(format!("{file}: {function} converted, but should be rejected")),
            Err(Error::Unsupported(message)) => {
                for needle in *needles {
                    if !message.contains(needle) {
                        problems.push(format!("{file}: the message should mention '{needle}': {message}"));
                    }
                }
            }
            Err(other) => problems.push(format!("{file}: expected Unsupported, got {other:?}")),
        }
        if let Err(error) = module.function("zad_valid_neighbour") {
            problems.push(format!("{file}: the valid function beside it should convert: {error}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A file where nothing converts is an error at load time, with the reason.
#[test]
fn c_with_nothing_to_convert_is_an_error() {
    let scratch = Scratch::new("csource-nothing");
    let context = Context::new().expect("zad context");
    let error = load_source(&scratch, &context, "only_io.c", "#include <stdio.h>\nvoid hello(void) { puts(\"hi\"); }\n")
        .err()
        .expect("nothing converts");
    assert!(error.to_string().contains("only_io.c:2:") && error.to_string().contains("puts"), "{error}");
    let error = load_source(&scratch, &context, "broken.c", "double f(double x) { return x +; }\n").err().expect("syntax error");
    assert!(matches!(error, Error::Parse(_)) && error.to_string().contains("broken.c:1:"), "{error:?}");
    let error = COptions::parse("-O3").expect_err("unknown option");
    assert!(error.to_string().contains("-O3"), "{error}");
}

/// The CLI takes .c files: run, grad and emit.
#[test]
fn cli_runs_differentiates_and_emits_c() {
    let path = root().join(C_DIR).join("dot.c");
    let (ok, stdout, stderr) =
        run(Command::new(zad_cli()).arg("grad").arg(&path).args(["--fn", "dot", "--args", "[3, [1, 2, 3], [4, 5, 6]]"]));
    assert!(ok, "{stderr}");
    let output: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(output["results"][0], 32.0);
    assert_eq!(output["gradients"][1], serde_json::json!([4.0, 5.0, 6.0]));
    assert_eq!(output["gradients"][2], serde_json::json!([1.0, 2.0, 3.0]));
    let (ok, stdout, stderr) = run(Command::new(zad_cli()).arg("emit").arg(&path).args(["--stage", "parsed"]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("func.func @dot") && stdout.contains("scf.while") && stdout.contains("memref<?xf64>"), "{stdout}");
    let (ok, _, stderr) = run(Command::new(zad_cli())
        .arg("run")
        .arg(&path)
        .args(["--fn", "dot", "--c-options", "-DUNUSED=1", "--args", "[1, [2], [3]]"]));
    assert!(ok, "{stderr}");
    // An array shorter than the C code's bound: the bounds check names the
    // C line that reads past it.
    let (ok, _, stderr) =
        run(Command::new(zad_cli()).arg("run").arg(&path).args(["--fn", "dot", "--args", "[4, [1, 2, 3, 4], [1, 2, 3]]"]));
    assert!(!ok && stderr.contains("dot.c:10:") && stderr.contains("out of bounds"), "{stderr}");
}

/// A C program loads C source through the ABI (zad_module_load_c),
/// differentiates it, sees overlapping arrays refused and a rejected
/// construct named by its line.
#[test]
fn c_program_loads_c_source_through_the_abi() {
    let scratch = Scratch::new("csource-abi");
    let exe = build_c(&scratch, "tests/abi/c_source.c");
    let stdout = run_ok(&exe, "tests/abi");
    assert!(stdout.contains("overlapping x and y: status 7"), "{stdout}");
    assert!(stdout.contains("c_source_rejected.c:6:"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("OK"), "{stdout}");
}

/// Options reach clang (`-I DIR`, `-DNAME=VALUE`, attached or not, as the
/// README's `"-I inc -DMAXN=128"`); a flag without its value is refused,
/// by both front ends; a missing clang is an error naming its package.
#[test]
fn c_options_reach_clang_and_a_missing_clang_names_its_package() {
    let scratch = Scratch::new("csource-options");
    let include = scratch.path("inc");
    std::fs::create_dir_all(&include).unwrap();
    std::fs::write(include.join("scale.h"), "#define SCALE 3.0\n").unwrap();
    let path = scratch.path("scaled.c");
    std::fs::write(&path, "#include \"scale.h\"\ndouble scaled(double x) { return SCALE * x + OFFSET; }\n").unwrap();
    let context = Context::new().expect("zad context");
    for (options, expected) in
        [(format!("-I {} -DOFFSET=1.5", include.display()), 7.5), (format!("-I{} -D OFFSET=0.5", include.display()), 6.5)]
    {
        let options = COptions::parse(&options).expect("options");
        let module = Module::load_c(&context, &path, &options).expect("converts");
        let mut args = Args::new();
        args.push_f64(2.0);
        module.function("scaled").expect("compiles").call(&mut args).expect("runs");
        assert_eq!(args.results()[0].as_f64(), Some(expected), "{options:?}");
    }
    let error = Module::load_c(&context, &path, &COptions::default()).err().expect("no -I: scale.h is not found");
    assert!(matches!(error, Error::Parse(_)) && error.to_string().contains("scale.h"), "{error:?}");

    for (error, language) in [
        COptions::parse("-std=c99 -I").expect_err("-I needs a value"),
        zad::FortranOptions::parse("-cpp -D").expect_err("-D needs a value"),
    ]
    .into_iter()
    .zip(["C", "Fortran"])
    {
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
        assert!(error.to_string().contains(&format!("{language} options:")) && error.to_string().contains("needs a value"), "{error}");
    }

    let dot = root().join(C_DIR).join("dot.c");
    let (ok, _, stderr) = run(Command::new(zad_cli())
        .env("ZAD_CLANG", scratch.path("no-such-clang"))
        .arg("run")
        .arg(&dot)
        .args(["--fn", "dot", "--args", "[1, [2], [3]]"]));
    assert!(!ok && stderr.contains("clang-22") && stderr.contains("no-such-clang"), "{stderr}");
}
