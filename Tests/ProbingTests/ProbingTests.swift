// Tests for Probing live in this bundle.
