//! The `$variables` a Fluent message uses, read off its syntax tree: what
//! the code must give it, and all an operator's override may use.

use std::collections::BTreeSet;

use fluent_syntax::ast::{CallArguments, Expression, InlineExpression, Pattern, PatternElement, VariantKey};

/// Every variable `pattern` names, in any variant of any selector.
pub(super) fn of(pattern: &Pattern<&str>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    walk_pattern(pattern, &mut found);
    found
}

fn walk_pattern(pattern: &Pattern<&str>, found: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            walk_expression(expression, found);
        }
    }
}

fn walk_expression(expression: &Expression<&str>, found: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { selector, variants } => {
            walk_inline(selector, found);
            for variant in variants {
                walk_pattern(&variant.value, found);
            }
        }
        Expression::Inline(inline) => walk_inline(inline, found),
    }
}

fn walk_inline(inline: &InlineExpression<&str>, found: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            found.insert(id.name.to_string());
        }
        InlineExpression::FunctionReference { arguments, .. } => walk_arguments(arguments, found),
        InlineExpression::TermReference { arguments: Some(arguments), .. } => walk_arguments(arguments, found),
        InlineExpression::Placeable { expression } => walk_expression(expression, found),
        InlineExpression::StringLiteral { .. }
        | InlineExpression::NumberLiteral { .. }
        | InlineExpression::MessageReference { .. }
        | InlineExpression::TermReference { arguments: None, .. } => {}
    }
}

fn walk_arguments(arguments: &CallArguments<&str>, found: &mut BTreeSet<String>) {
    for argument in &arguments.positional {
        walk_inline(argument, found);
    }
    for argument in &arguments.named {
        walk_inline(&argument.value, found);
    }
}

/// Every variant key `pattern`'s selectors name (`one`, `mon`, `open`):
/// the words that pick a variant, so each variant can be tried.
pub(super) fn variant_keys(pattern: &Pattern<&str>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    keys_of_pattern(pattern, &mut found);
    found
}

fn keys_of_pattern(pattern: &Pattern<&str>, found: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            keys_of_expression(expression, found);
        }
    }
}

fn keys_of_expression(expression: &Expression<&str>, found: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { variants, .. } => {
            for variant in variants {
                if let VariantKey::Identifier { name } = &variant.key {
                    found.insert(name.to_string());
                }
                keys_of_pattern(&variant.value, found);
            }
        }
        Expression::Inline(InlineExpression::Placeable { expression }) => keys_of_expression(expression, found),
        Expression::Inline(_) => {}
    }
}
