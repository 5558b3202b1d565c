//! Reverse mode: the adjoint of a function, written as one MLIR function
//! that runs the forward sweep (the primal, recording what the reverse sweep
//! needs on tapes) and then the reverse sweep.
//!
//! Structured control flow is reversed structurally: an `scf.for` becomes an
//! `scf.for` running backwards, an `scf.while` records its trip count and is
//! reversed as an `scf.for`, an `scf.if` re-tests its condition. Adjoints of
//! loop-carried values, and of values from outside a loop that the loop
//! uses, travel as iteration arguments of the reverse loop. Memory
//! adjoints live in shadow buffers: a load adds to the shadow, a store reads
//! and clears it.
//!
//! A primal value the reverse sweep needs is used directly when it is
//! defined in the function body (it dominates the reverse sweep), recomputed
//! when that is cheap (pure ops, at most one recorded input), and otherwise
//! recorded on a tape: a buffer preallocated before the loop nest and indexed
//! by the iteration number when the enclosing loops' bounds are known before
//! the nest runs, a growing stack (`!zad.tape`) otherwise.

use crate::{
    ad::{
        activity::{Activity, Analysis, VIEW_OPS, walk_blocks, yielded},
        emit::{Body, Names, is_float, is_memref, memref_shape},
        ir::{Block, Func, Op, Program, ValueId},
        rules::{self, Adjoint},
        scopes::{self, ScopeId, Scopes, TOP, free_values},
    },
    error::{Error, Result},
};
use std::collections::HashMap;

/// The fast-math flag of the additions that sum a value's adjoint from its
/// uses. Adjoint sums are sums of independent contributions, so their order
/// is free: letting LLVM reorder them turns the adjoint of a value used in
/// every iteration of a loop (a reduction in the reverse loop) into a
/// vectorised reduction instead of a chain of dependent additions. Results
/// differ from the unordered sum by rounding only; primal code is never
/// given the flag.
const ADJOINT_SUM: &str = "fastmath<reassoc>";

mod checkpointed;

/// A gradient to generate: a function and the activity of its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Request {
    pub function: String,
    pub activity: Vec<Activity>,
    /// Whether the adjoint takes one seed per float result (the C ABI's
    /// gradients) or seeds them with 1.0 itself (`zad.gradient`).
    pub seeded: bool,
}

impl Request {
    /// The name of the generated function.
    pub fn gradient_name(&self) -> String {
        let code: String = self.activity.iter().map(|a| a.code()).collect();
        let unit = if self.seeded { "" } else { "_unit" };
        format!("__zad_grad_{}_{code}{unit}", self.function)
    }
}

/// Generates the adjoint of `root`, and of every function its adjoint calls,
/// as MLIR text (one `func.func` each).
pub fn generate(program: &Program, root: &Request) -> Result<String> {
    let functions = &program.functions;
    let mut done: Vec<Request> = Vec::new();
    let mut pending = vec![root.clone()];
    let mut text = String::new();
    while let Some(request) = pending.pop() {
        if done.contains(&request) {
            continue;
        }
        let func = functions.get(&request.function).ok_or_else(|| {
            Error::NotFound(format!("no function @{} with a body to differentiate", request.function))
        })?;
        check_activity(func, &request.activity)?;
        check_globals_across_calls(program, func)?;
        let mut generator = Generator::new(func, &request.activity, request.seeded);
        text.push_str(&generator.function(&request.gradient_name())?);
        text.push_str(&generator.extra_functions);
        pending.extend(generator.callees);
        done.push(request);
    }
    Ok(text)
}

/// A call that is not inlined (recursive or checkpointed) hides what its
/// callee does to a global from the caller's analysis, and the callee's
/// adjoint would give the global a shadow of its own: the dependence
/// through the global would be lost. Such calls are refused when the
/// callee (or anything it calls) uses a global that can carry derivatives.
fn check_globals_across_calls(program: &Program, func: &Func) -> Result<()> {
    let mut failure = None;
    walk_blocks(&func.body, &mut |op| {
        if failure.is_some() || op.name != "func.call" {
            return;
        }
        let callee = op.attribute("callee").unwrap_or_default().trim_start_matches('@').to_string();
        if let Some(global) = global_used_through(program, &callee) {
            failure = Some(Error::Unsupported(format!(
                "{}: zad cannot differentiate the call of @{callee} in @{}: the call is not inlined (it is \
                 recursive or checkpointed) and @{callee} uses the global @{global}, whose derivatives zad \
                 does not track across such calls; pass the buffer as an argument instead (or declare the global \
                 `constant` if nothing writes it)",
                op.place, func.name
            )));
        }
    });
    failure.map_or(Ok(()), Err)
}

/// A mutable float global that `function`, or a function it calls, reads
/// or writes through `memref.get_global`.
fn global_used_through(program: &Program, function: &str) -> Option<String> {
    let mut seen = vec![function.to_string()];
    let mut pending = vec![function.to_string()];
    while let Some(name) = pending.pop() {
        let Some(func) = program.functions.get(&name) else { continue };
        let mut found = None;
        walk_blocks(&func.body, &mut |op| match op.name.as_str() {
            "memref.get_global" => {
                let global = op.attribute("name").unwrap_or_default().trim_start_matches('@').to_string();
                if program.mutable_float_globals.contains(&global) {
                    found.get_or_insert(global);
                }
            }
            "func.call" => {
                let callee = op.attribute("callee").unwrap_or_default().trim_start_matches('@').to_string();
                if !seen.contains(&callee) {
                    seen.push(callee.clone());
                    pending.push(callee);
                }
            }
            _ => {}
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

fn check_activity(func: &Func, activity: &[Activity]) -> Result<()> {
    if activity.len() != func.args.len() {
        return Err(Error::Signature(format!(
            "@{} takes {} arguments but {} activities were given",
            func.name,
            func.args.len(),
            activity.len()
        )));
    }
    for (index, (&arg, &kind)) in func.args.iter().zip(activity).enumerate() {
        let ty = func.ty(arg);
        let fits = match kind {
            Activity::Const => true,
            Activity::Active => is_float(ty),
            Activity::Dup => is_memref(ty) && memref_shape(ty).is_some_and(|(_, element)| is_float(&element)),
        };
        if !fits {
            return Err(Error::Signature(format!(
                "@{}: argument #{index} has type {ty} and cannot be '{}' ('active' is for float scalars, \
                 'dup' for float memrefs)",
                func.name,
                kind.name()
            )));
        }
    }
    Ok(())
}

/// A reverse loop being written (see `open_reverse_loop`).
struct ReverseLoop {
    k: String,
    zero: String,
    one: String,
    count: String,
    iter_names: Vec<String>,
    inits: Vec<String>,
    types: Vec<String>,
    outs: Vec<String>,
}

/// Where a taped value is kept.
struct Tape {
    name: String,
    element: String,
    /// Preallocated and indexed by iteration (`true`) or a `!zad.tape` stack.
    indexed: bool,
    scope: ScopeId,
}

/// A scope of the reverse sweep being written.
struct Reverse {
    forward: ScopeId,
    /// Values recomputed or loaded from tapes, written at the scope's start.
    preamble: Body,
    body: Body,
    available: HashMap<ValueId, String>,
    shadows: HashMap<ValueId, String>,
    /// The iteration number (for indexed tapes) in this scope.
    index: Option<String>,
    /// Shadow buffers to free when the scope ends.
    cleanup: Vec<(String, String)>,
}

struct Generator<'f> {
    func: &'f Func,
    activity: Vec<Activity>,
    analysis: Analysis,
    scopes: Scopes<'f>,
    names: Names,
    adjoints: HashMap<ValueId, String>,
    reverse: Vec<Reverse>,
    tapes: HashMap<ValueId, Tape>,
    /// The extra result of each `scf.while`: its trip count (a synthetic value).
    while_counts: HashMap<*const Op, ValueId>,
    value_types: Vec<String>,
    /// Memref arguments of calls copied before the call, by call.
    snapshots: HashMap<*const Op, Vec<(ValueId, String)>>,
    /// The copies of calls inside branches: (top-level op holding the call,
    /// buffer, copy), allocated before that op and freed at the end.
    branch_snapshots: Vec<(usize, ValueId, String)>,
    callees: Vec<Request>,
    seeded: bool,
    /// The size in bytes of each indexed tape, for the run time's accounting.
    tape_bytes: HashMap<ValueId, String>,
    /// Functions generated alongside (the steps of checkpointed loops).
    extra_functions: String,
    /// For each checkpointed loop: its run-time handle and state cells.
    checkpoints: HashMap<*const Op, checkpointed::Loop>,
    /// Buffers freed at the end of the adjoint rather than where the primal
    /// frees them (checkpointed loops rerun steps on them).
    deferred_deallocs: Vec<ValueId>,
}

impl<'f> Generator<'f> {
    fn new(func: &'f Func, activity: &[Activity], seeded: bool) -> Generator<'f> {
        let analysis = Analysis::run(func, activity);
        let mut value_types: Vec<String> = func.values.iter().map(|v| v.ty.clone()).collect();
        let mut while_counts = HashMap::new();
        walk_blocks(&func.body, &mut |op| {
            if op.name == "scf.while" {
                while_counts.insert(op as *const Op, value_types.len());
                value_types.push("index".to_string());
            }
        });
        let mut scopes = Scopes::build(func, while_counts.len());
        // The trip counts live where their loop is.
        let mut assign = Vec::new();
        walk_blocks(&func.body, &mut |op| {
            if let Some(&count) = while_counts.get(&(op as *const Op)) {
                assign.push((count, scopes.containing(op)));
            }
        });
        for (count, scope) in assign {
            scopes.of_value[count] = scope;
        }
        Generator {
            func,
            activity: activity.to_vec(),
            analysis,
            scopes,
            names: Names::default(),
            adjoints: HashMap::new(),
            reverse: Vec::new(),
            tapes: HashMap::new(),
            while_counts,
            value_types,
            snapshots: HashMap::new(),
            branch_snapshots: Vec::new(),
            callees: Vec::new(),
            seeded,
            tape_bytes: HashMap::new(),
            extra_functions: String::new(),
            checkpoints: HashMap::new(),
            deferred_deallocs: Vec::new(),
        }
    }

    fn ty(&self, value: ValueId) -> &str {
        &self.value_types[value]
    }

    fn active(&self, value: ValueId) -> bool {
        value < self.func.values.len() && self.analysis.active(self.func, value)
    }

    fn has_shadow(&self, value: ValueId) -> bool {
        self.analysis.has_shadow(self.func, value)
    }

    fn unsupported(&self, op: &Op, why: &str) -> Error {
        Error::Unsupported(format!("{}: zad cannot differentiate '{}': {why}", op.place, op.name))
    }

    /// The whole adjoint function.
    fn function(&mut self, name: &str) -> Result<String> {
        let func = self.func;
        let body = &func.body;
        if body.len() != 1 {
            let branch = body.iter().flat_map(|block| &block.ops).find(|op| op.successors > 0);
            let (place, name) = branch.map_or((func.place.as_str(), "a branch"), |op| (op.place.as_str(), op.name.as_str()));
            return Err(Error::Unsupported(format!(
                "{place}: zad cannot differentiate '{name}' in @{}: reverse mode differentiates structured \
                 control flow (scf.for, scf.while, scf.if), not branches between blocks (cf.br, cf.cond_br)",
                func.name
            )));
        }
        self.check_supported(&body[0])?;
        self.check_const_memory()?;
        let block = &body[0];
        let ret = block.ops.last().filter(|op| op.name == "func.return").ok_or_else(|| {
            Error::Unsupported(format!("{}: @{} does not end with func.return", func.place, func.name))
        })?;

        // Reverse sweep first: it decides what the forward sweep records.
        self.reverse.push(self.new_reverse(TOP, None));
        let mut seeds = Vec::new();
        for (index, &value) in ret.operands.iter().enumerate() {
            if is_float(self.ty(value)) {
                let ty = self.ty(value).to_string();
                let seed = if self.seeded {
                    seeds.push(format!("%seed{index}: {ty}"));
                    format!("%seed{index}")
                } else {
                    let names = &mut self.names;
                    self.reverse.last_mut().expect("scope").body.constant_float(names, 1.0, &ty, &ret.loc)
                };
                if self.active(value) {
                    self.add_adjoint(value, &seed, &ret.loc);
                }
            }
        }
        self.reverse_ops(&block.ops[..block.ops.len() - 1])?;
        let mut gradients = Vec::new();
        for (index, &arg) in func.args.iter().enumerate() {
            if self.activity[index] == Activity::Active {
                let gradient = match self.adjoints.get(&arg) {
                    Some(name) => name.clone(),
                    None => self.zero(func.ty(arg), &func.loc),
                };
                gradients.push((gradient, func.ty(arg).to_string()));
            }
        }
        let top = self.reverse.pop().expect("top reverse scope");

        let mut forward = Body { indent: 1, ..Body::default() };
        for (_, tape) in sorted(&self.tapes) {
            if !tape.indexed {
                forward.line(&format!("{} = zad.tape_new : !zad.tape<{}> {}", tape.name, tape.element, func.loc));
            }
        }
        self.forward_block(block, &mut forward, None, true)?;

        let mut params = Vec::new();
        for (&arg, &kind) in func.args.iter().zip(&self.activity) {
            params.push(format!("%v{arg}: {}", func.ty(arg)));
            if kind == Activity::Dup {
                params.push(format!("%s{arg}: {}", func.ty(arg)));
            }
        }
        params.extend(seeds);
        let mut result_types: Vec<String> = func.result_types.clone();
        result_types.extend(gradients.iter().map(|(_, ty)| ty.clone()));
        let mut text = format!(
            "func.func @{name}({}) -> ({}) {{\n{}",
            params.join(", "),
            result_types.join(", "),
            forward.text
        );
        text.push_str(&top.preamble.text);
        text.push_str(&top.body.text);
        let mut tail = Body { indent: 1, ..Body::default() };
        tail.line(&format!("%c0_release = arith.constant 0 : index {}", func.loc));
        for (shadow, ty) in &top.cleanup {
            tail.line(&format!("memref.dealloc {shadow} : {ty} {}", func.loc));
        }
        for (_, memref, copy) in &self.branch_snapshots {
            tail.line(&format!("memref.dealloc {copy} : {} {}", self.ty(*memref), func.loc));
        }
        for &buffer in &self.deferred_deallocs {
            tail.line(&format!("memref.dealloc %v{buffer} : {} {}", self.ty(buffer), func.loc));
        }
        for (value, tape) in sorted(&self.tapes) {
            if tape.indexed {
                let total = &self.tape_bytes[&value];
                let released = tail.binary(&mut self.names, "arith.subi", "%c0_release", total, "index", &func.loc);
                tail.line(&format!("func.call @zad_tape_account({released}) : (index) -> () {}", func.loc));
                tail.line(&format!("memref.dealloc {} : memref<?x{}> {}", tape.name, tape.element, func.loc));
            } else {
                tail.line(&format!("zad.tape_free {} : !zad.tape<{}> {}", tape.name, tape.element, func.loc));
            }
        }
        let mut returned: Vec<String> = ret.operands.iter().map(|v| format!("%v{v}")).collect();
        returned.extend(gradients.iter().map(|(name, _)| name.clone()));
        let mut all_types: Vec<String> = ret.operands.iter().map(|&v| self.ty(v).to_string()).collect();
        all_types.extend(gradients.iter().map(|(_, ty)| ty.clone()));
        if returned.is_empty() {
            tail.line(&format!("func.return {}", ret.loc));
        } else {
            tail.line(&format!("func.return {} : {} {}", returned.join(", "), all_types.join(", "), ret.loc));
        }
        text.push_str(&tail.text);
        text.push_str(&format!("}} {}\n", func.loc));
        Ok(text)
    }

    /// Rejects what the transform does not handle, naming the op.
    fn check_supported(&self, block: &Block) -> Result<()> {
        for op in &block.ops {
            if op.successors > 0 {
                return Err(self.unsupported(
                    op,
                    "branches between blocks are not supported by reverse mode; use scf.if, scf.for or scf.while",
                ));
            }
            checkpointed::validate(op)?;
            let structured = matches!(op.name.as_str(), "scf.for" | "scf.if" | "scf.while");
            if !op.regions.is_empty() && !structured {
                return Err(self.unsupported(op, "ops with regions other than scf.for, scf.if and scf.while"));
            }
            for region in &op.regions {
                if region.len() > 1 {
                    return Err(self.unsupported(op, "regions with several blocks"));
                }
                for block in region {
                    self.check_supported(block)?;
                }
            }
        }
        Ok(())
    }

    /// A 'const' buffer that receives active values would need a shadow the
    /// caller did not pass.
    fn check_const_memory(&self) -> Result<()> {
        for (index, (&arg, &kind)) in self.func.args.iter().zip(&self.activity).enumerate() {
            if kind == Activity::Const && self.has_shadow(arg) {
                return Err(Error::Unsupported(format!(
                    "{}: argument #{index} of @{} is 'const' but holds values that depend on the active inputs \
                     and are used later: declare it 'dup' (with a shadow buffer)",
                    self.func.place, self.func.name
                )));
            }
        }
        Ok(())
    }

    fn new_reverse(&self, forward: ScopeId, index: Option<String>) -> Reverse {
        let indent = 1 + self.reverse.len();
        Reverse {
            forward,
            preamble: Body { indent, ..Body::default() },
            body: Body { indent, ..Body::default() },
            available: HashMap::new(),
            shadows: HashMap::new(),
            index,
            cleanup: Vec::new(),
        }
    }

    fn current(&mut self) -> &mut Reverse {
        self.reverse.last_mut().expect("inside a reverse scope")
    }

    /// Writes `rhs` as a new value in the current reverse scope.
    fn emit(&mut self, rhs: &str, loc: &str) -> String {
        let names = &mut self.names;
        self.reverse.last_mut().expect("scope").body.op1(names, rhs, loc)
    }

    fn line(&mut self, line: &str) {
        self.current().body.line(line);
    }

    fn zero(&mut self, ty: &str, loc: &str) -> String {
        let names = &mut self.names;
        self.reverse.last_mut().expect("scope").body.zero(names, ty, loc)
    }

    fn add_adjoint(&mut self, value: ValueId, contribution: &str, loc: &str) {
        let ty = self.ty(value).to_string();
        let sum = match self.adjoints.get(&value).cloned() {
            None => contribution.to_string(),
            Some(previous) => self.emit(&format!("arith.addf {previous}, {contribution} {ADJOINT_SUM} : {ty}"), loc),
        };
        self.adjoints.insert(value, sum);
    }

    /// The adjoint of `value` so far, materialising a zero when none.
    fn adjoint_or_zero(&mut self, value: ValueId, loc: &str) -> String {
        match self.adjoints.get(&value) {
            Some(name) => name.clone(),
            None => {
                let ty = self.ty(value).to_string();
                self.zero(&ty, loc)
            }
        }
    }

    fn reverse_ops(&mut self, ops: &'f [Op]) -> Result<()> {
        for op in ops.iter().rev() {
            self.reverse_op(op)?;
        }
        Ok(())
    }

    fn reverse_op(&mut self, op: &'f Op) -> Result<()> {
        let name = op.name.as_str();
        match name {
            "scf.for" | "scf.while" if checkpointed::scheme(op).is_some() => self.reverse_checkpointed(op),
            "scf.for" => self.reverse_for(op),
            "scf.if" => self.reverse_if(op),
            "scf.while" => self.reverse_while(op),
            "scf.yield" | "scf.condition" | "func.return" => Ok(()),
            "memref.load" => self.reverse_load(op),
            "memref.store" => self.reverse_store(op),
            "memref.copy" => self.reverse_copy(op),
            "func.call" => self.reverse_call(op),
            "memref.alloc" | "memref.alloca" | "memref.dealloc" | "memref.dim" | "memref.rank" | "memref.get_global" => {
                Ok(())
            }
            _ if VIEW_OPS.contains(&name) => Ok(()),
            _ => self.reverse_by_rule(op),
        }
    }

    fn reverse_by_rule(&mut self, op: &'f Op) -> Result<()> {
        let active_results: Vec<ValueId> = op.results.iter().copied().filter(|&r| self.active(r)).collect();
        let touches_shadowed_memory = op.operands.iter().any(|&v| self.has_shadow(v));
        if active_results.is_empty() {
            if touches_shadowed_memory {
                return Err(self.unsupported(op, "it reads or writes memory that carries derivatives, and zad has no rule for it"));
            }
            return Ok(());
        }
        let rule = rules::lookup(&op.name).ok_or_else(|| {
            self.unsupported(op, "no derivative rule for this op (see src/ad/rules for the ops that have one)")
        })?;
        let result = op.results[0];
        let Some(dr) = self.adjoints.get(&result).cloned() else { return Ok(()) };
        for (index, &operand) in op.operands.iter().enumerate() {
            let Some(Adjoint::Expr(text)) = rule.adjoints.get(index).copied() else { continue };
            if !self.active(operand) {
                continue;
            }
            let expr = rules::parsed(text);
            let mut variables = Vec::new();
            expr.variables(&mut variables);
            let mut vars: Vec<(&str, String, String)> = vec![("dr", dr.clone(), self.ty(result).to_string())];
            for variable in &variables {
                let bound = match variable.as_str() {
                    "r" => Some(result),
                    "a" => op.operands.first().copied(),
                    "b" => op.operands.get(1).copied(),
                    "c" => op.operands.get(2).copied(),
                    _ => None,
                };
                if let Some(value) = bound
                    && !vars.iter().any(|(v, _, _)| v == variable)
                {
                    let ssa = self.primal(value)?;
                    let key: &str = match variable.as_str() {
                        "r" => "r",
                        "a" => "a",
                        "b" => "b",
                        _ => "c",
                    };
                    vars.push((key, ssa, self.ty(value).to_string()));
                }
            }
            let float = self.ty(operand).to_string();
            let env = rules::Env { vars: &vars, float: &float, loc: &op.loc };
            let names = &mut self.names;
            let body = &mut self.reverse.last_mut().expect("scope").body;
            let contribution = rules::emit(expr, &env, body, names);
            self.add_adjoint(operand, &contribution, &op.loc);
        }
        Ok(())
    }

    fn indices(&mut self, values: &[ValueId]) -> Result<String> {
        let names: Result<Vec<String>> = values.iter().map(|&v| self.primal(v)).collect();
        Ok(names?.join(", "))
    }

    fn reverse_load(&mut self, op: &'f Op) -> Result<()> {
        let (memref, result) = (op.operands[0], op.results[0]);
        if !self.active(result) || !self.has_shadow(memref) {
            return Ok(());
        }
        let Some(adjoint) = self.adjoints.get(&result).cloned() else { return Ok(()) };
        let shadow = self.shadow(memref, op)?;
        let indices = self.indices(&op.operands[1..])?;
        let (ty, element) = (self.ty(memref).to_string(), self.ty(result).to_string());
        let old = self.emit(&format!("memref.load {shadow}[{indices}] : {ty}"), &op.loc);
        let new = self.emit(&format!("arith.addf {old}, {adjoint} : {element}"), &op.loc);
        self.line(&format!("memref.store {new}, {shadow}[{indices}] : {ty} {}", op.loc));
        Ok(())
    }

    fn reverse_store(&mut self, op: &'f Op) -> Result<()> {
        let (value, memref) = (op.operands[0], op.operands[1]);
        if !self.has_shadow(memref) {
            return Ok(());
        }
        let shadow = self.shadow(memref, op)?;
        let indices = self.indices(&op.operands[2..])?;
        let (ty, element) = (self.ty(memref).to_string(), self.ty(value).to_string());
        let adjoint = self.emit(&format!("memref.load {shadow}[{indices}] : {ty}"), &op.loc);
        let zero = self.zero(&element, &op.loc);
        self.line(&format!("memref.store {zero}, {shadow}[{indices}] : {ty} {}", op.loc));
        if self.active(value) {
            self.add_adjoint(value, &adjoint, &op.loc);
        }
        Ok(())
    }

    fn reverse_copy(&mut self, op: &'f Op) -> Result<()> {
        let (source, target) = (op.operands[0], op.operands[1]);
        if !self.has_shadow(target) {
            return Ok(());
        }
        let target_shadow = self.shadow(target, op)?;
        let source_shadow = if self.has_shadow(source) { Some(self.shadow(source, op)?) } else { None };
        let (target_ty, source_ty) = (self.ty(target).to_string(), self.ty(source).to_string());
        let element = memref_shape(&target_ty).map(|(_, e)| e).unwrap_or_default();
        let loc = op.loc.clone();
        self.loop_nest(&target_shadow, &target_ty, &loc, |body, names, indices| {
            let adjoint = body.op1(names, &format!("memref.load {target_shadow}[{indices}] : {target_ty}"), &loc);
            let zero = body.zero(names, &element, &loc);
            body.line(&format!("memref.store {zero}, {target_shadow}[{indices}] : {target_ty} {loc}"));
            if let Some(source_shadow) = &source_shadow {
                let old = body.op1(names, &format!("memref.load {source_shadow}[{indices}] : {source_ty}"), &loc);
                let new = body.op1(names, &format!("arith.addf {old}, {adjoint} : {element}"), &loc);
                body.line(&format!("memref.store {new}, {source_shadow}[{indices}] : {source_ty} {loc}"));
            }
        });
        Ok(())
    }

    /// Writes loops over every element of `memref` (of type `ty`) into the
    /// current scope, calling `body` with the index list.
    fn loop_nest(&mut self, memref: &str, ty: &str, loc: &str, body: impl FnOnce(&mut Body, &mut Names, &str)) {
        let names = &mut self.names;
        let target = &mut self.reverse.last_mut().expect("scope").body;
        loop_nest(target, names, memref, ty, loc, body);
    }

    /// The trip count of a loop from `lb`, `ub`, `step` (SSA names), without
    /// overflow for any bounds: 0 when `ub <= lb`, else
    /// `(ub - lb - 1) / step + 1` in unsigned arithmetic (the span of a
    /// non-empty range fits in 64 unsigned bits). A step below 1 (which
    /// MLIR leaves undefined; the primal loop never ends) counts as 1, so
    /// that the count never divides by zero.
    fn trip_count(body: &mut Body, names: &mut Names, lb: &str, ub: &str, step: &str, loc: &str) -> String {
        let one = body.constant_index(names, 1, loc);
        let zero = body.constant_index(names, 0, loc);
        let nonempty = body.op1(names, &format!("arith.cmpi slt, {lb}, {ub} : index"), loc);
        let span = body.binary(names, "arith.subi", ub, lb, "index", loc);
        let last = body.binary(names, "arith.subi", &span, &one, "index", loc);
        let positive_step = body.binary(names, "arith.maxsi", step, &one, "index", loc);
        let steps = body.binary(names, "arith.divui", &last, &positive_step, "index", loc);
        let count = body.binary(names, "arith.addi", &steps, &one, "index", loc);
        body.op1(names, &format!("arith.select {nonempty}, {count}, {zero} : index"), loc)
    }

    /// `a * b` for buffer sizes, saturating at the largest index instead of
    /// wrapping, so that an impossible size fails to allocate rather than
    /// allocating a small buffer that is then overrun.
    fn size_product(body: &mut Body, names: &mut Names, a: &str, b: &str, loc: &str) -> String {
        let zero = body.constant_index(names, 0, loc);
        let one = body.constant_index(names, 1, loc);
        let largest = body.constant_index(names, i64::MAX, loc);
        let product = body.binary(names, "arith.muli", a, b, "index", loc);
        let divisor = body.binary(names, "arith.maxsi", a, &one, "index", loc);
        let quotient = body.binary(names, "arith.divui", &product, &divisor, "index", loc);
        let exact = body.op1(names, &format!("arith.cmpi eq, {quotient}, {b} : index"), loc);
        let a_zero = body.op1(names, &format!("arith.cmpi eq, {a}, {zero} : index"), loc);
        let fits = body.binary(names, "arith.ori", &exact, &a_zero, "i1", loc);
        let in_range = body.op1(names, &format!("arith.cmpi sge, {product}, {zero} : index"), loc);
        let valid = body.binary(names, "arith.andi", &fits, &in_range, "i1", loc);
        body.op1(names, &format!("arith.select {valid}, {product}, {largest} : index"), loc)
    }

    /// Float values from outside `scope` used in it whose adjoints the
    /// reverse of the scope may change.
    fn free_adjoints(&self, blocks: &[&Block], scope_ids: &[ScopeId], parent: ScopeId) -> Vec<ValueId> {
        let mut free = Vec::new();
        for (block, &scope) in blocks.iter().zip(scope_ids) {
            for value in free_values(&self.scopes, block, scope) {
                if self.active(value) && !free.contains(&value) && self.scopes.within(parent, self.scopes.of_value[value]) {
                    free.push(value);
                }
            }
        }
        free
    }

    fn reverse_for(&mut self, op: &'f Op) -> Result<()> {
        let loc = op.loc.clone();
        let body_scope = self.scopes.of_region(op, 0);
        let block = &op.regions[0][0];
        let outer_scope = self.current().forward;
        let carried: Vec<usize> = (0..op.results.len())
            .filter(|&j| self.active(op.results[j]) || self.active(block.args[j + 1]))
            .collect();
        let free = self.free_adjoints(&[block], &[body_scope], outer_scope);
        if carried.is_empty() && free.is_empty() && !self.block_touches_shadows(block) {
            return Ok(());
        }

        let (lb, ub, step) = (self.primal(op.operands[0])?, self.primal(op.operands[1])?, self.primal(op.operands[2])?);
        let iv_type = self.ty(block.args[0]).to_string();
        let (lb, step, count) = {
            let names = &mut self.names;
            let body = &mut self.reverse.last_mut().expect("scope").body;
            let [lb, ub, step] = [lb, ub, step].map(|bound| to_index(body, names, &bound, &iv_type, &loc));
            let count = Self::trip_count(body, names, &lb, &ub, &step, &loc);
            (lb, step, count)
        };
        let mut inits = Vec::new();
        for &j in &carried {
            inits.push(self.adjoint_or_zero(op.results[j], &loc));
        }
        for &value in &free {
            inits.push(self.adjoint_or_zero(value, &loc));
        }
        let types: Vec<String> = carried.iter().map(|&j| self.ty(op.results[j]).to_string())
            .chain(free.iter().map(|&v| self.ty(v).to_string()))
            .collect();
        let reverse_loop = self.open_reverse_loop(&count, inits, types, &loc);
        let (k, one, iter_names, outs) =
            (reverse_loop.k.clone(), reverse_loop.one.clone(), reverse_loop.iter_names.clone(), reverse_loop.outs.clone());

        // The body: iteration number, induction variable, then the reverse.
        let parent_index = self.current().index.clone();
        let saved = self.adjoints.clone();
        let mut scope = self.new_reverse(body_scope, None);
        scope.body.indent = self.current().body.indent + 1;
        scope.preamble.indent = scope.body.indent;
        let mut header = Body { indent: scope.body.indent, ..Body::default() };
        let last = header.binary(&mut self.names, "arith.subi", &count, &one, "index", &loc);
        let iteration = header.binary(&mut self.names, "arith.subi", &last, &k, "index", &loc);
        let offset = header.binary(&mut self.names, "arith.muli", &iteration, &step, "index", &loc);
        let iv = header.binary(&mut self.names, "arith.addi", &lb, &offset, "index", &loc);
        let iv = from_index(&mut header, &mut self.names, &iv, &iv_type, &loc);
        scope.available.insert(block.args[0], iv);
        if self.scopes.scopes[body_scope].indexable {
            let index = match parent_index {
                Some(parent) => {
                    let scaled = header.binary(&mut self.names, "arith.muli", &parent, &count, "index", &loc);
                    header.binary(&mut self.names, "arith.addi", &scaled, &iteration, "index", &loc)
                }
                None => iteration,
            };
            scope.index = Some(index);
        }
        self.reverse.push(scope);
        // Outer values first: a yielded value may be one of them (a body
        // that yields a value defined outside the loop), and its adjoint
        // from the next iteration adds to what it carries.
        for (position, &value) in free.iter().enumerate() {
            self.adjoints.insert(value, iter_names[carried.len() + position].clone());
        }
        let yields = yielded(&op.regions[0]);
        for (position, &j) in carried.iter().enumerate() {
            let yielded_value = yields[j];
            if self.active(yielded_value) {
                let name = iter_names[position].clone();
                self.add_adjoint(yielded_value, &name, &loc);
            }
        }
        self.reverse_ops(&block.ops)?;
        let mut results = Vec::new();
        for &j in &carried {
            results.push(self.adjoint_or_zero(block.args[j + 1], &loc));
        }
        for &value in &free {
            results.push(self.adjoint_or_zero(value, &loc));
        }
        let scope = self.reverse.pop().expect("loop scope");
        self.adjoints = saved;

        self.close_reverse_loop(&reverse_loop, &header.text, scope, &results, &loc);
        // Values used in the body carried their adjoints through the loop;
        // an initial value may be one of them, so add its share after.
        for (position, &value) in free.iter().enumerate() {
            self.adjoints.insert(value, outs[carried.len() + position].clone());
        }
        for (position, &j) in carried.iter().enumerate() {
            let init = op.operands[3 + j];
            if self.active(init) {
                let out = outs[position].clone();
                self.add_adjoint(init, &out, &loc);
            }
        }
        Ok(())
    }

    /// Names for a reverse loop `scf.for %k = 0 to count step 1` carrying
    /// adjoints (`inits`, of `types`) as iteration arguments.
    fn open_reverse_loop(&mut self, count: &str, inits: Vec<String>, types: Vec<String>, loc: &str) -> ReverseLoop {
        let zero = self.emit("arith.constant 0 : index", loc);
        let one = self.emit("arith.constant 1 : index", loc);
        let k = self.names.fresh();
        let iter_names = types.iter().map(|_| self.names.fresh()).collect();
        let outs = types.iter().map(|_| self.names.fresh()).collect();
        ReverseLoop { k, zero, one, count: count.to_string(), iter_names, inits, types, outs }
    }

    /// Writes the reverse loop: `header`, then the body of `scope`, freeing
    /// the scope's shadows and yielding `results`.
    fn close_reverse_loop(&mut self, lp: &ReverseLoop, header: &str, scope: Reverse, results: &[String], loc: &str) {
        let lhs = if lp.outs.is_empty() { String::new() } else { format!("{} = ", lp.outs.join(", ")) };
        let iter_args = if lp.types.is_empty() {
            String::new()
        } else {
            let pairs: Vec<String> = lp.iter_names.iter().zip(&lp.inits).map(|(n, i)| format!("{n} = {i}")).collect();
            format!(" iter_args({}) -> ({})", pairs.join(", "), lp.types.join(", "))
        };
        let mut text = format!("{lhs}scf.for {} = {} to {} step {}{iter_args} {{\n", lp.k, lp.zero, lp.count, lp.one);
        text.push_str(&region_text(header, scope, results, &lp.types, loc));
        let pad = "  ".repeat(self.current().body.indent);
        self.line(&format!("{text}{pad}}} {loc}"));
    }

    fn reverse_if(&mut self, op: &'f Op) -> Result<()> {
        let loc = op.loc.clone();
        let outer_scope = self.current().forward;
        let branches: Vec<&'f Block> = op.regions.iter().filter_map(|r| r.first()).collect();
        let branch_scopes: Vec<ScopeId> = (0..branches.len()).map(|i| self.scopes.of_region(op, i)).collect();
        let free = self.free_adjoints(&branches, &branch_scopes, outer_scope);
        let result_adjoints: Vec<Option<String>> =
            op.results.iter().map(|&r| if self.active(r) { self.adjoints.get(&r).cloned() } else { None }).collect();
        let touches_memory = branches.iter().any(|b| self.block_touches_shadows(b));
        if free.is_empty() && result_adjoints.iter().all(Option::is_none) && !touches_memory {
            return Ok(());
        }
        let condition = self.primal(op.operands[0])?;
        // What a branch yields for an outer value it gives no adjoint to:
        // the current adjoint, or one zero made before the branches.
        let mut unchanged = Vec::new();
        for &value in &free {
            unchanged.push(self.adjoint_or_zero(value, &loc));
        }
        let types: Vec<String> = free.iter().map(|&v| self.ty(v).to_string()).collect();
        let outs: Vec<String> = types.iter().map(|_| self.names.fresh()).collect();
        let parent_index = self.current().index.clone();
        let indent = self.current().body.indent;
        let mut texts = Vec::new();
        for (region, scope_id) in [0usize, 1].into_iter().zip([branch_scopes.first().copied(), branch_scopes.get(1).copied()]) {
            let saved = self.adjoints.clone();
            let mut scope = self.new_reverse(scope_id.unwrap_or(usize::MAX), parent_index.clone());
            scope.body.indent = indent + 1;
            scope.preamble.indent = indent + 1;
            let mut header = Body { indent: indent + 1, ..Body::default() };
            if scope.index.is_none() && scope_id.is_some_and(|s| self.scopes.scopes[s].indexable) {
                scope.index = Some(header.constant_index(&mut self.names, 0, &loc));
            }
            self.reverse.push(scope);
            if let Some(block) = op.regions.get(region).and_then(|r| r.first()) {
                let yields = yielded(&op.regions[region]);
                for (j, adjoint) in result_adjoints.iter().enumerate() {
                    if let Some(adjoint) = adjoint
                        && self.active(yields[j])
                    {
                        self.add_adjoint(yields[j], adjoint, &loc);
                    }
                }
                self.reverse_ops(&block.ops)?;
            }
            let results: Vec<String> = free
                .iter()
                .zip(&unchanged)
                .map(|(v, outer)| self.adjoints.get(v).cloned().unwrap_or_else(|| outer.clone()))
                .collect();
            let scope = self.reverse.pop().expect("branch scope");
            self.adjoints = saved;
            texts.push(region_text(&header.text, scope, &results, &types, &loc));
        }
        let lhs = if outs.is_empty() { String::new() } else { format!("{} = ", outs.join(", ")) };
        let result_types = if types.is_empty() { String::new() } else { format!(" -> ({})", types.join(", ")) };
        let pad = "  ".repeat(indent);
        self.line(&format!(
            "{lhs}scf.if {condition}{result_types} {{\n{}{pad}}} else {{\n{}{pad}}} {loc}",
            texts[0], texts[1]
        ));
        for (position, &value) in free.iter().enumerate() {
            self.adjoints.insert(value, outs[position].clone());
        }
        Ok(())
    }

    fn block_touches_shadows(&self, block: &Block) -> bool {
        let mut touches = false;
        walk_blocks(std::slice::from_ref(block), &mut |op| {
            if matches!(op.name.as_str(), "memref.store" | "memref.load" | "memref.copy" | "func.call")
                && op.operands.iter().any(|&v| self.has_shadow(v))
            {
                touches = true;
            }
        });
        touches
    }

    fn reverse_while(&mut self, op: &'f Op) -> Result<()> {
        let loc = op.loc.clone();
        let (before, after) = (&op.regions[0][0], &op.regions[1][0]);
        let condition = before.ops.last().expect("scf.condition");
        let forwarded = &condition.operands[1..];
        // The condition region may compute the condition, but values that
        // carry derivatives must pass through it unchanged.
        for inner in &before.ops {
            let writes_shadowed = matches!(inner.name.as_str(), "memref.store" | "memref.copy" | "func.call")
                && inner.operands.iter().any(|&v| self.has_shadow(v));
            if inner.results.iter().any(|&r| self.active(r)) || writes_shadowed {
                return Err(self.unsupported(op, &format!(
                    "its condition region computes values that carry derivatives (at {}); compute them in the loop body",
                    inner.place
                )));
            }
        }
        let mut passed_from = Vec::new();
        for (j, &value) in forwarded.iter().enumerate() {
            let source = before.args.iter().position(|&arg| arg == value);
            if source.is_none() && (self.active(value) || self.active(after.args[j]) || self.active(op.results[j])) {
                return Err(self.unsupported(op, "a value carrying derivatives is forwarded by scf.condition without being an argument of the condition region"));
            }
            passed_from.push(source);
        }
        let outer_scope = self.current().forward;
        let after_scope = self.scopes.of_region(op, 1);
        let before_scope = self.scopes.of_region(op, 0);
        let carried: Vec<usize> = (0..before.args.len()).filter(|&j| self.active(before.args[j])).collect();
        let free = self.free_adjoints(&[before, after], &[before_scope, after_scope], outer_scope);
        if carried.is_empty() && free.is_empty() && !self.block_touches_shadows(after) {
            return Ok(());
        }
        // Adjoints of the loop's results flow to the arguments they came from.
        let mut initial: HashMap<usize, String> = HashMap::new();
        for (j, &result) in op.results.iter().enumerate() {
            if let (Some(source), Some(adjoint)) = (passed_from[j], self.adjoints.get(&result).cloned())
                && self.active(result)
            {
                let ty = self.ty(result).to_string();
                self.accumulate(&mut initial, source, adjoint, &ty, &loc);
            }
        }
        let count_value = self.while_counts[&(op as *const Op)];
        let count = self.primal(count_value)?;
        let inits = self.carried_then_free(&initial, &carried, &before.args, &free, &loc);
        let types: Vec<String> = carried.iter().map(|&j| self.ty(before.args[j]).to_string())
            .chain(free.iter().map(|&v| self.ty(v).to_string()))
            .collect();
        let reverse_loop = self.open_reverse_loop(&count, inits, types, &loc);
        let (iter_names, outs) = (reverse_loop.iter_names.clone(), reverse_loop.outs.clone());

        let saved = self.adjoints.clone();
        let mut scope = self.new_reverse(after_scope, None);
        scope.body.indent = self.current().body.indent + 1;
        scope.preamble.indent = scope.body.indent;
        self.reverse.push(scope);
        // Outer values first, as in `reverse_for`: the body may yield one.
        for (position, &value) in free.iter().enumerate() {
            self.adjoints.insert(value, iter_names[carried.len() + position].clone());
        }
        let next = yielded(&op.regions[1]);
        for (position, &j) in carried.iter().enumerate() {
            if self.active(next[j]) {
                let name = iter_names[position].clone();
                self.add_adjoint(next[j], &name, &loc);
            }
        }
        self.reverse_ops(&after.ops)?;
        // after.args[k] was before.args[passed_from[k]] in this iteration.
        let mut back: HashMap<usize, String> = HashMap::new();
        for (k_index, &arg) in after.args.iter().enumerate() {
            if let (Some(source), Some(adjoint)) = (passed_from[k_index], self.adjoints.get(&arg).cloned()) {
                let ty = self.ty(arg).to_string();
                self.accumulate(&mut back, source, adjoint, &ty, &loc);
            }
        }
        let results = self.carried_then_free(&back, &carried, &before.args, &free, &loc);
        let scope = self.reverse.pop().expect("while scope");
        self.adjoints = saved;
        self.close_reverse_loop(&reverse_loop, "", scope, &results, &loc);
        for (position, &value) in free.iter().enumerate() {
            self.adjoints.insert(value, outs[carried.len() + position].clone());
        }
        for (position, &j) in carried.iter().enumerate() {
            let init = op.operands[j];
            if self.active(init) {
                let out = outs[position].clone();
                self.add_adjoint(init, &out, &loc);
            }
        }
        Ok(())
    }

    /// `sums[key] += value`, on SSA names.
    fn accumulate(&mut self, sums: &mut HashMap<usize, String>, key: usize, value: String, ty: &str, loc: &str) {
        let sum = match sums.remove(&key) {
            Some(previous) => self.emit(&format!("arith.addf {previous}, {value} {ADJOINT_SUM} : {ty}"), loc),
            None => value,
        };
        sums.insert(key, sum);
    }

    /// The adjoints of the `carried` arguments (from `sums`, zero when
    /// absent), then those of the `free` values: a reverse loop's iteration
    /// arguments.
    fn carried_then_free(
        &mut self,
        sums: &HashMap<usize, String>,
        carried: &[usize],
        args: &[ValueId],
        free: &[ValueId],
        loc: &str,
    ) -> Vec<String> {
        let mut values = Vec::new();
        for &j in carried {
            let value = match sums.get(&j) {
                Some(name) => name.clone(),
                None => {
                    let ty = self.ty(args[j]).to_string();
                    self.zero(&ty, loc)
                }
            };
            values.push(value);
        }
        for &value in free {
            values.push(self.adjoint_or_zero(value, loc));
        }
        values
    }

    /// The activity a call site gives its callee.
    fn call_activity(&self, op: &Op) -> Vec<Activity> {
        op.operands
            .iter()
            .map(|&v| {
                if is_float(self.ty(v)) && self.active(v) {
                    Activity::Active
                } else if is_memref(self.ty(v)) && self.has_shadow(v) {
                    Activity::Dup
                } else {
                    Activity::Const
                }
            })
            .collect()
    }

    fn call_needs_adjoint(&self, op: &Op) -> bool {
        let activity = self.call_activity(op);
        activity.iter().any(|&a| a != Activity::Const) && (op.results.iter().any(|&r| self.active(r)) || activity.contains(&Activity::Dup))
    }

    fn reverse_call(&mut self, op: &'f Op) -> Result<()> {
        if !self.call_needs_adjoint(op) {
            return Ok(());
        }
        let loc = op.loc.clone();
        let callee = op.attribute("callee").unwrap_or_default().trim_start_matches('@').to_string();
        let activity = self.call_activity(op);
        // The call reruns on copies of its buffer arguments as they were when
        // it ran; the forward sweep makes them under these names.
        let memrefs: Vec<ValueId> = op.operands.iter().copied().filter(|&v| is_memref(self.ty(v))).collect();
        self.check_call_buffers(op, &memrefs)?;
        let snapshots: Vec<(ValueId, String)> = memrefs.iter().map(|&m| (m, self.names.fresh())).collect();
        self.snapshots.insert(op as *const Op, snapshots.clone());
        let in_branch = self.current().forward != TOP;
        if in_branch {
            // Made before the top-level op holding the branch, filled where
            // the call runs, freed at the end of the adjoint.
            let forward = self.current().forward;
            let outermost = self.scopes.scopes[forward].outermost;
            self.branch_snapshots.extend(snapshots.iter().map(|(m, copy)| (outermost, *m, copy.clone())));
        }
        let mut args = Vec::new();
        let mut types = Vec::new();
        for (&operand, &kind) in op.operands.iter().zip(&activity) {
            let primal = match snapshots.iter().find(|(v, _)| *v == operand) {
                Some((_, copy)) => copy.clone(),
                None => self.primal(operand)?,
            };
            args.push(primal);
            types.push(self.ty(operand).to_string());
            if kind == Activity::Dup {
                args.push(self.shadow(operand, op)?);
                types.push(self.ty(operand).to_string());
            }
        }
        for &result in &op.results {
            if is_float(self.ty(result)) {
                let seed = self.adjoint_or_zero(result, &loc);
                args.push(seed);
                types.push(self.ty(result).to_string());
            }
        }
        let mut result_types: Vec<String> = op.results.iter().map(|&r| self.ty(r).to_string()).collect();
        let active_args: Vec<ValueId> =
            op.operands.iter().zip(&activity).filter(|(_, a)| **a == Activity::Active).map(|(&v, _)| v).collect();
        result_types.extend(active_args.iter().map(|&v| self.ty(v).to_string()));
        let request = Request { function: callee, activity, seeded: true };
        let outs: Vec<String> = result_types.iter().map(|_| self.names.fresh()).collect();
        let lhs = if outs.is_empty() { String::new() } else { format!("{} = ", outs.join(", ")) };
        self.line(&format!(
            "{lhs}func.call @{}({}) : ({}) -> ({}) {loc}",
            request.gradient_name(),
            args.join(", "),
            types.join(", "),
            result_types.join(", ")
        ));
        for (position, &value) in active_args.iter().enumerate() {
            let gradient = outs[op.results.len() + position].clone();
            self.add_adjoint(value, &gradient, &loc);
        }
        if !in_branch {
            for (memref, copy) in &snapshots {
                let ty = self.ty(*memref).to_string();
                self.line(&format!("memref.dealloc {copy} : {ty} {loc}"));
            }
        }
        self.callees.push(request);
        Ok(())
    }

    /// A call that is not inlined reruns, in the reverse sweep, on copies of
    /// its buffer arguments made when it ran. That needs one copy per call
    /// (not inside a loop: there a checkpointed time loop does the job), a
    /// place to keep it (buffers defined in the function body), and buffer
    /// arguments that do not share memory (copied apart, they would not
    /// alias in the rerun as they did in the call).
    fn check_call_buffers(&self, op: &Op, memrefs: &[ValueId]) -> Result<()> {
        if memrefs.is_empty() {
            return Ok(());
        }
        let current = self.reverse.last().expect("inside a reverse scope").forward;
        let mut scope = current;
        while scope != TOP {
            if self.scopes.scopes[scope].kind != scopes::Kind::IfBranch {
                return Err(self.unsupported(
                    op,
                    "a call that is not inlined (recursive or checkpointed) with buffer arguments inside a loop; \
                     put it in a checkpointed time loop instead",
                ));
            }
            scope = self.scopes.scopes[scope].parent.unwrap_or(TOP);
        }
        let in_branch = current != TOP;
        for (position, &memref) in memrefs.iter().enumerate() {
            if in_branch && self.scopes.of_value[memref] != TOP {
                return Err(self.unsupported(
                    op,
                    "a call that is not inlined (recursive or checkpointed) inside a branch takes a buffer defined \
                     in that branch; define the buffer (or its view) before the branch",
                ));
            }
            if let Some(&other) = memrefs[..position].iter().find(|&&m| self.analysis.root[m] == self.analysis.root[memref]) {
                let argument = |value: ValueId| op.operands.iter().position(|&v| v == value).unwrap_or(0) + 1;
                let (first, second) = (argument(other), op.operands.iter().rposition(|&v| v == memref).unwrap_or(0) + 1);
                return Err(self.unsupported(
                    op,
                    &format!(
                        "arguments {first} and {second} of this call share one buffer; a call that is not inlined \
                         (recursive or checkpointed) needs buffer arguments that do not alias (pass distinct \
                         buffers, or remove the checkpoint so that the call is inlined)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The primal value `value` as available in the current reverse scope.
    fn primal(&mut self, value: ValueId) -> Result<String> {
        let scope = self.scopes.of_value[value];
        if scope == TOP {
            return Ok(format!("%v{value}"));
        }
        let position = self.reverse.iter().rposition(|r| r.forward == scope).ok_or_else(|| {
            Error::Internal(format!("value %v{value} is needed outside the scope that defines it"))
        })?;
        if let Some(name) = self.reverse[position].available.get(&value) {
            return Ok(name.clone());
        }
        let name = match self.scopes.def[value] {
            Some(op) if self.recomputable(op) && self.tape_leaves(value) <= 1 => self.recompute(op, value, position)?,
            _ => self.load_from_tape(value, position)?,
        };
        self.reverse[position].available.insert(value, name.clone());
        Ok(name)
    }

    /// Ops the reverse sweep may run again instead of recording their
    /// results: pure arithmetic, and loads from memory nothing writes to
    /// (of a buffer the reverse sweep can see).
    fn recomputable(&self, op: &Op) -> bool {
        if !op.regions.is_empty() {
            return false;
        }
        let pure = op.name.starts_with("arith.")
            || (op.name.starts_with("math.") && !TRANSCENDENTAL.contains(&op.name.as_str()))
            || op.name.starts_with("index.");
        let stable_load = op.name == "memref.load"
            && self.analysis.read_only(op.operands[0])
            && self.scopes.of_value[op.operands[0]] == TOP;
        pure || stable_load
    }

    /// How many distinct values recomputing `value` would read from tapes.
    fn tape_leaves(&self, value: ValueId) -> usize {
        let mut leaves = Vec::new();
        self.collect_tape_leaves(value, 0, &mut leaves);
        leaves.len()
    }

    fn collect_tape_leaves(&self, value: ValueId, depth: usize, leaves: &mut Vec<ValueId>) {
        let scope = self.scopes.of_value[value];
        if scope == TOP || self.reverse.iter().any(|r| r.available.contains_key(&value)) || leaves.contains(&value) {
            return;
        }
        match self.scopes.def[value] {
            Some(op) if self.recomputable(op) && depth < 16 => {
                for &operand in &op.operands {
                    self.collect_tape_leaves(operand, depth + 1, leaves);
                }
            }
            _ => leaves.push(value),
        }
    }

    fn recompute(&mut self, op: &'f Op, value: ValueId, position: usize) -> Result<String> {
        let operands: Result<Vec<String>> = op.operands.iter().map(|&v| self.primal(v)).collect();
        let operands = operands?;
        let results: Vec<String> = op.results.iter().map(|_| self.names.fresh()).collect();
        let text = generic(op, &results, &operands, &self.value_types);
        let scope = &mut self.reverse[position];
        scope.preamble.line(&text);
        for (&result, name) in op.results.iter().zip(&results) {
            scope.available.insert(result, name.clone());
        }
        Ok(results[op.results.iter().position(|&r| r == value).expect("value is a result")].clone())
    }

    fn load_from_tape(&mut self, value: ValueId, position: usize) -> Result<String> {
        let ty = self.ty(value).to_string();
        if is_memref(&ty) {
            let place = self.scopes.def[value].map(|op| op.place.clone()).unwrap_or_else(|| self.func.place.clone());
            return Err(Error::Unsupported(format!(
                "{place}: the reverse sweep needs a buffer (of type {ty}) defined inside a loop or branch; \
                 allocate it before the loop"
            )));
        }
        let scope = self.scopes.of_value[value];
        let indexed = self.scopes.scopes[scope].indexable;
        let tape = format!("%tape{value}");
        self.tapes.insert(value, Tape { name: tape.clone(), element: ty.clone(), indexed, scope });
        let loc = self.func.loc.clone();
        let name = self.names.fresh();
        let reverse = &mut self.reverse[position];
        if indexed {
            let index = reverse.index.clone().ok_or_else(|| Error::Internal("indexed tape without an iteration number".into()))?;
            reverse.preamble.line(&format!("{name} = memref.load {tape}[{index}] : memref<?x{ty}> {loc}"));
        } else {
            reverse.preamble.line(&format!("{name} = zad.pop {tape} : !zad.tape<{ty}> {loc}"));
        }
        Ok(name)
    }

    /// The shadow of memref `value` in the current reverse scope.
    fn shadow(&mut self, value: ValueId, user: &Op) -> Result<String> {
        if let Some(argument) = self.func.args.iter().position(|&a| a == value) {
            return match self.activity[argument] {
                Activity::Dup => Ok(format!("%s{value}")),
                _ => Err(self.unsupported(user, &format!("argument #{argument} needs a shadow: declare it 'dup'"))),
            };
        }
        let scope = self.scopes.of_value[value];
        let position = self.reverse.iter().rposition(|r| r.forward == scope).unwrap_or(0);
        if let Some(name) = self.reverse[position].shadows.get(&value) {
            return Ok(name.clone());
        }
        let ty = self.ty(value).to_string();
        let op = self.scopes.def[value]
            .ok_or_else(|| self.unsupported(user, "a buffer passed between loop iterations carries derivatives"))?;
        let name = self.names.fresh();
        if VIEW_OPS.contains(&op.name.as_str()) {
            let base = self.shadow(op.operands[0], user)?;
            let mut operands = vec![base];
            for &operand in &op.operands[1..] {
                operands.push(self.primal(operand)?);
            }
            let text = generic(op, std::slice::from_ref(&name), &operands, &self.value_types);
            self.reverse[position].preamble.line(&text);
        } else if matches!(op.name.as_str(), "memref.alloc" | "memref.alloca" | "memref.get_global") {
            let sizes: Result<Vec<String>> = op.operands.iter().map(|&v| self.primal(v)).collect();
            let sizes = sizes?;
            let element = memref_shape(&ty).map(|(_, e)| e).unwrap_or_default();
            let loc = op.loc.clone();
            let names = &mut self.names;
            let reverse = &mut self.reverse[position];
            reverse.preamble.line(&format!("{name} = memref.alloc({}) : {ty} {loc}", sizes.join(", ")));
            reverse.cleanup.push((name.clone(), ty.clone()));
            loop_nest(&mut reverse.preamble, names, &name, &ty, &loc, |body, names, indices| {
                let zero = body.zero(names, &element, &loc);
                body.line(&format!("memref.store {zero}, {name}[{indices}] : {ty} {loc}"));
            });
        } else {
            return Err(self.unsupported(user, &format!("the buffer it uses comes from '{}', which zad cannot give a shadow", op.name)));
        }
        self.reverse[position].shadows.insert(value, name.clone());
        Ok(name)
    }

    /// Writes the forward sweep of `block`: the primal ops, recording taped
    /// values. `index` is the iteration number for indexed tapes.
    /// `top`: the function body (its return is written by the caller);
    /// `own_terminator`: the caller writes the block's terminator itself.
    fn forward_block(&mut self, block: &'f Block, out: &mut Body, index: Option<&str>, top: bool) -> Result<()> {
        self.forward_block_with(block, out, index, top, false)
    }

    fn forward_block_with(
        &mut self,
        block: &'f Block,
        out: &mut Body,
        index: Option<&str>,
        top: bool,
        own_terminator: bool,
    ) -> Result<()> {
        for &arg in &block.args {
            self.record(arg, out, index);
        }
        for (position, op) in block.ops.iter().enumerate() {
            let is_terminator = position + 1 == block.ops.len();
            if is_terminator && (top || own_terminator) {
                break;
            }
            if top {
                self.allocate_indexed_tapes(position, out);
            }
            self.forward_op(op, out, index, top)?;
            for &result in &op.results {
                self.record(result, out, index);
            }
        }
        Ok(())
    }

    fn record(&mut self, value: ValueId, out: &mut Body, index: Option<&str>) {
        if let Some(tape) = self.tapes.get(&value) {
            let ty = &tape.element;
            if tape.indexed {
                let index = index.expect("an indexed tape is written where the iteration is numbered");
                out.line(&format!("memref.store %v{value}, {}[{index}] : memref<?x{ty}>", tape.name));
            } else {
                out.line(&format!("zad.push {}, %v{value} : !zad.tape<{ty}>", tape.name));
            }
        }
    }

    /// `copy = ` a fresh buffer of the type and sizes of `memref`.
    fn allocate_copy(&mut self, out: &mut Body, memref: ValueId, copy: &str, loc: &str) {
        let ty = self.ty(memref).to_string();
        let mut sizes = Vec::new();
        for (dim, size) in memref_shape(&ty).map(|(d, _)| d).unwrap_or_default().iter().enumerate() {
            if size.is_none() {
                let d = out.constant_index(&mut self.names, dim as i64, loc);
                sizes.push(out.op1(&mut self.names, &format!("memref.dim %v{memref}, {d} : {ty}"), loc));
            }
        }
        let plain = plain_memref_type(&ty);
        if plain == ty {
            out.line(&format!("{copy} = memref.alloc({}) : {plain} {loc}", sizes.join(", ")));
        } else {
            let fresh = out.op1(&mut self.names, &format!("memref.alloc({}) : {plain}", sizes.join(", ")), loc);
            out.line(&format!("{copy} = memref.cast {fresh} : {plain} to {ty} {loc}"));
        }
    }

    /// Before the top-level op at `position`: buffers for the indexed tapes of
    /// values defined inside it, sized by the trip counts of their loops, and
    /// for the copies of calls in branches inside it.
    fn allocate_indexed_tapes(&mut self, position: usize, out: &mut Body) {
        let copies: Vec<(ValueId, String)> =
            self.branch_snapshots.iter().filter(|(p, _, _)| *p == position).map(|(_, m, c)| (*m, c.clone())).collect();
        let loc = self.func.loc.clone();
        for (memref, copy) in copies {
            self.allocate_copy(out, memref, &copy, &loc);
        }
        let loc = self.func.loc.clone();
        let tapes: Vec<(ValueId, String, String, ScopeId)> = self
            .tapes
            .iter()
            .filter(|(_, t)| t.indexed && self.scopes.scopes[t.scope].outermost == position)
            .map(|(&v, t)| (v, t.name.clone(), t.element.clone(), t.scope))
            .collect();
        let mut tapes = tapes;
        tapes.sort();
        for (value, name, element, scope) in tapes {
            let mut size = out.constant_index(&mut self.names, 1, &loc);
            for lp in self.scopes.loops(scope) {
                let iv_type = self.value_types[lp.regions[0][0].args[0]].clone();
                let [lb, ub, step] = [lp.operands[0], lp.operands[1], lp.operands[2]]
                    .map(|v| to_index(out, &mut self.names, &format!("%v{v}"), &iv_type, &loc));
                let count = Self::trip_count(out, &mut self.names, &lb, &ub, &step, &loc);
                size = Self::size_product(out, &mut self.names, &size, &count, &loc);
            }
            out.line(&format!("{name} = memref.alloc({size}) : memref<?x{element}> {loc}"));
            let bytes = out.constant_index(&mut self.names, element_bytes(&element), &loc);
            let total = Self::size_product(out, &mut self.names, &size, &bytes, &loc);
            out.line(&format!("func.call @zad_tape_account({total}) : (index) -> () {loc}"));
            self.tape_bytes.insert(value, total);
        }
    }

    fn forward_op(&mut self, op: &'f Op, out: &mut Body, index: Option<&str>, top: bool) -> Result<()> {
        let operands: Vec<String> = op.operands.iter().map(|v| format!("%v{v}")).collect();
        let results: Vec<String> = op.results.iter().map(|v| format!("%v{v}")).collect();
        match op.name.as_str() {
            "scf.for" if checkpointed::scheme(op).is_some() => self.forward_checkpointed(op, out, top)?,
            "scf.for" => {
                // The forward sweep runs the loop by its trip count, the
                // iteration number k from 0, and computes the induction
                // variable as lb + k·step: the reverse sweep and the tapes
                // are sized by that count, and must agree with the forward
                // sweep even where the primal's induction variable would
                // overflow its type.
                let loc = op.loc.clone();
                let block = &op.regions[0][0];
                let iv = block.args[0];
                let iv_type = self.ty(iv).to_string();
                let [lb, ub, step] = [&operands[0], &operands[1], &operands[2]]
                    .map(|bound| to_index(out, &mut self.names, bound, &iv_type, &loc));
                let count = Self::trip_count(out, &mut self.names, &lb, &ub, &step, &loc);
                let zero = out.constant_index(&mut self.names, 0, &loc);
                let one = out.constant_index(&mut self.names, 1, &loc);
                let k = self.names.fresh();
                let mut inner = Body { indent: out.indent + 1, ..Body::default() };
                let offset = inner.binary(&mut self.names, "arith.muli", &k, &step, "index", &loc);
                if iv_type == "index" {
                    inner.line(&format!("%v{iv} = arith.addi {lb}, {offset} : index {loc}"));
                } else {
                    let iv_index = inner.binary(&mut self.names, "arith.addi", &lb, &offset, "index", &loc);
                    inner.line(&format!("%v{iv} = arith.index_cast {iv_index} : index to {iv_type} {loc}"));
                }
                let body_scope = self.scopes.of_region(op, 0);
                let needs_index = self.tapes.values().any(|t| t.indexed && self.scopes.within(t.scope, body_scope));
                let inner_index = needs_index.then(|| match index {
                    Some(parent) => {
                        let scaled = inner.binary(&mut self.names, "arith.muli", parent, &count, "index", &loc);
                        inner.binary(&mut self.names, "arith.addi", &scaled, &k, "index", &loc)
                    }
                    None => k.clone(),
                });
                self.forward_block(block, &mut inner, inner_index.as_deref().or(index), false)?;
                let mut args = vec![format!("{k}: index")];
                args.extend(block.args[1..].iter().map(|&a| format!("%v{a}: {}", self.ty(a))));
                let mut loop_operands = vec![zero, count, one];
                loop_operands.extend_from_slice(&operands[3..]);
                let mut operand_types = vec!["index".to_string(); 3];
                operand_types.extend(op.operands[3..].iter().map(|&v| self.ty(v).to_string()));
                let result_types: Vec<String> = op.results.iter().map(|&v| self.ty(v).to_string()).collect();
                let lhs = if results.is_empty() { String::new() } else { format!("{} = ", results.join(", ")) };
                let pad = "  ".repeat(out.indent);
                out.line(&format!(
                    "{lhs}\"scf.for\"({}) ({{\n{pad}^bb0({}):\n{}{pad}}}) {} : ({}) -> ({}) {loc}",
                    loop_operands.join(", "),
                    args.join(", "),
                    inner.text,
                    op.attribute_dict(),
                    operand_types.join(", "),
                    result_types.join(", ")
                ));
            }
            "scf.if" => {
                let mut regions = Vec::new();
                for (position, region) in op.regions.iter().enumerate() {
                    let Some(block) = region.first() else {
                        regions.push(String::new());
                        continue;
                    };
                    let mut inner = Body { indent: out.indent + 1, ..Body::default() };
                    let branch_scope = self.scopes.of_region(op, position);
                    let needs_zero = index.is_none() && self.tapes.values().any(|t| t.indexed && self.scopes.within(t.scope, branch_scope));
                    let zero = if needs_zero { Some(inner.constant_index(&mut self.names, 0, &op.loc)) } else { None };
                    self.forward_block(block, &mut inner, zero.as_deref().or(index), false)?;
                    regions.push(format!("^bb0:\n{}", inner.text));
                }
                out.line(&region_op(op, &results, &operands, &regions, &self.value_types, out.indent));
            }
            "scf.while" => {
                let online = checkpointed::scheme(op).is_some();
                if online {
                    self.checkpoint_prelude(op, out, top)?;
                }
                let count = self.while_counts[&(op as *const Op)];
                let (before, after) = (&op.regions[0][0], &op.regions[1][0]);
                let counter_in = self.names.fresh();
                let counter_mid = self.names.fresh();
                let mut before_body = Body { indent: out.indent + 1, ..Body::default() };
                let hooks = online.then(|| self.online_hooks(op, &counter_mid));
                if let Some((store_state, _)) = &hooks {
                    store_state.lines().for_each(|line| before_body.line(line));
                }
                self.forward_block_with(before, &mut before_body, None, false, true)?;
                let condition = before.ops.last().expect("scf.condition");
                let mut forwarded: Vec<String> = condition.operands.iter().map(|v| format!("%v{v}")).collect();
                let mut forwarded_types: Vec<String> = condition.operands.iter().map(|&v| self.ty(v).to_string()).collect();
                forwarded.push(counter_in.clone());
                forwarded_types.push("index".into());
                before_body.line(&format!(
                    "\"scf.condition\"({}) : ({}) -> () {}",
                    forwarded.join(", "),
                    forwarded_types.join(", "),
                    condition.loc
                ));
                let mut after_body = Body { indent: out.indent + 1, ..Body::default() };
                if let Some((_, decide)) = &hooks {
                    decide.lines().for_each(|line| after_body.line(line));
                }
                self.forward_block_with(after, &mut after_body, None, false, true)?;
                let next = after.ops.last().expect("scf.yield");
                let one = after_body.constant_index(&mut self.names, 1, &op.loc);
                let incremented = after_body.binary(&mut self.names, "arith.addi", &counter_mid, &one, "index", &op.loc);
                let mut yielded_values: Vec<String> = next.operands.iter().map(|v| format!("%v{v}")).collect();
                let mut yielded_types: Vec<String> = next.operands.iter().map(|&v| self.ty(v).to_string()).collect();
                yielded_values.push(incremented);
                yielded_types.push("index".into());
                after_body.line(&format!("\"scf.yield\"({}) : ({}) -> () {}", yielded_values.join(", "), yielded_types.join(", "), next.loc));
                let mut before_args: Vec<String> = before.args.iter().map(|&a| format!("%v{a}: {}", self.ty(a))).collect();
                before_args.push(format!("{counter_in}: index"));
                let mut after_args: Vec<String> = after.args.iter().map(|&a| format!("%v{a}: {}", self.ty(a))).collect();
                after_args.push(format!("{counter_mid}: index"));
                let zero = out.constant_index(&mut self.names, 0, &op.loc);
                let mut all_operands = operands.clone();
                all_operands.push(zero);
                let mut all_results = results.clone();
                all_results.push(format!("%v{count}"));
                let mut operand_types: Vec<String> = op.operands.iter().map(|&v| self.ty(v).to_string()).collect();
                operand_types.push("index".into());
                let mut result_types: Vec<String> = op.results.iter().map(|&v| self.ty(v).to_string()).collect();
                result_types.push("index".into());
                let pad = "  ".repeat(out.indent);
                out.line(&format!(
                    "{} = \"scf.while\"({}) ({{\n{pad}^bb0({}):\n{}{pad}}}, {{\n{pad}^bb0({}):\n{}{pad}}}) : ({}) -> ({}) {}",
                    all_results.join(", "),
                    all_operands.join(", "),
                    before_args.join(", "),
                    before_body.text,
                    after_args.join(", "),
                    after_body.text,
                    operand_types.join(", "),
                    result_types.join(", "),
                    op.loc
                ));
                self.record(count, out, index);
                if online {
                    let handle = self.checkpoints[&(op as *const Op)].handle().to_string();
                    out.line(&format!(
                        "func.call @zad_ckpt_online_finish({handle}, %v{count}) : (index, index) -> () {}",
                        op.loc
                    ));
                }
            }
            "func.call" => {
                // Copies of the buffer arguments the reverse sweep reruns the
                // call on (named when the reverse sweep was written).
                let copies = self.snapshots.get(&(op as *const Op)).cloned().unwrap_or_default();
                for (memref, copy) in copies {
                    if !self.branch_snapshots.iter().any(|(_, _, c)| *c == copy) {
                        self.allocate_copy(out, memref, &copy, &op.loc);
                    }
                    let ty = self.ty(memref).to_string();
                    out.line(&format!("memref.copy %v{memref}, {copy} : {ty} to {ty} {}", op.loc));
                }
                out.line(&generic(op, &results, &operands, &self.value_types));
            }
            "memref.dealloc" if self.reruns_on(op.operands[0]) => {
                // The reverse sweep runs steps on this buffer again: free it
                // at the very end instead.
                self.deferred_deallocs.push(op.operands[0]);
            }
            _ => out.line(&generic(op, &results, &operands, &self.value_types)),
        }
        Ok(())
    }

    /// Whether a checkpointed loop's steps, rerun by the reverse sweep, use
    /// the memory of `memref`.
    fn reruns_on(&self, memref: ValueId) -> bool {
        let root = self.analysis.root[memref];
        self.checkpoints.values().flat_map(|lp| lp.free_values()).any(|&v| self.analysis.root[v] == root)
    }
}

/// The inside of a reverse region: `header`, the scope's recomputations and
/// adjoint code, the freeing of its shadows, and the yield of `results`.
fn region_text(header: &str, scope: Reverse, results: &[String], types: &[String], loc: &str) -> String {
    let mut text = header.to_string();
    text.push_str(&scope.preamble.text);
    text.push_str(&scope.body.text);
    let mut tail = Body { indent: scope.body.indent, ..Body::default() };
    for (shadow, ty) in &scope.cleanup {
        tail.line(&format!("memref.dealloc {shadow} : {ty} {loc}"));
    }
    if !types.is_empty() {
        tail.line(&format!("scf.yield {} : {} {loc}", results.join(", "), types.join(", ")));
    }
    text.push_str(&tail.text);
    text
}

/// Writes loops over every element of `memref` (of type `ty`) into `out`,
/// calling `body` with the comma-separated index list.
fn loop_nest(
    out: &mut Body,
    names: &mut Names,
    memref: &str,
    ty: &str,
    loc: &str,
    body: impl FnOnce(&mut Body, &mut Names, &str),
) {
    let rank = memref_shape(ty).map_or(0, |(dims, _)| dims.len());
    let zero = out.constant_index(names, 0, loc);
    let one = out.constant_index(names, 1, loc);
    let mut indices = Vec::new();
    for dim in 0..rank {
        let d = out.constant_index(names, dim as i64, loc);
        let size = out.op1(names, &format!("memref.dim {memref}, {d} : {ty}"), loc);
        let index = names.fresh();
        out.line(&format!("scf.for {index} = {zero} to {size} step {one} {{"));
        out.indent += 1;
        indices.push(index);
    }
    body(out, names, &indices.join(", "));
    for _ in 0..rank {
        out.indent -= 1;
        out.line(&format!("}} {loc}"));
    }
}

/// Math ops that cost far more than reading a recorded value (library
/// calls): their results are recorded rather than recomputed.
const TRANSCENDENTAL: &[&str] = &[
    "math.sin", "math.cos", "math.tan", "math.asin", "math.acos", "math.atan", "math.atan2", "math.sinh",
    "math.cosh", "math.tanh", "math.asinh", "math.acosh", "math.atanh", "math.exp", "math.exp2", "math.expm1",
    "math.log", "math.log2", "math.log10", "math.log1p", "math.powf", "math.fpowi", "math.erf", "math.erfc",
    "math.cbrt",
];

/// `value` (of integer type `ty`) as an `index`, for trip-count arithmetic
/// on loops whose induction variable is an i32 or i64.
fn to_index(out: &mut Body, names: &mut Names, value: &str, ty: &str, loc: &str) -> String {
    if ty == "index" { value.to_string() } else { out.op1(names, &format!("arith.index_cast {value} : {ty} to index"), loc) }
}

/// The inverse of `to_index`.
fn from_index(out: &mut Body, names: &mut Names, value: &str, ty: &str, loc: &str) -> String {
    if ty == "index" { value.to_string() } else { out.op1(names, &format!("arith.index_cast {value} : index to {ty}"), loc) }
}

fn element_bytes(element: &str) -> i64 {
    match element {
        "f32" | "i32" => 4,
        "i1" => 1,
        _ => 8,
    }
}

/// An op without regions, in MLIR's generic form.
pub fn generic(op: &Op, results: &[String], operands: &[String], types: &[String]) -> String {
    let lhs = if results.is_empty() { String::new() } else { format!("{} = ", results.join(", ")) };
    let operand_types: Vec<&str> = op.operands.iter().map(|&v| types[v].as_str()).collect();
    let result_types: Vec<&str> = op.results.iter().map(|&v| types[v].as_str()).collect();
    format!(
        "{lhs}\"{}\"({}) {} : ({}) -> ({}) {}",
        op.name,
        operands.join(", "),
        op.attribute_dict(),
        operand_types.join(", "),
        result_types.join(", "),
        op.loc
    )
}

fn region_op(op: &Op, results: &[String], operands: &[String], regions: &[String], types: &[String], indent: usize) -> String {
    let pad = "  ".repeat(indent);
    let lhs = if results.is_empty() { String::new() } else { format!("{} = ", results.join(", ")) };
    let operand_types: Vec<&str> = op.operands.iter().map(|&v| types[v].as_str()).collect();
    let result_types: Vec<&str> = op.results.iter().map(|&v| types[v].as_str()).collect();
    let regions: Vec<String> =
        regions.iter().map(|r| if r.is_empty() { "{\n}".to_string() } else { format!("{{\n{pad}{r}{pad}}}") }).collect();
    format!(
        "{lhs}\"{}\"({}) ({}) {} : ({}) -> ({}) {}",
        op.name,
        operands.join(", "),
        regions.join(", "),
        op.attribute_dict(),
        operand_types.join(", "),
        result_types.join(", "),
        op.loc
    )
}

/// `memref<?x4xf64, strided<...>>` without its layout: a fresh buffer's type.
fn plain_memref_type(ty: &str) -> String {
    match memref_shape(ty) {
        Some((dims, element)) => {
            let mut text = String::from("memref<");
            for dim in dims {
                match dim {
                    Some(size) => text.push_str(&format!("{size}x")),
                    None => text.push_str("?x"),
                }
            }
            text.push_str(&element);
            text.push('>');
            text
        }
        None => ty.to_string(),
    }
}

fn sorted(tapes: &HashMap<ValueId, Tape>) -> Vec<(ValueId, &Tape)> {
    let mut list: Vec<(ValueId, &Tape)> = tapes.iter().map(|(&v, t)| (v, t)).collect();
    list.sort_by_key(|(v, _)| *v);
    list
}
