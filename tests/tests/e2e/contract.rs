//! The GraphQL contract (`api/contract.graphql`) holds in our schema, and every change to
//! our schema shows up in review as a snapshot diff.
use std::collections::HashMap;

use async_graphql::parser::{
    parse_schema,
    types::{ServiceDocument, TypeKind, TypeSystemDefinition},
};

const CONTRACT: &str = include_str!("../../../api/contract.graphql");

/// type name → (kind, member name → type and arguments as text)
type Index = HashMap<String, (&'static str, HashMap<String, String>)>;

fn index(doc: &ServiceDocument) -> Index {
    let mut out = Index::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let t = &t.node;
        let (kind, members): (&str, HashMap<String, String>) = match &t.kind {
            TypeKind::Scalar => ("scalar", HashMap::new()),
            TypeKind::Object(o) => (
                "object",
                o.fields
                    .iter()
                    .map(|f| {
                        let f = &f.node;
                        let args: Vec<String> = f
                            .arguments
                            .iter()
                            .map(|a| format!("{}: {}", a.node.name.node, a.node.ty.node))
                            .collect();
                        (
                            f.name.node.to_string(),
                            format!("({}) {}", args.join(", "), f.ty.node),
                        )
                    })
                    .collect(),
            ),
            TypeKind::Enum(e) => (
                "enum",
                e.values
                    .iter()
                    .map(|v| (v.node.value.node.to_string(), String::new()))
                    .collect(),
            ),
            TypeKind::InputObject(i) => (
                "input",
                i.fields
                    .iter()
                    .map(|f| {
                        let default = f
                            .node
                            .default_value
                            .as_ref()
                            .map(|d| {
                                // 5 and 5.0 are the same default.
                                let text = d.node.to_string();
                                format!(" = {}", text.strip_suffix(".0").unwrap_or(&text))
                            })
                            .unwrap_or_default();
                        (
                            f.node.name.node.to_string(),
                            format!("{}{default}", f.node.ty.node),
                        )
                    })
                    .collect(),
            ),
            TypeKind::Interface(_) => ("interface", HashMap::new()),
            TypeKind::Union(_) => ("union", HashMap::new()),
        };
        out.insert(t.name.node.to_string(), (kind, members));
    }
    out
}

#[test]
fn every_type_field_argument_and_value_of_the_contract_exists_in_ours() {
    let contract = index(&parse_schema(CONTRACT).expect("the contract parses"));
    let ours = index(&parse_schema(api::graphql::sdl()).expect("our SDL parses"));
    let mut problems = Vec::new();
    for (name, (kind, members)) in &contract {
        let Some((our_kind, our_members)) = ours.get(name) else {
            problems.push(format!("missing type {name}"));
            continue;
        };
        if kind != our_kind {
            problems.push(format!("{name} is a {our_kind}, the contract says {kind}"));
        }
        for (member, signature) in members {
            match our_members.get(member) {
                None => problems.push(format!("missing {name}.{member}")),
                Some(ours) if *kind == "object" => {
                    // Our fields may take extra optional arguments, never lose or change one.
                    let (their_args, their_ty) = signature.split_once(") ").unwrap();
                    let (our_args, our_ty) = ours.split_once(") ").unwrap();
                    if their_ty != our_ty {
                        problems.push(format!("{name}.{member}: {our_ty}, contract {their_ty}"));
                    }
                    for arg in their_args
                        .trim_start_matches('(')
                        .split(", ")
                        .filter(|a| !a.is_empty())
                    {
                        if !our_args.contains(arg) {
                            problems.push(format!("{name}.{member}: argument {arg} missing"));
                        }
                    }
                }
                Some(ours) if ours != signature => {
                    problems.push(format!("{name}.{member}: {ours}, contract {signature}"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the schema breaks the contract:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_printed_schema_is_the_reviewed_one() {
    insta::assert_snapshot!("schema", api::graphql::sdl());
}
