//! What changed between two versions of a record: the fields, never their values. The
//! audit trail names the fields a saved draft changed; the reviewer of a case accepted a
//! second time sees which fields differ from the application accepted before.

use serde_json::Value;

use crate::record::ApplicationRecord;

/// The most leaves one comparison names; past it the list is cut (the audit row stays
/// small when a whole record is replaced).
const MAX_PATHS: usize = 100;

/// JSON pointers (`/applicant/name`) of the leaves that differ between `old` and `new`,
/// sorted by key at each level. An array whose length changed is named as a whole; two
/// values of different kinds name their common path (`/` for the roots).
pub fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(old, new, &mut String::new(), &mut out);
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn walk(old: &Value, new: &Value, path: &mut String, out: &mut Vec<String>) {
    if out.len() >= MAX_PATHS || old == new {
        return;
    }
    match (old, new) {
        (Value::Object(old_map), Value::Object(new_map)) => {
            let mut keys: Vec<&String> = old_map.keys().chain(new_map.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let length = path.len();
                path.push('/');
                path.push_str(&escape(key));
                walk(
                    old_map.get(key).unwrap_or(&Value::Null),
                    new_map.get(key).unwrap_or(&Value::Null),
                    path,
                    out,
                );
                path.truncate(length);
            }
        }
        (Value::Array(old_items), Value::Array(new_items)) if old_items.len() == new_items.len() => {
            for (index, (old_item, new_item)) in old_items.iter().zip(new_items).enumerate() {
                let length = path.len();
                path.push('/');
                path.push_str(&index.to_string());
                walk(old_item, new_item, path, out);
                path.truncate(length);
            }
        }
        _ => out.push(if path.is_empty() { "/".to_owned() } else { path.clone() }),
    }
}

/// The fields of the application that differ between `before` and `after`, as dotted
/// paths of the record (`applicant.name`, `evidence.employment.social_insurance`,
/// `registration_history` when a period was added or removed, `registration_history.0`
/// for one period changed). What the steps write themselves is left out: the opinions and
/// the application number given at acceptance.
pub fn changed_fields(before: &ApplicationRecord, after: &ApplicationRecord) -> Vec<String> {
    // A record always serialises to an object; `Null` would only name the root.
    let before = serde_json::to_value(before).unwrap_or(Value::Null);
    let after = serde_json::to_value(after).unwrap_or(Value::Null);
    let mut fields: Vec<String> = changed_paths(&before, &after)
        .into_iter()
        .map(|pointer| pointer.trim_start_matches('/').split('/').collect::<Vec<_>>().join("."))
        .filter(|field| !(field.starts_with("opinions") || field == "application_number"))
        .map(|field| {
            // A period is named as a whole: its dates and county are read together.
            let mut parts = field.splitn(3, '.');
            match (parts.next(), parts.next()) {
                (Some("registration_history"), Some(index)) => format!("registration_history.{index}"),
                _ => field,
            }
        })
        .collect();
    fields.dedup();
    fields
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changed_paths_name_fields_not_values() {
        let old = json!({"applicant": {"name": "甲", "id": "1"}, "evidence": [1, 2], "note": null});
        let new = json!({"applicant": {"name": "乙", "id": "1"}, "evidence": [1, 3], "note": "x"});
        assert_eq!(changed_paths(&old, &new), vec!["/applicant/name", "/evidence/1", "/note"]);
        assert_eq!(changed_paths(&Value::Null, &json!({"a": 1})), vec!["/"]);
        assert_eq!(changed_paths(&json!({"a/b": [1]}), &json!({"a/b": [1, 2]})), vec!["/a~1b"]);
        assert!(changed_paths(&old, &old).is_empty());
    }

    #[test]
    fn at_most_a_hundred_paths() {
        let old: serde_json::Map<String, Value> = (0..150).map(|i| (format!("k{i:03}"), json!(i))).collect();
        let new: serde_json::Map<String, Value> =
            (0..150).map(|i| (format!("k{i:03}"), json!(-i - 1))).collect();
        assert_eq!(changed_paths(&Value::Object(old), &Value::Object(new)).len(), MAX_PATHS);
    }
}
