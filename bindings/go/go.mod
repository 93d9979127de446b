module github.com/tokenkit/tokenkit/bindings/go

go 1.26
