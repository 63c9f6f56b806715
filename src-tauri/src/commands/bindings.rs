//! Generates `ui/src/backend/commands.ts` from the command functions themselves, so each
//! command's name, arguments and result are written once, in Rust.
//!
//! The generator reads the registered list in [`super::handler`] and each listed
//! function's signature with `syn`: the arguments the window sends (the shell's own
//! `State` is skipped; a `Channel<T>` becomes a callback), their types mapped to
//! TypeScript (the DTOs by their generated names in `bindings.ts`, keyed strings by their
//! alias in `crate::json`), the result inside `Result<T, UiError>`, and the function's
//! doc comment. It writes an interface the backends implement and a table of IPC names
//! and argument names from which any transport (Tauri's IPC today, HTTP for the office
//! server later) is built without another hand-written list.
//!
//! Why not tauri-specta: our DTOs are exported with ts-rs, which tauri-specta cannot read
//! (it needs every type to derive specta's own trait, a second generator for the same
//! types), and its Tauri v2 support is still a release candidate. Reading the signatures
//! is a hundred lines that cannot drift from the code they read.

#![cfg(test)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use syn::{FnArg, GenericArgument, Item, Pat, PathArguments, ReturnType, Type};

/// Keyed-string aliases of `crate::json` and the TypeScript type each stands for.
const ALIASES: &[(&str, &str)] = &[
    ("RecordJson", "ApplicationRecord"),
    ("DocumentName", "DocumentKey"),
    ("WorklistName", "WorklistKey"),
    ("RoleName", "RoleKey"),
    ("ColourName", "ColourKey"),
    ("LevelName", "DivisionLevel"),
    ("PageMarkName", "PageMarkKey"),
];

/// Types the shell supplies itself; the window never sends them.
const SHELL_ONLY: &[&str] = &["State", "AppHandle", "Window", "WebviewWindow"];

/// One argument as the window passes it.
struct Arg {
    /// The wire name (Tauri's camelCase of the Rust name).
    wire: String,
    /// TypeScript type.
    ts: String,
    /// `Option<…>`: may be left out when it is the last ones.
    optional: bool,
    /// A `Channel<T>`: the window passes a callback.
    channel: bool,
}

/// One command.
struct Command {
    name: String,
    docs: Vec<String>,
    args: Vec<Arg>,
    result: String,
}

fn src_dir() -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("src")
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// `(module, function)` in the order `generate_handler!` registers them.
fn registered() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(src_dir().join("commands/mod.rs")).expect("read commands/mod.rs");
    let start = text.find("generate_handler![").expect("commands/mod.rs registers its commands");
    let end = start + text[start..].find(']').expect("the list ends");
    text[start + "generate_handler![".len()..end]
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (module, name) = entry.split_once("::").expect("entries are module::function");
            (module.to_owned(), name.to_owned())
        })
        .collect()
}

/// The last path segment of a type and its generic arguments.
fn segment(ty: &Type) -> (String, Vec<&Type>) {
    match ty {
        Type::Path(path) => {
            let last = path.path.segments.last().expect("a type path has a segment");
            let generics = match &last.arguments {
                PathArguments::AngleBracketed(args) => args
                    .args
                    .iter()
                    .filter_map(|arg| match arg {
                        GenericArgument::Type(ty) => Some(ty),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (last.ident.to_string(), generics)
        }
        Type::Tuple(tuple) if tuple.elems.is_empty() => ("()".to_owned(), Vec::new()),
        _ => panic!("command argument and result types must be owned paths or ()"),
    }
}

/// The TypeScript for a Rust type; named types are collected into `named`.
fn ts(ty: &Type, named: &mut BTreeSet<String>) -> String {
    let (ident, generics) = segment(ty);
    match ident.as_str() {
        "()" => "void".to_owned(),
        "String" => "string".to_owned(),
        "bool" => "boolean".to_owned(),
        "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "usize" => "number".to_owned(),
        "Option" => format!("{} | null", ts(generics[0], named)),
        "Vec" => {
            let inner = ts(generics[0], named);
            if inner.contains(' ') { format!("({inner})[]") } else { format!("{inner}[]") }
        }
        "Value" => panic!("a command takes JSON by a named alias of crate::json (e.g. RecordJson)"),
        other => {
            let name = ALIASES.iter().find(|(alias, _)| *alias == other).map_or(other, |(_, ts)| *ts);
            named.insert(name.to_owned());
            name.to_owned()
        }
    }
}

/// Reads one command function.
fn command(module: &str, name: &str, named: &mut BTreeSet<String>) -> Command {
    let path = src_dir().join(format!("commands/{module}.rs"));
    let text = std::fs::read_to_string(&path).expect("read a commands file");
    let file = syn::parse_file(&text).expect("commands files parse");
    let function = file
        .items
        .iter()
        .find_map(|item| match item {
            Item::Fn(function) if function.sig.ident == name => Some(function),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{module}::{name} is registered but not found"));
    assert!(
        function.attrs.iter().any(|attr| attr.path().segments.last().is_some_and(|s| s.ident == "command")),
        "{module}::{name} is registered but is not a #[tauri::command]"
    );
    let docs = function
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(value) => match &value.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).to_owned())
        .collect();
    let mut args = Vec::new();
    for input in &function.sig.inputs {
        let FnArg::Typed(typed) = input else { panic!("{module}::{name} is a method") };
        let Pat::Ident(ident) = typed.pat.as_ref() else {
            panic!("{module}::{name} destructures an argument")
        };
        let (kind, generics) = segment(&typed.ty);
        if SHELL_ONLY.contains(&kind.as_str()) {
            continue;
        }
        let wire = camel(&ident.ident.to_string());
        let arg = if kind == "Channel" {
            Arg {
                wire,
                ts: format!("(message: {}) => void", ts(generics[0], named)),
                optional: false,
                channel: true,
            }
        } else {
            Arg { wire, ts: ts(&typed.ty, named), optional: kind == "Option", channel: false }
        };
        args.push(arg);
    }
    // Only trailing optional arguments may be left out.
    let mut required_seen = false;
    for arg in args.iter_mut().rev() {
        if !arg.optional {
            required_seen = true;
        }
        arg.optional &= !required_seen;
    }
    let ReturnType::Type(_, output) = &function.sig.output else {
        panic!("{module}::{name} returns nothing")
    };
    let (result_kind, result_generics) = segment(output);
    assert_eq!(result_kind, "Result", "{module}::{name} returns Result<T, UiError>");
    let result = ts(result_generics[0], named);
    Command { name: name.to_owned(), docs, args, result }
}

/// Every `#[tauri::command]` function in the commands files, as `module::name`.
fn defined() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(src_dir().join("commands")).expect("read commands/") {
        let path = entry.expect("a directory entry").path();
        let module = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(&path).expect("read a commands file");
        let file = syn::parse_file(&text).expect("commands files parse");
        for item in file.items {
            if let Item::Fn(function) = item
                && function.attrs.iter().any(|attr| {
                    attr.path().segments.len() == 2
                        && attr.path().segments.last().is_some_and(|segment| segment.ident == "command")
                })
            {
                out.insert(format!("{module}::{}", function.sig.ident));
            }
        }
    }
    out
}

/// The text of `ui/src/backend/commands.ts`.
pub(crate) fn generate() -> String {
    let mut named = BTreeSet::new();
    let commands: Vec<Command> =
        registered().iter().map(|(module, name)| command(module, name, &mut named)).collect();
    let mut out = String::from(
        "// Generated by `cargo test -p permit-desk` (src-tauri/src/commands/bindings.rs) from the\n\
         // command functions' signatures. Do not edit by hand.\n",
    );
    let from_bindings: Vec<&str> =
        named.iter().map(String::as_str).filter(|name| *name != "ApplicationRecord").collect();
    out.push_str(&format!("import type {{\n  {},\n}} from \"../bindings\";\n", from_bindings.join(",\n  ")));
    if named.contains("ApplicationRecord") {
        out.push_str("import type { ApplicationRecord } from \"../record\";\n");
    }
    out.push_str(
        "\n/** Every command the shell offers, as the window calls it. */\nexport interface Commands {\n",
    );
    for command in &commands {
        if !command.docs.is_empty() {
            out.push_str("  /**\n");
            for line in &command.docs {
                out.push_str(&format!("   *{}{}\n", if line.is_empty() { "" } else { " " }, line));
            }
            out.push_str("   */\n");
        }
        let params: Vec<String> = command
            .args
            .iter()
            .map(|arg| format!("{}{}: {}", arg.wire, if arg.optional { "?" } else { "" }, arg.ts))
            .collect();
        out.push_str(&format!(
            "  {}({}): Promise<{}>;\n",
            camel(&command.name),
            params.join(", "),
            command.result
        ));
    }
    out.push_str("}\n\n");
    out.push_str(
        "/** Each command's IPC name and its arguments' wire names in order (`@` marks a channel). */\n\
         export const COMMANDS: { readonly [K in keyof Commands]: readonly [string, readonly string[]] } = {\n",
    );
    for command in &commands {
        let wires: Vec<String> = command
            .args
            .iter()
            .map(|arg| format!("\"{}{}\"", if arg.channel { "@" } else { "" }, arg.wire))
            .collect();
        out.push_str(&format!(
            "  {}: [\"{}\", [{}]],\n",
            camel(&command.name),
            command.name,
            wires.join(", ")
        ));
    }
    out.push_str("};\n");
    out
}

#[test]
fn every_command_is_registered_once() {
    let registered: Vec<String> =
        registered().into_iter().map(|(module, name)| format!("{module}::{name}")).collect();
    let unique: BTreeSet<String> = registered.iter().cloned().collect();
    assert_eq!(unique.len(), registered.len(), "a command is registered twice");
    assert_eq!(
        unique,
        defined(),
        "every #[tauri::command] is registered in commands::handler, and only those"
    );
}

#[test]
fn command_bindings_are_up_to_date() {
    let path = src_dir().join("../../ui/src/backend/commands.ts");
    let expected = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &expected).expect("write commands.ts");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "ui/src/backend/commands.ts is stale: run UPDATE_BINDINGS=1 cargo test -p permit-desk"
    );
}

#[test]
fn every_named_type_is_generated() {
    let bindings =
        std::fs::read_to_string(src_dir().join("../../ui/src/bindings.ts")).expect("read bindings.ts");
    let mut named = BTreeSet::new();
    for (module, name) in registered() {
        command(&module, &name, &mut named);
    }
    named.remove("ApplicationRecord");
    for name in named {
        assert!(
            bindings.contains(&format!("export type {name} "))
                || bindings.contains(&format!("export interface {name} ")),
            "{name} is used by a command but not generated into bindings.ts"
        );
    }
}
