
fuzzspiffe://example.org/fuzz