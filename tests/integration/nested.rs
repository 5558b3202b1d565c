//! Nested AD and Hessian-vector products: a function holding `zad.gradient`
//! or `zad.tangent` ops differentiated again (in reverse and forward mode,
//! to depth three), without perturbation confusion; reverse over a taped
//! gradient refused with a clear message; `Module::hvp` against central
//! differences of `Module::gradient` on kernels of tests/gradients at random
//! points and directions; `zad hvp` and `zad hessian`.
//!
//! (The nested kernels of tests/gradients/nested_*.mlir are checked against
//! finite differences by the gradients suite; the C ABI's zad_module_hvp by
//! abi_programs.rs.)

use crate::{
    gradients::{ArgValue, draw, parse_spec, push},
    support::{assert_close, root, run, zad_cli},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::process::Command;
use zad::{Activity, Args, Context, Error, Module, ParamType, Value};

fn parse(source: &str) -> (Context, Module) {
    let context = Context::new().expect("a context");
    let module = Module::parse(&context, source, "nested.mlir").unwrap_or_else(|error| panic!("parse: {error}"));
    (context, module)
}

fn float(value: &Value) -> f64 {
    match value {
        Value::F64(x) => *x,
        Value::F32(x) => *x as f64,
        other => panic!("expected a float, got {other:?}"),
    }
}

/// Calls `function` on float scalars, returning its float results.
fn call_scalars(function: &zad::CompiledFunction, inputs: &[f64]) -> Vec<f64> {
    let mut args = Args::new();
    for &x in inputs {
        args.push_f64(x);
    }
    function.call(&mut args).unwrap_or_else(|error| panic!("call: {error}"));
    args.results().iter().map(float).collect()
}

// ------------------------------------------------------------ nested AD

/// outer(x) = x * d/dy [x (x + y)] = x^2: its derivative is 2x, where an AD
/// that lets the inner derivative see the outer perturbation of x gives 3x.
/// The inner derivative in reverse (zad.gradient) and in forward mode
/// (zad.tangent), the outer in reverse (Module::gradient) and in forward
/// mode (a zad.tangent of outer).
const PERTURBATION_CONFUSION: &str = r#"
func.func private @inner(%x: f64, %y: f64) -> f64 {
  %s = arith.addf %x, %y : f64
  %p = arith.mulf %x, %s : f64
  return %p : f64
}
func.func @outer_reverse(%x: f64) -> f64 {
  %y = arith.constant 0.25 : f64
  %v, %dy = zad.gradient @inner(%x, %y) {activity = ["const", "active"]} : (f64, f64) -> (f64, f64)
  %r = arith.mulf %x, %dy : f64
  return %r : f64
}
func.func @outer_forward(%x: f64) -> f64 {
  %y = arith.constant 0.25 : f64
  %one = arith.constant 1.0 : f64
  %v, %dy = zad.tangent @inner(%x, %y, %one) {activity = ["const", "dup"]} : (f64, f64, f64) -> (f64, f64)
  %r = arith.mulf %x, %dy : f64
  return %r : f64
}
func.func @forward_over_reverse(%x: f64) -> (f64, f64) {
  %one = arith.constant 1.0 : f64
  %r, %dr = zad.tangent @outer_reverse(%x, %one) {activity = ["dup"]} : (f64, f64) -> (f64, f64)
  return %r, %dr : f64, f64
}
func.func @forward_over_forward(%x: f64) -> (f64, f64) {
  %one = arith.constant 1.0 : f64
  %r, %dr = zad.tangent @outer_forward(%x, %one) {activity = ["dup"]} : (f64, f64) -> (f64, f64)
  return %r, %dr : f64, f64
}
"#;

#[test]
fn no_perturbation_confusion_in_any_mode_pair() {
    let (_context, module) = parse(PERTURBATION_CONFUSION);
    for x in [-1.7, 0.3, 2.5] {
        for outer in ["outer_reverse", "outer_forward"] {
            let gradient = module.gradient(outer, &[Activity::Active]).expect("the outer gradient");
            let values = call_scalars(&gradient, &[x]);
            assert_close(values[0], x * x, 1e-14, &format!("@{outer}({x})"));
            // 2x, and certainly not 3x.
            assert_close(values[1], 2.0 * x, 1e-14, &format!("d @{outer}/dx at {x} (reverse over {outer})"));
        }
        for outer in ["forward_over_reverse", "forward_over_forward"] {
            let values = call_scalars(&module.function(outer).expect("compiles"), &[x]);
            assert_close(values[0], x * x, 1e-14, &format!("@{outer}({x})"));
            assert_close(values[1], 2.0 * x, 1e-14, &format!("@{outer}({x}): the tangent"));
        }
    }
}

/// Three levels, all reverse, and the same differentiated once more in
/// forward mode, against the exact derivatives of a polynomial:
/// first = x^3 y^2; second = d first/dx * d first/dy = 6 x^5 y^3;
/// third = d second/dx + x d second/dy = 30 x^4 y^3 + 18 x^6 y^2.
const DEPTH_THREE: &str = r#"
func.func private @first(%x: f64, %y: f64) -> f64 {
  %xx = arith.mulf %x, %x : f64
  %xxx = arith.mulf %xx, %x : f64
  %yy = arith.mulf %y, %y : f64
  %r = arith.mulf %xxx, %yy : f64
  return %r : f64
}
func.func private @second(%x: f64, %y: f64) -> f64 {
  %v, %dx, %dy = zad.gradient @first(%x, %y) {activity = ["active", "active"]} : (f64, f64) -> (f64, f64, f64)
  %r = arith.mulf %dx, %dy : f64
  return %r : f64
}
func.func @third(%x: f64, %y: f64) -> f64 {
  %v, %dx, %dy = zad.gradient @second(%x, %y) {activity = ["active", "active"]} : (f64, f64) -> (f64, f64, f64)
  %xdy = arith.mulf %x, %dy : f64
  %r = arith.addf %dx, %xdy : f64
  return %r : f64
}
func.func @third_tangents(%x: f64, %y: f64) -> (f64, f64, f64) {
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %r, %dx, %dy = zad.tangent @third(%x, %one, %zero, %y, %zero, %one) {activity = ["dup", "dup"], width = 2 : i64}
      : (f64, f64, f64, f64, f64, f64) -> (f64, f64, f64)
  return %r, %dx, %dy : f64, f64, f64
}
"#;

#[test]
fn three_levels_give_exact_derivatives_in_reverse_and_forward() {
    let (_context, module) = parse(DEPTH_THREE);
    let gradient = module.gradient("third", &[Activity::Active, Activity::Active]).expect("the gradient of @third");
    let tangents = module.function("third_tangents").expect("forward over reverse over reverse");
    for (x, y) in [(0.7f64, -1.2f64), (-1.1, 0.4), (1.3, 0.9)] {
        let third = 30.0 * x.powi(4) * y.powi(3) + 18.0 * x.powi(6) * y * y;
        let dx = 120.0 * x.powi(3) * y.powi(3) + 108.0 * x.powi(5) * y * y;
        let dy = 90.0 * x.powi(4) * y * y + 36.0 * x.powi(6) * y;
        let reverse = call_scalars(&gradient, &[x, y]);
        let forward = call_scalars(&tangents, &[x, y]);
        for (values, mode) in [(reverse, "reverse"), (forward, "vector forward")] {
            let what = |name: &str| format!("{name} at ({x}, {y}), {mode} over reverse over reverse");
            assert_close(values[0], third, 1e-12, &what("third"));
            assert_close(values[1], dx, 1e-12, &what("d third/dx"));
            assert_close(values[2], dy, 1e-12, &what("d third/dy"));
        }
    }
}

/// An inner function whose gradient records values on a stack (a while
/// loop): forward over reverse works (tangent tapes, in scalar and vector
/// mode), reverse over reverse is refused with a message that says what to
/// do instead.
const WHILE_INNER: &str = r#"
func.func private @inner(%x: f64, %y: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %r:2 = scf.while (%i = %c0, %acc = %y) : (index, f64) -> (index, f64) {
    %go = arith.cmpi slt, %i, %c6 : index
    scf.condition(%go) %i, %acc : index, f64
  } do {
  ^bb0(%j: index, %a: f64):
    %s = math.sin %a : f64
    %t = arith.mulf %s, %x : f64
    %u = arith.addf %t, %a : f64
    %n = arith.addi %j, %c1 : index
    scf.yield %n, %u : index, f64
  }
  return %r#1 : f64
}
func.func @outer(%x: f64, %y: f64) -> f64 {
  %v, %dx, %dy = zad.gradient @inner(%x, %y) {activity = ["active", "active"]} : (f64, f64) -> (f64, f64, f64)
  %a = arith.mulf %dx, %dy : f64
  %b = arith.addf %a, %v : f64
  return %b : f64
}
func.func @outer_tangent(%x: f64, %vx: f64, %y: f64, %vy: f64) -> (f64, f64) {
  %r, %dr = zad.tangent @outer(%x, %vx, %y, %vy) {activity = ["dup", "dup"]} : (f64, f64, f64, f64) -> (f64, f64)
  return %r, %dr : f64, f64
}
func.func @outer_tangents(%x: f64, %y: f64) -> (f64, f64, f64) {
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %r, %dx, %dy = zad.tangent @outer(%x, %one, %zero, %y, %zero, %one) {activity = ["dup", "dup"], width = 2 : i64}
      : (f64, f64, f64, f64, f64, f64) -> (f64, f64, f64)
  return %r, %dx, %dy : f64, f64, f64
}
"#;

#[test]
fn forward_over_a_taped_gradient_matches_finite_differences() {
    let (_context, module) = parse(WHILE_INNER);
    let outer = module.function("outer").expect("@outer");
    let tangent = module.function("outer_tangent").expect("forward over reverse");
    let tangents = module.function("outer_tangents").expect("vector forward over reverse");
    let mut rng = StdRng::seed_from_u64(14);
    for _ in 0..4 {
        let (x, y): (f64, f64) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
        let (vx, vy): (f64, f64) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
        let h = 1e-6;
        let at = |x: f64, y: f64| call_scalars(&outer, &[x, y])[0];
        let directional = (at(x + h * vx, y + h * vy) - at(x - h * vx, y - h * vy)) / (2.0 * h);
        let values = call_scalars(&tangent, &[x, vx, y, vy]);
        assert_close(values[0], at(x, y), 1e-14, "the primal through the tangent");
        assert_close(values[1], directional, 1e-6, &format!("directional derivative at ({x}, {y}) along ({vx}, {vy})"));
        let partials = call_scalars(&tangents, &[x, y]);
        let dx = (at(x + h, y) - at(x - h, y)) / (2.0 * h);
        let dy = (at(x, y + h) - at(x, y - h)) / (2.0 * h);
        assert_close(partials[1], dx, 1e-6, "d outer/dx (vector mode, lane 1)");
        assert_close(partials[2], dy, 1e-6, "d outer/dy (vector mode, lane 2)");
    }
}

#[test]
fn reverse_over_a_taped_gradient_is_refused_with_advice() {
    let (_context, module) = parse(WHILE_INNER);
    let error = match module.gradient("outer", &[Activity::Active, Activity::Active]) {
        Err(error) => error,
        Ok(_) => panic!("reverse over a gradient that records on a tape should be refused"),
    };
    assert!(matches!(error, Error::Unsupported(_)), "{error:?}");
    let message = error.to_string();
    for expected in ["nested.mlir:", "zad.tape_new", "reverse mode", "forward mode", "zad.tangent", "hvp"] {
        assert!(message.contains(expected), "'{expected}' missing from: {message}");
    }
    // Its HVP (forward over reverse over the taped reverse) is refused alike.
    let hvp = module.hvp("outer", &[Activity::Active, Activity::Active]);
    assert!(matches!(&hvp, Err(Error::Unsupported(m)) if m.contains("forward mode")), "{:?}", hvp.err());
}

#[test]
fn derivative_ops_in_a_cycle_are_refused() {
    let source = r#"
func.func @ping(%x: f64) -> f64 {
  %v, %d = zad.gradient @pong(%x) {activity = ["active"]} : (f64) -> (f64, f64)
  return %d : f64
}
func.func @pong(%x: f64) -> f64 {
  %v, %d = zad.gradient @ping(%x) {activity = ["active"]} : (f64) -> (f64, f64)
  return %d : f64
}
"#;
    let (_context, module) = parse(source);
    let error = match module.function("ping") {
        Err(error) => error,
        Ok(_) => panic!("a cycle of derivative ops should be refused"),
    };
    assert!(matches!(error, Error::Unsupported(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("cycle") && message.contains("nested.mlir:"), "{message}");
}

// ------------------------------------------------ Hessian-vector products

/// Kernels of tests/gradients whose HVP is checked: sums of
/// transcendental terms, time stepping, loops of every kind (while loops
/// record on stacks), branches, in-place updates, helpers, recursion and
/// checkpointed calls (derivatives of their own), and stencils long enough
/// for their adjoints' accumulations to be rewritten.
const HVP_KERNELS: &[&str] = &[
    "rosenbrock",
    "heat1d_misfit",
    "lorenz96_euler",
    "logsumexp",
    "mlp_tanh",
    "math_trig",
    "while_newton_sqrt",
    "while_in_for",
    "if_in_loop",
    "for_nested2",
    "inplace_sweep",
    "call_scalar",
    "gmm_objective",
    "rk4_scalar_ode",
    "recursive_power",
    "call_checkpointed",
    "while_long_ode",
    "for_in_while",
    "stencil_scatter_long",
];

/// Values of the kernel's arguments with their float components of
/// non-const arguments moved by `step` along `direction`.
fn moved(point: &[ArgValue], direction: &[Vec<f64>], step: f64) -> Vec<ArgValue> {
    let mut values = point.to_vec();
    for (value, lane) in values.iter_mut().zip(direction) {
        for (k, v) in lane.iter().enumerate() {
            let x = value.get(k);
            value.set(k, x + step * v);
        }
    }
    values
}

/// The gradient at `point`: the result and the components per argument.
fn gradient_at(
    gradient: &zad::CompiledFunction,
    inputs: &[ParamType],
    point: &[ArgValue],
    activity: &[Activity],
) -> (f64, Vec<Vec<f64>>) {
    let mut values = point.to_vec();
    let mut shadows: Vec<ArgValue> = point.iter().map(ArgValue::zeroed).collect();
    let mut args = Args::new();
    for (((value, shadow), kind), ty) in values.iter_mut().zip(shadows.iter_mut()).zip(activity).zip(inputs) {
        push(&mut args, value, ty).expect("an argument");
        if *kind == Activity::Dup {
            push(&mut args, shadow, ty).expect("a shadow");
        }
    }
    gradient.call(&mut args).unwrap_or_else(|error| panic!("gradient: {error}"));
    let results: Vec<f64> = args.results().iter().map(float).collect();
    drop(args);
    let mut active = results[1..].iter();
    let components = activity
        .iter()
        .enumerate()
        .map(|(index, kind)| match kind {
            Activity::Const => Vec::new(),
            Activity::Active => vec![*active.next().expect("a gradient")],
            Activity::Dup => (0..shadows[index].len()).map(|k| shadows[index].get(k)).collect(),
        })
        .collect();
    (results[0], components)
}

/// The HVP at `point` along `direction`: the result, the gradient and H·v
/// per argument.
fn hvp_at(
    hvp: &zad::CompiledFunction,
    inputs: &[ParamType],
    point: &[ArgValue],
    activity: &[Activity],
    direction: &[Vec<f64>],
) -> (f64, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut values = point.to_vec();
    let mut shadows: Vec<ArgValue> = point.iter().map(ArgValue::zeroed).collect();
    let mut products: Vec<ArgValue> = point.iter().map(ArgValue::zeroed).collect();
    let mut directions: Vec<ArgValue> = point
        .iter()
        .zip(direction)
        .map(|(value, lane)| {
            let mut d = value.zeroed();
            for (k, &v) in lane.iter().enumerate() {
                d.set(k, v);
            }
            d
        })
        .collect();
    let mut args = Args::new();
    let each = values.iter_mut().zip(shadows.iter_mut()).zip(directions.iter_mut()).zip(products.iter_mut());
    for ((((value, shadow), d), product), (kind, ty)) in each.zip(activity.iter().zip(inputs)) {
        push(&mut args, value, ty).expect("an argument");
        match kind {
            Activity::Const => {}
            Activity::Active => push(&mut args, d, ty).expect("a direction"),
            Activity::Dup => {
                push(&mut args, shadow, ty).expect("a shadow");
                push(&mut args, d, ty).expect("a direction");
                push(&mut args, product, ty).expect("an H·v buffer");
            }
        }
    }
    hvp.call(&mut args).unwrap_or_else(|error| panic!("hvp: {error}"));
    let results: Vec<f64> = args.results().iter().map(float).collect();
    drop(args);
    let actives = activity.iter().filter(|&&a| a == Activity::Active).count();
    assert_eq!(results.len(), 1 + 2 * actives, "one result, a gradient and an H·v per active argument");
    let (mut gradients, mut hv) = (results[1..1 + actives].iter(), results[1 + actives..].iter());
    let per_argument = |active: &mut std::slice::Iter<f64>, buffers: &[ArgValue]| -> Vec<Vec<f64>> {
        activity
            .iter()
            .enumerate()
            .map(|(index, kind)| match kind {
                Activity::Const => Vec::new(),
                Activity::Active => vec![*active.next().expect("a value")],
                Activity::Dup => (0..buffers[index].len()).map(|k| buffers[index].get(k)).collect(),
            })
            .collect()
    };
    let gradient = per_argument(&mut gradients, &shadows);
    let product = per_argument(&mut hv, &products);
    (results[0], gradient, product)
}

#[test]
fn hessian_vector_products_match_differences_of_the_gradient() {
    let context = Context::new().expect("a context");
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in HVP_KERNELS {
        let path = root().join("tests/gradients").join(format!("{name}.mlir"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let spec = parse_spec(&text, "//").unwrap_or_else(|errors| panic!("{name}: {errors:?}"));
        let module = Module::load(&context, &path).unwrap_or_else(|error| panic!("{name}: {error}"));
        let inputs = module.signature(&spec.function).expect("a signature").inputs;
        let activity = spec.activity.clone().unwrap_or_else(|| module.default_activity(&spec.function).expect("activity"));
        let gradient = module.gradient(&spec.function, &activity).unwrap_or_else(|error| panic!("{name}: {error}"));
        let hvp = match module.hvp(&spec.function, &activity) {
            Ok(hvp) => hvp,
            Err(error) => {
                failures.push(format!("{name}: the HVP does not compile: {error}"));
                continue;
            }
        };
        let mut rng = StdRng::seed_from_u64(name.bytes().map(u64::from).sum());
        for point_number in 0..2 {
            let point = draw(&spec, &inputs, &mut rng);
            let direction: Vec<Vec<f64>> = point
                .iter()
                .zip(&activity)
                .map(|(value, kind)| match kind {
                    Activity::Const => Vec::new(),
                    _ => (0..value.len()).map(|_| rng.random_range(-1.0..1.0)).collect(),
                })
                .collect();
            let (value, gradient_of_hvp, product) = hvp_at(&hvp, &inputs, &point, &activity, &direction);
            let (expected_value, expected_gradient) = gradient_at(&gradient, &inputs, &point, &activity);
            let scale = point.iter().zip(&activity).filter(|(_, kind)| **kind != Activity::Const);
            let scale = scale.flat_map(|(value, _)| (0..value.len()).map(|k| value.get(k).abs())).fold(1.0f64, f64::max);
            let h = 1e-5 * scale;
            let (_, plus) = gradient_at(&gradient, &inputs, &moved(&point, &direction, h), &activity);
            let (_, minus) = gradient_at(&gradient, &inputs, &moved(&point, &direction, -h), &activity);
            let mut check = |what: String, got: f64, expected: f64, tolerance: f64| {
                checked += 1;
                if !((got - expected).abs() <= tolerance * expected.abs().max(1.0)) {
                    failures.push(format!("{name} point {point_number}: {what}: got {got:e}, expected {expected:e}"));
                }
            };
            check("the result".into(), value, expected_value, 1e-12);
            for (index, kind) in activity.iter().enumerate() {
                for k in 0..expected_gradient[index].len() {
                    let component = if *kind == Activity::Dup { format!("arg#{index}[{k}]") } else { format!("arg#{index}") };
                    check(format!("gradient {component}"), gradient_of_hvp[index][k], expected_gradient[index][k], 1e-12);
                    let difference = (plus[index][k] - minus[index][k]) / (2.0 * h);
                    check(format!("H·v {component}"), product[index][k], difference, 1e-5);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n  {}", failures.len(), failures.join("\n  "));
    assert!(checked > 200, "only {checked} components checked");
}

#[test]
fn hvp_checks_its_activity_and_names_its_inputs() {
    let source = r#"
func.func @f(%a: memref<?xf64>, %k: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %x = memref.load %a[%c0] : memref<?xf64>
  %y = arith.mulf %x, %k : f64
  %z = arith.mulf %y, %y : f64
  return %z : f64
}
"#;
    let (_context, module) = parse(source);
    let all_const = module.hvp("f", &[Activity::Const, Activity::Const]).err().expect("all const is refused");
    assert!(matches!(all_const, Error::Signature(_)) && all_const.to_string().contains("'const'"), "{all_const}");
    let scalar_dup = module.hvp("f", &[Activity::Dup, Activity::Dup]).err().expect("a dup scalar is refused");
    assert!(scalar_dup.to_string().contains("argument 2 (%k)"), "{scalar_dup}");

    // A direction of the wrong shape is an error naming it.
    let hvp = module.hvp("f", &[Activity::Dup, Activity::Active]).expect("the HVP");
    let (mut a, mut da, mut va, mut ha) = (vec![1.5, 2.0], vec![0.0; 2], vec![1.0; 3], vec![0.0; 2]);
    let mut args = Args::new();
    args.push_slice_f64(&mut a, &[2]).expect("a");
    args.push_slice_f64(&mut da, &[2]).expect("da");
    args.push_slice_f64(&mut va, &[3]).expect("va");
    args.push_slice_f64(&mut ha, &[2]).expect("ha");
    args.push_f64(0.5);
    args.push_f64(1.0);
    let error = hvp.call(&mut args).expect_err("a direction of the wrong shape");
    let message = error.to_string();
    assert!(message.contains("the Hessian-vector product of @f") && message.contains("the direction for argument 1 (%a)"), "{message}");
}

// ------------------------------------------------------------------ CLI

/// Writes `source` to a file of the test's own and returns its path.
fn kernel_file(name: &str, source: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("zad-nested-{}-{name}.mlir", std::process::id()));
    std::fs::write(&path, source).expect("writing a kernel");
    path
}

const QUADRATIC_FORM: &str = r#"
func.func @q(%x: f64, %y: f64, %a: memref<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a0 = memref.load %a[%c0] : memref<?xf64>
  %a1 = memref.load %a[%c1] : memref<?xf64>
  %xy = arith.mulf %x, %y : f64
  %s = math.sin %xy : f64
  %p = arith.mulf %a0, %a1 : f64
  %px = arith.mulf %p, %x : f64
  %r = arith.addf %s, %px : f64
  %yy = arith.mulf %y, %y : f64
  %r2 = arith.mulf %r, %yy : f64
  return %r2 : f64
}
"#;

fn cli(args: &[&str]) -> serde_json::Value {
    let (ok, stdout, stderr) = run(Command::new(zad_cli()).args(args));
    assert!(ok, "zad {}: {stderr}", args.join(" "));
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

#[test]
fn cli_hvp_and_hessian() {
    let path = kernel_file("q", QUADRATIC_FORM);
    let file = path.to_str().expect("a path");
    let (x, y, a0, a1) = (0.3f64, 0.7f64, 1.5f64, -2.0f64);
    let args = format!("[{x}, {y}, [{a0}, {a1}], 2]");
    // f = (sin(xy) + a0 a1 x) y^2, its Hessian over (x, y, a0, a1):
    let (s, c) = ((x * y).sin(), (x * y).cos());
    let fxx = -y.powi(4) * s;
    let fxy = 2.0 * y * (y * c + a0 * a1) + y * y * (c - x * y * s);
    let fyy = -x * x * y * y * s + 4.0 * x * y * c + 2.0 * (s + a0 * a1 * x);
    let hessian = [
        [fxx, fxy, a1 * y * y, a0 * y * y],
        [fxy, fyy, 2.0 * a1 * x * y, 2.0 * a0 * x * y],
        [a1 * y * y, 2.0 * a1 * x * y, 0.0, x * y * y],
        [a0 * y * y, 2.0 * a0 * x * y, x * y * y, 0.0],
    ];
    let v = [0.5, -1.0, 2.0, 0.25];
    let output = cli(&["hvp", file, "--fn", "q", "--args", &args, "--vector", &format!("[{}, {}, [{}, {}], null]", v[0], v[1], v[2], v[3])]);
    let hv: Vec<f64> = (0..4).map(|i| (0..4).map(|j| hessian[i][j] * v[j]).sum()).collect();
    let got = &output["hvp"];
    assert!(got[3].is_null() && output["gradients"][3].is_null(), "an index argument has null entries: {output}");
    assert_eq!(got[2].as_array().map(Vec::len), Some(2), "the array's H·v is an array: {output}");
    let numbers = [&got[0], &got[1], &got[2][0], &got[2][1]].map(|n| n.as_f64().expect("a number"));
    for (i, (&got, &expected)) in numbers.iter().zip(&hv).enumerate() {
        assert_close(got, expected, 1e-12, &format!("zad hvp component {i}"));
    }
    let fx = (y * c + a0 * a1) * y * y;
    assert_close(output["gradients"][0].as_f64().expect("a number"), fx, 1e-12, "the gradient in zad hvp's output");
    assert_close(output["results"][0].as_f64().expect("a number"), (s + a0 * a1 * x) * y * y, 1e-12, "the result");

    let output = cli(&["hessian", file, "--fn", "q", "--args", &args]);
    let rows = output["hessian"].as_array().expect("rows");
    assert_eq!(rows.len(), 4, "{output}");
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_array().expect("a row");
        assert_eq!(row.len(), 4, "{output}");
        for (j, value) in row.iter().enumerate() {
            assert_close(value.as_f64().expect("a number"), hessian[i][j], 1e-12, &format!("H[{i}][{j}]"));
        }
    }

    // A direction for a const argument, or a missing one, is an error that says which.
    let (ok, _, stderr) = run(Command::new(zad_cli()).args(["hvp", file, "--fn", "q", "--args", &args, "--vector", "[1, 0, [0, 0], 3]"]));
    assert!(!ok && stderr.contains("entry 4") && stderr.contains("null"), "{stderr}");
    let (ok, _, stderr) = run(Command::new(zad_cli()).args(["hvp", file, "--fn", "q", "--args", &args, "--vector", "[null, 0, [0, 0], null]"]));
    assert!(!ok && stderr.contains("entry 1") && stderr.contains("a number"), "{stderr}");
    let _ = std::fs::remove_file(&path);
}

/// A gradient whose time loop is checkpointed runs under a schedule in
/// zad's run time: its HVP is refused with the reason, not miscomputed.
#[test]
fn hvp_of_a_checkpointed_time_loop_is_refused() {
    let context = Context::new().expect("a context");
    let path = root().join("tests/gradients/globals_state_checkpointed.mlir");
    let module = Module::load(&context, &path).expect("loads");
    let text = std::fs::read_to_string(&path).expect("reads");
    let spec = parse_spec(&text, "//").expect("a spec");
    let activity = module.default_activity(&spec.function).expect("activity");
    let error = module.hvp(&spec.function, &activity).err().expect("refused");
    let message = error.to_string();
    assert!(matches!(error, Error::Unsupported(_)), "{message}");
    assert!(message.contains("globals_state_checkpointed.mlir:") && message.contains("checkpointed"), "{message}");
    assert!(!message.contains("__zad_"), "generated names are in user terms: {message}");
}
