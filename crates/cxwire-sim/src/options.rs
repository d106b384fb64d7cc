//! Configuration options (placeholder).
