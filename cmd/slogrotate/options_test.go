package main

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestFlagsCoverOptions keeps the flags, the library's options and
// docs/command.md in step: every exported With* function of the library
// is set by a flag or named in the paragraph of docs/command.md on
// options without a flag; every flag that sets an option is a row of
// docs/command.md naming that option; every flag is documented and every
// documented flag exists.
func TestFlagsCoverOptions(t *testing.T) {
	s := newSettings()
	fl := s.flagSet(io.Discard)
	doc, err := os.ReadFile("../../docs/command.md")
	if err != nil {
		t.Fatal(err)
	}
	rows, noFlag := docOptions(string(doc))
	set := map[string]bool{}
	for _, o := range s.optionOf {
		set[o] = true
	}
	for _, o := range libraryOptions(t) {
		if !set[o] && !noFlag[o] {
			t.Errorf("%s has no flag, and docs/command.md does not say why among the options without a flag", o)
		}
		if set[o] && noFlag[o] {
			t.Errorf("%s has a flag, but docs/command.md lists it among the options without one", o)
		}
	}
	for name, o := range s.optionOf {
		if !slices.Contains(rows[name], o) {
			t.Errorf("-%s sets %s, but no row of docs/command.md says so (it says %v)", name, o, rows[name])
		}
	}
	fl.VisitAll(func(f *flag.Flag) {
		if _, ok := rows[f.Name]; !ok {
			t.Errorf("-%s is not in docs/command.md's tables", f.Name)
		}
	})
	for name := range rows {
		if fl.Lookup(name) == nil {
			t.Errorf("docs/command.md documents -%s, which is no flag", name)
		}
	}
}

var (
	docFlag   = regexp.MustCompile("`-([a-z-]+)")
	docOption = regexp.MustCompile("`(With[A-Za-z]+)[(`]")
)

// docOptions reads docs/command.md: the flags of every table row with the
// options the row names (none in the command's own table), and the
// options named in the paragraph that starts "Options without a flag".
func docOptions(doc string) (rows map[string][]string, noFlag map[string]bool) {
	rows, noFlag = map[string][]string{}, map[string]bool{}
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "| `-") {
			continue
		}
		cells := strings.Split(line, " | ")
		var opts []string
		if len(cells) > 2 {
			for _, m := range docOption.FindAllStringSubmatch(cells[1], -1) {
				opts = append(opts, m[1])
			}
		}
		for _, m := range docFlag.FindAllStringSubmatch(cells[0], -1) {
			rows[m[1]] = append(rows[m[1]], opts...)
		}
	}
	_, para, _ := strings.Cut(doc, "Options without a flag")
	para, _, _ = strings.Cut(para, "\n\n")
	for _, m := range docOption.FindAllStringSubmatch(para, -1) {
		noFlag[m[1]] = true
	}
	return rows, noFlag
}

// libraryOptions lists the exported With* functions of the library, read
// from its source beside this module.
func libraryOptions(t *testing.T) []string {
	files, err := filepath.Glob("../../*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("the library's source is not at ../..: %v", err)
	}
	var opts []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "With") && fn.Name.IsExported() {
				opts = append(opts, fn.Name.Name)
			}
		}
	}
	if len(opts) < 20 {
		t.Fatalf("found only %d With* functions in the library: %v", len(opts), opts)
	}
	return opts
}
