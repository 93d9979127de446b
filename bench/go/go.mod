module github.com/tokenkit/tokenkit/bench/go

go 1.26.0

require github.com/tokenkit/tokenkit/bindings/go v0.0.0

// The binding as it is in this tree.
replace github.com/tokenkit/tokenkit/bindings/go => ../../bindings/go
