//! IR-file tests of generated adjoints (`tests/ir/adjoint/`, described in
//! `tests/ir/README.md`). Each `NAME.mlir` there starts with a comment
//! block naming the function to differentiate, its activity and arguments
//! for a numerical check:
//!
//! ```text
//! // ADJOINT: f active,dup,const
//! // ARGS: [0.5, [1.0, 2.0], 3]
//! // TOLERANCE: 1e-6      (optional: finite-difference agreement)
//! // STEP: 1e-6           (optional: finite-difference step)
//! ```
//!
//! and `NAME.adjoint` beside it holds the adjoint text zad generates for
//! it (`Module::adjoint_text`, what `zad emit --stage adjoint` prints). The
//! test compares the two whole (`ZAD_BLESS=1` rewrites the expectation
//! instead), then compiles the gradient and checks every derivative it
//! returns against central finite differences of the primal function, so
//! that a blessed but wrong adjoint cannot pass. All failures of all files
//! are collected and reported together.

use crate::support::{bless, files_in, root, selected};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use zad::{Activity, Args, Context, Module, ParamType, Scalar, Signature};

/// Where the files live, relative to the repository root.
const IR_DIR: &str = "tests/ir/adjoint";
/// The suite must not shrink below this many files.
const MIN_IR_FILES: usize = 12;
/// What every expectation must contain.
const ADJOINT_MARKER: &str = "func.func @__zad_grad_";
const DEFAULT_TOLERANCE: f64 = 1e-6;
const DEFAULT_STEP: f64 = 1e-6;

/// The header of one IR file.
#[derive(Debug)]
struct Case {
    function: String,
    activity: Vec<Activity>,
    /// The JSON argument array, as written.
    args: String,
    tolerance: f64,
    step: f64,
}

/// Reads the directives of the leading comment block.
fn parse_header(text: &str) -> Result<Case, String> {
    let (mut adjoint, mut args, mut tolerance, mut step) = (None, None, None, None);
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("//") else { break };
        let Some((key, value)) = comment.trim().split_once(':') else { continue };
        if !key.chars().all(|c| c.is_ascii_uppercase() || c == '-') || key.is_empty() {
            continue;
        }
        let value = value.trim();
        let at = |what: &str| format!("line {}: {what}", number + 1);
        let number_of =
            |value: &str| value.parse::<f64>().map_err(|_| at(&format!("{key}: {value:?} is not a number")));
        match key {
            "ADJOINT" => adjoint = Some(value.to_string()),
            "ARGS" => args = Some(value.to_string()),
            "TOLERANCE" => tolerance = Some(number_of(value)?),
            "STEP" => step = Some(number_of(value)?),
            other => return Err(at(&format!("unknown directive {other} (ADJOINT, ARGS, TOLERANCE, STEP)"))),
        }
    }
    let adjoint = adjoint.ok_or("no `// ADJOINT: FUNCTION ACTIVITY` line in the leading comments")?;
    let (function, activity) = adjoint.split_once(' ').unwrap_or((&adjoint, ""));
    let activity = activity
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| Activity::parse(name).ok_or(format!("ADJOINT: unknown activity {name:?} (const, active, dup)")))
        .collect::<Result<Vec<_>, _>>()?;
    let args = args.ok_or("no `// ARGS: [...]` line (arguments for the finite-difference check)")?;
    Ok(Case {
        function: function.trim_start_matches('@').to_string(),
        activity,
        args,
        tolerance: tolerance.unwrap_or(DEFAULT_TOLERANCE),
        step: step.unwrap_or(DEFAULT_STEP),
    })
}

/// The expectation file of an IR file.
fn expected_path(path: &Path) -> PathBuf {
    path.with_extension("adjoint")
}

/// The path relative to the root, as locations in the adjoint name it.
fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// Compares generated text with an expectation: None if equal, or a
/// message naming the first line that differs.
fn compare_text(expected: &str, actual: &str) -> Option<String> {
    let (expected, actual) = (expected.trim_end(), actual.trim_end());
    if expected == actual {
        return None;
    }
    let (expected_lines, actual_lines): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let line = expected_lines
        .iter()
        .zip(&actual_lines)
        .position(|(e, a)| e != a)
        .unwrap_or(expected_lines.len().min(actual_lines.len()));
    Some(format!(
        "the adjoint differs from the expectation at line {} ({} lines expected, {} generated):\n  expected: {}\n  generated: {}",
        line + 1,
        expected_lines.len(),
        actual_lines.len(),
        expected_lines.get(line).unwrap_or(&"<end of file>"),
        actual_lines.get(line).unwrap_or(&"<end of file>")
    ))
}

// --------------------------------------------------------------- arguments

/// One argument, decoded from JSON for the function's signature.
#[derive(Clone, Debug)]
enum Input {
    Float(Scalar, f64),
    Int(Scalar, i64),
    /// Elements in logical row-major order (index [i][j] of the JSON is
    /// element [i, j] of the memref), whatever the memref's layout.
    Array {
        element: Scalar,
        shape: Vec<i64>,
        data: Vec<f64>,
        column_major: bool,
    },
}

fn flatten(json: &Json, depth: usize, shape: &mut Vec<i64>, data: &mut Vec<f64>) -> Result<(), String> {
    match json {
        Json::Array(items) => {
            if shape.len() == depth {
                shape.push(items.len() as i64);
            } else if shape.get(depth) != Some(&(items.len() as i64)) {
                return Err("ragged array".into());
            }
            items.iter().try_for_each(|item| flatten(item, depth + 1, shape, data))
        }
        Json::Number(number) => {
            data.push(number.as_f64().ok_or("not a number")?);
            Ok(())
        }
        other => Err(format!("unexpected {other}")),
    }
}

fn decode_args(signature: &Signature, text: &str) -> Result<Vec<Input>, String> {
    let json: Json = serde_json::from_str(text).map_err(|error| format!("ARGS is not JSON: {error}"))?;
    let Json::Array(items) = json else { return Err("ARGS must be a JSON array".into()) };
    if items.len() != signature.inputs.len() {
        return Err(format!("ARGS has {} entries, @{} takes {}", items.len(), signature.name, signature.inputs.len()));
    }
    items
        .iter()
        .zip(&signature.inputs)
        .enumerate()
        .map(|(index, (item, ty))| {
            let what = |why: String| format!("ARGS #{index} ({ty}): {why}");
            match ty {
                ParamType::Scalar(scalar) if scalar.is_float() => {
                    item.as_f64().map(|value| Input::Float(*scalar, value)).ok_or_else(|| what("not a number".into()))
                }
                ParamType::Scalar(scalar) => {
                    item.as_i64().map(|value| Input::Int(*scalar, value)).ok_or_else(|| what("not an integer".into()))
                }
                ParamType::MemRef(memref) => {
                    let (mut shape, mut data) = (Vec::new(), Vec::new());
                    flatten(item, 0, &mut shape, &mut data).map_err(what)?;
                    if shape.len() != memref.rank() || data.len() as i64 != shape.iter().product::<i64>() {
                        return Err(what(format!("an array of shape {shape:?} with {} numbers", data.len())));
                    }
                    // strided<[1, ?, ...]>: Fortran order.
                    let column_major = memref.rank() >= 2 && memref.strides.first() == Some(&Some(1));
                    Ok(Input::Array { element: memref.element, shape, data, column_major })
                }
            }
        })
        .collect()
}

/// An array's memory as the kernel sees it.
struct Buffer {
    element: Scalar,
    f64s: Vec<f64>,
    f32s: Vec<f32>,
    shape: Vec<i64>,
    strides: Vec<i64>,
    /// Physical position k holds logical (row-major) element order[k].
    order: Vec<usize>,
}

impl Buffer {
    fn new(input: &Input, zero: bool) -> Buffer {
        let Input::Array { element, shape, data, column_major } = input else { unreachable!("not an array") };
        let rank = shape.len();
        let mut strides = vec![1i64; rank];
        if *column_major {
            for d in 1..rank {
                strides[d] = strides[d - 1] * shape[d - 1].max(1);
            }
        } else {
            for d in (0..rank.saturating_sub(1)).rev() {
                strides[d] = strides[d + 1] * shape[d + 1].max(1);
            }
        }
        // order[physical position] = the logical (row-major) index there.
        let mut order = vec![0; data.len()];
        for logical in 0..data.len() {
            let (mut rest, mut physical) = (logical, 0i64);
            for d in (0..rank).rev() {
                let extent = shape[d] as usize;
                physical += (rest % extent) as i64 * strides[d];
                rest /= extent;
            }
            order[physical as usize] = logical;
        }
        let physical: Vec<f64> = order.iter().map(|&logical| if zero { 0.0 } else { data[logical] }).collect();
        Buffer {
            element: *element,
            f32s: physical.iter().map(|&x| x as f32).collect(),
            f64s: physical,
            shape: shape.clone(),
            strides,
            order,
        }
    }

    fn push<'a>(&'a mut self, args: &mut Args<'a>) -> zad::Result<()> {
        let data = match self.element {
            Scalar::F32 => self.f32s.as_mut_ptr().cast(),
            _ => self.f64s.as_mut_ptr().cast(),
        };
        // SAFETY: the buffer holds every element its shape and strides
        // address, and outlives the argument list (borrowed for 'a).
        unsafe { args.push_array(self.element, data, &self.shape, Some(&self.strides)) }?;
        Ok(())
    }

    /// The contents in logical row-major order.
    fn logical(&self) -> Vec<f64> {
        let mut values = vec![0.0; self.order.len()];
        for (physical, &logical) in self.order.iter().enumerate() {
            values[logical] = match self.element {
                Scalar::F32 => self.f32s[physical] as f64,
                _ => self.f64s[physical],
            };
        }
        values
    }
}

fn push_scalar(args: &mut Args, input: &Input) {
    match *input {
        Input::Float(Scalar::F32, value) => args.push_f32(value as f32),
        Input::Float(_, value) => args.push_f64(value),
        Input::Int(Scalar::I32, value) => args.push_i32(value as i32),
        Input::Int(Scalar::I64, value) => args.push_i64(value),
        Input::Int(_, value) => args.push_index(value),
        Input::Array { .. } => unreachable!("an array"),
    };
}

/// The primal function's (only, float) result.
fn primal(function: &zad::CompiledFunction, inputs: &[Input]) -> Result<f64, String> {
    let mut buffers: Vec<Option<Buffer>> =
        inputs.iter().map(|input| matches!(input, Input::Array { .. }).then(|| Buffer::new(input, false))).collect();
    let mut args = Args::new();
    for (input, buffer) in inputs.iter().zip(buffers.iter_mut()) {
        match buffer {
            Some(buffer) => buffer.push(&mut args).map_err(|error| error.to_string())?,
            None => push_scalar(&mut args, input),
        }
    }
    function.call(&mut args).map_err(|error| format!("calling the primal: {error}"))?;
    args.results()
        .first()
        .and_then(|value| value.as_f64())
        .ok_or_else(|| "the function must return one float scalar".to_string())
}

/// A derivative the gradient returned: (what, value, perturbation).
struct Derivative {
    what: String,
    value: f64,
    argument: usize,
    element: Option<usize>,
}

/// Calls the gradient (seed omitted: 1.0) and lists every derivative it
/// returned, active scalars' and dup arrays' elements.
fn gradient(function: &zad::CompiledFunction, case: &Case, inputs: &[Input]) -> Result<Vec<Derivative>, String> {
    let mut buffers: Vec<Option<(Buffer, Option<Buffer>)>> = inputs
        .iter()
        .zip(&case.activity)
        .map(|(input, activity)| {
            matches!(input, Input::Array { .. })
                .then(|| (Buffer::new(input, false), (*activity == Activity::Dup).then(|| Buffer::new(input, true))))
        })
        .collect();
    let active: Vec<usize> = (0..inputs.len()).filter(|&i| case.activity[i] == Activity::Active).collect();
    let mut args = Args::new();
    for (input, buffers) in inputs.iter().zip(buffers.iter_mut()) {
        match buffers {
            Some((buffer, shadow)) => {
                buffer.push(&mut args).map_err(|error| error.to_string())?;
                if let Some(shadow) = shadow {
                    shadow.push(&mut args).map_err(|error| error.to_string())?;
                }
            }
            None => push_scalar(&mut args, input),
        }
    }
    function.call(&mut args).map_err(|error| format!("calling the gradient: {error}"))?;
    let results: Vec<f64> = args.results().iter().map(|value| value.as_f64().unwrap_or(f64::NAN)).collect();
    drop(args);
    if results.len() != 1 + active.len() {
        return Err(format!("the gradient returned {} results, expected 1 + {}", results.len(), active.len()));
    }
    let mut derivatives: Vec<Derivative> = active
        .iter()
        .zip(&results[1..])
        .map(|(&argument, &value)| Derivative { what: format!("d/d arg #{argument}"), value, argument, element: None })
        .collect();
    for (argument, buffers) in buffers.iter().enumerate() {
        if let Some((_, Some(shadow))) = buffers {
            for (element, value) in shadow.logical().into_iter().enumerate() {
                derivatives.push(Derivative {
                    what: format!("d/d arg #{argument}[{element}] (row-major)"),
                    value,
                    argument,
                    element: Some(element),
                });
            }
        }
    }
    Ok(derivatives)
}

/// `inputs` with one number moved by `delta`, and the size of the move
/// after rounding to the argument's precision.
fn perturbed(inputs: &[Input], argument: usize, element: Option<usize>, delta: f64) -> (Vec<Input>, f64) {
    let mut inputs = inputs.to_vec();
    let round = |scalar: Scalar, x: f64| if scalar == Scalar::F32 { x as f32 as f64 } else { x };
    let moved = match (&mut inputs[argument], element) {
        (Input::Float(scalar, value), None) => {
            let old = round(*scalar, *value);
            *value = round(*scalar, old + delta);
            *value - old
        }
        (Input::Array { element: scalar, data, .. }, Some(index)) => {
            let old = round(*scalar, data[index]);
            data[index] = round(*scalar, old + delta);
            data[index] - old
        }
        _ => unreachable!("perturbing something that has no derivative"),
    };
    (inputs, moved)
}

/// Central differences of the primal for every derivative of the
/// gradient; an error lists those that disagree.
fn check_numerically(module: &Module, case: &Case) -> Result<usize, String> {
    let signature = module.signature(&case.function).map_err(|error| error.to_string())?;
    let inputs = decode_args(&signature, &case.args)?;
    let function = module.function(&case.function).map_err(|error| format!("compiling the primal: {error}"))?;
    let compiled =
        module.gradient(&case.function, &case.activity).map_err(|error| format!("compiling the gradient: {error}"))?;
    let derivatives = gradient(&compiled, case, &inputs)?;
    let reference = primal(&function, &inputs)?;
    let mut problems = Vec::new();
    let mut nonzero = 0;
    for derivative in &derivatives {
        let value = match (&inputs[derivative.argument], derivative.element) {
            (Input::Float(_, value), None) => *value,
            (Input::Array { data, .. }, Some(index)) => data[index],
            _ => unreachable!(),
        };
        let h = case.step * value.abs().max(1.0);
        let (plus, up) = perturbed(&inputs, derivative.argument, derivative.element, h);
        let (minus, down) = perturbed(&inputs, derivative.argument, derivative.element, -h);
        let difference = (primal(&function, &plus)? - primal(&function, &minus)?) / (up - down);
        if difference != 0.0 {
            nonzero += 1;
        }
        let error = (derivative.value - difference).abs();
        if error.is_nan() || error > case.tolerance * difference.abs().max(1.0) {
            problems.push(format!(
                "{}: reverse mode {:.12e}, central difference {difference:.12e}",
                derivative.what, derivative.value
            ));
        }
    }
    if derivatives.is_empty() || nonzero == 0 {
        problems
            .push(format!("no nonzero derivative to check ({} derivatives; primal {reference})", derivatives.len()));
    }
    if problems.is_empty() { Ok(derivatives.len()) } else { Err(problems.join("\n    ")) }
}

// -------------------------------------------------------------------- tests

/// Runs one file: the text comparison (or blessing) and the numerical
/// check. Returns the problems found.
fn run_file(context: &Context, path: &Path) -> Vec<String> {
    let name = relative(path);
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => return vec![format!("{name}: {error}")],
    };
    let case = match parse_header(&source) {
        Ok(case) => case,
        Err(error) => return vec![format!("{name}: {error}")],
    };
    let module = match Module::parse(context, &source, &name) {
        Ok(module) => module,
        Err(error) => return vec![format!("{name}: {error}")],
    };
    let mut problems = Vec::new();
    let expected_file = expected_path(path);
    match module.adjoint_text(&case.function, &case.activity) {
        Err(error) => problems.push(format!("{name}: adjoint_text: {error}")),
        Ok(text) if !text.contains(ADJOINT_MARKER) => {
            problems.push(format!("{name}: the generated text has no `{ADJOINT_MARKER}`:\n{text}"))
        }
        Ok(text) => {
            let text = format!("{}\n", text.trim_end());
            if bless() {
                if std::fs::read_to_string(&expected_file).ok().as_deref() != Some(text.as_str()) {
                    std::fs::write(&expected_file, &text)
                        .unwrap_or_else(|error| panic!("{}: {error}", expected_file.display()));
                    eprintln!("blessed {}", relative(&expected_file));
                }
            } else {
                match std::fs::read_to_string(&expected_file) {
                    Err(error) => problems.push(format!(
                        "{name}: cannot read {} ({error}); ZAD_BLESS=1 writes it",
                        relative(&expected_file)
                    )),
                    Ok(expected) if !expected.contains(ADJOINT_MARKER) => problems
                        .push(format!("{}: has no `{ADJOINT_MARKER}`: not an adjoint", relative(&expected_file))),
                    Ok(expected) => {
                        if let Some(difference) = compare_text(&expected, &text) {
                            problems.push(format!(
                                "{name}: {difference}\n  (ZAD_BLESS=1 ZAD_FILTER={} rewrites {} once the change is right)",
                                path.file_stem().unwrap_or_default().to_string_lossy(),
                                relative(&expected_file)
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Err(error) = check_numerically(&module, &case) {
        problems.push(format!(
            "{name}: @{} with activity {}: the gradient disagrees with finite differences:\n    {error}",
            case.function,
            case.activity.iter().map(|a| a.name()).collect::<Vec<_>>().join(",")
        ));
    }
    problems
}

#[test]
fn adjoint_files() {
    let context = Context::new().expect("context");
    let files: Vec<PathBuf> = files_in(IR_DIR, "mlir").into_iter().filter(|path| selected(path)).collect();
    assert!(!files.is_empty() || std::env::var_os("ZAD_FILTER").is_some(), "no IR files in {IR_DIR}");
    let problems: Vec<String> = files.iter().flat_map(|path| run_file(&context, path)).collect();
    assert!(
        problems.is_empty(),
        "{} problem(s) in {} IR file(s):\n{}",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}

/// Ignores ZAD_FILTER: the suite cannot shrink or lose its expectations
/// unnoticed.
#[test]
fn adjoint_files_are_well_formed() {
    let files = files_in(IR_DIR, "mlir");
    assert!(files.len() >= MIN_IR_FILES, "only {} IR files in {IR_DIR}, expected at least {MIN_IR_FILES}", files.len());
    let mut problems = Vec::new();
    for path in &files {
        let name = relative(path);
        let source = std::fs::read_to_string(path).expect("IR file");
        if !source.starts_with("//") {
            problems.push(format!("{name}: does not start with a comment saying what it tests"));
        }
        match parse_header(&source) {
            Err(error) => problems.push(format!("{name}: {error}")),
            Ok(case) => {
                if !source.contains(&format!("func.func @{}(", case.function)) {
                    problems.push(format!("{name}: ADJOINT names @{}, which it does not define", case.function));
                }
                if !case.activity.iter().any(|&a| a != Activity::Const) {
                    problems.push(format!("{name}: no active or dup argument: nothing to differentiate"));
                }
                let code: String = case.activity.iter().map(|a| a.code()).collect();
                let header = format!("{ADJOINT_MARKER}{}_{code}(", case.function);
                match std::fs::read_to_string(expected_path(path)) {
                    Ok(expected) if expected.contains(&header) => {}
                    Ok(_) => problems.push(format!("{}: does not define {header}...", relative(&expected_path(path)))),
                    Err(error) => problems.push(format!("{}: {error}", relative(&expected_path(path)))),
                }
            }
        }
    }
    for expected in files_in(IR_DIR, "adjoint") {
        if !expected.with_extension("mlir").exists() {
            problems.push(format!("{}: no IR file of that name", relative(&expected)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checker itself: a changed line is reported with its number, and a
/// wrong gradient (here: activity that leaves the expected derivative
/// out) is caught by the numerical check's own machinery.
#[test]
fn the_checks_catch_mistakes() {
    let expected = "func.func @__zad_grad_f_a(%x: f64) {\n  %1 = arith.mulf %x, %x : f64\n}\n";
    assert_eq!(compare_text(expected, expected.trim_end()), None, "trailing newlines are not differences");
    let changed = expected.replace("mulf", "addf");
    let message = compare_text(expected, &changed).expect("a difference");
    assert!(message.contains("at line 2") && message.contains("arith.addf"), "{message}");
    let shorter = compare_text(expected, "func.func @__zad_grad_f_a(%x: f64) {").expect("a difference");
    assert!(shorter.contains("3 lines expected, 1 generated") && shorter.contains("<end of file>"), "{shorter}");

    assert!(parse_header("// ADJOINT: f active\nfunc.func @f").unwrap_err().contains("ARGS"));
    assert!(parse_header("// ADJOINT: f bogus\n// ARGS: [1.0]").unwrap_err().contains("bogus"));
    assert!(parse_header("// ADJOINT: f active\n// ARGS: [1.0]\n// CHECK: x").unwrap_err().contains("CHECK"));

    // A gradient checked against the wrong function's differences fails.
    let context = Context::new().expect("context");
    let source = "// ADJOINT: f active\n// ARGS: [1.0]\nfunc.func @f(%x: f64) -> f64 {\n  %y = arith.mulf %x, %x : f64\n  return %y : f64\n}\n";
    let module = Module::parse(&context, source, "square.mlir").expect("module");
    let case = parse_header(source).expect("header");
    assert_eq!(check_numerically(&module, &case), Ok(1));
    let strict = Case { tolerance: 0.0, step: 0.5, ..case };
    // ((x + h)^2 - (x - h)^2) / 2h = 2x exactly: right at tolerance 0.
    assert_eq!(check_numerically(&module, &strict), Ok(1));
    let cube =
        source.replace("%y = arith.mulf %x, %x : f64", "%s = arith.mulf %x, %x : f64\n  %y = arith.mulf %s, %x : f64");
    let module = Module::parse(&context, &cube, "cube.mlir").expect("module");
    // Central differences of x^3 with step 0.5 are off by h^2 = 0.25.
    let error = check_numerically(&module, &strict).unwrap_err();
    assert!(error.contains("reverse mode 3.000000000000e0, central difference 3.250000000000e0"), "{error}");
}
