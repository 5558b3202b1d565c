//! `zad gradbench`, a tool for GradBench (github.com/gradbench/gradbench):
//! one JSON message per line on stdin, one JSON response per message on
//! stdout, carrying the message's "id".
//!
//! - The protocol: "start" is answered with the tool's name, "define" with
//!   success and a "compile" timing for the modules hello, lse, llsq, ode, gmm,
//!   lstm, det, kmeans, particle, saddle, ba and ht (and an error naming any other), "evaluate" with the output and
//!   one "evaluate" timing per run, every other kind with just the id.
//!   Errors in a message (undefined module, unknown function, bad input) are
//!   answered with `"success": false` and an "error", and the session goes
//!   on; a line that is not a message (not JSON, or no numeric id) ends it
//!   with a non-zero status and a message on stderr; end of input ends it
//!   with status 0. Each response is written before the next line is read.
//! - The math: for each eval, at seeded random sizes and points, the value
//!   function (primal or objective) must match a reference written here from
//!   the GradBench specifications (relative tolerance 1e-10) and the gradient
//!   function must match central finite differences of that reference
//!   (relative 1e-6); kmeans' Newton direction is the central-difference
//!   gradient over the second differences (the Hessian's diagonal); ht's
//!   Jacobian is the central differences of each residual. Outputs must be JSON numbers in the specified shape.
//! - Repetition: at least `min_runs` runs and at least `min_seconds` of
//!   measured time, each run reported as a timing; one run by default; the
//!   output of a repeated gradient is the gradient (runs do not accumulate).

use crate::support::{assert_close, zad_cli};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use std::{
    f64::consts::PI,
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// How closely a primal or objective value must match the reference (the
/// same arithmetic, possibly summed in another order).
const VALUE_TOLERANCE: f64 = 1e-10;
/// How closely a gradient must match the central differences of the
/// reference, whose own error stays below 1e-8 with this step.
const GRADIENT_TOLERANCE: f64 = 1e-6;
const DIFFERENCE_STEP: f64 = 1e-5;
/// Random points per eval, each with its own sizes.
const RANDOM_CASES: usize = 4;
/// How long the interactive test waits for one response (a define compiles).
const RESPONSE_WAIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------
// Driving the tool

/// What one `zad gradbench` process did with its whole input.
struct Session {
    exited_ok: bool,
    responses: Vec<Value>,
    stderr: String,
}

/// Runs `zad gradbench` on `lines` (then end of input). The input is written
/// from another thread, so that a tool answering as it reads cannot block on
/// a full stdout pipe.
fn session_with_lines(lines: &[String]) -> Session {
    session_with_flags(&[], lines)
}

/// As `session_with_lines`, with command-line flags after `gradbench`.
fn session_with_flags(flags: &[&str], lines: &[String]) -> Session {
    let mut child = Command::new(zad_cli())
        .arg("gradbench")
        .args(flags)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run zad gradbench: {error}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input: String = lines.iter().map(|line| format!("{line}\n")).collect();
    // A tool that stops at a bad line closes its end early, so a failed write
    // is expected there; the exit status tells what happened.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("wait for zad gradbench");
    writer.join().expect("stdin writer");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let responses = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("response is not JSON ({error}): {line}")))
        .collect();
    Session {
        exited_ok: output.status.success(),
        responses,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs a session on `messages` that must end well, with exactly one
/// response per message, in order, each with its message's id.
fn answered(messages: &[Value]) -> Vec<Value> {
    let lines: Vec<String> = messages.iter().map(Value::to_string).collect();
    let session = session_with_lines(&lines);
    assert!(session.exited_ok, "zad gradbench failed: {}", session.stderr);
    assert_eq!(
        session.responses.len(),
        messages.len(),
        "one response per message expected; got {:?} (stderr: {})",
        session.responses,
        session.stderr
    );
    for (message, response) in messages.iter().zip(&session.responses) {
        assert_eq!(response["id"], message["id"], "response {response} to {message}");
    }
    session.responses
}

fn start(id: u64) -> Value {
    json!({"id": id, "kind": "start", "eval": "zad-tests"})
}

fn define(id: u64, module: &str) -> Value {
    json!({"id": id, "kind": "define", "module": module})
}

fn evaluate(id: u64, module: &str, function: &str, input: Value) -> Value {
    json!({"id": id, "kind": "evaluate", "module": module, "function": function, "input": input})
}

/// The nanoseconds of the timings named `name`; every timing must have a
/// string name and a whole, non-negative number of nanoseconds (GradBench's
/// intermediary reads them as u128, and ids as i64).
fn timings_named(response: &Value, name: &str) -> Vec<u64> {
    let timings = response["timings"].as_array().unwrap_or_else(|| panic!("no \"timings\" list in {response}"));
    let mut found = Vec::new();
    for timing in timings {
        let nanoseconds = timing["nanoseconds"].as_u64();
        let (Some(timing_name), Some(nanoseconds)) = (timing["name"].as_str(), nanoseconds) else {
            panic!("a timing needs a \"name\" and whole \"nanoseconds\": {timing}");
        };
        if timing_name == name {
            found.push(nanoseconds);
        }
    }
    found
}

fn assert_defined(response: &Value, what: &str) {
    assert_eq!(response["success"], true, "{what}: {response}");
    assert!(!timings_named(response, "compile").is_empty(), "{what}: no \"compile\" timing in {response}");
}

/// Asserts an evaluate response succeeded, with at least one "evaluate"
/// timing, and returns its output.
fn assert_evaluated<'a>(response: &'a Value, what: &str) -> &'a Value {
    assert_eq!(response["success"], true, "{what}: {response}");
    assert!(!timings_named(response, "evaluate").is_empty(), "{what}: no \"evaluate\" timing in {response}");
    response.get("output").unwrap_or_else(|| panic!("{what}: no \"output\" in {response}"))
}

/// Asserts a response reports failure with an error that contains `text`.
fn assert_failed(response: &Value, text: &str, what: &str) {
    assert_eq!(response["success"], false, "{what}: {response}");
    let error = response["error"].as_str().unwrap_or_else(|| panic!("{what}: no \"error\" string in {response}"));
    assert!(!error.trim().is_empty() && error.contains(text), "{what}: error should mention '{text}': {response}");
}

/// Asserts `actual` has the shape of `expected` (same object keys, same
/// array lengths) and every number within `tolerance` of the expected one,
/// as `assert_close` measures it; `path` says where, in messages.
fn assert_json_close(actual: &Value, expected: &Value, tolerance: f64, path: &str) {
    match expected {
        Value::Number(number) => {
            let Some(actual) = actual.as_f64() else {
                panic!("{path}: expected a JSON number, got {actual}");
            };
            assert_close(actual, number.as_f64().expect("finite expected value"), tolerance, path);
        }
        Value::Array(items) => {
            let actual = actual.as_array().unwrap_or_else(|| panic!("{path}: expected an array, got {actual}"));
            assert_eq!(actual.len(), items.len(), "{path}: array length");
            for (index, (actual, expected)) in actual.iter().zip(items).enumerate() {
                assert_json_close(actual, expected, tolerance, &format!("{path}[{index}]"));
            }
        }
        Value::Object(fields) => {
            let actual = actual.as_object().unwrap_or_else(|| panic!("{path}: expected an object, got {actual}"));
            let mut actual_keys: Vec<&String> = actual.keys().collect();
            let mut expected_keys: Vec<&String> = fields.keys().collect();
            actual_keys.sort();
            expected_keys.sort();
            assert_eq!(actual_keys, expected_keys, "{path}: object keys");
            for (key, expected) in fields {
                assert_json_close(&actual[key], expected, tolerance, &format!("{path}.{key}"));
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}

/// One point at which an eval is checked: the input, and the reference's
/// value and central-difference gradient there, as JSON outputs.
struct Case {
    label: String,
    input: Value,
    value: Value,
    gradient: Value,
}

/// Evaluates every case's value and gradient function in one session (after
/// defining `module`) and compares them with the reference.
fn check_eval(module: &str, value_function: &str, gradient_function: &str, cases: &[Case]) {
    let mut messages = vec![start(0), define(1, module)];
    for case in cases {
        let id = messages.len() as u64;
        messages.push(evaluate(id, module, value_function, case.input.clone()));
        // Two runs: zad adds gradients into shadow buffers, so a tool that
        // does not clear them between runs would return twice the gradient.
        // (An input that is not an object, hello's number, cannot say so.)
        let mut repeated = case.input.clone();
        if let Some(input) = repeated.as_object_mut() {
            input.insert("min_runs".into(), json!(2));
        }
        messages.push(evaluate(id + 1, module, gradient_function, repeated));
    }
    let responses = answered(&messages);
    assert_defined(&responses[1], &format!("define {module}"));
    for (case, pair) in cases.iter().zip(responses[2..].chunks(2)) {
        let what = format!("{module} {value_function} at {}", case.label);
        assert_json_close(assert_evaluated(&pair[0], &what), &case.value, VALUE_TOLERANCE, &what);
        let what = format!("{module} {gradient_function} at {}", case.label);
        assert_json_close(assert_evaluated(&pair[1], &what), &case.gradient, GRADIENT_TOLERANCE, &what);
    }
}

// ---------------------------------------------------------------------------
// References, written from the GradBench specifications (evals/*/README.md;
// ADBench's lstm.hpp for the LSTM, which has no written definition)

/// The gradient of `f` at `x` by central differences.
fn central_difference(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let (mut above, mut below) = (x.to_vec(), x.to_vec());
            above[i] += DIFFERENCE_STEP;
            below[i] -= DIFFERENCE_STEP;
            (f(&above) - f(&below)) / (above[i] - below[i])
        })
        .collect()
}

/// ln sum exp(x), shifted by max(x) so that large x do not overflow.
fn lse(x: &[f64]) -> f64 {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + x.iter().map(|xi| (xi - max).exp()).sum::<f64>().ln()
}

/// Half the squared residual of fitting sign(t) at n points t_i evenly
/// spaced in [-1, 1] with the polynomial sum_j x_j t^j.
fn llsq(x: &[f64], n: usize) -> f64 {
    let residuals = (0..n).map(|i| {
        // Written as the specification writes it, so that the middle point
        // of an odd n is exactly 0 (whose sign is 0).
        let t = -1.0 + i as f64 * 2.0 / (n - 1) as f64;
        let sign = if t > 0.0 {
            1.0
        } else if t < 0.0 {
            -1.0
        } else {
            0.0
        };
        let fit: f64 = x.iter().enumerate().map(|(j, xj)| xj * t.powi(j as i32)).sum();
        sign - fit
    });
    0.5 * residuals.map(|r| r * r).sum::<f64>()
}

/// y(2) by s steps of classic Runge-Kutta from y(0) = 0, for y_0' = x_0 and
/// y_i' = x_i y_{i-1}.
fn ode(x: &[f64], s: usize) -> Vec<f64> {
    let slope = |y: &[f64]| -> Vec<f64> { (0..x.len()).map(|i| if i == 0 { x[0] } else { x[i] * y[i - 1] }).collect() };
    let step_from =
        |y: &[f64], h: f64, k: &[f64]| -> Vec<f64> { y.iter().zip(k).map(|(yi, ki)| yi + h * ki).collect() };
    let h = 2.0 / s as f64;
    let mut y = vec![0.0; x.len()];
    for _ in 0..s {
        let k1 = slope(&y);
        let k2 = slope(&step_from(&y, h / 2.0, &k1));
        let k3 = slope(&step_from(&y, h / 2.0, &k2));
        let k4 = slope(&step_from(&y, h, &k3));
        for i in 0..y.len() {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y
}

/// ln Gamma(a) for a positive multiple of 1/2 (all the GMM prior needs),
/// from Gamma(1) = 1, Gamma(1/2) = sqrt(pi) and Gamma(t + 1) = t Gamma(t).
fn ln_gamma_of_half_integer(a: f64) -> f64 {
    assert!(a > 0.0 && (2.0 * a).fract() == 0.0, "{a} is not a positive multiple of 1/2");
    let (mut t, mut value) = if a.fract() == 0.0 { (1.0, 0.0) } else { (0.5, 0.5 * PI.ln()) };
    while t < a {
        value += f64::ln(t);
        t += 1.0;
    }
    value
}

/// ln of the multivariate gamma function Gamma_p(a).
fn ln_multivariate_gamma(p: usize, a: f64) -> f64 {
    let p_f = p as f64;
    p_f * (p_f - 1.0) / 4.0 * PI.ln()
        + (1..=p).map(|j| ln_gamma_of_half_integer(a + (1.0 - j as f64) / 2.0)).sum::<f64>()
}

/// `count` rows of `width` from a row-major `flat`.
fn rows(flat: &[f64], count: usize, width: usize) -> Vec<Vec<f64>> {
    assert_eq!(flat.len(), count * width);
    (0..count).map(|row| flat[row * width..(row + 1) * width].to_vec()).collect()
}

fn uniform(rng: &mut StdRng, len: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..len).map(|_| rng.random_range(lo..hi)).collect()
}

fn random_rows(rng: &mut StdRng, count: usize, width: usize, lo: f64, hi: f64) -> Vec<Vec<f64>> {
    (0..count).map(|_| uniform(rng, width, lo, hi)).collect()
}

/// The determinant by expansion by minors along the first row, recursively,
/// as cmpad's det_by_minor defines it: `rows` and `columns` are the rows and
/// columns of the row-major `ell` x `ell` matrix `a` that the minor keeps.
fn det_by_minor(a: &[f64], ell: usize, rows: &[usize], columns: &[usize]) -> f64 {
    let Some((&top, below)) = rows.split_first() else {
        return 1.0;
    };
    let mut sum = 0.0;
    for (position, &column) in columns.iter().enumerate() {
        let rest: Vec<usize> = columns.iter().copied().filter(|&other| other != column).collect();
        let sign = if position % 2 == 0 { 1.0 } else { -1.0 };
        sum += sign * a[top * ell + column] * det_by_minor(a, ell, below, &rest);
    }
    sum
}

fn det(a: &[f64], ell: usize) -> f64 {
    let all: Vec<usize> = (0..ell).collect();
    det_by_minor(a, ell, &all, &all)
}

/// The k-means cost: for each point, the squared distance to its nearest
/// centroid, summed (GradBench's reference squares the distances).
fn kmeans_cost(points: &[Vec<f64>], centroids: &[f64], d: usize) -> f64 {
    points
        .iter()
        .map(|point| {
            centroids
                .chunks(d)
                .map(|centroid| centroid.iter().zip(point).map(|(c, p)| (c - p) * (c - p)).sum::<f64>())
                .fold(f64::INFINITY, f64::min)
        })
        .sum()
}

/// The diagonal of the Hessian of `f` at `x` by second central differences;
/// `step` is large, as it may be for the piecewise quadratic k-means cost
/// (exact on each piece, so only rounding, which shrinks as the step grows).
fn second_differences(f: impl Fn(&[f64]) -> f64, x: &[f64], step: f64) -> Vec<f64> {
    let at = f(x);
    (0..x.len())
        .map(|i| {
            let (mut above, mut below) = (x.to_vec(), x.to_vec());
            above[i] += step;
            below[i] -= step;
            (f(&above) - 2.0 * at + f(&below)) / (step * step)
        })
        .collect()
}

/// A GMM problem: the data and the independent variables, flattened as
/// alpha (k), mu (k x d), q (k x d), l (k x d(d-1)/2), each row-major: the
/// order in which the reference's gradient comes out too.
struct Gmm {
    d: usize,
    k: usize,
    m: usize,
    gamma: f64,
    x: Vec<Vec<f64>>,
    params: Vec<f64>,
}

impl Gmm {
    fn random(rng: &mut StdRng, d: usize, k: usize, n: usize) -> Gmm {
        let mut params = uniform(rng, k, -1.0, 1.0);
        params.extend(uniform(rng, k * d, -1.0, 1.0));
        params.extend(uniform(rng, k * d, -0.5, 0.5));
        params.extend(uniform(rng, k * d * (d - 1) / 2, -0.5, 0.5));
        let (m, gamma) = (rng.random_range(0..=3), rng.random_range(0.5..2.0));
        Gmm { d, k, m, gamma, x: random_rows(rng, n, d, -1.0, 1.0), params }
    }

    fn label(&self) -> String {
        format!("d={} k={} n={} m={}", self.d, self.k, self.x.len(), self.m)
    }

    /// alpha, mu, q and l of `flat`.
    fn split<'a>(&self, flat: &'a [f64]) -> [&'a [f64]; 4] {
        let (k, kd) = (self.k, self.k * self.d);
        assert_eq!(flat.len(), k + 2 * kd + kd * (self.d - 1) / 2);
        [&flat[..k], &flat[k..k + kd], &flat[k + kd..k + 2 * kd], &flat[k + 2 * kd..]]
    }

    /// `flat` as the protocol writes the independent variables, in the
    /// input and in the jacobian: alpha a list, the others one row per
    /// component.
    fn independent(&self, flat: &[f64]) -> Value {
        let [alpha, mu, q, l] = self.split(flat);
        let (d, k) = (self.d, self.k);
        json!({"alpha": alpha, "mu": rows(mu, k, d), "q": rows(q, k, d), "l": rows(l, k, d * (d - 1) / 2)})
    }

    fn input(&self) -> Value {
        let mut input = self.independent(&self.params);
        input["d"] = json!(self.d);
        input["k"] = json!(self.k);
        input["n"] = json!(self.x.len());
        input["m"] = json!(self.m);
        input["gamma"] = json!(self.gamma);
        input["x"] = json!(self.x);
        input
    }

    /// Q(q_c, l_c): exp(q_c) on the diagonal, l_c below it column by column.
    fn precision_factor(&self, q_c: &[f64], l_c: &[f64]) -> Vec<Vec<f64>> {
        let d = self.d;
        let mut factor = vec![vec![0.0; d]; d];
        for (j, q) in q_c.iter().enumerate() {
            factor[j][j] = q.exp();
        }
        let below_diagonal = (0..d).flat_map(|column| (column + 1..d).map(move |row| (row, column)));
        for ((row, column), l) in below_diagonal.zip(l_c) {
            factor[row][column] = *l;
        }
        factor
    }

    /// The log posterior, as evals/gmm/README.md's "Implementation" writes it.
    fn objective(&self, flat: &[f64]) -> f64 {
        let [alpha, mu, q, l] = self.split(flat);
        let (d, k, lower) = (self.d, self.k, self.d * (self.d - 1) / 2);
        let factors: Vec<Vec<Vec<f64>>> =
            (0..k).map(|c| self.precision_factor(&q[c * d..(c + 1) * d], &l[c * lower..(c + 1) * lower])).collect();
        let sum_q = |c: usize| q[c * d..(c + 1) * d].iter().sum::<f64>();
        let beta = |x_i: &[f64], c: usize| {
            let centred: Vec<f64> = (0..d).map(|j| x_i[j] - mu[c * d + j]).collect();
            let squared_norm: f64 =
                factors[c].iter().map(|row| row.iter().zip(&centred).map(|(a, b)| a * b).sum::<f64>().powi(2)).sum();
            alpha[c] - 0.5 * squared_norm + sum_q(c)
        };
        let n = self.x.len() as f64;
        let data: f64 = self.x.iter().map(|x_i| lse(&(0..k).map(|c| beta(x_i, c)).collect::<Vec<_>>())).sum();
        let log_likelihood = -n * (d as f64 / 2.0 * (2.0 * PI).ln() + lse(alpha)) + data;

        let wishart_n = (d + self.m + 1) as f64;
        let frobenius: f64 = factors.iter().flatten().flatten().map(|v| v * v).sum();
        let log_prior = k as f64
            * (wishart_n * d as f64 * (self.gamma / 2f64.sqrt()).ln() - ln_multivariate_gamma(d, wishart_n / 2.0))
            - self.gamma * self.gamma / 2.0 * frobenius
            + self.m as f64 * q.iter().sum::<f64>();
        log_likelihood + log_prior
    }

    fn case(&self) -> Case {
        let gradient = central_difference(|flat| self.objective(flat), &self.params);
        Case {
            label: self.label(),
            input: self.input(),
            value: json!(self.objective(&self.params)),
            gradient: self.independent(&gradient),
        }
    }
}

/// ADBench's LSTM (diagonal weights) with `layers` layers of width b over a
/// sequence of c vectors. `params` is main_params (per layer a row of
/// weights and a row of biases, each 4 blocks of b: forget, input gate,
/// output gate, change) then extra_params (input weight, output weight,
/// output bias), flattened row-major: the jacobian's order.
struct Lstm {
    layers: usize,
    b: usize,
    params: Vec<f64>,
    state: Vec<Vec<f64>>,
    sequence: Vec<Vec<f64>>,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Lstm {
    fn random(rng: &mut StdRng, layers: usize, b: usize, c: usize) -> Lstm {
        Lstm {
            layers,
            b,
            params: uniform(rng, 8 * b * layers + 3 * b, -1.0, 1.0),
            state: random_rows(rng, 2 * layers, b, -1.0, 1.0),
            sequence: random_rows(rng, c, b, -1.0, 1.0),
        }
    }

    fn input(&self) -> Value {
        let (main, extra) = self.params.split_at(8 * self.b * self.layers);
        json!({
            "main_params": rows(main, 2 * self.layers, 4 * self.b),
            "extra_params": rows(extra, 3, self.b),
            "state": self.state,
            "sequence": self.sequence,
        })
    }

    /// Minus the mean log-probability the model gives each next vector of
    /// the sequence (its "logsumexp" adds 2 to the sum of exponentials).
    fn objective(&self, params: &[f64]) -> f64 {
        let b = self.b;
        let (main, extra) = params.split_at(8 * b * self.layers);
        let (in_weight, out_weight, out_bias) = (&extra[..b], &extra[b..2 * b], &extra[2 * b..]);
        // Rows 2i and 2i+1 of the state are layer i's hidden and cell state,
        // updated in place from one step to the next.
        let mut hidden: Vec<Vec<f64>> = self.state.iter().step_by(2).cloned().collect();
        let mut cell: Vec<Vec<f64>> = self.state.iter().skip(1).step_by(2).cloned().collect();
        let mut total = 0.0;
        for (current, next) in self.sequence.iter().zip(&self.sequence[1..]) {
            let mut input: Vec<f64> = (0..b).map(|i| current[i] * in_weight[i]).collect();
            for layer in 0..self.layers {
                let weight = &main[8 * b * layer..8 * b * layer + 4 * b];
                let bias = &main[8 * b * layer + 4 * b..8 * b * (layer + 1)];
                for i in 0..b {
                    let h = hidden[layer][i];
                    let forget = sigmoid(input[i] * weight[i] + bias[i]);
                    let input_gate = sigmoid(h * weight[b + i] + bias[b + i]);
                    let output_gate = sigmoid(input[i] * weight[2 * b + i] + bias[2 * b + i]);
                    let change = (h * weight[3 * b + i] + bias[3 * b + i]).tanh();
                    cell[layer][i] = cell[layer][i] * forget + input_gate * change;
                    hidden[layer][i] = output_gate * cell[layer][i].tanh();
                }
                input = hidden[layer].clone();
            }
            let prediction: Vec<f64> = (0..b).map(|i| input[i] * out_weight[i] + out_bias[i]).collect();
            let normaliser = (prediction.iter().map(|p| p.exp()).sum::<f64>() + 2.0).ln();
            total += (0..b).map(|i| next[i] * (prediction[i] - normaliser)).sum::<f64>();
        }
        -total / ((self.sequence.len() - 1) * b) as f64
    }

    fn case(&self) -> Case {
        Case {
            label: format!("layers={} b={} c={}", self.layers, self.b, self.sequence.len()),
            input: self.input(),
            value: json!(self.objective(&self.params)),
            gradient: json!(central_difference(|params| self.objective(params), &self.params)),
        }
    }
}

// ---------------------------------------------------------------------------
// The evals

#[test]
fn hello_squares_and_doubles() {
    let mut rng = StdRng::seed_from_u64(10);
    let mut points = vec![0.0, -0.0, 1.0, -3.5];
    points.extend(uniform(&mut rng, RANDOM_CASES, -1e3, 1e3));
    let cases: Vec<Case> = points
        .iter()
        .map(|&x| Case {
            label: format!("x={x}"),
            input: json!(x),
            value: json!(x * x),
            gradient: json!(central_difference(|x| x[0] * x[0], &[x])[0]),
        })
        .collect();
    check_eval("hello", "square", "double", &cases);
}

#[test]
fn lse_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(11);
    // n = 1 first: the gradient is exactly [1].
    let mut points = vec![uniform(&mut rng, 1, -5.0, 5.0)];
    for _ in 1..RANDOM_CASES {
        let n = rng.random_range(2..=20);
        points.push(uniform(&mut rng, n, -5.0, 5.0));
    }
    // exp overflows beyond 709: only the max-shifted form stays finite here.
    points.push(uniform(&mut rng, 6, 700.0, 760.0));
    let cases: Vec<Case> = points
        .iter()
        .map(|x| Case {
            label: format!("x={x:?}"),
            input: json!({"x": x}),
            value: json!(lse(x)),
            gradient: json!(central_difference(lse, x)),
        })
        .collect();
    check_eval("lse", "primal", "gradient", &cases);
}

#[test]
fn llsq_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(12);
    let cases: Vec<Case> = (0..RANDOM_CASES)
        .map(|case| {
            // n = 99 first: its middle t is exactly 0 (sign 0) as the spec
            // writes it, -1 + (49 * 2) / 98, but -1.1e-16 (sign -1) as
            // -1 + 49 * (2 / 98).
            let n = if case == 0 { 99 } else { rng.random_range(2..=40) };
            let m = rng.random_range(1..=6);
            let x = uniform(&mut rng, m, -1.0, 1.0);
            Case {
                label: format!("n={n} x={x:?}"),
                input: json!({"x": x, "n": n}),
                value: json!(llsq(&x, n)),
                gradient: json!(central_difference(|x| llsq(x, n), &x)),
            }
        })
        .collect();
    check_eval("llsq", "primal", "gradient", &cases);
}

#[test]
fn ode_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(13);
    let cases: Vec<Case> = (0..RANDOM_CASES)
        .map(|case| {
            // n = 1 first: y is just 2 x_0, nothing couples.
            let n = if case == 0 { 1 } else { rng.random_range(2..=8) };
            let s = rng.random_range(1..=20);
            let x = uniform(&mut rng, n, -1.5, 1.5);
            Case {
                label: format!("s={s} x={x:?}"),
                input: json!({"x": x, "s": s}),
                value: json!(ode(&x, s)),
                gradient: json!(central_difference(|x| ode(x, s)[n - 1], &x)),
            }
        })
        .collect();
    check_eval("ode", "primal", "gradient", &cases);
}

#[test]
fn gmm_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(14);
    let cases: Vec<Case> = (0..RANDOM_CASES)
        .map(|case| {
            // d = 1 first: no l entries at all (rows are empty lists).
            let d = if case == 0 { 1 } else { rng.random_range(2..=5) };
            let (k, n) = (rng.random_range(1..=4), rng.random_range(1..=8));
            Gmm::random(&mut rng, d, k, n).case()
        })
        .collect();
    check_eval("gmm", "objective", "jacobian", &cases);
}

#[test]
fn lstm_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(15);
    let cases: Vec<Case> = (0..RANDOM_CASES)
        .map(|_| {
            let (layers, b, c) = (rng.random_range(1..=3), rng.random_range(1..=4), rng.random_range(2..=5));
            Lstm::random(&mut rng, layers, b, c).case()
        })
        .collect();
    check_eval("lstm", "objective", "jacobian", &cases);
}

#[test]
fn det_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(16);
    // ell = 1 first (det = a, gradient [1]), then every size up to 6.
    let cases: Vec<Case> = (1..=6)
        .map(|ell| {
            let a = uniform(&mut rng, ell * ell, -1.0, 1.0);
            Case {
                label: format!("ell={ell} A={a:?}"),
                input: json!({"A": a, "ell": ell}),
                value: json!(det(&a, ell)),
                gradient: json!(central_difference(|a| det(a, ell), &a)),
            }
        })
        .collect();
    check_eval("det", "primal", "gradient", &cases);
}

#[test]
fn det_of_a_singular_and_a_permutation_matrix() {
    // Rows 0 and 2 equal: det 0; its gradient is the cofactor matrix, not 0.
    let singular = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.0, 2.0, 3.0];
    // The permutation (0 2 1 3) -> odd: det -1.
    let permutation = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0];
    let cases = [(&singular[..], 3), (&permutation[..], 4)].map(|(a, ell)| Case {
        label: format!("ell={ell} A={a:?}"),
        input: json!({"A": a, "ell": ell}),
        value: json!(det(a, ell)),
        gradient: json!(central_difference(|a| det(a, ell), a)),
    });
    assert_eq!(cases[0].value, json!(0.0));
    assert_eq!(cases[1].value, json!(-1.0));
    check_eval("det", "primal", "gradient", &cases);
}

#[test]
fn kmeans_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(17);
    let cases: Vec<Case> = (0..RANDOM_CASES)
        .map(|case| {
            // k = 1 first: every point is the one centroid's.
            let k = if case == 0 { 1 } else { rng.random_range(2..=5) };
            let d = rng.random_range(1..=4);
            let n = k + rng.random_range(0..=12);
            let points = random_rows(&mut rng, n, d, 0.0, 1.0);
            // As GradBench does: the last k points are the centroids, so that
            // each has at least one point (its own) and H is invertible.
            let centroids: Vec<f64> = points[n - k..].concat();
            let cost = |c: &[f64]| kmeans_cost(&points, c, d);
            let gradient = central_difference(cost, &centroids);
            let hessian_diagonal = second_differences(cost, &centroids, 1e-3);
            let direction: Vec<f64> = gradient.iter().zip(&hessian_diagonal).map(|(g, h)| g / h).collect();
            Case {
                label: format!("k={k} d={d} points={points:?}"),
                input: json!({"points": points, "centroids": rows(&centroids, k, d)}),
                value: json!(cost(&centroids)),
                gradient: json!(rows(&direction, k, d)),
            }
        })
        .collect();
    check_eval("kmeans", "cost", "dir", &cases);
}

// ---------------------------------------------------------------------------
// The protocol

/// What the conversation test expects of one response.
enum Expect {
    /// The tool's name, "zad" (other fields allowed).
    Started,
    /// Success and a "compile" timing.
    Defined,
    /// Success, an "evaluate" timing and this output (within VALUE_TOLERANCE).
    Output(Value),
    /// No success, and an error containing this text.
    Failed(&'static str),
    /// Just the id.
    Acknowledged,
}

#[test]
fn a_whole_conversation_is_answered_message_by_message() {
    let mut rng = StdRng::seed_from_u64(16);
    let gmm = Gmm::random(&mut rng, 2, 2, 3);
    let lstm = Lstm::random(&mut rng, 2, 2, 3);
    let lse_x = [1.0, 2.0, 3.0];
    // Inputs with inconsistent sizes: a mean with d - 1 coordinates, n - 1
    // data points, a sequence vector with b + 1 entries.
    let mut gmm_short_mean = gmm.input();
    gmm_short_mean["mu"][1].as_array_mut().unwrap().pop();
    let mut gmm_missing_point = gmm.input();
    gmm_missing_point["x"].as_array_mut().unwrap().pop();
    let mut lstm_long_vector = lstm.input();
    lstm_long_vector["sequence"][2].as_array_mut().unwrap().push(json!(0.5));
    // Messages without their ids, which are set below.
    let definition = |module: &str| define(0, module);
    let evaluation = |module: &str, function: &str, input: Value| evaluate(0, module, function, input);
    // GradBench's evals describe their inputs, and send their configuration.
    let mut described = evaluation("lse", "primal", json!({"x": lse_x}));
    described["description"] = json!("n=3");
    use Expect::*;
    // Each message and what its response must be.
    let steps: Vec<(Value, Expect)> = vec![
        (json!({"kind": "start", "eval": "lse", "config": {"min_runs": 1, "n": [3]}}), Started),
        // Nothing defined yet.
        (evaluation("lse", "primal", json!({"x": lse_x})), Failed("")),
        (definition("foo"), Failed("foo")),
        (definition("lse"), Defined),
        (definition("llsq"), Defined),
        (definition("ode"), Defined),
        (definition("gmm"), Defined),
        (definition("lstm"), Defined),
        (described, Output(json!(lse(&lse_x)))),
        // Analyses of the evaluate just above (its id is 80).
        (json!({"kind": "analysis", "of": 80, "valid": true}), Acknowledged),
        (json!({"kind": "analysis", "of": 80, "valid": false, "error": "Expected tau, got e."}), Acknowledged),
        // The define of foo failed.
        (evaluation("foo", "primal", json!({"x": lse_x})), Failed("")),
        (evaluation("lse", "hessian", json!({"x": lse_x})), Failed("")),
        (evaluation("lse", "primal", json!({})), Failed("")),
        (evaluation("lse", "primal", json!({"x": "1, 2, 3"})), Failed("")),
        (evaluation("lse", "gradient", json!({"x": []})), Failed("")),
        (evaluation("lse", "primal", json!(3.5)), Failed("")),
        (evaluation("llsq", "primal", json!({"x": [1.0]})), Failed("")),
        (evaluation("ode", "primal", json!({"x": [1.0], "s": 0})), Failed("")),
        (evaluation("ode", "gradient", json!({"x": [1.0], "s": -3})), Failed("")),
        (evaluation("gmm", "objective", gmm_short_mean), Failed("")),
        (evaluation("gmm", "jacobian", gmm_missing_point), Failed("")),
        (evaluation("lstm", "objective", lstm_long_vector), Failed("")),
        (json!({"kind": "foo"}), Acknowledged),
        // Every module still works after the errors.
        (evaluation("lse", "primal", json!({"x": lse_x})), Output(json!(lse(&lse_x)))),
        (evaluation("llsq", "primal", json!({"x": [0.5, -0.25], "n": 5})), Output(json!(llsq(&[0.5, -0.25], 5)))),
        (evaluation("ode", "primal", json!({"x": [0.5, -1.0, 2.0], "s": 3})), Output(json!(ode(&[0.5, -1.0, 2.0], 3)))),
        (evaluation("gmm", "objective", gmm.input()), Output(json!(gmm.objective(&gmm.params)))),
        (evaluation("lstm", "objective", lstm.input()), Output(json!(lstm.objective(&lstm.params)))),
        (json!({"kind": "end"}), Acknowledged),
    ];
    // Ids ten apart: the tool must echo them, not count.
    let messages: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(index, (message, _))| {
            let mut message = message.clone();
            message["id"] = json!(10 * index);
            message
        })
        .collect();
    let responses = answered(&messages);
    for ((message, (_, expect)), response) in messages.iter().zip(&steps).zip(&responses) {
        let what = format!("response to {message}");
        match expect {
            Started => assert_eq!(response["tool"], "zad", "{what}: {response}"),
            Defined => assert_defined(response, &what),
            Output(expected) => assert_json_close(assert_evaluated(response, &what), expected, VALUE_TOLERANCE, &what),
            Failed(text) => assert_failed(response, text, &what),
            Acknowledged => assert_eq!(response, &json!({"id": message["id"]}), "{what}"),
        }
    }
}

#[test]
fn evaluations_repeat_for_min_runs_and_min_seconds() {
    let x = [0.5, -1.0, 2.0];
    // (input, least runs, least total nanoseconds)
    let runs = [
        (json!({"x": x}), 1, 0),
        // min_seconds an integer, as GradBench's own validation sends it.
        (json!({"x": x, "min_runs": 7, "min_seconds": 0}), 7, 0),
        (json!({"x": x, "min_runs": 0, "min_seconds": 0.0}), 1, 0),
        // A run of a 3-element lse takes microseconds, so this is many runs.
        (json!({"x": x, "min_runs": 1, "min_seconds": 0.05}), 2, 50_000_000),
        (json!({"x": x, "min_runs": 3, "min_seconds": 0.01}), 3, 10_000_000),
    ];
    let mut messages = vec![start(0), define(1, "lse")];
    for (input, _, _) in &runs {
        let id = messages.len() as u64;
        messages.push(evaluate(id, "lse", "primal", input.clone()));
        messages.push(evaluate(id + 1, "lse", "gradient", input.clone()));
    }
    let responses = answered(&messages);
    assert_defined(&responses[1], "define lse");
    let gradient = json!(central_difference(lse, &x));
    for ((input, least_runs, least_nanoseconds), pair) in runs.iter().zip(responses[2..].chunks(2)) {
        for (response, expected, tolerance) in
            [(&pair[0], json!(lse(&x)), VALUE_TOLERANCE), (&pair[1], gradient.clone(), GRADIENT_TOLERANCE)]
        {
            let what = format!("lse with input {input}");
            // Every run gives the same output, however many there were.
            assert_json_close(assert_evaluated(response, &what), &expected, tolerance, &what);
            let timings = timings_named(response, "evaluate");
            assert!(timings.len() >= *least_runs, "{what}: {} runs, at least {least_runs} expected", timings.len());
            let total: u64 = timings.iter().sum();
            assert!(total >= *least_nanoseconds, "{what}: runs took {total} ns in all, less than asked");
        }
    }
    // Without min_runs or min_seconds: exactly one run.
    for response in &responses[2..4] {
        assert_eq!(timings_named(response, "evaluate").len(), 1, "default runs: {response}");
    }
}

#[test]
fn each_response_comes_before_the_next_message_is_sent() {
    // GradBench waits for each response before it sends the next message: a
    // tool that buffered its responses until end of input would hang it.
    let mut child = Command::new(zad_cli())
        .arg("gradbench")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run zad gradbench: {error}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let (sender, responses) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let messages = [
        start(0),
        define(1, "lse"),
        evaluate(2, "lse", "primal", json!({"x": [1.0, 2.0]})),
        json!({"id": 3, "kind": "analysis", "of": 2, "valid": true}),
    ];
    for message in messages {
        writeln!(stdin, "{message}").expect("write a message");
        stdin.flush().expect("flush stdin");
        let Ok(Ok(line)) = responses.recv_timeout(RESPONSE_WAIT) else {
            let _ = child.kill();
            panic!("no response to {message} within {RESPONSE_WAIT:?} while the input stayed open");
        };
        let response: Value = serde_json::from_str(&line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
        assert_eq!(response["id"], message["id"], "response {response} to {message}");
    }
    drop(stdin);
    assert!(child.wait().expect("wait for zad gradbench").success());
}

#[test]
fn end_of_input_ends_the_session_with_success() {
    let session = session_with_lines(&[]);
    assert!(session.exited_ok, "{}", session.stderr);
    assert!(session.responses.is_empty(), "{:?}", session.responses);
}

#[test]
fn a_line_that_is_not_a_message_ends_the_session_with_an_error() {
    let bad_lines = [
        "this is not JSON",
        r#"{"id": 1, "kind": "#,
        r#"{"kind": "start"}"#,
        r#"{"id": "1", "kind": "start"}"#,
        r#"{"id": null, "kind": "define", "module": "lse"}"#,
        "[1, 2]",
    ];
    for bad_line in bad_lines {
        let lines = [start(0).to_string(), bad_line.to_string(), define(2, "lse").to_string()];
        let session = session_with_lines(&lines);
        assert!(!session.exited_ok, "{bad_line}: the tool should fail; it answered {:?}", session.responses);
        assert!(!session.stderr.trim().is_empty(), "{bad_line}: nothing on stderr");
        // The message before the bad line was answered; none after it.
        assert_eq!(session.responses.len(), 1, "{bad_line}: {:?}", session.responses);
        assert_eq!(session.responses[0]["id"], 0, "{bad_line}: {:?}", session.responses);
    }
}

/// The tool flushes subnormal numbers to zero, as JAX does (adjoints that
/// underflow are otherwise 100 times slower); `--keep-subnormals` keeps
/// them. d lse / dx_0 at x = (-720, 0) is e^-720 = 2.7e-313, a subnormal.
#[test]
fn subnormals_are_flushed_unless_kept() {
    let messages = [define(0, "lse"), evaluate(1, "lse", "gradient", json!({ "x": [-720.0, 0.0] }))];
    let lines: Vec<String> = messages.iter().map(Value::to_string).collect();
    let gradient_0 = |flags: &[&str]| {
        let session = session_with_flags(flags, &lines);
        assert!(session.exited_ok, "zad gradbench {flags:?} failed: {}", session.stderr);
        session.responses[1]["output"][0].as_f64().expect("a number")
    };
    assert_eq!(gradient_0(&[]), 0.0, "flushed to zero by default");
    let kept = gradient_0(&["--keep-subnormals"]);
    // A subnormal this size carries about 35 significant bits.
    let exact = (-720f64).exp();
    assert!(kept < f64::MIN_POSITIVE && ((kept - exact) / exact).abs() < 1e-9, "kept {kept:e}, exact {exact:e}");
}

// ---------------------------------------------------------------------------
// saddle and particle (nested AD): the reference runs GradBench's gradient
// descent (evals/saddle, evals/particle; the solver of its tools) with
// gradients derived by hand, so it needs no AD of its own.

/// GradBench's multivariate_argmin from `x`: while |g(x)| > 1e-5, step
/// x' = x - eta g(x); accept it when f(x') < f(x) (doubling eta after 10
/// accepted steps in a row), else halve eta; stop once a step is no longer
/// than 1e-5. eta starts at 1e-5.
fn descent(f: impl Fn(&[f64]) -> f64, g: impl Fn(&[f64]) -> Vec<f64>, start: &[f64]) -> Vec<f64> {
    let magnitude = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let (mut x, mut fx, mut gx) = (start.to_vec(), f(start), g(start));
    let (mut eta, mut accepted) = (1e-5, 0);
    loop {
        if magnitude(&gx) <= 1e-5 {
            return x;
        }
        if accepted == 10 {
            eta *= 2.0;
            accepted = 0;
            continue;
        }
        let next: Vec<f64> = x.iter().zip(&gx).map(|(x, g)| x - eta * g).collect();
        let step: Vec<f64> = x.iter().zip(&next).map(|(x, n)| x - n).collect();
        if magnitude(&step) <= 1e-5 {
            return x;
        }
        let f_next = f(&next);
        if f_next < fx {
            (x, fx, gx) = (next.clone(), f_next, g(&next));
            accepted += 1;
        } else {
            eta /= 2.0;
            accepted = 0;
        }
    }
}

/// saddle at start point s: p1 = argmin_p1 max_p2 f(p1, p2), then
/// p2 = argmax_p2 f(p1, p2), f = |p1|^2 - |p2|^2, both descents from s.
fn saddle(s: &[f64]) -> Vec<f64> {
    let f = |p1: &[f64], p2: &[f64]| (p1[0] * p1[0] + p1[1] * p1[1]) - (p2[0] * p2[0] + p2[1] * p2[1]);
    // The argmax descends -f(p1, .), whose gradient 2 p2 does not involve p1.
    let argmax = |p1: &[f64]| descent(|p2| -f(p1, p2), |p2| vec![2.0 * p2[0], 2.0 * p2[1]], s);
    // max_p2 f(p1, p2) at the argmax found; the argmax's steps do not depend
    // on p1 (above), so the objective's gradient is f's partial in p1: 2 p1.
    let p1 = descent(|p1| f(p1, &argmax(p1)), |p1| vec![2.0 * p1[0], 2.0 * p1[1]], s);
    let p2 = argmax(&p1);
    vec![p1[0], p1[1], p2[0], p2[1]]
}

/// A number and its derivative in w (forward mode by hand, for the
/// gradient of particle's objective).
#[derive(Clone, Copy)]
struct Dual {
    value: f64,
    dw: f64,
}

impl Dual {
    fn constant(value: f64) -> Dual {
        Dual { value, dw: 0.0 }
    }
    fn add(self, o: Dual) -> Dual {
        Dual { value: self.value + o.value, dw: self.dw + o.dw }
    }
    fn sub(self, o: Dual) -> Dual {
        Dual { value: self.value - o.value, dw: self.dw - o.dw }
    }
    fn mul(self, o: Dual) -> Dual {
        Dual { value: self.value * o.value, dw: self.dw * o.value + self.value * o.dw }
    }
    fn div(self, o: Dual) -> Dual {
        Dual { value: self.value / o.value, dw: (self.dw * o.value - self.value * o.dw) / (o.value * o.value) }
    }
    fn sqrt(self) -> Dual {
        let root = self.value.sqrt();
        Dual { value: root, dw: self.dw / (2.0 * root) }
    }
}

/// particle's objective x_0(t_f)^2 and its derivative in w: Euler steps of
/// 0.1 from (0, 8) at velocity (0.75, 0), acceleration -grad p with
/// p(x) = sum over the charges c of 1 / |x - c|, so
/// grad p = -sum (x - c) / |x - c|^3; stop before the step that would reach
/// x_1 <= 0 and interpolate linearly to x_1 = 0.
fn particle_objective(w: f64) -> Dual {
    let w = Dual { value: w, dw: 1.0 };
    let c = Dual::constant;
    let charges = [(c(10.0), c(10.0).sub(w)), (c(10.0), c(0.0))];
    let dt = c(0.1);
    let (mut x, mut v) = ((c(0.0), c(8.0)), (c(0.75), c(0.0)));
    loop {
        let mut gradient = (c(0.0), c(0.0));
        for (c0, c1) in charges {
            let (d0, d1) = (x.0.sub(c0), x.1.sub(c1));
            let distance = d0.mul(d0).add(d1.mul(d1)).sqrt();
            let cube = distance.mul(distance).mul(distance);
            gradient = (gradient.0.sub(d0.div(cube)), gradient.1.sub(d1.div(cube)));
        }
        let next = (x.0.add(dt.mul(v.0)), x.1.add(dt.mul(v.1)));
        if next.1.value <= 0.0 {
            break;
        }
        x = next;
        v = (v.0.sub(dt.mul(gradient.0)), v.1.sub(dt.mul(gradient.1)));
    }
    let t_f = c(0.0).sub(x.1).div(v.1);
    let crossing = x.0.add(t_f.mul(v.0));
    crossing.mul(crossing)
}

/// particle: the w found by descent on x_0(t_f)^2 from w0.
fn particle(w0: f64) -> f64 {
    descent(|w| particle_objective(w[0]).value, |w| vec![particle_objective(w[0]).dw], &[w0])[0]
}

const NESTED_MODES: [&str; 4] = ["ff", "fr", "rf", "rr"];

/// Evaluates each input with each of the four mode pairs in one session
/// and compares the outputs with the reference's.
fn check_nested_eval(module: &str, cases: &[(String, Value, Value)]) {
    let mut messages = vec![start(0), define(1, module)];
    for (_, input, _) in cases {
        for function in NESTED_MODES {
            messages.push(evaluate(messages.len() as u64, module, function, input.clone()));
        }
    }
    let responses = answered(&messages);
    assert_defined(&responses[1], &format!("define {module}"));
    for ((label, _, expected), responses) in cases.iter().zip(responses[2..].chunks(NESTED_MODES.len())) {
        for (function, response) in NESTED_MODES.iter().zip(responses) {
            let what = format!("{module} {function} at {label}");
            assert_json_close(assert_evaluated(response, &what), expected, VALUE_TOLERANCE, &what);
        }
    }
}

#[test]
fn saddle_matches_the_reference_in_all_four_mode_pairs() {
    // GradBench's own case and its published output, then random starts.
    let published = 8.246324826140356e-06;
    assert_close(saddle(&[1.0, 1.0])[0], published, VALUE_TOLERANCE, "the reference at GradBench's start");
    let mut rng = StdRng::seed_from_u64(20);
    let mut starts = vec![vec![1.0, 1.0], vec![-2.0, 0.5]];
    starts.extend((0..RANDOM_CASES).map(|_| uniform(&mut rng, 2, -3.0, 3.0)));
    let cases: Vec<(String, Value, Value)> =
        starts.iter().map(|s| (format!("start={s:?}"), json!({"start": s}), json!(saddle(s)))).collect();
    check_nested_eval("saddle", &cases);
}

#[test]
fn particle_matches_the_reference_in_all_four_mode_pairs() {
    let published = 0.2071918746486116;
    assert_close(particle(0.0), published, VALUE_TOLERANCE, "the reference at GradBench's w = 0");
    let mut rng = StdRng::seed_from_u64(21);
    let mut points = vec![0.0];
    points.extend(uniform(&mut rng, 2, -0.3, 0.5));
    let cases: Vec<(String, Value, Value)> =
        points.iter().map(|&w| (format!("w={w}"), json!({"w": w}), json!(particle(w)))).collect();
    check_nested_eval("particle", &cases);
}

#[test]
fn nested_modules_refuse_other_functions_and_bad_input() {
    let responses = answered(&[
        start(0),
        define(1, "saddle"),
        evaluate(2, "saddle", "gradient", json!({"start": [1.0, 1.0]})),
        evaluate(3, "saddle", "rr", json!({"start": [1.0]})),
        define(4, "particle"),
        evaluate(5, "particle", "fr", json!({"w": "zero"})),
    ]);
    assert_failed(&responses[2], "\"rr\"", "saddle's unknown function lists the four");
    assert_failed(&responses[3], "start", "a one-coordinate start");
    assert_failed(&responses[5], "w", "a w that is not a number");
}

// ---------------------------------------------------------------------------
// ht (hand tracking): a reference written from GradBench's specification
// (ADBench's hand model), with plain matrices, on small synthetic hands

type Matrix3 = [[f64; 3]; 3];
type Matrix4 = [[f64; 4]; 4];

/// theta poses bones 2..22 (four per finger from bone 2), so a hand has at
/// least 22 bones.
const HT_BONES: usize = 22;
const HT_THETA: usize = 26;

/// A hand model with GradBench's fields; a vertex's base position is
/// homogeneous (w = 1), and `weights` is vertices x bones.
struct Hand {
    parents: Vec<i64>,
    base_relatives: Vec<Matrix4>,
    inverse_base_absolutes: Vec<Matrix4>,
    base_positions: Vec<[f64; 4]>,
    weights: Vec<Vec<f64>>,
    triangles: Vec<[usize; 3]>,
    is_mirrored: bool,
}

fn product<const N: usize>(a: &[[f64; N]; N], b: &[[f64; N]; N]) -> [[f64; N]; N] {
    let mut c = [[0.0; N]; N];
    for (i, row) in c.iter_mut().enumerate() {
        for (j, entry) in row.iter_mut().enumerate() {
            *entry = (0..N).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    c
}

/// R = Rz Ry Rx for angles given as (x, z, y).
fn euler_rotation(xzy: [f64; 3]) -> Matrix3 {
    let (tx, tz, ty) = (xzy[0], xzy[1], xzy[2]);
    let rx = [[1.0, 0.0, 0.0], [0.0, tx.cos(), -tx.sin()], [0.0, tx.sin(), tx.cos()]];
    let ry = [[ty.cos(), 0.0, ty.sin()], [0.0, 1.0, 0.0], [-ty.sin(), 0.0, ty.cos()]];
    let rz = [[tz.cos(), -tz.sin(), 0.0], [tz.sin(), tz.cos(), 0.0], [0.0, 0.0, 1.0]];
    product(&product(&rz, &ry), &rx)
}

/// Rodrigues' rotation of angle |a| about a / |a| (the identity below
/// 1e-4, as the specification has it).
fn angle_axis_rotation(a: [f64; 3]) -> Matrix3 {
    let angle = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    if angle < 1e-4 {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let k = [a[0] / angle, a[1] / angle, a[2] / angle];
    // R = I + sin K + (1 - cos) K^2, K the cross-product matrix of k.
    let cross = [[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]];
    let square = product(&cross, &cross);
    let mut r = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            let identity = if i == j { 1.0 } else { 0.0 };
            r[i][j] = identity + angle.sin() * cross[i][j] + (1.0 - angle.cos()) * square[i][j];
        }
    }
    r
}

/// [R 0; 0 1].
fn homogeneous(r: &Matrix3) -> Matrix4 {
    let mut m = [[0.0; 4]; 4];
    for i in 0..3 {
        m[i][..3].copy_from_slice(&r[i]);
    }
    m[3][3] = 1.0;
    m
}

/// The posed, skinned, globally transformed vertices.
fn hand_vertices(hand: &Hand, theta: &[f64]) -> Vec<[f64; 3]> {
    let bones = hand.parents.len();
    // Pose parameters: one (x, z, y) per bone.
    let mut angles = vec![[0.0; 3]; bones];
    for finger in 0..5 {
        let t = 6 + 4 * finger;
        let bone = 2 + 4 * finger;
        angles[bone] = [theta[t], theta[t + 1], 0.0];
        angles[bone + 1][0] = theta[t + 2];
        angles[bone + 2][0] = theta[t + 3];
    }
    let mut absolutes: Vec<Matrix4> = Vec::with_capacity(bones);
    for b in 0..bones {
        let relative = product(&hand.base_relatives[b], &homogeneous(&euler_rotation(angles[b])));
        let absolute = match hand.parents[b] {
            -1 => relative,
            parent => product(&absolutes[parent as usize], &relative),
        };
        absolutes.push(absolute);
    }
    let transforms: Vec<Matrix4> =
        (0..bones).map(|b| product(&absolutes[b], &hand.inverse_base_absolutes[b])).collect();
    let global = angle_axis_rotation([theta[0], theta[1], theta[2]]);
    hand.base_positions
        .iter()
        .zip(&hand.weights)
        .map(|(base, weights)| {
            let mut skinned = [0.0; 3];
            for (transform, weight) in transforms.iter().zip(weights) {
                for i in 0..3 {
                    skinned[i] += weight * (0..4).map(|k| transform[i][k] * base[k]).sum::<f64>();
                }
            }
            if hand.is_mirrored {
                skinned[0] = -skinned[0];
            }
            let mut posed = [0.0; 3];
            for i in 0..3 {
                posed[i] = (0..3).map(|k| global[i][k] * skinned[k]).sum::<f64>() + theta[3 + i];
            }
            posed
        })
        .collect()
}

/// The residuals point - hand point, 3 per correspondence: to vertex c_i
/// (us empty), or to u_i0 v_t0 + u_i1 v_t1 + (1 - u_i0 - u_i1) v_t2 for
/// t = triangle c_i.
fn hand_residuals(hand: &Hand, correspondences: &[usize], points: &[[f64; 3]], theta: &[f64], us: &[f64]) -> Vec<f64> {
    let vertices = hand_vertices(hand, theta);
    let mut residuals = Vec::new();
    for (i, (&c, point)) in correspondences.iter().zip(points).enumerate() {
        for j in 0..3 {
            let hand_point = if us.is_empty() {
                vertices[c][j]
            } else {
                let [t0, t1, t2] = hand.triangles[c];
                let (u0, u1) = (us[2 * i], us[2 * i + 1]);
                u0 * vertices[t0][j] + u1 * vertices[t1][j] + (1.0 - u0 - u1) * vertices[t2][j]
            };
            residuals.push(point[j] - hand_point);
        }
    }
    residuals
}

/// The Jacobian of the residuals by central differences, as GradBench lays
/// it out: per residual row, d/du_i0 and d/du_i1 of its own point (with
/// us), then the 26 theta columns.
fn hand_jacobian(hand: &Hand, correspondences: &[usize], points: &[[f64; 3]], theta: &[f64], us: &[f64]) -> Vec<Vec<f64>> {
    let rows = 3 * correspondences.len();
    let mut jacobian = vec![Vec::new(); rows];
    if !us.is_empty() {
        for k in 0..2 {
            for i in 0..correspondences.len() {
                for j in 0..3 {
                    let residual = |u: &[f64]| {
                        let mut moved = us.to_vec();
                        moved[2 * i + k] = u[0];
                        hand_residuals(hand, correspondences, points, theta, &moved)[3 * i + j]
                    };
                    jacobian[3 * i + j].push(central_difference(residual, &[us[2 * i + k]])[0]);
                }
            }
        }
    }
    for (row, entries) in jacobian.iter_mut().enumerate() {
        entries.extend(central_difference(|t| hand_residuals(hand, correspondences, points, t, us)[row], theta));
    }
    jacobian
}

/// A random rigid transform: a rotation and a translation in [-1, 1]^3.
fn random_rigid(rng: &mut StdRng) -> Matrix4 {
    let angles = [rng.random_range(-PI..PI), rng.random_range(-PI..PI), rng.random_range(-PI..PI)];
    let mut m = homogeneous(&euler_rotation(angles));
    for row in m.iter_mut().take(3) {
        row[3] = rng.random_range(-1.0..1.0);
    }
    m
}

/// A hand of `bones` bones (each bone's parent an earlier one), `vertices`
/// vertices each weighted on one to three bones, and `triangles` triangles.
fn random_hand(rng: &mut StdRng, bones: usize, vertices: usize, triangles: usize, is_mirrored: bool) -> Hand {
    let parents = (0..bones).map(|b| if b == 0 { -1 } else { rng.random_range(0..b) as i64 }).collect();
    let weights = (0..vertices)
        .map(|_| {
            let mut weights = vec![0.0; bones];
            for _ in 0..rng.random_range(1..=3) {
                weights[rng.random_range(0..bones)] = rng.random_range(0.1..1.0);
            }
            weights
        })
        .collect();
    Hand {
        parents,
        base_relatives: (0..bones).map(|_| random_rigid(rng)).collect(),
        inverse_base_absolutes: (0..bones).map(|_| random_rigid(rng)).collect(),
        base_positions: (0..vertices)
            .map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0), 1.0])
            .collect(),
        weights,
        triangles: (0..triangles)
            .map(|_| [rng.random_range(0..vertices), rng.random_range(0..vertices), rng.random_range(0..vertices)])
            .collect(),
        is_mirrored,
    }
}

/// GradBench's input for a hand (us as one pair per point, or empty).
fn hand_input(hand: &Hand, correspondences: &[usize], points: &[[f64; 3]], theta: &[f64], us: &[f64]) -> Value {
    let bones = hand.parents.len();
    json!({
        "theta": theta,
        "us": us.chunks(2).collect::<Vec<_>>(),
        "data": {
            "model": {
                "bone_count": bones,
                "bone_names": (0..bones).map(|b| format!("bone{b}")).collect::<Vec<_>>(),
                "parents": hand.parents,
                "base_relatives": hand.base_relatives,
                "inverse_base_absolutes": hand.inverse_base_absolutes,
                "base_positions": hand.base_positions,
                "weights": hand.weights,
                "triangles": hand.triangles,
                "is_mirrored": hand.is_mirrored,
            },
            "correspondences": correspondences,
            "points": points,
        },
    })
}

/// A random evaluation point: a hand, points and their correspondences,
/// theta (with a zero global rotation where asked: the rotation is then the
/// identity), and us in the complicated variant.
fn random_hand_case(rng: &mut StdRng, bones: usize, complicated: bool, mirrored: bool, zero_rotation: bool) -> Case {
    let vertices = rng.random_range(3..=8);
    let triangles = rng.random_range(2..=6);
    let hand = random_hand(rng, bones, vertices, triangles, mirrored);
    let n = rng.random_range(1..=5);
    let correspondences: Vec<usize> =
        (0..n).map(|_| rng.random_range(0..if complicated { triangles } else { vertices })).collect();
    let points: Vec<[f64; 3]> =
        (0..n).map(|_| [rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0)]).collect();
    let mut theta = uniform(rng, HT_THETA, -1.0, 1.0);
    if zero_rotation {
        theta[..3].fill(0.0);
    }
    let us = if complicated { uniform(rng, 2 * n, 0.0, 1.0) } else { Vec::new() };
    Case {
        label: format!("{bones} bones, {vertices} vertices, {n} points, complicated={complicated}, mirrored={mirrored}"),
        input: hand_input(&hand, &correspondences, &points, &theta, &us),
        value: json!(hand_residuals(&hand, &correspondences, &points, &theta, &us)),
        gradient: json!(hand_jacobian(&hand, &correspondences, &points, &theta, &us)),
    }
}

#[test]
fn ht_matches_the_reference_in_both_variants() {
    let mut rng = StdRng::seed_from_u64(22);
    let mut cases = Vec::new();
    for complicated in [false, true] {
        cases.push(random_hand_case(&mut rng, HT_BONES, complicated, false, true));
        cases.push(random_hand_case(&mut rng, HT_BONES + 2, complicated, true, false));
        for _ in 0..RANDOM_CASES {
            let mirrored = rng.random_bool(0.5);
            cases.push(random_hand_case(&mut rng, HT_BONES, complicated, mirrored, false));
        }
    }
    // The shapes GradBench expects: 26 theta columns, after 2 us ones.
    assert_eq!(cases[0].gradient[0].as_array().map(Vec::len), Some(HT_THETA));
    assert_eq!(cases.last().unwrap().gradient[0].as_array().map(Vec::len), Some(HT_THETA + 2));
    check_eval("ht", "objective", "jacobian", &cases);
}

#[test]
fn ht_refuses_bad_input() {
    let mut rng = StdRng::seed_from_u64(23);
    let good = random_hand_case(&mut rng, HT_BONES, true, false, false).input;
    let changed = |edit: &dyn Fn(&mut Value)| {
        let mut input = good.clone();
        edit(&mut input);
        input
    };
    let bad = [
        (changed(&|input| input["theta"] = Value::from(vec![0.0; 25])), "theta"),
        (
            changed(&|input| {
                input.as_object_mut().unwrap().remove("us");
            }),
            "us",
        ),
        (changed(&|input| input["us"] = Value::from(vec![vec![0.5, 0.5]; 9])), "us"),
        (changed(&|input| input["data"]["model"]["parents"][3] = json!(5)), "parents[3]"),
        (changed(&|input| input["data"]["model"]["parents"].as_array_mut().unwrap().truncate(21)), "bones"),
        (changed(&|input| input["data"]["correspondences"][0] = json!(99)), "correspondences"),
        (changed(&|input| input["data"]["model"]["base_relatives"][0][1] = json!([1.0, 2.0])), "base_relatives[0][1]"),
        (changed(&|input| input["data"]["model"]["weights"] = json!([])), "weights"),
        (changed(&|input| input["data"]["model"]["is_mirrored"] = json!("no")), "is_mirrored"),
        (changed(&|input| input["data"]["points"] = json!([[1.0, 2.0]])), "points"),
    ];
    let mut messages = vec![start(0), define(1, "ht")];
    for (input, _) in &bad {
        let id = messages.len() as u64;
        messages.push(evaluate(id, "ht", "jacobian", input.clone()));
    }
    messages.push(evaluate(messages.len() as u64, "ht", "objective", good.clone()));
    let responses = answered(&messages);
    assert_defined(&responses[1], "define ht");
    for ((_, text), response) in bad.iter().zip(&responses[2..]) {
        assert_failed(response, text, &format!("ht with bad {text}"));
    }
    // The session goes on.
    assert_evaluated(responses.last().unwrap(), "ht after bad input");
}

// ---------------------------------------------------------------------------
// ba (bundle adjustment)

/// GradBench's ba1 (evals/ba/data/ba1_n49_m7776_p31843.txt): n, m, p and
/// the camera, point, weight and feature it replicates.
const BA1_SIZES: [usize; 3] = [49, 7776, 31843];
const BA1_CAM: [f64; 11] = [
    -0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673, 419.194514, 5.864426, -8.518870, 0.087812, 0.002739,
];
const BA1_X: [f64; 3] = [7.203245, 0.001144, 3.023326];
const BA1_W: f64 = 0.417022;
const BA1_FEAT: [f64; 2] = [271.760969, 834.209256];

/// ba's two reprojection errors of one observation, from its 15
/// parameters (camera r, C, f, u0, v0, k1, k2; point X; weight w), by
/// GradBench's definition: Xcam = R(r) (X - C) with R = I + sin(t) K +
/// (1 - cos(t)) K^2 (K the cross-product matrix of r / t, t = |r|; I + [r]x
/// for r = 0), q = Xcam_xy / Xcam_z, q (1 + k1 |q|^2 + k2 |q|^4) f + (u0,
/// v0) - feat, times w.
fn ba_residual(params: &[f64], feat: &[f64]) -> [f64; 2] {
    let (r, c, f, principal, k, x, w) =
        (&params[0..3], &params[3..6], params[6], &params[7..9], &params[9..11], &params[11..14], params[14]);
    let cross_matrix = |a: [f64; 3]| [[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]];
    let theta = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
    let mut rotation = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    if theta == 0.0 {
        let k = cross_matrix([r[0], r[1], r[2]]);
        for i in 0..3 {
            for j in 0..3 {
                rotation[i][j] += k[i][j];
            }
        }
    } else {
        let k = cross_matrix([r[0] / theta, r[1] / theta, r[2] / theta]);
        for i in 0..3 {
            for j in 0..3 {
                let k2: f64 = (0..3).map(|l| k[i][l] * k[l][j]).sum();
                rotation[i][j] += theta.sin() * k[i][j] + (1.0 - theta.cos()) * k2;
            }
        }
    }
    let offset = [x[0] - c[0], x[1] - c[1], x[2] - c[2]];
    let camera: Vec<f64> = (0..3).map(|i| (0..3).map(|j| rotation[i][j] * offset[j]).sum()).collect();
    let q = [camera[0] / camera[2], camera[1] / camera[2]];
    let rsq = q[0] * q[0] + q[1] * q[1];
    let distortion = 1.0 + k[0] * rsq + k[1] * rsq * rsq;
    [0, 1].map(|i| w * (q[i] * distortion * f + principal[i] - feat[i]))
}

/// A bundle-adjustment problem, each observation with its own data.
struct BaProblem {
    cams: Vec<[f64; 11]>,
    points: Vec<[f64; 3]>,
    w: Vec<f64>,
    /// (camera, point) per observation.
    obs: Vec<(usize, usize)>,
    feats: Vec<[f64; 2]>,
}

/// The reference Jacobian in ADBench's BASparseMat (CSR) layout.
struct BaJacobian {
    rows: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f64>,
}

impl BaProblem {
    /// As GradBench's generator replicates one camera, point, weight and
    /// feature: observation i sees point i mod m from camera i mod n.
    fn replicated(n: usize, m: usize, p: usize, cam: [f64; 11], x: [f64; 3], w: f64, feat: [f64; 2]) -> BaProblem {
        BaProblem {
            cams: vec![cam; n],
            points: vec![x; m],
            w: vec![w; p],
            obs: (0..p).map(|i| (i % n, i % m)).collect(),
            feats: vec![feat; p],
        }
    }

    fn params(&self, i: usize) -> Vec<f64> {
        let (camera, point) = self.obs[i];
        [&self.cams[camera][..], &self.points[point][..], &[self.w[i]][..]].concat()
    }

    /// The reprojection errors (2 per observation) and weight errors.
    fn objective(&self) -> (Vec<f64>, Vec<f64>) {
        let reproj = (0..self.w.len()).flat_map(|i| ba_residual(&self.params(i), &self.feats[i])).collect();
        (reproj, self.w.iter().map(|w| 1.0 - w * w).collect())
    }

    /// The Jacobian by central differences of the reference, observation by
    /// observation (each one's residuals depend on its 15 parameters only).
    fn jacobian(&self) -> BaJacobian {
        let (n, m, p) = (self.cams.len(), self.points.len(), self.w.len());
        let mut jacobian = BaJacobian { rows: vec![0], cols: Vec::new(), vals: Vec::new() };
        for i in 0..p {
            let (camera, point) = self.obs[i];
            let columns: Vec<usize> = (0..11)
                .map(|j| 11 * camera + j)
                .chain((0..3).map(|j| 11 * n + 3 * point + j))
                .chain([11 * n + 3 * m + i])
                .collect();
            let params = self.params(i);
            for component in 0..2 {
                let derivatives = central_difference(|q| ba_residual(q, &self.feats[i])[component], &params);
                jacobian.cols.extend(&columns);
                jacobian.vals.extend(derivatives);
                jacobian.rows.push(jacobian.cols.len());
            }
        }
        for i in 0..p {
            jacobian.cols.push(11 * n + 3 * m + i);
            jacobian.vals.push(central_difference(|w| 1.0 - w[0] * w[0], &[self.w[i]])[0]);
            jacobian.rows.push(jacobian.cols.len());
        }
        jacobian
    }
}

/// The first 30 entries and the last, as GradBench's reference tool
/// reports the Jacobian's lists.
fn ba_summary<T: Copy + Into<Value>>(values: &[T]) -> Value {
    let mut kept: Vec<T> = values[..values.len().min(30)].to_vec();
    kept.push(*values.last().expect("a non-empty list"));
    Value::Array(kept.into_iter().map(Into::into).collect())
}

/// One ba case through `zad gradbench`, replicated from one camera, point,
/// weight and feature, with the reference's outputs.
fn ba_case(label: &str, sizes: [usize; 3], cam: [f64; 11], x: [f64; 3], w: f64, feat: [f64; 2]) -> Case {
    let [n, m, p] = sizes;
    let problem = BaProblem::replicated(n, m, p, cam, x, w, feat);
    let (reproj, w_err) = problem.objective();
    let jacobian = problem.jacobian();
    // Every observation sees the same data: the summary is faithful.
    assert!(reproj.chunks(2).all(|pair| pair == &reproj[..2]) && w_err.iter().all(|&e| e == w_err[0]));
    Case {
        label: format!("{label} n={n} m={m} p={p} cam={cam:?} x={x:?} w={w} feat={feat:?}"),
        input: json!({"n": n, "m": m, "p": p, "cam": cam, "x": x, "w": w, "feat": feat}),
        value: json!({
            "reproj_error": {"elements": &reproj[..2], "repeated": p},
            "w_err": {"element": w_err[0], "repeated": p},
        }),
        gradient: json!({
            "rows": ba_summary(&jacobian.rows),
            "cols": ba_summary(&jacobian.cols),
            "vals": ba_summary(&jacobian.vals),
        }),
    }
}

/// A camera looking at `x` from a few units away, with random intrinsics.
fn random_ba_data(rng: &mut StdRng) -> ([f64; 11], [f64; 3], f64, [f64; 2]) {
    loop {
        let mut cam = [0.0; 11];
        cam[..3].copy_from_slice(&uniform(rng, 3, -1.5, 1.5));
        cam[3..6].copy_from_slice(&uniform(rng, 3, -10.0, 10.0));
        cam[6] = rng.random_range(100.0..1000.0);
        cam[7..9].copy_from_slice(&uniform(rng, 2, -10.0, 10.0));
        cam[9..11].copy_from_slice(&uniform(rng, 2, -0.1, 0.1));
        let x: [f64; 3] = uniform(rng, 3, -10.0, 10.0).try_into().unwrap();
        let w = rng.random_range(0.1..2.0);
        let feat: [f64; 2] = uniform(rng, 2, -500.0, 500.0).try_into().unwrap();
        // Keep the point well off the camera's focal plane (and its image
        // within a few focal lengths), where differences are accurate.
        let unit = ba_residual(&[&cam[..], &x[..], &[1.0]].concat(), &[0.0, 0.0]);
        if unit.iter().all(|e| e.abs() < 3.0 * cam[6]) {
            return (cam, x, w, feat);
        }
    }
}

#[test]
fn ba_matches_the_reference() {
    let mut rng = StdRng::seed_from_u64(22);
    let mut cases = vec![
        ba_case("ba1", BA1_SIZES, BA1_CAM, BA1_X, BA1_W, BA1_FEAT),
        ba_case("ba1's data, small", [3, 5, 12], BA1_CAM, BA1_X, BA1_W, BA1_FEAT),
        // Fewer than 10 observations: under 31 row offsets.
        ba_case("ba1's data, one observation", [1, 1, 1], BA1_CAM, BA1_X, BA1_W, BA1_FEAT),
    ];
    // No rotation: Rodrigues' first-order branch.
    let mut still = BA1_CAM;
    still[..3].fill(0.0);
    cases.push(ba_case("no rotation", [2, 3, 4], still, BA1_X, BA1_W, BA1_FEAT));
    for case in 0..RANDOM_CASES {
        let (cam, x, w, feat) = random_ba_data(&mut rng);
        let sizes = [rng.random_range(1..=6), rng.random_range(1..=20), rng.random_range(1..=40)];
        cases.push(ba_case(&format!("random {case}"), sizes, cam, x, w, feat));
    }
    check_eval("ba", "objective", "jacobian", &cases);
}

#[test]
fn ba_jacobian_rows_and_columns_are_integers() {
    let case = ba_case("ba1's data", [2, 3, 11], BA1_CAM, BA1_X, BA1_W, BA1_FEAT);
    let responses = answered(&[start(0), define(1, "ba"), evaluate(2, "ba", "jacobian", case.input.clone())]);
    let output = assert_evaluated(&responses[2], "ba jacobian");
    for list in ["rows", "cols"] {
        let entries = output[list].as_array().unwrap_or_else(|| panic!("no {list} list in {output}"));
        assert_eq!(entries.len(), 31, "{list}");
        assert!(
            entries.iter().all(Value::is_u64),
            "{list} must be JSON integers (GradBench compares them exactly): {output}"
        );
        assert_eq!(output[list], case.gradient[list], "{list}");
    }
}

/// The kernels on a problem where every observation has its own camera,
/// point, weight and feature, in random order: the whole objective and the
/// whole sparse Jacobian (which the eval's summary does not show).
#[test]
fn ba_kernels_fill_every_observation() {
    let mut rng = StdRng::seed_from_u64(23);
    let (n, m, p) = (3, 6, 17);
    let cams: Vec<[f64; 11]> = (0..n).map(|_| random_ba_data(&mut rng).0).collect();
    let points: Vec<[f64; 3]> = (0..m).map(|_| uniform(&mut rng, 3, -10.0, 10.0).try_into().unwrap()).collect();
    // The pairs whose point is well off the camera's focal plane, where
    // differences are accurate (image within a few focal lengths).
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|c| (0..m).map(move |x| (c, x)))
        .filter(|&(c, x)| {
            let unit = ba_residual(&[&cams[c][..], &points[x][..], &[1.0]].concat(), &[0.0, 0.0]);
            unit.iter().all(|e| e.abs() < 3.0 * cams[c][6])
        })
        .collect();
    assert!(pairs.len() >= 4, "too few usable (camera, point) pairs: {pairs:?}");
    let problem = BaProblem {
        cams,
        points,
        w: uniform(&mut rng, p, 0.1, 2.0),
        obs: (0..p).map(|_| pairs[rng.random_range(0..pairs.len())]).collect(),
        feats: (0..p).map(|_| uniform(&mut rng, 2, -500.0, 500.0).try_into().unwrap()).collect(),
    };
    let module = zad::Module::parse(
        &zad::Context::new().unwrap(),
        include_str!("../../src/gradbench/kernels/ba.mlir"),
        "ba.mlir",
    )
    .unwrap();
    let run = |kernel: &str| {
        let mut buffers: Vec<Vec<f64>> = vec![
            problem.cams.concat(),
            problem.points.concat(),
            problem.w.clone(),
            problem.obs.iter().flat_map(|&(c, x)| [c as f64, x as f64]).collect(),
            problem.feats.concat(),
            vec![0.0; 2 * p],
            vec![0.0; p],
            vec![0.0; 3 * p + 1],
            vec![0.0; 31 * p],
            vec![0.0; 31 * p],
        ];
        let shapes: [Vec<i64>; 10] = [
            vec![n as i64, 11],
            vec![m as i64, 3],
            vec![p as i64],
            vec![p as i64, 2],
            vec![p as i64, 2],
            vec![p as i64, 2],
            vec![p as i64],
            vec![3 * p as i64 + 1],
            vec![31 * p as i64],
            vec![31 * p as i64],
        ];
        let function = module.function(kernel).unwrap();
        let mut args = zad::Args::new();
        for (buffer, shape) in buffers.iter_mut().zip(&shapes) {
            args.push_slice_f64(buffer, shape).unwrap();
        }
        function.call(&mut args).unwrap();
        drop(args);
        buffers
    };
    let (reproj, w_err) = problem.objective();
    let objective = run("ba_objective");
    for (k, (actual, expected)) in objective[5].iter().zip(&reproj).enumerate() {
        assert_close(*actual, *expected, VALUE_TOLERANCE, &format!("reproj_err[{k}]"));
    }
    for (k, (actual, expected)) in objective[6].iter().zip(&w_err).enumerate() {
        assert_close(*actual, *expected, VALUE_TOLERANCE, &format!("w_err[{k}]"));
    }
    let expected = problem.jacobian();
    let jacobian = run("ba_jacobian");
    let as_indices = |values: &[f64]| values.iter().map(|&x| x as usize).collect::<Vec<usize>>();
    assert_eq!(as_indices(&jacobian[7]), expected.rows, "row offsets");
    assert_eq!(as_indices(&jacobian[8]), expected.cols, "columns");
    for (k, (actual, expected)) in jacobian[9].iter().zip(&expected.vals).enumerate() {
        assert_close(*actual, *expected, GRADIENT_TOLERANCE, &format!("vals[{k}]"));
    }
}

#[test]
fn ba_refuses_bad_input() {
    let good = json!({"n": 2, "m": 3, "p": 4, "cam": BA1_CAM, "x": BA1_X, "w": BA1_W, "feat": BA1_FEAT});
    let with = |key: &str, value: Value| {
        let mut input = good.clone();
        input[key] = value;
        input
    };
    let mut without_cam = good.clone();
    without_cam.as_object_mut().unwrap().remove("cam");
    let bad = [
        (with("n", json!(0)), "n"),
        (with("m", json!(0)), "m"),
        (with("p", json!(0)), "p"),
        (with("p", json!(-3)), "p"),
        (without_cam, "cam"),
        (with("cam", json!(&BA1_CAM[..10])), "cam"),
        (with("x", json!([1.0, 2.0])), "x"),
        (with("w", json!("heavy")), "w"),
        (with("feat", json!([1.0, 2.0, 3.0])), "feat"),
    ];
    let mut messages = vec![start(0), define(1, "ba")];
    for (input, _) in &bad {
        for function in ["objective", "jacobian"] {
            messages.push(evaluate(messages.len() as u64, "ba", function, input.clone()));
        }
    }
    messages.push(evaluate(messages.len() as u64, "ba", "gradient", good.clone()));
    messages.push(evaluate(messages.len() as u64, "ba", "objective", good));
    let responses = answered(&messages);
    assert_defined(&responses[1], "define ba");
    for ((input, field), pair) in bad.iter().zip(responses[2..].chunks(2)) {
        for response in pair {
            assert_failed(response, field, &format!("ba with bad {field}: {input}"));
        }
    }
    let last = responses.len() - 1;
    assert_failed(&responses[last - 1], "jacobian", "ba's unknown function lists its functions");
    assert_evaluated(&responses[last], "ba after the refusals");
}
