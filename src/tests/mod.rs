//! Unit tests of the pure parts (no sockets): parsing, request building, capabilities.

mod capabilities;
mod parse;
mod request;
mod security;
