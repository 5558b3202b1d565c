//! Derivatives of parallel loops on threads (issue 15): the gradients of
//! the parallel kernels of `tests/gradients/` (`parallel_*.mlir`, checked
//! against finite differences by the `gradients` suite) computed on 2 and
//! 3 threads equal those computed on 1 thread up to reassociation, at the
//! files' shapes and at larger ones, call after call (a race in the
//! reverse sweep shows as a gradient that differs from run to run); and
//! the adjoint and tangent of a parallel kernel are parallel loops.
//!
//! Bounds checks are off here: a parallel loop holding a check runs on the
//! calling thread (see README, "Parallel loops: threads and GPUs").

use crate::gradients::{ArgValue, GRADIENT_DIR, Generator, close, draw, parse_spec, push, seed_of};
use crate::support::{assert_no_failures, files_in, selected};
use rand::{SeedableRng, rngs::StdRng};
use zad::{Activity, Args, Context, Module};

/// Calls of each gradient per thread count, at the files' shapes and the
/// larger ones, and at the largest.
const REPEATS: usize = 25;
const RACE_REPEATS: usize = 4;
/// Sums reassociated by threads differ by rounding only.
const REASSOCIATION_TOLERANCE: f64 = 1e-10;
/// A larger shape multiplies every array dimension by this.
const SCALE: usize = 12;
/// The largest shape gives the largest array about this many elements:
/// enough work per call that threads overlap even on a busy machine, so
/// that a race would show (with plain instead of atomic additions, the
/// broadcast kernel loses updates at this size).
const RACE_ELEMENTS: usize = 1_000_000;

fn context(threads: usize) -> Context {
    let context = Context::new().expect("zad context");
    context.set_threads(threads).expect("thread count");
    context.set_check_bounds(false);
    context
}

fn parallel_kernels() -> Vec<(String, String)> {
    let files: Vec<_> = files_in(GRADIENT_DIR, "mlir")
        .into_iter()
        .filter(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("parallel_")))
        .collect();
    assert!(files.len() >= 8, "expected the parallel gradient kernels in {GRADIENT_DIR}, found {}", files.len());
    files
        .into_iter()
        .filter(|path| selected(path))
        .map(|path| (crate::gradients::file_name(&path), std::fs::read_to_string(&path).expect("readable kernel")))
        .collect()
}

/// The result and every gradient component (scalars', then arrays' in
/// argument order) of one call of the gradient of the kernel.
fn gradient(module: &Module, function: &str, activity: &[Activity], point: &[ArgValue]) -> Result<Vec<f64>, String> {
    let signature = module.signature(function).map_err(|error| error.to_string())?;
    let compiled = module.gradient(function, activity).map_err(|error| error.to_string())?;
    let mut values = point.to_vec();
    let mut shadows: Vec<ArgValue> = point.iter().map(ArgValue::zeroed).collect();
    let mut numbers = Vec::new();
    {
        let mut args = Args::new();
        for (((value, shadow), &kind), ty) in values.iter_mut().zip(shadows.iter_mut()).zip(activity).zip(&signature.inputs) {
            push(&mut args, value, ty).map_err(|error| error.to_string())?;
            if kind == Activity::Dup {
                push(&mut args, shadow, ty).map_err(|error| error.to_string())?;
            }
        }
        compiled.call(&mut args).map_err(|error| error.to_string())?;
        for value in args.results() {
            match value {
                zad::Value::F64(x) => numbers.push(*x),
                zad::Value::F32(x) => numbers.push(*x as f64),
                other => return Err(format!("unexpected result {other:?}")),
            }
        }
    }
    for (shadow, &kind) in shadows.iter().zip(activity) {
        if kind == Activity::Dup {
            numbers.extend((0..shadow.len()).map(|k| shadow.get(k)));
        }
    }
    Ok(numbers)
}

/// The scale that gives the largest array of `text`'s kernel about
/// `RACE_ELEMENTS` elements.
fn race_scale(text: &str) -> usize {
    let spec = parse_spec(text, "//").expect("well-formed directives");
    let largest = spec
        .args
        .iter()
        .filter_map(|generator| match generator {
            Generator::Array { shape, .. } => Some((shape.iter().product::<usize>(), shape.len())),
            _ => None,
        })
        .max()
        .unwrap_or((1, 1));
    let (count, rank) = largest;
    ((RACE_ELEMENTS as f64 / count as f64).powf(1.0 / rank as f64).ceil() as usize).max(1)
}

/// The kernel's directives with every array dimension multiplied by
/// `scale`.
fn scaled(text: &str, scale: usize) -> crate::gradients::Spec {
    let mut spec = parse_spec(text, "//").expect("well-formed directives");
    for generator in &mut spec.args {
        if let Generator::Array { shape, .. } = generator {
            for size in shape.iter_mut() {
                *size *= scale;
            }
        }
    }
    spec
}

#[test]
fn parallel_gradients_on_threads_equal_the_serial_gradient() {
    let contexts: Vec<(usize, Context)> = [1, 2, 3].into_iter().map(|threads| (threads, context(threads))).collect();
    let mut failures = Vec::new();
    let mut calls = 0;
    for (name, text) in parallel_kernels() {
        for (scale, repeats) in [(1, REPEATS), (SCALE, REPEATS), (race_scale(&text), RACE_REPEATS)] {
            let spec = scaled(&text, scale);
            let modules: Vec<(usize, Module)> = contexts
                .iter()
                .map(|(threads, context)| (*threads, Module::parse(context, &text, &name).expect("a valid kernel")))
                .collect();
            let (_, serial_module) = &modules[0];
            let signature = serial_module.signature(&spec.function).expect("the GRAD function");
            let activity = match &spec.activity {
                Some(activity) => activity.clone(),
                None => serial_module.default_activity(&spec.function).expect("an activity"),
            };
            let mut rng = StdRng::seed_from_u64(seed_of(&name) ^ scale as u64);
            let point = draw(&spec, &signature.inputs, &mut rng);
            let serial = match gradient(serial_module, &spec.function, &activity, &point) {
                Ok(serial) => serial,
                Err(error) => {
                    failures.push(format!("{name} (scale {scale}), 1 thread: {error}"));
                    continue;
                }
            };
            'threads: for (threads, module) in &modules {
                for repeat in 0..repeats {
                    calls += 1;
                    let got = match gradient(module, &spec.function, &activity, &point) {
                        Ok(got) => got,
                        Err(error) => {
                            failures.push(format!("{name} (scale {scale}), {threads} threads: {error}"));
                            continue 'threads;
                        }
                    };
                    let differing = got.iter().zip(&serial).position(|(&g, &s)| !close(g, s, REASSOCIATION_TOLERANCE));
                    if got.len() != serial.len() || differing.is_some() {
                        let k = differing.unwrap_or(0);
                        failures.push(format!(
                            "{name} (scale {scale}), {threads} threads, call {repeat}: component {k} is {:?}, serially {:?}",
                            got.get(k),
                            serial.get(k)
                        ));
                        continue 'threads;
                    }
                }
            }
        }
    }
    assert_no_failures(&failures, "parallel gradient", &format!("{calls} calls"));
}

/// The number of `scf.parallel` loops in `text`.
fn parallel_loops(text: &str) -> usize {
    text.matches("scf.parallel").count()
}

#[test]
fn adjoints_and_tangents_of_parallel_kernels_are_parallel_loops() {
    let context = context(2);
    // Kernels whose every parallel loop is differentiated as one: the
    // adjoint holds the forward sweep's copy of each and its reverse, and
    // one more parallel loop per stencil input whose adjoint is gathered.
    let gather_loops = |adjoint: &str| adjoint.lines().filter(|line| line.trim_start().starts_with("scf.if")).count();
    // How neighbours' adjoints are added: gathered after the loop (reads
    // at constant offsets), atomically (other reads of neighbours), or
    // not at all (each iteration reads its own element).
    #[derive(PartialEq, Debug)]
    enum Neighbours {
        Gathered(usize),
        Atomic,
        None,
    }
    let fully_parallel = [
        ("parallel_stencil_time_loop.mlir", "heat_parallel", Neighbours::Gathered(1)),
        ("parallel_heat_2d_time_loop.mlir", "heat_2d", Neighbours::Gathered(1)),
        ("parallel_gather_neighbours.mlir", "gather", Neighbours::Atomic),
        ("parallel_shared_coefficient.mlir", "shared_coefficient", Neighbours::None),
    ];
    let mut failures = Vec::new();
    for (file, function, neighbours) in fully_parallel {
        let path = std::path::Path::new(GRADIENT_DIR).join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let module = Module::parse(&context, &text, file).expect("a valid kernel");
        let activity = module.default_activity(function).expect("an activity");
        let primal_loops = parallel_loops(&text);
        let adjoint = module.adjoint_text(function, &activity).expect("an adjoint");
        let gathers = match neighbours {
            Neighbours::Gathered(count) => count,
            _ => 0,
        };
        // (Sweeps over whole shadows, zeroing them or adding a copy's
        // adjoint, are parallel loops too in a kernel that has them.)
        if parallel_loops(&adjoint) < 2 * primal_loops + gathers {
            failures.push(format!(
                "{file}: the adjoint has {} scf.parallel loops, expected at least {} (forward and reverse of {primal_loops}, {gathers} gathers):\n{adjoint}",
                parallel_loops(&adjoint),
                2 * primal_loops + gathers
            ));
        }
        if gather_loops(&adjoint) != gathers {
            failures.push(format!("{file}: {} gathers (scf.if around a parallel loop), expected {gathers}:\n{adjoint}", gather_loops(&adjoint)));
        }
        let atomic = adjoint.contains("memref.atomic_rmw addf");
        if atomic != (neighbours == Neighbours::Atomic) {
            failures.push(format!("{file}: {neighbours:?} expected, atomic additions found: {atomic}"));
        }
        let tangent_activity: Vec<Activity> =
            activity.iter().map(|&kind| if kind == Activity::Active { Activity::Dup } else { kind }).collect();
        let tangent = module.tangent_text(function, &tangent_activity, 1).expect("a tangent");
        if parallel_loops(&tangent) != primal_loops {
            failures.push(format!("{file}: the tangent has {} scf.parallel loops, expected {primal_loops}", parallel_loops(&tangent)));
        }
    }
    // The adjoint of a loop summing values from outside it (the
    // coefficient) sums each iteration's contribution in a reduction.
    let path = std::path::Path::new(GRADIENT_DIR).join("parallel_shared_coefficient.mlir");
    let text = std::fs::read_to_string(&path).expect("readable");
    let module = Module::parse(&context, &text, "parallel_shared_coefficient.mlir").expect("a valid kernel");
    let activity = module.default_activity("shared_coefficient").expect("an activity");
    let adjoint = module.adjoint_text("shared_coefficient", &activity).expect("an adjoint");
    if !adjoint.contains("-> (f64, f64, f64)") {
        failures.push(format!("parallel_shared_coefficient.mlir: no reverse loop reducing the three outer adjoints:\n{adjoint}"));
    }
    assert_no_failures(&failures, "parallel adjoint", "4 kernels");
}

#[test]
fn the_cli_emits_a_parallel_adjoint() {
    let output = std::process::Command::new(crate::support::zad_cli())
        .args(["emit", "tests/gradients/parallel_gather_neighbours.mlir", "--stage", "adjoint", "--fn", "gather"])
        .current_dir(crate::support::root())
        .output()
        .expect("zad runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(parallel_loops(&text) >= 4, "the forward and reverse loops of two: {text}");
    // With --fn, the ptx stage shows the gradient's GPU kernels.
    let output = std::process::Command::new(crate::support::zad_cli())
        .args(["emit", "tests/gradients/parallel_gather_neighbours.mlir", "--stage", "ptx", "--fn", "gather", "--target", "cuda:sm_80"])
        .current_dir(crate::support::root())
        .output()
        .expect("zad runs");
    let ptx = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(ptx.matches(".visible .entry __zad_grad_gather").count() >= 4, "{ptx}");
}

fn cuda_context() -> Context {
    let context = context(1);
    context.set_target("cuda:sm_80".parse().expect("target"));
    context
}

/// The activity the kernel's directives give, else the default one.
fn activity_of(module: &Module, spec: &crate::gradients::Spec) -> Vec<Activity> {
    match &spec.activity {
        Some(activity) => activity.clone(),
        None => module.default_activity(&spec.function).expect("an activity"),
    }
}

/// For the CUDA target the gradient's parallel loops (the forward sweep's
/// and their reverses) are GPU kernels: the gradient's PTX has one entry
/// per top-level parallel loop of its adjoint, atomic additions where
/// iterations share an adjoint, and no call of NVIDIA's libdevice (zad
/// compiles without it). Gradients whose loops run in sequence have none.
#[test]
fn gradients_of_parallel_kernels_compile_to_gpu_kernels() {
    let context = cuda_context();
    let mut failures = Vec::new();
    let mut on_gpu = 0;
    for (name, text) in parallel_kernels() {
        let spec = parse_spec(&text, "//").expect("well-formed directives");
        let module = Module::parse(&context, &text, &name).expect("a valid kernel");
        let activity = activity_of(&module, &spec);
        let adjoint = module.adjoint_text(&spec.function, &activity).expect("an adjoint");
        let ptx = module.gradient_emit(&spec.function, &activity, &Default::default(), zad::Stage::Ptx);
        if parallel_loops(&adjoint) == 0 {
            if ptx.is_ok() {
                failures.push(format!("{name}: PTX for a gradient without parallel loops"));
            }
            continue;
        }
        on_gpu += 1;
        let ptx = match ptx {
            Ok(ptx) => ptx,
            Err(error) => {
                failures.push(format!("{name}: {error}"));
                continue;
            }
        };
        let entries = ptx.matches(".visible .entry __zad_grad_").count();
        let top_level = adjoint.lines().filter(|line| line.trim_start().contains("scf.parallel")).filter(|line| !nested(&adjoint, line)).count();
        if entries != top_level || entries < 2 {
            failures.push(format!("{name}: {entries} GPU kernels in the gradient's PTX, expected {top_level}"));
        }
        if adjoint.contains("memref.atomic_rmw addf") && !ptx.contains("atom.global.add.f") {
            failures.push(format!("{name}: the adjoint's atomic additions are not atomic in the PTX"));
        }
        if ptx.contains(".extern .func") {
            failures.push(format!("{name}: the gradient's PTX calls external (libdevice) functions"));
        }
    }
    assert!(on_gpu >= 6, "only {on_gpu} gradients had parallel loops");
    assert_no_failures(&failures, "GPU gradient", &format!("{on_gpu} gradients with GPU kernels"));
}

/// Whether the `scf.parallel` on `line` of `text` is inside another one
/// (by indentation: the adjoint text is printed nested).
fn nested(text: &str, line: &str) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let position = text.lines().position(|candidate| std::ptr::eq(candidate, line)).expect("a line of text");
    let own = indent(line);
    let mut depth = own;
    for before in text.lines().take(position).collect::<Vec<_>>().into_iter().rev() {
        let level = indent(before);
        if level < depth && !before.trim().is_empty() {
            if before.contains("scf.parallel") {
                return true;
            }
            if before.starts_with("func.func") {
                return false;
            }
            depth = level;
        }
    }
    false
}

/// Gradients computed on the GPU equal those computed on the CPU (up to the
/// reassociation of atomic sums and the last bits of math functions),
/// where there is a GPU; otherwise the CUDA target's clear error.
#[test]
fn gradients_on_the_gpu_equal_the_cpu_gradients_or_there_is_no_driver() {
    let cpu = context(1);
    let gpu = cuda_context();
    if zad::exec::cuda_device_chip().is_none() {
        let (name, text) = parallel_kernels().into_iter().next().expect("a kernel");
        let spec = parse_spec(&text, "//").expect("well-formed directives");
        let module = Module::parse(&gpu, &text, &name).expect("a valid kernel");
        match module.gradient(&spec.function, &activity_of(&module, &spec)) {
            Err(error @ zad::Error::Unsupported(_)) => assert!(error.to_string().starts_with("no CUDA driver"), "{error}"),
            other => panic!("expected the CUDA target's 'no CUDA driver', got {:?}", other.map(|_| "a compiled gradient")),
        }
        return;
    }
    eprintln!("a CUDA GPU is here: computing every parallel gradient on it");
    let mut failures = Vec::new();
    let mut calls = 0;
    for (name, text) in parallel_kernels() {
        for scale in [1, SCALE] {
            let spec = scaled(&text, scale);
            let cpu_module = Module::parse(&cpu, &text, &name).expect("a valid kernel");
            let gpu_module = Module::parse(&gpu, &text, &name).expect("a valid kernel");
            let signature = cpu_module.signature(&spec.function).expect("the GRAD function");
            let activity = activity_of(&cpu_module, &spec);
            let mut rng = StdRng::seed_from_u64(seed_of(&name) ^ scale as u64);
            let point = draw(&spec, &signature.inputs, &mut rng);
            let expected = gradient(&cpu_module, &spec.function, &activity, &point);
            let got = gradient(&gpu_module, &spec.function, &activity, &point);
            calls += 1;
            match (expected, got) {
                (Ok(expected), Ok(got)) => {
                    let differing = got.iter().zip(&expected).position(|(&g, &e)| !close(g, e, REASSOCIATION_TOLERANCE));
                    if got.len() != expected.len() || differing.is_some() {
                        let k = differing.unwrap_or(0);
                        failures.push(format!("{name} (scale {scale}): component {k} is {:?} on the GPU, {:?} on the CPU", got.get(k), expected.get(k)));
                    }
                }
                (expected, got) => failures.push(format!("{name} (scale {scale}): CPU {:?}, GPU {:?}", expected.err(), got.err())),
            }
        }
    }
    assert_no_failures(&failures, "GPU gradient", &format!("{calls} gradients"));
}

/// One random stencil kernel: a parallel loop over a box of a rank-`rank`
/// grid reading `x` at random constant offsets (in index order or, for
/// rank 2, transposed), writing its own element of `y`; the sum of squares
/// of `y`. `parallel` picks `scf.parallel` or the `scf.for` nest it
/// stands for.
struct RandomStencil {
    rank: usize,
    sizes: Vec<usize>,
    transposed: bool,
    offsets: Vec<Vec<i64>>,
    lows: Vec<i64>,
    highs: Vec<i64>,
}

impl RandomStencil {
    fn draw(rng: &mut StdRng) -> RandomStencil {
        use rand::Rng;
        let rank = rng.random_range(1..=3usize);
        let sizes: Vec<usize> = (0..rank).map(|_| rng.random_range(3..=9usize)).collect();
        let transposed = rank == 2 && rng.random_bool(0.5);
        let count = rng.random_range(1..=5usize);
        let offsets: Vec<Vec<i64>> = (0..count).map(|_| (0..rank).map(|_| rng.random_range(-2..=2i64)).collect()).collect();
        let (mut lows, mut highs) = (Vec::new(), Vec::new());
        for d in 0..rank {
            let below = offsets.iter().map(|offset| -offset[d]).max().unwrap_or(0).max(0);
            let above = offsets.iter().map(|offset| offset[d]).max().unwrap_or(0).max(0);
            // Sometimes a range narrower than the largest one, or empty.
            lows.push(below + rng.random_range(0..=1i64));
            highs.push(sizes[d] as i64 - above - rng.random_range(0..=1i64));
        }
        RandomStencil { rank, sizes, transposed, offsets, lows, highs }
    }

    fn text(&self, parallel: bool) -> String {
        let rank = self.rank;
        let memref = format!("memref<{}f64>", "?x".repeat(rank));
        let ivs: Vec<String> = (0..rank).map(|d| format!("%i{d}")).collect();
        let mut body = String::new();
        let mut terms = Vec::new();
        for (k, offset) in self.offsets.iter().enumerate() {
            let mut indices = Vec::new();
            for d in 0..rank {
                let c = offset[d];
                let name = format!("%o{k}_{d}");
                body.push_str(&match c.cmp(&0) {
                    std::cmp::Ordering::Equal => format!("      {name} = arith.addi {}, %c0 : index\n", ivs[d]),
                    std::cmp::Ordering::Greater => format!("      %k{k}_{d} = arith.constant {c} : index\n      {name} = arith.addi {}, %k{k}_{d} : index\n", ivs[d]),
                    std::cmp::Ordering::Less => format!("      %k{k}_{d} = arith.constant {} : index\n      {name} = arith.subi {}, %k{k}_{d} : index\n", -c, ivs[d]),
                });
                indices.push(name);
            }
            if self.transposed {
                indices.reverse();
            }
            body.push_str(&format!("      %l{k} = memref.load %x[{}] : {memref}\n", indices.join(", ")));
            // Nonlinear in each read, different per term.
            body.push_str(&format!("      %s{k} = math.sin %l{k} : f64\n      %t{k} = arith.mulf %s{k}, %l{k} : f64\n"));
            terms.push(format!("%t{k}"));
        }
        let mut sum = terms[0].clone();
        for (k, term) in terms.iter().enumerate().skip(1) {
            body.push_str(&format!("      %a{k} = arith.addf {sum}, {term} : f64\n"));
            sum = format!("%a{k}");
        }
        body.push_str(&format!("      memref.store {sum}, %y[{}] : {memref}\n", ivs.join(", ")));
        let bounds = |values: &[i64]| values.iter().map(|v| format!("%b{v}")).collect::<Vec<_>>();
        let mut constants: Vec<i64> = self.lows.iter().chain(&self.highs).copied().collect();
        constants.sort();
        constants.dedup();
        let mut text = format!("func.func @k(%x: {memref}, %w: {memref}) -> f64 {{\n  %c0 = arith.constant 0 : index\n  %c1 = arith.constant 1 : index\n  %zero = arith.constant 0.0 : f64\n");
        for v in &constants {
            text.push_str(&format!("  %b{v} = arith.constant {v} : index\n"));
        }
        let dims: Vec<String> = (0..rank).map(|d| format!("%n{d}")).collect();
        for d in 0..rank {
            text.push_str(&format!("  %dim{d} = arith.constant {d} : index\n  %n{d} = memref.dim %w, %dim{d} : {memref}\n"));
        }
        text.push_str(&format!("  %y = memref.alloc({}) : {memref}\n  memref.copy %w, %y : {memref} to {memref}\n", dims.join(", ")));
        let (lows, highs) = (bounds(&self.lows), bounds(&self.highs));
        if parallel {
            text.push_str(&format!(
                "  scf.parallel ({}) = ({}) to ({}) step ({}) {{\n{body}      scf.reduce\n  }}\n",
                ivs.join(", "),
                lows.join(", "),
                highs.join(", "),
                vec!["%c1"; rank].join(", ")
            ));
        } else {
            for d in 0..rank {
                text.push_str(&format!("  scf.for {} = {} to {} step %c1 {{\n", ivs[d], lows[d], highs[d]));
            }
            text.push_str(&body);
            text.push_str(&"  }\n".repeat(rank));
        }
        // The sum of squares of y, in sequence.
        let mut acc = "%zero".to_string();
        for d in 0..rank {
            text.push_str(&format!("  %r{d} = scf.for %j{d} = %c0 to {} step %c1 iter_args(%q{d} = {acc}) -> (f64) {{\n", dims[d]));
            acc = format!("%q{d}");
        }
        let js: Vec<String> = (0..rank).map(|d| format!("%j{d}")).collect();
        text.push_str(&format!("  %v = memref.load %y[{}] : {memref}\n  %vv = arith.mulf %v, %v : f64\n  %next = arith.addf {acc}, %vv : f64\n", js.join(", ")));
        let mut inner = "%next".to_string();
        for d in (0..rank).rev() {
            text.push_str(&format!("  scf.yield {inner} : f64\n  }}\n"));
            inner = format!("%r{d}");
        }
        text.push_str(&format!("  memref.dealloc %y : {memref}\n  return {inner} : f64\n}}\n"));
        text
    }

    fn x_shape(&self) -> Vec<usize> {
        if self.transposed { self.sizes.iter().rev().copied().collect() } else { self.sizes.clone() }
    }
}

/// Random stencils (rank 1 to 3, up to five reads at offsets -2..2, the
/// loop over all or part of the grid, sometimes empty, sometimes reading a
/// transposed array) differentiated as parallel loops (their adjoints
/// gathered) give the gradient of the same kernel written with `scf.for`
/// loops, which shares none of that code, on 1 and 2 threads.
#[test]
fn random_parallel_stencils_have_the_gradients_of_their_sequential_form() {
    let mut rng = StdRng::seed_from_u64(0x5eed_9a7e);
    let mut failures = Vec::new();
    let contexts = [context(1), context(2)];
    let kernels = 40;
    for kernel in 0..kernels {
        let stencil = RandomStencil::draw(&mut rng);
        let (parallel_text, sequential_text) = (stencil.text(true), stencil.text(false));
        let x_shape = stencil.x_shape();
        let x: Vec<f64> = (0..x_shape.iter().product::<usize>()).map(|k| ((k as f64) * 0.731).sin()).collect();
        let w: Vec<f64> = (0..stencil.sizes.iter().product::<usize>()).map(|k| ((k as f64) * 0.377).cos()).collect();
        let gradient_of = |context: &Context, text: &str| -> Result<Vec<f64>, String> {
            let module = Module::parse(context, text, "random_stencil.mlir").map_err(|error| error.to_string())?;
            let compiled = module.gradient("k", &[Activity::Dup, Activity::Dup]).map_err(|error| error.to_string())?;
            let (mut xs, mut ws) = (x.clone(), w.clone());
            let (mut xb, mut wb) = (vec![0.0; x.len()], vec![0.0; w.len()]);
            let x_dims: Vec<i64> = x_shape.iter().map(|&n| n as i64).collect();
            let w_dims: Vec<i64> = stencil.sizes.iter().map(|&n| n as i64).collect();
            let mut args = Args::new();
            args.push_slice_f64(&mut xs, &x_dims).map_err(|e| e.to_string())?;
            args.push_slice_f64(&mut xb, &x_dims).map_err(|e| e.to_string())?;
            args.push_slice_f64(&mut ws, &w_dims).map_err(|e| e.to_string())?;
            args.push_slice_f64(&mut wb, &w_dims).map_err(|e| e.to_string())?;
            compiled.call(&mut args).map_err(|error| error.to_string())?;
            drop(args);
            Ok(xb.into_iter().chain(wb).collect())
        };
        let expected = match gradient_of(&contexts[0], &sequential_text) {
            Ok(expected) => expected,
            Err(error) => {
                failures.push(format!("kernel {kernel} (sequential form): {error}\n{sequential_text}"));
                continue;
            }
        };
        for context in &contexts {
            match gradient_of(context, &parallel_text) {
                Err(error) => failures.push(format!("kernel {kernel}: {error}\n{parallel_text}")),
                Ok(got) => {
                    if let Some(k) = got.iter().zip(&expected).position(|(&g, &e)| !close(g, e, 1e-12)) {
                        failures.push(format!(
                            "kernel {kernel} ({} threads): component {k} is {}, sequentially {}\n{parallel_text}",
                            context.threads(),
                            got[k],
                            expected[k]
                        ));
                    }
                }
            }
        }
    }
    assert_no_failures(&failures, "random stencil", &format!("{kernels} kernels"));
}
