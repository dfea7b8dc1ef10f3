//! The error codes table of docs/api.md covers every code the service and HTTP layers can return.

use std::path::Path;

fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_error_code_is_in_the_api_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    sources(&root.join("src"), &mut code);
    let docs = std::fs::read_to_string(root.join("../docs/api.md")).unwrap();
    // AppError::invalid("code", …), AppError::not_found("code", …), AppError::new(Kind::X, "code", …), and the
    // store's `what` names that become `<what>_not_found`.
    let re = regex::Regex::new(r#"(?:invalid|not_found|Kind::[A-Za-z]+,)\s*\(?\s*"([a-z_]+)""#).unwrap();
    let mut codes: Vec<&str> = re.captures_iter(&code).map(|c| c.get(1).unwrap().as_str()).collect();
    codes.extend(["forbidden_role", "forbidden_scope", "purpose_required", "query_timeout", "cluster_not_found"]);
    codes.sort_unstable();
    codes.dedup();
    assert!(codes.len() > 40, "the pattern still finds the codes: {codes:?}");
    let missing: Vec<&str> = codes.into_iter().filter(|c| !docs.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "codes missing from docs/api.md: {missing:?}");
}
