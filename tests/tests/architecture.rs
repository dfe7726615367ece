//! No import cycle between files, in the host or the connector: a file's references to items of
//! another file of its crate (`use` trees, `crate::…`, `super::…`, `self::…` and child-module
//! paths) form a graph, and that graph must have no cycle. Test-only files (`*_tests.rs`,
//! `tests.rs`, `fake.rs`, `test_harness.rs`) and `#[cfg(test)] mod tests` blocks may reach
//! anything. A cycle is reported with every file in it and what each refers to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A crate's files: module path (`["sync", "plan"]`) → (file name, source).
type Files = BTreeMap<Vec<String>, (String, String)>;

fn collect(root: &Path, dir: &Path, files: &mut Files) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            let mut module: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_string)
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let source = std::fs::read_to_string(&path).expect("readable");
            files.insert(module, (rel, source));
        }
    }
}

fn test_only(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.ends_with("_tests.rs") || matches!(name, "tests.rs" | "fake.rs" | "test_harness.rs")
}

/// The source without comments and without a trailing `#[cfg(test)] mod tests { … }`.
fn code(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests {") {
        Some(at) => &source[..at],
        None => source,
    };
    source
        .lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for c in tree.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            items.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    items.push(current);
    let mut out = Vec::new();
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if let (Some(open), true) = (item.find("::{"), item.ends_with('}')) {
            let prefix = &item[..open];
            for sub in expand(&item[open + 3..item.len() - 1]) {
                out.push(if sub == "self" {
                    prefix.to_string()
                } else {
                    format!("{prefix}::{sub}")
                });
            }
        } else {
            let item = item.split(" as ").next().unwrap_or(item).trim();
            out.push(item.to_string());
        }
    }
    out
}

/// Paths written in code: `crate::a::b`, `super::x`, `child::y`, one per occurrence.
fn paths(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !(ident(chars[i - 1]) || chars[i - 1] == ':');
        if boundary && (chars[i].is_ascii_lowercase() || chars[i] == '_') {
            let start = i;
            let mut j = i;
            loop {
                while j < chars.len() && ident(chars[j]) {
                    j += 1;
                }
                if j + 2 < chars.len()
                    && chars[j] == ':'
                    && chars[j + 1] == ':'
                    && ident(chars[j + 2])
                {
                    j += 2;
                } else {
                    break;
                }
            }
            let path: String = chars[start..j].iter().collect();
            if path.contains("::") {
                out.push(path);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The file a path refers to from `module`, if it is one of the crate's.
fn target(files: &Files, module: &[String], path: &str) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let first = *segs.first()?;
    let mut parts: Vec<String> = match first {
        "crate" => segs[1..].iter().map(|s| s.to_string()).collect(),
        "super" | "self" => {
            let mut base = module.to_vec();
            let mut rest = &segs[..];
            if first == "self" {
                rest = &rest[1..];
            }
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().map(|s| s.to_string()));
            base
        }
        child => {
            let mut m = module.to_vec();
            m.push(child.to_string());
            if !files.contains_key(&m) {
                return None;
            }
            let mut base = module.to_vec();
            base.extend(segs.iter().map(|s| s.to_string()));
            base
        }
    };
    while !parts.is_empty() {
        if files.contains_key(&parts) {
            return Some(parts);
        }
        parts.pop();
    }
    files.contains_key(&parts).then_some(parts)
}

/// Each cycle (strongly connected set of files), with the references inside it.
fn cycles(src: &Path) -> Vec<Vec<String>> {
    let mut files = Files::new();
    collect(src, src, &mut files);
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, (file, source)) in &files {
        if test_only(file) {
            continue;
        }
        let code = code(source);
        let mut refs = Vec::new();
        for stmt in code.split(';') {
            if let Some(at) = stmt.find("use ") {
                let before = &stmt[..at];
                if before.trim().is_empty()
                    || before.trim_end().ends_with("pub")
                    || before.trim_end().ends_with(')')
                {
                    refs.extend(expand(&stmt[at + 4..]));
                }
            }
        }
        refs.extend(paths(&code));
        for r in refs {
            if let Some(t) = target(&files, module, r.trim())
                && t != *module
            {
                edges.entry(module.clone()).or_default().insert(t);
            }
        }
    }
    // Tarjan's strongly connected components.
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        next: usize,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit(s: &mut State<'_>, v: &Vec<String>) {
        s.index.insert(v.clone(), s.next);
        s.low.insert(v.clone(), s.next);
        s.next += 1;
        s.stack.push(v.clone());
        let targets: Vec<Vec<String>> = s
            .edges
            .get(v)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        for w in targets {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let low = s.low[v].min(s.low[&w]);
                s.low.insert(v.clone(), low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[&w]);
                s.low.insert(v.clone(), low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                let done = w == *v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    for module in files.keys() {
        if !state.index.contains_key(module) {
            visit(&mut state, module);
        }
    }
    state
        .found
        .into_iter()
        .map(|component| {
            component
                .iter()
                .map(|m| {
                    let refers: Vec<&str> = edges[m]
                        .iter()
                        .filter(|t| component.contains(t))
                        .map(|t| files[t].0.as_str())
                        .collect();
                    format!("{} -> {}", files[m].0, refers.join(", "))
                })
                .collect()
        })
        .collect()
}

fn source_dir(krate: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .join(krate)
        .join("src")
}

/// Every connector crate under `connector/`.
fn connector_crates() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .join("connector");
    let mut found: Vec<String> = std::fs::read_dir(&root)
        .expect("connector/ is readable")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| format!("connector/{}", e.file_name().to_string_lossy()))
        .collect();
    found.sort();
    found
}

#[test]
fn the_host_has_no_import_cycle_between_files() {
    let found = cycles(&source_dir("host"));
    assert!(found.is_empty(), "import cycles in host/src: {found:#?}");
}

#[test]
fn no_connector_crate_has_an_import_cycle_between_files() {
    let crates = connector_crates();
    assert!(crates.len() >= 2, "connector crates: {crates:?}");
    for krate in crates {
        let found = cycles(&source_dir(&krate));
        assert!(found.is_empty(), "import cycles in {krate}/src: {found:#?}");
    }
}

#[test]
fn the_check_finds_a_cycle() {
    let dir = std::env::temp_dir().join(format!("architecture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a")).expect("dir");
    std::fs::write(dir.join("lib.rs"), "mod a;\nmod b;\n").expect("write");
    std::fs::write(dir.join("a/mod.rs"), "mod c;\npub use c::C;\n").expect("write");
    std::fs::write(
        dir.join("a/c.rs"),
        "use super::super::b::{B, other::{X}};\npub struct C;\n",
    )
    .expect("write");
    std::fs::write(dir.join("b.rs"), "pub struct B(crate::a::C);\n").expect("write");
    let found = cycles(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    let files: Vec<&str> = found[0]
        .iter()
        .map(|l| l.split(" -> ").next().unwrap_or_default())
        .collect();
    assert!(
        files.contains(&"a/c.rs") && files.contains(&"b.rs"),
        "{found:?}"
    );
}
