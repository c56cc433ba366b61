// Tests for BLTModel live in this bundle.
