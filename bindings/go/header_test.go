package tokenkit

// The binding checked against include/tokenkit.h, so that a changed signature fails `make test-go`
// instead of corrupting a call at run time. cgo type-checks the Go side's calls when it compiles
// them; this test adds what cgo does not see or does not say plainly:
//   - every C function the binding calls (from Go, and from its C code: callbacks.c, the cgo
//     preambles) is declared in the header, with the number of arguments it is called with;
//   - the C trampolines handed to tokenkit as callbacks have exactly the parameter and return
//     types of the header's function-pointer typedefs, and callbacks.h matches callbacks.c;
//   - every type and constant the Go code names exists, and ABIVersion is the header's;
//   - borrowed strings (`const char *` accessors) are only copied, never freed, and strings from
//     `char **` outputs are freed: takeString and takeBytes never get an accessor's result;
//   - every function of the header is bound, or listed in notBound with the reason.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// notBound lists the header's functions the binding deliberately does not call.
var notBound = map[string]string{
	"tokenkit_error_kind": "the failing call's status is the kind; errorFromNative gets it from there",
}

// cFunc is a C function or function-pointer type: return type and parameter types, normalized.
type cFunc struct {
	ret    string
	params []string
}

func (f cFunc) String() string { return f.ret + "(" + strings.Join(f.params, ", ") + ")" }

type header struct {
	funcs     map[string]cFunc // functions
	fnTypes   map[string]cFunc // function-pointer typedefs
	types     map[string]bool  // typedef names
	constants map[string]string
}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	lineComment  = regexp.MustCompile(`//[^\n]*`)
	cToken       = regexp.MustCompile(`[A-Za-z_]\w*|\*`)
	cIdent       = regexp.MustCompile(`^[A-Za-z_]\w*$`)
	prototype    = regexp.MustCompile(`(?s)^\s*(?:static\s+)?([A-Za-z_][\w\s*]*?)\s*\b([A-Za-z_]\w*)\s*\((.*)\)\s*$`)
	fnTypedef    = regexp.MustCompile(`(?s)^\s*typedef\s+([A-Za-z_][\w\s*]*?)\s*\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)\s*$`)
	typeTypedef  = regexp.MustCompile(`(?s)typedef\s+(?:struct\s+|enum\s+)?\w*\s*(?:\{[^{}]*\})?\s*(\w+)\s*;`)
	define       = regexp.MustCompile(`(?m)^\s*#define\s+(\w+)\s+(.+?)\s*$`)
	enumConstant = regexp.MustCompile(`\b(TOKENKIT_[A-Z0-9_]+)\s*=\s*(-?\d+)`)
	cCall        = regexp.MustCompile(`\b((?:tokenkit|tkgo)_\w+)\s*\(`)
)

// stripC removes comments and preprocessor lines.
func stripC(src string) string {
	src = blockComment.ReplaceAllString(src, " ")
	src = lineComment.ReplaceAllString(src, " ")
	var lines []string
	for line := range strings.SplitSeq(src, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// normType writes a C type one way: "const struct tokenkit_token *" is "const tokenkit_token *".
func normType(t string) string {
	var out []string
	for _, tok := range cToken.FindAllString(t, -1) {
		if tok != "struct" && tok != "enum" {
			out = append(out, tok)
		}
	}
	return strings.Join(out, " ")
}

// splitTop splits s at the commas outside parentheses.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if last := strings.TrimSpace(s[start:]); last != "" || len(parts) > 0 {
		parts = append(parts, s[start:])
	}
	return parts
}

// paramTypes turns a C parameter list into its normalized types: names dropped, "void" is none.
func paramTypes(list string) []string {
	list = strings.TrimSpace(list)
	if list == "" || list == "void" {
		return nil
	}
	var types []string
	for _, p := range splitTop(list) {
		toks := cToken.FindAllString(p, -1)
		// The last token is the parameter's name when a type comes before it.
		if n := len(toks); n > 1 && toks[n-1] != "*" && !slices.Contains([]string{"const", "struct", "enum"}, toks[n-2]) {
			toks = toks[:n-1]
		}
		types = append(types, normType(strings.Join(toks, " ")))
	}
	return types
}

// parseDecls reads the prototypes and function-pointer typedefs of C source.
func parseDecls(src string) (funcs, fnTypes map[string]cFunc) {
	funcs, fnTypes = map[string]cFunc{}, map[string]cFunc{}
	for _, stmt := range strings.Split(stripC(src), ";") {
		if m := fnTypedef.FindStringSubmatch(stmt); m != nil {
			fnTypes[m[2]] = cFunc{normType(m[1]), paramTypes(m[3])}
			continue
		}
		if i := strings.LastIndexAny(stmt, "{}"); i >= 0 {
			stmt = stmt[i+1:]
		}
		if m := prototype.FindStringSubmatch(stmt); m != nil && !strings.Contains(m[1], "typedef") {
			funcs[m[2]] = cFunc{normType(m[1]), paramTypes(m[3])}
		}
	}
	return funcs, fnTypes
}

// parseDefinitions reads the function definitions of C source: `RET name(PARAMS) {`.
func parseDefinitions(src string) map[string]cFunc {
	defs := map[string]cFunc{}
	src = stripC(src)
	for i := strings.Index(src, "{"); i >= 0; {
		head := src[:i]
		if j := strings.LastIndexAny(head, ";}"); j >= 0 {
			head = head[j+1:]
		}
		if m := prototype.FindStringSubmatch(head); m != nil && !strings.Contains(m[1], "=") {
			defs[m[2]] = cFunc{normType(m[1]), paramTypes(m[3])}
		}
		next := strings.Index(src[i+1:], "{")
		if next < 0 {
			break
		}
		i += next + 1
	}
	return defs
}

func readHeader(t *testing.T) *header {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "include", "tokenkit.h"))
	if err != nil {
		t.Fatal(err)
	}
	h := &header{types: map[string]bool{}, constants: map[string]string{}}
	h.funcs, h.fnTypes = parseDecls(string(src))
	stripped := stripC(string(src))
	for _, m := range typeTypedef.FindAllStringSubmatch(stripped, -1) {
		h.types[m[1]] = true
	}
	for name := range h.fnTypes {
		h.types[name] = true
	}
	for _, m := range define.FindAllStringSubmatch(blockComment.ReplaceAllString(string(src), " "), -1) {
		h.constants[m[1]] = m[2]
	}
	for _, m := range enumConstant.FindAllStringSubmatch(stripped, -1) {
		h.constants[m[1]] = m[2]
	}
	if len(h.funcs) < 50 || len(h.fnTypes) != 5 || !h.types["tokenkit_token"] || h.constants["TOKENKIT_STATUS_OK"] != "0" {
		t.Fatalf("the header parser found %d functions, %d callback types: it no longer reads tokenkit.h",
			len(h.funcs), len(h.fnTypes))
	}
	return h
}

// goUse is what the Go sources do with C: calls by name with their argument counts, other names.
type goUse struct {
	calls map[string][]goCall
	names map[string][]token.Position // C.x not called: types, constants
	cCode map[string]string           // C code: cgo preambles and .c/.h files, by file
	files []*ast.File
	fset  *token.FileSet
}

type goCall struct {
	args int
	pos  token.Position
	expr *ast.CallExpr
}

func readGo(t *testing.T) *goUse {
	t.Helper()
	u := &goUse{calls: map[string][]goCall{}, names: map[string][]token.Position{}, cCode: map[string]string{},
		fset: token.NewFileSet()}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(path, ".c") || strings.HasSuffix(path, ".h"):
			src, err := os.ReadFile(path)
			u.cCode[path] = string(src)
			return err
		case !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		f, err := parser.ParseFile(u.fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		u.files = append(u.files, f)
		for _, decl := range f.Decls {
			if gen, ok := decl.(*ast.GenDecl); ok && gen.Tok == token.IMPORT && gen.Doc != nil &&
				len(gen.Specs) == 1 && gen.Specs[0].(*ast.ImportSpec).Path.Value == `"C"` {
				u.cCode[path+" (cgo preamble)"] += gen.Doc.Text()
			}
		}
		called := map[*ast.SelectorExpr]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := cSelector(call.Fun); ok {
					called[sel] = true
					u.calls[sel.Sel.Name] = append(u.calls[sel.Sel.Name], goCall{len(call.Args), u.fset.Position(call.Pos()), call})
				}
			}
			if sel, ok := cSelector(n); ok && !called[sel] {
				u.names[sel.Sel.Name] = append(u.names[sel.Sel.Name], u.fset.Position(sel.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.calls) < 50 || len(u.cCode) < 3 {
		t.Fatalf("found %d C functions called from Go and %d pieces of C code: the scan is broken", len(u.calls), len(u.cCode))
	}
	return u
}

// cSelector matches C.name.
func cSelector(n ast.Node) (*ast.SelectorExpr, bool) {
	sel, ok := n.(*ast.SelectorExpr)
	if !ok {
		return nil, false
	}
	x, ok := sel.X.(*ast.Ident)
	return sel, ok && x.Name == "C"
}

// cCalls finds the calls in C code: name and arguments, split at the top level.
func cCalls(src string) map[string][][]string {
	calls := map[string][][]string{}
	src = stripC(src)
	for _, m := range cCall.FindAllStringSubmatchIndex(src, -1) {
		name, open := src[m[2]:m[3]], m[1]-1
		depth, end := 0, -1
		for i := open; i < len(src) && end < 0; i++ {
			switch src[i] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			continue
		}
		// A declaration or definition, not a call: the name follows a type.
		before := strings.TrimRight(src[:m[2]], " \t\n")
		if strings.HasSuffix(before, "tokenkit_status") || strings.HasSuffix(before, "void") || strings.HasSuffix(before, "*") {
			continue
		}
		var args []string
		for _, a := range splitTop(src[open+1 : end]) {
			args = append(args, strings.TrimSpace(a))
		}
		calls[name] = append(calls[name], args)
	}
	return calls
}

func TestHeaderParser(t *testing.T) {
	funcs, fnTypes := parseDecls(`
/* a comment; with a semicolon */
typedef int32_t (*cb_fn)(void *user_data,
                         const struct tokenkit_token *token);
extern "C" {
tokenkit_status tokenkit_a(
    const struct tokenkit_client *client,
    char **out,
    struct tokenkit_error **err);
uint8_t tokenkit_b(const struct tokenkit_token *token, int64_t *seconds);
struct tokenkit_config *tokenkit_config_new(void);
const char *tokenkit_version(void);
}`)
	want := map[string]string{
		"tokenkit_a":          "tokenkit_status(const tokenkit_client *, char * *, tokenkit_error * *)",
		"tokenkit_b":          "uint8_t(const tokenkit_token *, int64_t *)",
		"tokenkit_config_new": "tokenkit_config *()",
		"tokenkit_version":    "const char *()",
	}
	for name, sig := range want {
		if got := funcs[name].String(); got != sig {
			t.Errorf("%s: %s, want %s", name, got, sig)
		}
	}
	if got := fnTypes["cb_fn"].String(); got != "int32_t(void *, const tokenkit_token *)" {
		t.Errorf("cb_fn: %s", got)
	}
	calls := cCalls(`static int32_t f(void *u) { return tokenkit_x(a, (void *)h, g(b, c), NULL); }`)
	if args := calls["tokenkit_x"]; len(args) != 1 || len(args[0]) != 4 || args[0][1] != "(void *)h" {
		t.Errorf("C calls: %q", calls)
	}
}

func TestBindingMatchesHeader(t *testing.T) {
	h := readHeader(t)
	u := readGo(t)
	used := map[string]bool{}

	// The ABI version is written once, in the header; the package's constant must agree.
	if got := h.constants["TOKENKIT_ABI_VERSION"]; got != strconv.Itoa(ABIVersion) {
		t.Errorf("tokenkit.h is ABI version %s, the package was written for %d", got, ABIVersion)
	}

	// The shims of callbacks.h and tokencall.h, as the .c file of each defines them.
	shims := map[string]cFunc{}
	for _, pair := range []string{"callbacks", "tokencall"} {
		decls, _ := parseDecls(u.cCode[pair+".h"])
		defs := parseDefinitions(u.cCode[pair+".c"])
		if len(decls) == 0 {
			t.Errorf("%s.h declares no shim: the parser no longer reads it", pair)
		}
		for name, decl := range decls {
			if def, ok := defs[name]; !ok || def.String() != decl.String() {
				t.Errorf("%s.h declares %s %v, %s.c defines %v", pair, name, decl, pair, def)
			}
			shims[name] = decl
		}
	}

	// Calls from Go.
	for name, calls := range u.calls {
		var f cFunc
		switch {
		case strings.HasPrefix(name, "tokenkit_"):
			var ok bool
			if f, ok = h.funcs[name]; !ok {
				t.Errorf("%s: C.%s is not declared in tokenkit.h", calls[0].pos, name)
				continue
			}
			used[name] = true
		case strings.HasPrefix(name, "tkgo_"):
			var ok bool
			if f, ok = shims[name]; !ok {
				t.Errorf("%s: C.%s is not declared in callbacks.h or tokencall.h", calls[0].pos, name)
				continue
			}
		default:
			continue // the C library's own (strlen, calloc, free) and conversions (C.int64_t(x))
		}
		for _, c := range calls {
			if c.args != len(f.params) {
				t.Errorf("%s: C.%s called with %d arguments; the header has %d: %v", c.pos, name, c.args, len(f.params), f)
			}
		}
	}

	// Calls from C: the shims, the cgo preambles.
	for file, src := range u.cCode {
		trampolines := parseDefinitions(src)
		for name, calls := range cCalls(src) {
			f, ok := h.funcs[name]
			if !ok {
				if _, shim := shims[name]; !shim {
					t.Errorf("%s calls %s, which tokenkit.h does not declare", file, name)
				}
				continue
			}
			used[name] = true
			for _, args := range calls {
				if len(args) != len(f.params) {
					t.Errorf("%s: %s called with %d arguments; the header has %d: %v", file, name, len(args), len(f.params), f)
					continue
				}
				// A callback argument: the trampoline must have the typedef's exact type.
				for i, arg := range args {
					tramp, ok := trampolines[arg]
					if !ok || !cIdent.MatchString(arg) {
						continue
					}
					fnType, ok := h.fnTypes[f.params[i]]
					if !ok {
						t.Errorf("%s: %s gets the function %s where the header has %s", file, name, arg, f.params[i])
					} else if tramp.String() != fnType.String() {
						t.Errorf("%s: trampoline %s is %v, but %s is %v", file, arg, tramp, f.params[i], fnType)
					}
				}
			}
		}
	}

	// Types and constants the Go code names.
	for name, where := range u.names {
		switch {
		case strings.HasPrefix(name, "tokenkit_"):
			if !h.types[name] {
				t.Errorf("%s: C.%s is not a type of tokenkit.h", where[0], name)
			}
		case strings.HasPrefix(name, "TOKENKIT_"):
			if _, ok := h.constants[name]; !ok {
				t.Errorf("%s: C.%s is not a constant of tokenkit.h", where[0], name)
			}
		}
	}

	// Every function is bound, or deliberately not.
	for name := range h.funcs {
		reason, skipped := notBound[name]
		switch {
		case used[name] && skipped:
			t.Errorf("%s is used, but notBound says: %s", name, reason)
		case !used[name] && !skipped:
			t.Errorf("tokenkit.h declares %s, which the Go binding neither calls nor lists in notBound", name)
		}
	}
	for name := range notBound {
		if _, ok := h.funcs[name]; !ok {
			t.Errorf("notBound lists %s, which tokenkit.h does not declare", name)
		}
	}
}

// Borrowed `const char *` results are copied (borrowedString, borrowedBytes, C.GoString), never
// freed; takeString and takeBytes, which free, only get strings from `char **` outputs.
func TestStringOwnership(t *testing.T) {
	h := readHeader(t)
	u := readGo(t)
	parents := map[*ast.CallExpr]string{}
	for _, f := range u.files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var callee string
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				callee = fun.Name
			case *ast.SelectorExpr:
				if sel, ok := cSelector(fun); ok {
					callee = "C." + sel.Sel.Name
				}
			}
			for _, arg := range call.Args {
				if inner, ok := arg.(*ast.CallExpr); ok {
					parents[inner] = callee
				}
			}
			return true
		})
	}
	borrowing := 0
	for name, calls := range u.calls {
		f, ok := h.funcs[name]
		if !ok || f.ret != "const char *" {
			continue
		}
		for _, c := range calls {
			borrowing++
			switch parent := parents[c.expr]; parent {
			case "borrowedString", "borrowedBytes", "C.GoString":
			default:
				t.Errorf("%s: the borrowed result of %s goes to %q; copy it with borrowedString or borrowedBytes", c.pos, name, parent)
			}
		}
	}
	if borrowing < 20 {
		t.Errorf("found %d calls of accessors: the scan is broken", borrowing)
	}
	for _, c := range u.calls["tokenkit_string_free"] {
		if !strings.HasSuffix(c.pos.Filename, "native.go") {
			t.Errorf("%s: tokenkit_string_free outside takeString and takeBytes", c.pos)
		}
	}
}
