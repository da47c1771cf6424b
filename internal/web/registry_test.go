package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"byline/internal/web/admin"
	"byline/internal/web/core"
	"byline/internal/web/site"
)

// packageFuncs parses the Go files (not the tests) of the site's packages
// and returns their functions and methods by name.
func packageFuncs(t *testing.T) map[string]*ast.FuncDecl {
	t.Helper()
	var files []string
	for _, dir := range []string{"core", "site", "admin"} {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, names...)
	}
	fset := token.NewFileSet()
	funcs := map[string]*ast.FuncDecl{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				funcs[fd.Name.Name] = fd
			}
		}
	}
	return funcs
}

// params are a function's parameter names in order.
func params(fd *ast.FuncDecl) []string {
	var names []string
	for _, f := range fd.Type.Params.List {
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
	}
	return names
}

// calleeName is the name of the function or method a call calls.
func calleeName(call *ast.CallExpr) string {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		// s.Render, not s.Newsletter.Render: a method of the site's own
		// types, or a package's function.
		if _, ok := fn.X.(*ast.Ident); ok {
			return fn.Sel.Name
		}
	}
	return ""
}

// TestTemplateNames finds every page name the code renders (the name
// given to render, or to a function that hands its own name parameter on
// to render) and every template it executes by name, and checks each
// exists: a page missing its template fails here, not for a reader.
func TestTemplateNames(t *testing.T) {
	c, err := core.New(core.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ParseTemplates((&site.Server{Server: c}).Funcs(), (&admin.Server{Server: c}).Funcs()); err != nil {
		t.Fatal(err)
	}
	tmpl := c.Tmpl
	funcs := packageFuncs(t)

	// sinks: functions whose parameter at that index names a page.
	sinks := map[string]int{"Render": slices.Index(params(funcs["Render"]), "name")}
	if sinks["Render"] < 0 {
		t.Fatal("render has no name parameter")
	}
	for grew := true; grew; {
		grew = false
		for fname, fd := range funcs {
			ps := params(fd)
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				i, ok := sinks[calleeName(call)]
				if !ok || i >= len(call.Args) {
					return true
				}
				if id, ok := call.Args[i].(*ast.Ident); ok {
					if j := slices.Index(ps, id.Name); j >= 0 {
						if _, known := sinks[fname]; !known {
							sinks[fname], grew = j, true
						}
					}
				}
				return true
			})
		}
	}

	// literals are the strings an expression can be: a literal, or a call
	// of a package function that returns only literals.
	literals := func(e ast.Expr) ([]string, bool) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			v, err := strconv.Unquote(lit.Value)
			return []string{v}, err == nil
		}
		call, ok := e.(*ast.CallExpr)
		if !ok {
			return nil, false
		}
		fd, ok := funcs[calleeName(call)]
		if !ok {
			return nil, false
		}
		var out []string
		all := true
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			ret, ok := n.(*ast.ReturnStmt)
			if !ok {
				return true
			}
			for _, r := range ret.Results {
				lit, ok := r.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					all = false
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				out = append(out, v)
			}
			return true
		})
		return out, all && len(out) > 0
	}

	checked := 0
	for fname, fd := range funcs {
		ps := params(fd)
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				callee := calleeName(n)
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "ExecuteTemplate" || isSelector(sel.X, "Tmpl") && sel.Sel.Name == "Partial") && len(n.Args) == 3 {
					if fname == "Partial" {
						return true // it runs the partial named by its caller, checked there
					}
					names, ok := literals(n.Args[1])
					if !ok {
						t.Errorf("%s: cannot tell which template %s runs", fname, sel.Sel.Name)
					}
					for _, name := range names {
						if name != "layout" && name != "content" && !slices.Contains(core.Partials, name) { // every page has both (checked at start-up)
							t.Errorf("%s executes template %q, which is not in partials (checked at start-up)", fname, name)
						}
						checked++
					}
					return true
				}
				i, ok := sinks[callee]
				if !ok || i >= len(n.Args) {
					return true
				}
				if id, ok := n.Args[i].(*ast.Ident); ok && slices.Contains(ps, id.Name) {
					if _, passes := sinks[fname]; passes {
						return true // checked where fname is called
					}
				}
				names, ok := literals(n.Args[i])
				if !ok {
					t.Errorf("%s: cannot tell which page %s renders", fname, callee)
				}
				for _, name := range names {
					if !tmpl.Has(name) {
						t.Errorf("%s renders page %q, which has no template", fname, name)
					}
					checked++
				}
			}
			return true
		})
	}
	if checked < 40 {
		t.Errorf("only %d template names found: has the way pages are rendered changed?", checked)
	}
}

func isSelector(e ast.Expr, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == name
}
