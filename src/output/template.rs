//! `--format go-template=…` / `--template`: Go's text/template (the `gtmpl` crate) executed over
//! the `--format json` document turned into generic maps, as oras does, so keys are the JSON
//! field names (`{{.digest}}`, `{{range .files}}{{println .path}}{{end}}`). Of sprig's functions,
//! the ones oras users reach for on these documents are added: `first`, `last`, `toJson`,
//! `toPrettyJson`.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use gtmpl::{Context, Template};
use gtmpl_value::{FuncError, Number, Value};
use serde::Serialize;

fn to_value(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Value::Number(Number::from(u)),
            (_, Some(i), _) => Value::Number(Number::from(i)),
            (_, _, Some(f)) => Value::Number(Number::from(f)),
            _ => Value::Nil,
        },
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(a) => Value::Array(a.into_iter().map(to_value).collect()),
        serde_json::Value::Object(o) => Value::Map(
            o.into_iter()
                .map(|(k, v)| (k, to_value(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::NoValue | Value::Nil | Value::Function(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Number(n) => n
            .as_u64()
            .map(serde_json::Value::from)
            .or_else(|| n.as_i64().map(serde_json::Value::from))
            .or_else(|| n.as_f64().map(serde_json::Value::from))
            .unwrap_or(serde_json::Value::Null),
        Value::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        Value::Object(m) | Value::Map(m) => {
            let sorted: std::collections::BTreeMap<_, _> =
                m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect();
            serde_json::Value::Object(sorted.into_iter().collect())
        }
    }
}

fn one_arg(args: &[Value]) -> Result<&Value, FuncError> {
    match args {
        [v] => Ok(v),
        _ => Err(FuncError::ExactlyXArgs("this function".into(), 1)),
    }
}

fn first(args: &[Value]) -> Result<Value, FuncError> {
    match one_arg(args)? {
        Value::Array(a) => Ok(a.first().cloned().unwrap_or(Value::Nil)),
        Value::Nil | Value::NoValue => Ok(Value::Nil),
        _ => Err(FuncError::Generic(
            "first: the argument is not a list".into(),
        )),
    }
}

fn last(args: &[Value]) -> Result<Value, FuncError> {
    match one_arg(args)? {
        Value::Array(a) => Ok(a.last().cloned().unwrap_or(Value::Nil)),
        Value::Nil | Value::NoValue => Ok(Value::Nil),
        _ => Err(FuncError::Generic(
            "last: the argument is not a list".into(),
        )),
    }
}

fn to_json_func(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::String(to_json(one_arg(args)?).to_string()))
}

fn to_pretty_json(args: &[Value]) -> Result<Value, FuncError> {
    let text = serde_json::to_string_pretty(&to_json(one_arg(args)?))
        .map_err(|e| FuncError::Generic(e.to_string()))?;
    Ok(Value::String(text))
}

fn parse(template: &str) -> Result<Template> {
    let mut tmpl = Template::default();
    tmpl.add_funcs(&[
        ("first", first as gtmpl_value::Func),
        ("last", last as gtmpl_value::Func),
        ("toJson", to_json_func as gtmpl_value::Func),
        ("toPrettyJson", to_pretty_json as gtmpl_value::Func),
    ]);
    tmpl.parse(template)
        .map_err(|e| anyhow!("invalid go-template {template:?}: {e}"))?;
    Ok(tmpl)
}

/// Checks that `template` parses, before a command does any work.
pub fn check(template: &str) -> Result<()> {
    parse(template).map(|_| ())
}

/// Executes `template` over `doc` (serialized as for `--format json`).
pub fn render<T: Serialize>(template: &str, doc: &T) -> Result<String> {
    let json = serde_json::to_value(doc)?;
    parse(template)?
        .render(&Context::from(to_value(json)))
        .map_err(|e| anyhow!("executing the go-template: {e}"))
}

#[cfg(test)]
mod tests {
    use super::render;
    use serde_json::json;

    #[test]
    fn fields_range_println_and_first() {
        let doc = json!({
            "digest": "sha256:abc",
            "size": 12,
            "files": [{"path": "/a"}, {"path": "/b"}],
            "referrers": [{"reference": "r@1"}, {"reference": "r@2"}],
            "tags": ["x:2e2", "x:e2e"],
        });
        assert_eq!(render("{{.digest}}", &doc).unwrap(), "sha256:abc");
        assert_eq!(render("{{.size}}", &doc).unwrap(), "12");
        assert_eq!(
            render("{{range .files}}{{println .path}}{{end}}", &doc).unwrap(),
            "/a\n/b\n"
        );
        assert_eq!(
            render("{{(first .referrers).reference}}", &doc).unwrap(),
            "r@1"
        );
        assert_eq!(
            render("{{(last .referrers).reference}}", &doc).unwrap(),
            "r@2"
        );
        assert_eq!(
            render("{{range .tags}}{{println .}}{{end}}", &doc).unwrap(),
            "x:2e2\nx:e2e\n"
        );
        assert_eq!(
            render("{{toJson .files}}", &doc).unwrap(),
            r#"[{"path":"/a"},{"path":"/b"}]"#
        );
        assert_eq!(
            render("{{if eq .digest \"sha256:abc\"}}yes{{end}}", &doc).unwrap(),
            "yes"
        );
        assert_eq!(render("{{len .files}}", &doc).unwrap(), "2");
        assert!(render("{{.digest", &doc).is_err());
    }
}
