#![allow(clippy::print_stdout, clippy::unwrap_used)]
//! Development probe: renders templates with the real `liquid` crate.
//! Input: blocks separated by a line "=====": first line JSON data, rest template.
use std::io::Read;
fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let parser = liquid::ParserBuilder::with_stdlib().build().unwrap();
    for block in input.split("\n=====\n") {
        let (data, tpl) = block.split_once('\n').unwrap_or((block, ""));
        let data: serde_json::Value = serde_json::from_str(data).unwrap();
        let obj = liquid::model::to_object(&data).unwrap();
        let r =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match parser.parse(tpl) {
                Err(e) => format!("PARSE ERROR: {}", e.to_string().replace('\n', "\n    ")),
                Ok(t) => match t.render(&obj) {
                    Ok(s) => format!("OK: {s:?}"),
                    Err(e) => format!("RENDER ERROR: {}", e.to_string().replace('\n', "\n    ")),
                },
            }));
        let out = r.unwrap_or_else(|_| "PANIC".to_string());
        println!("--- {tpl:?}\n{out}");
    }
}
