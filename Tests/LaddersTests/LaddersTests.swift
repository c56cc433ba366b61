// Tests for Ladders live in this bundle.
