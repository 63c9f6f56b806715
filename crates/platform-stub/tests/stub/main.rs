//! Tests of the stand-in platform: the contract's rules through its router (signed
//! requests built by hand), and the socket-level faults through a real loopback server.

mod clerk_keys;
mod contract;
mod helpers;
mod socket;
