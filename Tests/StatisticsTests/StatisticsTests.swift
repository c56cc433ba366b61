// Tests for Statistics live in this bundle.
