//! Outbound preview records (placeholder).
