//! Tidy checks that keep the repository true to ARCHITECTURE.md: every source file says what
//! it is for, no stubs ship, and crates depend only in the allowed direction.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "fuzz", "bench"] {
        let path = root().join(dir);
        if path.is_dir() {
            rust_files(&path, &mut files);
        }
    }
    files.sort();
    files
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let missing: Vec<String> = all_sources()
        .into_iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .map(|path| path.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` line saying what they are for:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_stubs_ship() {
    let markers = [concat!("todo", "!("), concat!("unimplemented", "!("), concat!("not yet ", "implemented")];
    let mut found = Vec::new();
    for path in all_sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if markers.iter().any(|m| line.contains(m)) {
                found.push(format!("{}:{}", path.strip_prefix(root()).unwrap().display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "stubs in shipped code:\n{}", found.join("\n"));
}

/// The normal (non-dev) dependencies named in a crate's manifest.
fn dependencies(krate: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && let Some((name, _)) = line.split_once('=') {
            let name = name.trim().trim_end_matches(".workspace").to_string();
            if !name.is_empty() && !name.starts_with('#') {
                deps.push(name);
            }
        }
    }
    deps
}

#[test]
fn crates_depend_only_downwards() {
    let crates: Vec<String> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    // What each crate may depend on among Sift's crates (ARCHITECTURE.md, "Invariants").
    let allowed = |krate: &str| -> &'static [&'static str] {
        match krate {
            "sift-domain" => &[],
            "sift-formats" | "sift-dedup" | "sift-rank" | "sift-stats" | "sift-report" | "sift-store" => {
                &["sift-domain"]
            }
            "sift-service" => &[
                "sift-domain",
                "sift-formats",
                "sift-dedup",
                "sift-rank",
                "sift-stats",
                "sift-report",
                "sift-store",
            ],
            "sift-web" | "sift-cli" => {
                &["sift-domain", "sift-formats", "sift-service", "sift-web", "sift-report"]
            }
            _ => &[],
        }
    };
    let mut problems = Vec::new();
    for krate in &crates {
        for dep in dependencies(krate) {
            if dep.starts_with("sift-") && !allowed(krate).contains(&dep.as_str()) {
                problems.push(format!("{krate} depends on {dep}"));
            }
            let only_in = |what: &str, owners: &[&str]| dep == what && !owners.contains(&krate.as_str());
            if only_in("sqlx", &["sift-store"]) {
                problems.push(format!("{krate} uses sqlx: only sift-store knows SQL"));
            }
            if only_in("clap", &["sift-cli"]) {
                problems.push(format!("{krate} uses clap: only sift-cli parses arguments"));
            }
            if ["axum", "askama", "tower", "tower-http"].contains(&dep.as_str()) && krate != "sift-web" {
                problems.push(format!("{krate} uses {dep}: only sift-web knows HTTP and HTML"));
            }
            let engine =
                ["sift-domain", "sift-formats", "sift-dedup", "sift-rank", "sift-stats", "sift-report"];
            if dep == "tokio" && engine.contains(&krate.as_str()) {
                problems.push(format!("{krate} uses tokio: engines do no IO and are not async"));
            }
            if dep == "anyhow" && krate != "sift-cli" {
                problems.push(format!("{krate} uses anyhow: libraries have typed errors"));
            }
        }
    }
    assert!(problems.is_empty(), "dependency rules broken:\n{}", problems.join("\n"));
}
