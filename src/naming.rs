//! How messages name a compiled function and its parameters: in the terms
//! of the function the user wrote (1-based positions, the argument names of
//! the source), whatever zad compiled from it (a gradient adds shadows and
//! seeds, and has a name of zad's own).

/// How messages name a compiled function and its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Naming {
    /// The user's function, `misfit` for `@misfit`.
    pub function: String,
    /// Whether this is that function itself, its gradient, its tangent or
    /// its Hessian-vector product.
    pub derivative: Derivative,
    /// The names of the user's function's arguments in its source
    /// (`%steps`), where the source has them.
    pub arguments: Vec<Option<String>>,
    /// What each input of the compiled function is.
    pub inputs: Vec<Input>,
    /// What each result of the compiled function is.
    pub outputs: Vec<Output>,
    /// Pairs of arguments (positions) whose arrays must not overlap in
    /// memory when called: C pointer parameters that may alias (see
    /// `crate::csource`). Calls check them and refuse overlapping arrays.
    pub disjoint: Vec<(usize, usize)>,
}

/// What a compiled function is to the user's function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Derivative {
    /// The function itself.
    None,
    /// Its reverse-mode gradient.
    Gradient,
    /// Its forward-mode tangent, with `width` tangents per argument.
    Tangent { width: usize },
    /// Its Hessian-vector product (forward over reverse).
    Hvp,
}

/// An input of a compiled function, in the user's terms. Positions count
/// from 0 here and from 1 in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Input {
    /// Argument `n` of the user's function.
    Argument(usize),
    /// The shadow of argument `n` (a `dup` argument of a gradient).
    Shadow(usize),
    /// The seed (cotangent) of result `n` of the user's function.
    Seed(usize),
    /// Tangent `lane` (0-based; always 0 at width 1) of argument `n` (a
    /// `dup` argument of a tangent).
    Tangent(usize, usize),
    /// The direction V for argument `n` (an HVP's input).
    Direction(usize),
    /// The buffer into which H·V is accumulated for argument `n` (a `dup`
    /// argument of an HVP).
    HvpBuffer(usize),
}

/// A result of a compiled function, in the user's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Output {
    /// Result `n` of the user's function.
    Result(usize),
    /// The gradient with respect to argument `n` (an `active` one).
    Gradient(usize),
    /// Tangent `lane` of result `n` (a float result of a tangent).
    Tangent(usize, usize),
    /// The component of H·V for argument `n` (an `active` one).
    Hvp(usize),
}

impl Naming {
    /// The naming of a function as written: argument `i` is input `i`.
    pub fn plain(function: &str, inputs: usize, results: usize) -> Naming {
        Naming {
            function: function.to_string(),
            derivative: Derivative::None,
            arguments: vec![None; inputs],
            inputs: (0..inputs).map(Input::Argument).collect(),
            outputs: (0..results).map(Output::Result).collect(),
            disjoint: Vec::new(),
        }
    }

    /// "@misfit", "the gradient of @misfit", "the tangent of @misfit" or
    /// "the Hessian-vector product of @misfit".
    pub fn subject(&self) -> String {
        match self.derivative {
            Derivative::None => format!("@{}", self.function),
            Derivative::Gradient => format!("the gradient of @{}", self.function),
            Derivative::Tangent { .. } => format!("the tangent of @{}", self.function),
            Derivative::Hvp => format!("the Hessian-vector product of @{}", self.function),
        }
    }

    /// "the tangent", or "tangent 2" in vector mode (lanes count from 0
    /// here and from 1 in messages).
    fn tangent_lane(&self, lane: usize) -> String {
        match self.derivative {
            Derivative::Tangent { width } if width > 1 => format!("tangent {}", lane + 1),
            _ => "the tangent".to_string(),
        }
    }

    /// "argument 2 (%u0)", without the name when the source has none.
    pub fn argument(&self, position: usize) -> String {
        match self.arguments.get(position).cloned().flatten() {
            Some(name) => format!("argument {} ({name})", position + 1),
            None => format!("argument {}", position + 1),
        }
    }

    /// Input `index` of the compiled function: "argument 2 (%u0)", "the
    /// shadow of argument 2 (%u0)", "the seed of result 1".
    pub fn input(&self, index: usize) -> String {
        match self.inputs.get(index) {
            Some(Input::Argument(position)) => self.argument(*position),
            Some(Input::Shadow(position)) => format!("the shadow of {}", self.argument(*position)),
            Some(Input::Seed(result)) => format!("the seed of result {}", result + 1),
            Some(Input::Tangent(position, lane)) => format!("{} of {}", self.tangent_lane(*lane), self.argument(*position)),
            Some(Input::Direction(position)) => format!("the direction for {}", self.argument(*position)),
            Some(Input::HvpBuffer(position)) => format!("the Hessian-vector product buffer of {}", self.argument(*position)),
            None => format!("argument {}", index + 1),
        }
    }

    /// Result `index` of the compiled function: "result 1", or "result 2
    /// (the gradient with respect to argument 3 (%kappa))".
    pub fn output(&self, index: usize) -> String {
        match self.outputs.get(index) {
            Some(Output::Gradient(position)) => {
                format!("result {} (the gradient with respect to {})", index + 1, self.argument(*position))
            }
            Some(Output::Tangent(result, lane)) => {
                format!("result {} ({} of result {})", index + 1, self.tangent_lane(*lane), result + 1)
            }
            Some(Output::Hvp(position)) => {
                format!("result {} (the Hessian-vector product for {})", index + 1, self.argument(*position))
            }
            _ => format!("result {}", index + 1),
        }
    }

    /// The input index of argument `position` (where a shadow's primal is).
    pub fn input_of_argument(&self, position: usize) -> Option<usize> {
        self.inputs.iter().position(|input| *input == Input::Argument(position))
    }
}


/// The argument names (`%steps`) of the `func.func` whose text starts at
/// `line`:`column` (1-based, as MLIR's locations count) of `source`, in
/// order; `None` when the text there is not a function signature in
/// MLIR's custom form (MLIR itself does not keep SSA names).
pub(crate) fn argument_names(source: &str, line: usize, column: usize) -> Option<Vec<String>> {
    let start = source.split_inclusive('\n').take(line.checked_sub(1)?).map(str::len).sum::<usize>() + column.checked_sub(1)?;
    let text = without_comments(source.get(start..)?.strip_prefix("func.func")?);
    // `func.func [private|public|nested] @name(`: the first `(` after the symbol.
    let symbol = text.find('@')?;
    let open = symbol + text[symbol..].find('(')?;
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut argument_start = open + 1;
    for (at, character) in text.char_indices().skip_while(|&(at, _)| at <= open) {
        match character {
            '(' | '<' | '[' | '{' => depth += 1,
            ')' | '>' | ']' | '}' if depth > 0 => depth -= 1,
            ',' | ')' if depth == 0 => {
                let argument = text[argument_start..at].trim();
                if !argument.is_empty() {
                    names.push(ssa_name(argument)?);
                }
                if character == ')' {
                    return Some(names);
                }
                argument_start = at + 1;
            }
            _ => {}
        }
    }
    None
}

/// `text` without its `// ...` comments and the contents of its string
/// literals, up to the first `{` at the top level (the body): what
/// remains of a signature is brackets, names, types and attributes.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    let (mut in_string, mut in_comment, mut previous) = (false, false, '\0');
    let mut depth = 0usize;
    for character in text.chars() {
        if in_comment {
            in_comment = character != '\n';
        } else if in_string {
            in_string = !(character == '"' && previous != '\\');
        } else {
            match character {
                '/' if previous == '/' => {
                    out.pop();
                    in_comment = true;
                    previous = '\0';
                    continue;
                }
                '"' => in_string = true,
                '(' | '<' | '[' => depth += 1,
                ')' | '>' | ']' => depth = depth.saturating_sub(1),
                '{' if depth == 0 => break,
                _ => {}
            }
            out.push(character);
        }
        previous = character;
    }
    out
}

/// The `%name` an argument declaration `%name: type {attributes}` starts with.
fn ssa_name(argument: &str) -> Option<String> {
    let rest = argument.strip_prefix('%')?;
    let length = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "$._-".contains(c))).unwrap_or(rest.len());
    (length > 0 && rest[length..].trim_start().starts_with(':')).then(|| format!("%{}", &rest[..length]))
}

/// `message` with the names zad makes up for the functions it generates
/// replaced by what they are to the user: `@__zad_grad_misfit_dac` (or its C
/// interface `_mlir_ciface___zad_grad_misfit_dac`) becomes "the gradient of
/// @misfit", `@__zad_tangent_misfit_dc_w4` "the tangent of @misfit",
/// `@__zad_step_misfit_0` "a step of the time loop of @misfit".
pub fn in_user_terms(message: &str) -> String {
    const GENERATED: [(&str, &str); 4] = [
        ("__zad_grad_", "the gradient of @"),
        ("__zad_tangent_", "the tangent of @"),
        ("__zad_hvp_", "the Hessian-vector product of @"),
        ("__zad_step_", "a step of the time loop of @"),
    ];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some((start, prefix, meaning)) = GENERATED
        .iter()
        .filter_map(|&(prefix, meaning)| rest.find(prefix).map(|start| (start, prefix, meaning)))
        .min_by_key(|&(start, _, _)| start)
    {
        let symbol_length = rest[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_$.".contains(c)))
            .unwrap_or(rest.len() - start);
        // A full stop after a name ends the sentence, not the name.
        let symbol_length = rest[start..start + symbol_length].trim_end_matches('.').len();
        let symbol = &rest[start + prefix.len()..start + symbol_length];
        // What precedes the symbol: `@`, or the C interface's prefix.
        let mut lead = &rest[..start];
        for decoration in ["_mlir_ciface_", "@"] {
            lead = lead.strip_suffix(decoration).unwrap_or(lead);
        }
        out.push_str(lead);
        let from = generated_from(symbol);
        if from.starts_with("__zad_") {
            // A derivative of a derivative (nested AD, HVPs): "the tangent
            // of the gradient of @f".
            out.push_str(meaning.trim_end_matches('@'));
            out.push_str(&in_user_terms(&format!("@{from}")));
        } else {
            out.push_str(meaning);
            out.push_str(from);
        }
        rest = &rest[start + symbol_length..];
    }
    out.push_str(rest);
    out
}

/// The user's function in the rest of a generated name: `misfit` in
/// `misfit_dac`, `misfit_dac_unit` (gradients: activity letters),
/// `misfit_dc_w4` (tangents of width 4) or `misfit_0` (steps: a number).
fn generated_from(rest: &str) -> &str {
    let rest = rest.strip_suffix("_unit").unwrap_or(rest);
    let rest = match rest.rsplit_once("_w") {
        Some((head, width)) if !width.is_empty() && width.chars().all(|c| c.is_ascii_digit()) => head,
        _ => rest,
    };
    match rest.rsplit_once('_') {
        Some((function, tag)) if !function.is_empty() && !tag.is_empty() && tag.chars().all(|c| c.is_ascii_alphanumeric()) => {
            function
        }
        _ => rest,
    }
}
