// Tests for Metrics live in this bundle.
