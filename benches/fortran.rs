//! `make bench`: Fortran routines zad converts from source, against the same
//! source compiled by gfortran -O2 (target: zad's primal within 1.2× of
//! gfortran's), and the gradient ÷ primal ratio of each.
//!
//! Each routine is compiled by gfortran into a shared library and called
//! from here (Fortran passes everything by reference), and loaded by zad
//! from the same file; both get the same arrays.

mod common;

use common::median;
use std::{
    ffi::{CString, c_void},
    hint::black_box,
    path::{Path, PathBuf},
    process::Command,
};
use zad::{Activity, Args, Context, FortranOptions, Module};

/// A routine compiled by gfortran -O2, loaded with dlopen.
struct Native {
    handle: *mut c_void,
}

impl Native {
    fn build(source: &Path, out: &Path) -> Native {
        let status = Command::new("gfortran")
            .args(["-O2", "-shared", "-fPIC", "-J"])
            .arg(out.parent().expect("a directory"))
            .arg(source)
            .arg("-o")
            .arg(out)
            .status()
            .expect("gfortran runs");
        assert!(status.success(), "gfortran failed on {}", source.display());
        let path = CString::new(out.to_str().expect("a UTF-8 path")).expect("no NUL");
        // SAFETY: dlopen of a library we just built; the handle lives as
        // long as the process.
        let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW) };
        assert!(!handle.is_null(), "dlopen {}", out.display());
        Native { handle }
    }

    fn symbol(&self, name: &str) -> *mut c_void {
        let name_c = CString::new(name).expect("no NUL");
        // SAFETY: a valid handle and NUL-terminated name.
        let address = unsafe { libc::dlsym(self.handle, name_c.as_ptr()) };
        assert!(!address.is_null(), "no symbol {name}");
        address
    }
}

/// Pushes a case's arguments: (list, arrays, shapes, shadows).
type PushArgs = for<'a> fn(&mut Args<'a>, &mut Arrays<'a>, &[Vec<i64>], Option<&mut Arrays<'a>>);
type Arrays<'a> = std::slice::IterMut<'a, Vec<f64>>;

/// One routine: where it is, its arguments, and how to call it natively.
struct Case {
    label: &'static str,
    file: &'static str,
    function: &'static str,
    activity: Vec<Activity>,
    /// The arrays (column-major) and their shapes, in argument order.
    arrays: Vec<(Vec<f64>, Vec<i64>)>,
    /// Pushes the arguments for zad, the arrays in order from `arrays`
    /// (with their shadows when given).
    push: PushArgs,
    /// Calls the gfortran-compiled routine on the arrays.
    native: fn(&Native, &mut [Vec<f64>]) -> f64,
}

fn field(n: usize, m: usize, seed: f64) -> Vec<f64> {
    (0..n * m)
        .map(|k| {
            let (i, j) = ((k % n) as f64 / n as f64, (k / n) as f64 / m as f64);
            (-((i - 0.5).powi(2) + (j - 0.5 + 0.1 * seed).powi(2)) * 20.0).exp()
        })
        .collect()
}

fn cases() -> Vec<Case> {
    const HEAT_N: i32 = 100;
    const HEAT_STEPS: i32 = 1000;
    const BURGERS_N: i32 = 4000;
    const BURGERS_STEPS: i32 = 400;
    const CUBE: i32 = 48;
    let n = HEAT_N as usize;
    vec![
        Case {
            label: "2-D heat, 100x100, 10^3 steps (heat2d_kernel.f90)",
            file: "examples-fortran/heat2d_kernel.f90",
            function: "heat_misfit",
            activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const, Activity::Const, Activity::Const, Activity::Const],
            arrays: vec![(field(n, n, 0.0), vec![n as i64, n as i64]), (field(n, n, 0.5), vec![n as i64, n as i64])],
            push: |args, arrays, shapes, mut shadows| {
                args.push_fortran_slice_f64(arrays.next().unwrap(), &shapes[0]).unwrap();
                if let Some(shadows) = shadows.as_mut() {
                    args.push_fortran_slice_f64(shadows.next().unwrap(), &shapes[0]).unwrap();
                }
                args.push_f64(0.8);
                args.push_fortran_slice_f64(arrays.next().unwrap(), &shapes[1]).unwrap();
                args.push_f64(2e-6).push_f64(1.0 / 99.0).push_i32(HEAT_N).push_i32(HEAT_STEPS);
            },
            native: |library, arrays| {
                type Misfit = extern "C" fn(*const f64, *const f64, *const f64, *const f64, *const f64, *const i32, *const i32) -> f64;
                // SAFETY: the gfortran symbol of heat2d::heat_misfit, whose
                // arguments are all by reference.
                let f: Misfit = unsafe { std::mem::transmute(library.symbol("__heat2d_MOD_heat_misfit")) };
                f(arrays[0].as_ptr(), &0.8, arrays[1].as_ptr(), &2e-6, &(1.0 / 99.0), &HEAT_N, &HEAT_STEPS)
            },
        },
        Case {
            label: "Burgers, 4000 points, 400 steps, upwind branches (burgers_misfit.f90)",
            file: "tests/fortran/burgers_misfit.f90",
            function: "burgers_misfit",
            activity: vec![Activity::Dup, Activity::Const, Activity::Const, Activity::Active, Activity::Active, Activity::Const],
            arrays: vec![
                ((0..BURGERS_N).map(|i| 0.5 + 0.4 * (i as f64 * 0.01).sin()).collect(), vec![BURGERS_N as i64]),
                ((0..BURGERS_N).map(|i| 0.5 + 0.3 * (i as f64 * 0.012).sin()).collect(), vec![BURGERS_N as i64]),
            ],
            push: |args, arrays, shapes, mut shadows| {
                args.push_fortran_slice_f64(arrays.next().unwrap(), &shapes[0]).unwrap();
                if let Some(shadows) = shadows.as_mut() {
                    args.push_fortran_slice_f64(shadows.next().unwrap(), &shapes[0]).unwrap();
                }
                args.push_i32(BURGERS_N).push_i32(BURGERS_STEPS).push_f64(0.2).push_f64(0.01);
                args.push_fortran_slice_f64(arrays.next().unwrap(), &shapes[1]).unwrap();
            },
            native: |library, arrays| {
                type Misfit = extern "C" fn(*const f64, *const i32, *const i32, *const f64, *const f64, *const f64) -> f64;
                // SAFETY: the gfortran symbol of solver::burgers_misfit.
                let f: Misfit = unsafe { std::mem::transmute(library.symbol("__solver_MOD_burgers_misfit")) };
                f(arrays[0].as_ptr(), &BURGERS_N, &BURGERS_STEPS, &0.2, &0.01, arrays[1].as_ptr())
            },
        },
        Case {
            label: "3-D diffusion, 48^3, 10 steps, allocatable work array (stencil3d.f90)",
            file: "tests/fortran/stencil3d.f90",
            function: "diffuse3d",
            activity: vec![Activity::Dup, Activity::Const, Activity::Const, Activity::Const, Activity::Active, Activity::Const],
            arrays: vec![(
                (0..(CUBE * CUBE * CUBE) as usize).map(|k| ((k % 97) as f64 * 0.37).sin()).collect(),
                vec![CUBE as i64; 3],
            )],
            push: |args, arrays, shapes, mut shadows| {
                args.push_fortran_slice_f64(arrays.next().unwrap(), &shapes[0]).unwrap();
                if let Some(shadows) = shadows.as_mut() {
                    args.push_fortran_slice_f64(shadows.next().unwrap(), &shapes[0]).unwrap();
                }
                args.push_i32(CUBE).push_i32(CUBE).push_i32(CUBE).push_f64(0.1).push_i32(10);
            },
            native: |library, arrays| {
                type Diffuse = extern "C" fn(*mut f64, *const i32, *const i32, *const i32, *const f64, *const i32);
                // SAFETY: the gfortran symbol of the external diffuse3d.
                let f: Diffuse = unsafe { std::mem::transmute(library.symbol("diffuse3d_")) };
                f(arrays[0].as_mut_ptr(), &CUBE, &CUBE, &CUBE, &0.1, &10);
                0.0
            },
        },
    ]
}

fn report(case: &Case, root: &Path, out: &Path, context: &Context) {
    let source = root.join(case.file);
    let library = Native::build(&source, &out.join(format!("{}.so", case.function)));
    // Fully taped gradients (the flagship's time loop is marked for
    // checkpointing, which `make bench`'s checkpointing section measures).
    let options = FortranOptions::parse("-fno-zad-directives").expect("options");
    let module = Module::load_fortran(context, &source, &options).expect("converts");
    let primal = module.function(case.function).expect("primal compiles");
    let gradient = module.gradient(case.function, &case.activity).expect("gradient compiles");
    let shapes: Vec<Vec<i64>> = case.arrays.iter().map(|(_, shape)| shape.clone()).collect();
    let fresh = || -> Vec<Vec<f64>> { case.arrays.iter().map(|(data, _)| data.clone()).collect() };

    // The same answer first (to rounding).
    let mut arrays = fresh();
    let native_value = (case.native)(&library, &mut arrays);
    let native_arrays = arrays;
    let mut arrays = fresh();
    let zad_value = {
        let mut args = Args::new();
        let mut iter = arrays.iter_mut();
        (case.push)(&mut args, &mut iter, &shapes, None);
        primal.call(&mut args).expect("primal runs");
        args.results().first().and_then(|v| v.as_f64()).unwrap_or_default()
    };
    let agree = (zad_value - native_value).abs() <= 1e-10 * native_value.abs().max(1.0)
        && arrays.iter().zip(&native_arrays).all(|(a, b)| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-10 * y.abs().max(1.0)));
    assert!(agree, "{}: zad and gfortran disagree ({zad_value} vs {native_value})", case.label);

    let runs = 7;
    let native_time = median(runs, || {
        let mut arrays = fresh();
        black_box((case.native)(&library, &mut arrays));
    });
    let primal_time = median(runs, || {
        let mut arrays = fresh();
        let mut args = Args::new();
        let mut iter = arrays.iter_mut();
        (case.push)(&mut args, &mut iter, &shapes, None);
        primal.call(&mut args).expect("primal runs");
        black_box(args.results());
    });
    let gradient_time = median(runs, || {
        let mut arrays = fresh();
        let mut shadows: Vec<Vec<f64>> = arrays.iter().map(|a| vec![0.0; a.len()]).collect();
        let mut args = Args::new();
        let mut iter = arrays.iter_mut();
        let mut shadow_iter = shadows.iter_mut();
        (case.push)(&mut args, &mut iter, &shapes, Some(&mut shadow_iter));
        gradient.call(&mut args).expect("gradient runs");
        black_box(args.results());
    });
    // Copying the inputs is part of every timed run (both sides); it is
    // small next to the work.
    println!(
        "  {:<72} gfortran {:>8.2} ms  zad {:>8.2} ms  ({:.2}x)  gradient {:>8.2} ms  ({:.1}x primal)",
        case.label,
        native_time * 1e3,
        primal_time * 1e3,
        primal_time / native_time,
        gradient_time * 1e3,
        gradient_time / primal_time
    );
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/bench-fortran");
    std::fs::create_dir_all(&out).expect("target/bench-fortran");
    let context = Context::new().expect("zad context");
    println!("Fortran routines converted by zad vs gfortran -O2 (median of 7; target: zad within 1.2x):");
    for case in cases() {
        report(&case, &root, &out, &context);
    }
}
