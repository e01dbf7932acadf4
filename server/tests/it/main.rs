//! The server's integration tests, in one test binary.
//!
//! One binary instead of one per file: each binary links the whole server (Sea-ORM, axum,
//! Leptos), so two dozen of them cost minutes of linking and gigabytes of disk on a 2-core CI
//! machine. Every test still gets its own database (`support::TestDb`), so they run side by side
//! as before. `upload_memory` keeps its own binary: it reads this process's peak memory, which
//! other tests' allocations would blur.

mod contract_world;
mod support;

mod access_matrix;
mod accounts;
mod admin;
mod attachments;
mod audit_trail;
mod cli;
mod connections;
mod contract_attachments;
mod contract_list;
mod contracts;
mod crash;
mod decision;
mod demo;
mod desk;
mod hardening;
mod metrics;
mod notified;
mod order_desk;
mod outbox;
mod parallel_routers;
mod payment_links;
mod quote_api;
mod renewals;
mod robot;
#[cfg(feature = "s3")]
mod s3;
mod saved_quotes;
mod security;
mod signin_burst;
mod stored_markup;
mod two_processes;
mod ui;
mod visibility;
mod wecom;
mod writer;
