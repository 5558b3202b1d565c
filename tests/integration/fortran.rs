//! The Fortran suite: every file under `tests/fortran/` is a routine written
//! the way legacy codes are, with directive comments (the gradient suite's,
//! after `!` or `C`, see `tests/gradients/README.md`) naming the routine
//! (`GRAD: name` or `GRAD: module::name`) and how to draw its arguments.
//!
//! For each file, at a random point:
//! - gfortran compiles the file with a generated driver program that reads
//!   the arguments, calls the routine and prints its result and every array
//!   argument afterwards; `zad run` on the same source and arguments must
//!   print the same numbers (to rounding);
//! - zad's gradient of every float argument is checked against central
//!   finite differences (the gradient suite's checker, with random
//!   cotangents on the final contents of the array arguments, so that
//!   subroutines returning their results in arrays are checked too).
//!
//! `ZAD_FILTER=name` runs only the files whose path contains `name`.

use crate::{
    gradients::{self, ArgValue, Spec, file_name},
    support::{
        assert_agree, assert_enough_files, assert_no_failures, files_where, run, selected, single_precision, zad_cli,
    },
};
use rand::{SeedableRng, rngs::StdRng};
use std::{
    path::{Path, PathBuf},
    process::Command,
};
use zad::{Activity, Context, Error, FortranOptions, Module, ParamType, Scalar, Signature};

const FORTRAN_DIR: &str = "tests/fortran";
/// The corpus must not shrink below this many routines.
const MIN_FORTRAN_FILES: usize = 25;

/// Routines on which zad's gradient is currently wrong or rejected because
/// of the AD transform (not the Fortran front end): (file, why). They stay in
/// the corpus and are checked; an entry that passes fails the suite.
pub const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn corpus() -> Vec<PathBuf> {
    files_where(FORTRAN_DIR, zad::fortran::is_fortran_source)
}

/// The directives of a Fortran file: comments starting with `!`, or `C` in
/// column 1 (fixed form).
fn spec_of(text: &str) -> Result<Spec, Vec<String>> {
    let free: String = text
        .lines()
        .map(|line| if line.starts_with(['C', 'c', '*']) { format!("!{}", &line[1..]) } else { line.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    gradients::parse_spec(&free, "!")
}

#[test]
fn fortran_routines_match_gfortran_and_finite_differences() {
    let files: Vec<PathBuf> = corpus().into_iter().filter(|path| selected(path)).collect();
    if files.is_empty() {
        eprintln!("fortran: ZAD_FILTER selects no file in {FORTRAN_DIR}");
        return;
    }
    let context = Context::new().expect("zad context");
    let (mut points, mut components, mut failures, mut expected) = (0, 0, Vec::new(), Vec::new());
    for path in &files {
        let name = format!("{FORTRAN_DIR}/{}", file_name(path));
        let mut found = Vec::new();
        let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{name}: {error}"));
        match spec_of(&text) {
            Err(errors) => found.extend(errors.into_iter().map(|e| format!("{name}: {e}"))),
            Ok(spec) => match Module::load_fortran(&context, path, &FortranOptions::default()) {
                Err(error) => found.push(format!("{name}: cannot convert: {error}")),
                Ok(module) => {
                    if let Err(error) = compare_with_gfortran(path, &name, &module, &spec) {
                        found.push(format!("{name}: {error}"));
                    }
                    let outcome = gradients::check_module(&module, &name, &spec, true);
                    points += outcome.points;
                    components += outcome.components;
                    found.extend(outcome.failures);
                }
            },
        }
        match KNOWN_FAILURES.iter().find(|(file, _)| *file == file_name(path)) {
            Some((file, why)) if found.is_empty() => {
                failures.push(format!("{name}: passes but is listed in KNOWN_FAILURES ({file}: {why}): remove the entry"))
            }
            Some(_) => expected.extend(found),
            None => failures.extend(found),
        }
    }
    eprintln!(
        "fortran: {} routines, compared with gfortran; {points} points, {components} gradient components checked, {} \
         failures, {} expected failures (KNOWN_FAILURES)",
        files.len(),
        failures.len(),
        expected.len()
    );
    for failure in &expected {
        eprintln!("  expected failure: {failure}");
    }
    assert_no_failures(&failures, "Fortran", &format!("{} routines", files.len()));
}

/// Enough routines, each with directives, and every KNOWN_FAILURES entry
/// names one. Ignores ZAD_FILTER.
#[test]
fn fortran_corpus_is_complete() {
    let files = corpus();
    assert_enough_files(&files, MIN_FORTRAN_FILES, FORTRAN_DIR);
    let mut problems = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        if let Err(errors) = spec_of(&text) {
            problems.push(format!("{}: {}", file_name(path), errors.join("; ")));
        }
    }
    for (file, _) in KNOWN_FAILURES {
        if !files.iter().any(|path| file_name(path) == *file) {
            problems.push(format!("KNOWN_FAILURES names {file}, which is not in {FORTRAN_DIR}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The Fortran declaration of a parameter of type `ty` holding `value`.
fn declaration(ty: &ParamType, value: &ArgValue, variable: &str) -> String {
    let kind = |scalar: Scalar| match scalar {
        Scalar::F32 => "real(4)",
        Scalar::F64 => "real(8)",
        Scalar::I32 => "integer(4)",
        Scalar::I64 | Scalar::Index => "integer(8)",
        Scalar::C32 => "complex(4)",
        Scalar::C64 => "complex(8)",
        Scalar::F16 | Scalar::BF16 => unreachable!("gfortran has no 16-bit real kind"),
    };
    match (ty, value) {
        (ParamType::Scalar(scalar), _) => format!("{} :: {variable}", kind(*scalar)),
        (ParamType::MemRef(memref), ArgValue::ArrayF64(_, shape) | ArgValue::ArrayF32(_, shape)) if !shape.is_empty() => {
            let extents: Vec<String> = shape.iter().map(i64::to_string).collect();
            format!("{} :: {variable}({})", kind(memref.element), extents.join(", "))
        }
        (ParamType::MemRef(memref), _) => format!("{} :: {variable}", kind(memref.element)),
    }
}

/// One value per line, arrays in column-major order (as Fortran reads
/// them), each float exactly.
fn input_line(value: &ArgValue) -> String {
    let count = value.len();
    match value {
        ArgValue::I32(x) => x.to_string(),
        ArgValue::I64(x) | ArgValue::Index(x) => x.to_string(),
        ArgValue::F32(x) => format!("{x:e}"),
        ArgValue::ArrayF32(data, _) => data.iter().map(|x| format!("{x:e}")).collect::<Vec<_>>().join(" "),
        _ => (0..count).map(|k| format!("{:e}", value.get(k))).collect::<Vec<_>>().join(" "),
    }
}

/// The JSON of an argument, arrays nested in Fortran index order.
fn json_of(value: &ArgValue) -> serde_json::Value {
    fn nest(flat: &[f64], shape: &[i64], offset: usize, stride: usize) -> serde_json::Value {
        // Column-major data: dimension d's stride is the product of the
        // extents before it.
        match shape.split_first() {
            None => serde_json::json!(flat[offset]),
            Some((&extent, rest)) => serde_json::Value::Array(
                (0..extent as usize).map(|i| nest(flat, rest, offset + i * stride, stride * extent as usize)).collect(),
            ),
        }
    }
    match value {
        ArgValue::I32(x) => serde_json::json!(x),
        ArgValue::I64(x) | ArgValue::Index(x) => serde_json::json!(x),
        ArgValue::F64(x) => serde_json::json!(x),
        ArgValue::F32(x) => serde_json::json!(*x as f64),
        ArgValue::ArrayF64(_, shape) | ArgValue::ArrayF32(_, shape) => {
            let flat: Vec<f64> = (0..value.len()).map(|k| value.get(k)).collect();
            nest(&flat, shape, 0, 1)
        }
    }
}

/// The numbers of a JSON value, arrays in column-major order.
fn flatten_column_major(json: &serde_json::Value, out: &mut Vec<f64>) {
    fn shape_of(json: &serde_json::Value) -> Vec<usize> {
        match json {
            serde_json::Value::Array(items) => {
                let mut shape = vec![items.len()];
                shape.extend(items.first().map(shape_of).unwrap_or_default());
                shape
            }
            _ => Vec::new(),
        }
    }
    fn at<'j>(json: &'j serde_json::Value, index: &[usize]) -> &'j serde_json::Value {
        index.iter().fold(json, |j, &i| &j[i])
    }
    let shape = shape_of(json);
    let total: usize = shape.iter().product();
    for linear in 0..total {
        let mut rest = linear;
        let index: Vec<usize> = shape.iter().map(|&extent| {
            let i = rest % extent;
            rest /= extent;
            i
        }).collect();
        out.push(number(at(json, &index)));
    }
}

fn number(json: &serde_json::Value) -> f64 {
    json.as_f64().unwrap_or_else(|| match json.as_str() {
        Some("inf") => f64::INFINITY,
        Some("-inf") => f64::NEG_INFINITY,
        _ => f64::NAN,
    })
}

/// Runs the routine at one random point with gfortran and with `zad run`
/// and compares the result and every array argument afterwards.
fn compare_with_gfortran(path: &Path, name: &str, module: &Module, spec: &Spec) -> Result<(), String> {
    let signature: Signature = module.signature(&spec.function).map_err(|e| e.to_string())?;
    let mut rng = StdRng::seed_from_u64(0x5eed ^ name.len() as u64);
    let point = gradients::draw(spec, &signature.inputs, &mut rng);
    let (module_name, procedure) = match spec.function.split_once("::") {
        Some((module_name, procedure)) => (Some(module_name.to_string()), procedure.to_string()),
        None => (None, spec.function.clone()),
    };
    let single = single_precision(&signature);

    // gfortran: the routine and a driver.
    let dir = std::env::temp_dir().join(format!("zad-fortran-{}-{}", std::process::id(), file_name(path)));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut driver = String::from("program driver\n");
    if let Some(module_name) = &module_name {
        driver.push_str(&format!("  use {module_name}\n"));
    }
    driver.push_str("  implicit none\n");
    for (index, (ty, value)) in signature.inputs.iter().zip(&point).enumerate() {
        driver.push_str(&format!("  {}\n", declaration(ty, value, &format!("a{index}"))));
    }
    let result_kind = match signature.results.first() {
        Some(ParamType::Scalar(Scalar::F32)) => Some("real(4)"),
        Some(ParamType::Scalar(Scalar::F64)) => Some("real(8)"),
        Some(other) => return Err(format!("the test driver cannot print a result of type {other}")),
        None => None,
    };
    if let Some(kind) = result_kind {
        driver.push_str(&format!("  {kind} :: r\n"));
        if module_name.is_none() {
            driver.push_str(&format!("  {kind}, external :: {procedure}\n"));
        }
    }
    driver.push_str("  open (10, file='input.txt', status='old')\n");
    for index in 0..point.len() {
        driver.push_str(&format!("  read (10, *) a{index}\n"));
    }
    driver.push_str("  close (10)\n");
    let arguments: Vec<String> = (0..point.len()).map(|index| format!("a{index}")).collect();
    match result_kind {
        Some(_) => driver.push_str(&format!("  r = {procedure}({})\n  write (*, '(es26.17e3)') r\n", arguments.join(", "))),
        None => driver.push_str(&format!("  call {procedure}({})\n", arguments.join(", "))),
    }
    for (index, value) in point.iter().enumerate() {
        if matches!(value, ArgValue::ArrayF64(..) | ArgValue::ArrayF32(..)) {
            driver.push_str(&format!("  write (*, '(es26.17e3)') a{index}\n"));
        }
    }
    driver.push_str("end program driver\n");
    std::fs::write(dir.join("driver.f90"), driver).map_err(|e| e.to_string())?;
    let input: Vec<String> = point.iter().map(input_line).collect();
    std::fs::write(dir.join("input.txt"), input.join("\n") + "\n").map_err(|e| e.to_string())?;
    let (ok, _, stderr) = run(Command::new("gfortran")
        .args(["-O2", "-ffree-line-length-none", "-J"])
        .arg(&dir)
        .arg(path)
        .arg(dir.join("driver.f90"))
        .arg("-o")
        .arg(dir.join("driver")));
    if !ok {
        return Err(format!("gfortran failed: {stderr}"));
    }
    let (ok, stdout, stderr) = run(Command::new(dir.join("driver")).current_dir(&dir));
    if !ok {
        return Err(format!("the gfortran program failed: {stderr}"));
    }
    let expected: Vec<f64> = stdout.split_whitespace().map(|w| w.parse::<f64>().unwrap_or(f64::NAN)).collect();
    let _ = std::fs::remove_dir_all(&dir);

    // zad run: the result, then the arrays after the call.
    let args = serde_json::Value::Array(point.iter().map(json_of).collect()).to_string();
    let (ok, stdout, stderr) =
        run(Command::new(zad_cli()).arg("run").arg(path).args(["--fn", &spec.function, "--args", &args]));
    if !ok {
        return Err(format!("zad run failed: {stderr}"));
    }
    let output: serde_json::Value = serde_json::from_str(&stdout).map_err(|e| format!("zad run printed {stdout}: {e}"))?;
    let mut got: Vec<f64> = output["results"].as_array().map(|r| r.iter().map(number).collect()).unwrap_or_default();
    // "buffers" holds the arrays the routine may write; the others are
    // unchanged, as given.
    for (index, value) in point.iter().enumerate() {
        if matches!(value, ArgValue::ArrayF64(..) | ArgValue::ArrayF32(..)) {
            let buffer = &output["buffers"][index];
            let array = if buffer.is_null() { json_of(value) } else { buffer.clone() };
            flatten_column_major(&array, &mut got);
        }
    }
    assert_agree(&got, &expected, single, "gfortran")
}

/// What zad does not convert is an error with the Fortran file:line:col
/// and words for the construct.
#[test]
fn unsupported_fortran_is_reported() {
    let context = Context::new().expect("zad context");
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "io.f90",
            "subroutine noisy(x)\n  real(8) :: x\n  print *, x\n  x = 2*x\nend subroutine\n",
            &["io.f90:3:", "input/output"],
        ),
        (
            "stop.f90",
            "subroutine halt(x)\n  real(8) :: x\n  if (x < 0) stop 'negative'\n  x = sqrt(x)\nend subroutine\n",
            &["stop.f90:3:", "STOP"],
        ),
        (
            "pointer.f90",
            "subroutine p(x, n)\n  integer :: n\n  real(8), target :: x(n)\n  real(8), pointer :: q(:)\n  q => x\n  q(1) = 0\nend subroutine\n",
            &["pointer.f90:4:", "POINTER"],
        ),
        (
            "derived.f90",
            "module m\n  type point\n    real(8) :: x, y\n  end type\ncontains\n  real(8) function f(p)\n    type(point) :: p\n    f = p%x*p%y\n  end function\nend module\n",
            &["derived.f90:", "derived type"],
        ),
        (
            "external.f90",
            "subroutine caller(x)\n  real(8) :: x\n  call elsewhere(x)\nend subroutine\n",
            &["external.f90:3:", "'elsewhere'", "not defined in this file"],
        ),
        (
            "recursive.f90",
            "recursive function fact(n) result(f)\n  integer, intent(in) :: n\n  real(8) :: f\n  if (n <= 1) then\n    f = 1\n  else\n    f = n*fact(n - 1)\n  end if\nend function\n",
            &["recursive.f90:", "recursive"],
        ),
        (
            "intarray.f90",
            "real(8) function pick(x, idx, n)\n  integer :: n, idx(n)\n  real(8) :: x(n)\n  pick = x(idx(1))\nend function\n",
            &["intarray.f90:", "'idx'", "integer(4)"],
        ),
        (
            "character.f90",
            "subroutine named(x, label)\n  real(8) :: x\n  character(len=*) :: label\n  if (label == 'double') x = 2*x\nend subroutine\n",
            &["character.f90:", "label"],
        ),
        (
            "runtime.f90",
            "real(8) function noisy(a)\n  real(8) :: a, r\n  call random_number(r)\n  noisy = a + r\nend function\n",
            &["runtime.f90:3:", "RandomNumber"],
        ),
    ];
    let dir = std::env::temp_dir().join(format!("zad-fortran-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut problems = Vec::new();
    for (file, source, needles) in cases {
        let path = dir.join(file);
        std::fs::write(&path, source).unwrap();
        let result = Module::load_fortran(&context, &path, &FortranOptions::default())
            .and_then(|module| {
                let names: Vec<String> = source
                    .lines()
                    .filter_map(|line| {
                        let lower = line.trim().to_ascii_lowercase();
                        let rest = ["subroutine ", "function ", "recursive function ", "real(8) function "]
                            .iter()
                            .find_map(|prefix| lower.strip_prefix(prefix))?;
                        Some(rest.split('(').next()?.trim().to_string())
                    })
                    .collect();
                let mut outcome = Ok(());
                for name in names {
                    if let Err(error) = module.function(&name) {
                        outcome = Err(error);
                    }
                }
                outcome.map(|()| module)
            });
        match result {
            Ok(_) => problems.push(format!("{file}: converted, but should be rejected")),
            Err(Error::Unsupported(message)) | Err(Error::NotFound(message)) => {
                for needle in *needles {
                    if !message.contains(needle) {
                        problems.push(format!("{file}: the message should mention '{needle}': {message}"));
                    }
                }
            }
            Err(other) => problems.push(format!("{file}: expected an unsupported-construct error, got {other:?}")),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Procedures are found by their Fortran names in any case, and by
/// `module::name`; a name two modules define must be qualified. A routine
/// zad cannot convert does not stop the others in the file.
#[test]
fn fortran_procedures_are_named_as_in_fortran() {
    const SOURCE: &str = "\
module first
contains
  real(8) function scale(x)
    real(8), intent(in) :: x
    scale = 2*x
  end function
end module
module second
contains
  real(8) function scale(x)
    real(8), intent(in) :: x
    scale = 3*x
  end function
  real(8) function Unique_Name(x)
    real(8), intent(in) :: x
    Unique_Name = x + 1
  end function
  subroutine report(x)
    real(8), intent(in) :: x
    print *, x
  end subroutine
end module
";
    let dir = std::env::temp_dir().join(format!("zad-fortran-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("names.f90");
    std::fs::write(&path, SOURCE).unwrap();
    let context = Context::new().expect("zad context");
    let module = Module::load_fortran(&context, &path, &FortranOptions::default()).expect("converts");
    let call = |name: &str| -> Result<f64, Error> {
        let function = module.function(name)?;
        let mut args = zad::Args::new();
        args.push_f64(1.5);
        function.call(&mut args)?;
        Ok(args.results()[0].as_f64().unwrap())
    };
    assert_eq!(call("first::scale").unwrap(), 3.0);
    assert_eq!(call("SECOND::Scale").unwrap(), 4.5);
    assert_eq!(call("unique_name").unwrap(), 2.5);
    assert_eq!(call("UNIQUE_NAME").unwrap(), 2.5);
    match call("scale") {
        Err(Error::NotFound(message)) => assert!(message.contains("first::scale") && message.contains("second::scale"), "{message}"),
        other => panic!("an ambiguous name: {other:?}"),
    }
    match call("report") {
        Err(Error::Unsupported(message)) => assert!(message.contains("names.f90:20:") && message.contains("input/output"), "{message}"),
        other => panic!("a routine with I/O: {other:?}"),
    }
    match call("missing") {
        Err(Error::NotFound(message)) => assert!(message.contains("second::unique_name"), "{message}"),
        other => panic!("a missing name: {other:?}"),
    }
    let gradient = module.gradient("second::unique_name", &[Activity::Active]).expect("differentiates");
    let mut args = zad::Args::new();
    args.push_f64(1.5);
    gradient.call(&mut args).expect("runs");
    assert_eq!(args.results()[1].as_f64(), Some(1.0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A routine that passes an array on with sequence association (a 2-D
/// array to a 1-D dummy) reads it as one sequence: zad then requires a
/// contiguous array and refuses one with gaps, rather than read the wrong
/// elements.
#[test]
fn sequence_association_needs_contiguous_arrays() {
    const SOURCE: &str = "\
subroutine scale_all(a, n, m, s)
  integer :: n, m
  real(8) :: a(n, m), s
  call scale_vector(a, n*m, s)
end subroutine
subroutine scale_vector(x, k, s)
  integer :: k
  real(8) :: x(k), s
  x = s*x
end subroutine
";
    let dir = std::env::temp_dir().join(format!("zad-fortran-sequence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sequence.f90");
    std::fs::write(&path, SOURCE).unwrap();
    let context = Context::new().expect("zad context");
    let module = Module::load_fortran(&context, &path, &FortranOptions::default()).expect("converts");
    let function = module.function("scale_all").expect("compiles");
    // A contiguous 2 x 3 array: every element scaled.
    let mut data: Vec<f64> = (1..=6).map(f64::from).collect();
    let mut args = zad::Args::new();
    args.push_fortran_slice_f64(&mut data, &[2, 3]).unwrap().push_i32(2).push_i32(3).push_f64(10.0);
    function.call(&mut args).expect("runs");
    drop(args);
    assert_eq!(data, vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
    // The top 2 x 3 block of a 4 x 3 array (leading dimension 4): refused.
    let mut padded = vec![0.0f64; 12];
    let mut args = zad::Args::new();
    // SAFETY: shape [2, 3] with strides [1, 4] stays within the 12 elements.
    unsafe { args.push_array(Scalar::F64, padded.as_mut_ptr().cast(), &[2, 3], Some(&[1, 4])) }.unwrap();
    args.push_i32(2).push_i32(3).push_f64(10.0);
    match function.call(&mut args) {
        Err(Error::Signature(message)) => assert!(message.contains("contiguous"), "{message}"),
        other => panic!("a non-contiguous array for sequence association: {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// DO CONCURRENT runs on every core (or a GPU): a loop whose iterations
/// define no variable of the procedure but its own index variables becomes
/// one `scf.parallel` over all its indices, and its gradient keeps it
/// parallel; one that assigns a scalar runs in sequence. (The corpus file
/// is checked against gfortran and finite differences above.)
#[test]
fn do_concurrent_becomes_a_parallel_loop() {
    let context = Context::new().expect("zad context");
    let path = crate::support::root().join(FORTRAN_DIR).join("do_concurrent_heat.f90");
    let module = Module::load_fortran(&context, &path, &FortranOptions::default()).expect("converts");
    let text = module.emit(zad::Stage::Parsed).expect("the MLIR");
    let parallel: Vec<&str> = text.lines().filter(|line| line.contains("scf.parallel")).collect();
    assert_eq!(parallel.len(), 2, "the stencil and the copy back:\n{text}");
    assert!(parallel.iter().all(|line| line.matches("%c0").count() >= 2), "two indices each: {parallel:?}");
    let activity = module.default_activity("concurrent_heat").expect("an activity");
    let adjoint = module.adjoint_text("concurrent_heat", &activity).expect("an adjoint");
    assert!(adjoint.matches("scf.parallel").count() >= 4, "forward and reverse loops:\n{adjoint}");
    // A temporary each iteration assigns first is its own; one the code
    // reads after the loop is not (after one iteration it holds that
    // iteration's value), and that loop runs in sequence.
    const TEMPORARIES: &str = "\
subroutine temporaries(n, u, v, r, last)
  integer, intent(in) :: n
  real(8), intent(in) :: u(n), r
  real(8), intent(inout) :: v(n)
  real(8), intent(out) :: last
  real(8) :: flux, g
  integer :: i
  do concurrent (i = 2:n-1)
    flux = r*(u(i+1) - u(i))
    v(i) = u(i) + flux
  end do
  do concurrent (i = 2:n-1)
    g = r*u(i)
    v(i) = v(i) + g
  end do
  last = g
end subroutine
";
    let dir = std::env::temp_dir().join(format!("zad-fortran-concurrent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("temporaries.f90");
    std::fs::write(&path, TEMPORARIES).unwrap();
    let module = Module::load_fortran(&context, &path, &FortranOptions::default()).expect("converts");
    let text = module.emit(zad::Stage::Parsed).expect("the MLIR");
    assert_eq!(text.matches("scf.parallel").count(), 1, "the loop with flux only:\n{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
