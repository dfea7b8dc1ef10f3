//! A small GML reader for the classic test graphs: node `id` plus scalar attributes, edge `source`/`target`.

use std::collections::HashMap;

/// One parsed graph: nodes with their scalar attributes, and edges as `(source id, target id)`.
pub struct Gml {
    pub nodes: Vec<(String, HashMap<String, String>)>,
    pub edges: Vec<(String, String)>,
}

fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(first) = rest.chars().next() else { break };
        let len = match first {
            '[' | ']' => 1,
            '"' => rest[1..].find('"').map_or(rest.len(), |end| end + 2),
            _ => rest.find(|c: char| c.is_whitespace() || c == '[' || c == ']').unwrap_or(rest.len()),
        };
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

/// Parses `graph [ node [ id 1 label "x" ] edge [ source 1 target 2 ] ]`; nested lists inside a node are skipped.
pub fn parse(text: &str) -> Result<Gml, String> {
    let toks = tokens(text);
    let mut gml = Gml { nodes: Vec::new(), edges: Vec::new() };
    let mut i = 0;
    let mut depth = 0usize;
    while i < toks.len() {
        match toks[i] {
            "[" => depth += 1,
            "]" => depth = depth.checked_sub(1).ok_or("unbalanced ]")?,
            key @ ("node" | "edge") if depth == 1 && toks.get(i + 1) == Some(&"[") => {
                let mut attrs = HashMap::new();
                let mut j = i + 2;
                let mut inner = 0usize;
                loop {
                    match toks.get(j).copied() {
                        None => return Err(format!("unterminated {key}")),
                        Some("]") if inner == 0 => break,
                        Some("]") => inner -= 1,
                        Some("[") => inner += 1,
                        Some(k) if inner == 0 => {
                            let v = toks.get(j + 1).ok_or("attribute without value")?;
                            if *v == "[" {
                                inner += 1;
                            } else {
                                attrs.insert(k.to_owned(), v.trim_matches('"').to_owned());
                            }
                            j += 1;
                        }
                        Some(_) => {}
                    }
                    j += 1;
                }
                let get = |k: &str| attrs.get(k).cloned().ok_or(format!("{key} without {k}"));
                if key == "node" {
                    let id = get("id")?;
                    gml.nodes.push((id, attrs));
                } else {
                    gml.edges.push((get("source")?, get("target")?));
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(gml)
}

#[test]
fn parses_nodes_attributes_and_edges() {
    let text = r#"graph [ directed 0
      node [ id 1 label "Losing Bin Laden" value "c" graphics [ x 1 y 2 ] ]
      node
      [
        id 2
        groundTruth 0
      ]
      edge [ source 1 target 2 ]
    ]"#;
    let g = parse(text).unwrap();
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(g.nodes[0].1["label"], "Losing Bin Laden");
    assert_eq!(g.nodes[0].1["value"], "c");
    assert!(!g.nodes[0].1.contains_key("x"));
    assert_eq!(g.nodes[1].1["groundTruth"], "0");
    assert_eq!(g.edges, vec![("1".to_owned(), "2".to_owned())]);
    assert!(parse("graph [ edge [ source 1 ] ]").is_err());
}
