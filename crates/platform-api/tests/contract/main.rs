//! Contract tests of platform-api: the frozen JSON of every wire type, and the OpenAPI
//! document checked against the code.

mod golden;
mod openapi;
mod samples;
