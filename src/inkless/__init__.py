"""inkless: an engine for a coalition that defends without a treaty."""
