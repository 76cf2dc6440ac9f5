"""Versioned schema migrations of the PostgreSQL backend: NNNN_name.sql, applied in order, never destructive."""
