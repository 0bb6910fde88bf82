
a
bspiffe://example.org/other