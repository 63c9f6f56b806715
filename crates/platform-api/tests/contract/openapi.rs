//! `docs/openapi/platform-v1.json` against the code: same operations, same schema names,
//! and the same property names as the golden samples.

use std::collections::BTreeSet;
use std::path::PathBuf;

use platform_api::{ROUTES, SCHEMAS};
use serde_json::Value;

use crate::samples;

fn document() -> Value {
    let path = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../../docs/openapi/platform-v1.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    serde_json::from_str(&text).expect("the OpenAPI document is valid JSON")
}

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

#[test]
fn document_is_openapi_3_1_for_v1() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0", "the contract is described as OpenAPI 3.1");
    assert_eq!(document["info"]["version"], "1", "the document describes contract version 1");
}

#[test]
fn operations_match_routes() {
    let document = document();
    let paths = document["paths"].as_object().expect("paths is an object");
    let mut in_document = BTreeSet::new();
    for (path, item) in paths {
        for (key, operation) in item.as_object().expect("path item is an object") {
            if !HTTP_METHODS.contains(&key.as_str()) {
                continue;
            }
            // An operation is unsigned exactly when it overrides the global security with [].
            let signed = operation.get("security").is_none_or(|security| security != &Value::Array(vec![]));
            in_document.insert((key.to_uppercase(), path.clone(), signed));
        }
    }
    let in_code: BTreeSet<_> =
        ROUTES.iter().map(|route| (route.method.to_owned(), route.path.to_owned(), route.signed)).collect();
    assert_eq!(
        in_document, in_code,
        "the OpenAPI operations (method, path, signed) must equal platform_api::ROUTES"
    );
}

#[test]
fn schema_names_match_code() {
    let document = document();
    let in_document: BTreeSet<&str> = document["components"]["schemas"]
        .as_object()
        .expect("components.schemas is an object")
        .keys()
        .map(String::as_str)
        .collect();
    let in_code: BTreeSet<&str> = SCHEMAS.iter().copied().collect();
    assert_eq!(in_document, in_code, "components.schemas must list exactly platform_api::SCHEMAS");
}

/// Resolves a `$ref` to a component schema, or returns the schema itself.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/").expect("local schema reference");
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn keys(object: &Value) -> BTreeSet<String> {
    object.as_object().expect("an object").keys().cloned().collect()
}

/// The schema's property names and its required names must both equal the sample's keys:
/// every field is always written (optional ones as `null`).
fn check_object(name: &str, schema: &Value, sample: &Value) {
    let properties = keys(&schema["properties"]);
    let required: BTreeSet<String> = schema["required"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} lists its required properties"))
        .iter()
        .map(|value| value.as_str().expect("required names are strings").to_owned())
        .collect();
    let sample_keys = keys(sample);
    assert_eq!(
        properties, sample_keys,
        "properties of {name} in the document differ from the serialized type"
    );
    assert_eq!(required, sample_keys, "required properties of {name} differ from the serialized type");
}

/// A tagged union: one `oneOf` branch per variant, told apart by a `const` on `tag`.
fn check_union(document: &Value, name: &str, tag: &str, variant_samples: &[Value]) {
    let schema = &document["components"]["schemas"][name];
    let branches = schema["oneOf"].as_array().unwrap_or_else(|| panic!("{name} is a oneOf"));
    let mut consts = BTreeSet::new();
    for branch in branches {
        let branch = resolve(document, branch);
        let value = branch["properties"][tag]["const"]
            .as_str()
            .unwrap_or_else(|| panic!("every branch of {name} fixes {tag} with const"));
        consts.insert(value.to_owned());
    }
    let sample_tags: BTreeSet<String> = variant_samples
        .iter()
        .map(|sample| sample[tag].as_str().expect("tag is a string").to_owned())
        .collect();
    assert_eq!(consts, sample_tags, "variants of {name} in the document differ from the code");
    for sample in variant_samples {
        let branch = branches
            .iter()
            .map(|branch| resolve(document, branch))
            .find(|branch| branch["properties"][tag]["const"] == sample[tag])
            .expect("branch for the sample");
        check_object(&format!("{name}/{}", sample[tag]), branch, sample);
    }
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serialize sample")
}

#[test]
fn object_schemas_match_samples() {
    let document = document();
    let schema = |name: &str| document["components"]["schemas"][name].clone();
    let batch = json(&samples::push_batch());
    check_object("PushBatch", &schema("PushBatch"), &batch);
    check_object("PushRecord", &schema("PushRecord"), &batch["records"][0]);
    check_object("PushResponse", &schema("PushResponse"), &json(&samples::push_response()));
    let page = json(&samples::decision_page());
    check_object("DecisionPage", &schema("DecisionPage"), &page);
    check_object("Decision", &schema("Decision"), &page["decisions"][0]);
    check_object("ServerTime", &schema("ServerTime"), &json(&samples::server_time()));
    check_object("BlobReceipt", &schema("BlobReceipt"), &json(&samples::blob_receipt()));
    let blob_batch = json(&samples::blob_batch());
    check_object("BlobBatch", &schema("BlobBatch"), &blob_batch);
    check_object("BlobBatchEntry", &schema("BlobBatchEntry"), &blob_batch["blobs"][0]);
    check_object("BlobBatchResponse", &schema("BlobBatchResponse"), &json(&samples::blob_batch_response()));
    check_object("DeviceEnrolment", &schema("DeviceEnrolment"), &json(&samples::device_enrolment()));
    check_object("EnrolmentReceipt", &schema("EnrolmentReceipt"), &json(&samples::enrolment_receipt()));
    check_object("ApiError", &schema("ApiError"), &json(&samples::api_error()));
}

#[test]
fn union_schemas_match_samples() {
    let document = document();
    let kinds: Vec<Value> = samples::record_kinds().iter().map(json).collect();
    check_union(&document, "RecordKind", "type", &kinds);
    let results: Vec<Value> = samples::push_response().results.iter().map(json).collect();
    check_union(&document, "RecordResult", "status", &results);
    let blob_results: Vec<Value> = samples::blob_batch_response().results.iter().map(json).collect();
    check_union(&document, "BlobResult", "status", &blob_results);
    let decisions: Vec<Value> =
        samples::decision_page().decisions.iter().map(|decision| json(&decision.kind)).collect();
    check_union(&document, "DecisionKind", "type", &decisions);
}
