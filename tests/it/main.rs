//! Integration tests: the real CLI in temporary folders, and the library on
//! small scenarios checked against queueing theory and the physics of the
//! network model.

mod behaviour;
mod cli;
mod docs;
mod failover;
mod golden;
mod layers;
mod plan;
mod properties;
mod queueing;
mod report;
mod safety;
mod services;
mod support;
mod sweep;
mod telemetry;
